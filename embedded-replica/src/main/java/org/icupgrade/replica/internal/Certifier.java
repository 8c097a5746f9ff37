package org.icupgrade.replica.internal;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.HashTree;
import org.jspecify.annotations.Nullable;

/**
 * Signs state trees into certificates with the replica's BLS12-381 key (spec, "Certification": a
 * certificate is {@code {tree, signature}}, the signature a BLS signature over {@code
 * "\x0Dic-state-root" ++ root_hash}, verified with the root key). One key per replica, generated
 * when first needed; its DER public key is the root key the replica announces ({@code
 * /api/v2/status}). There is no delegation: the replica is its own root of trust, as a local
 * replica (dfx, PocketIC) is.
 */
public final class Certifier {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Made on first use: most replicas in tests never certify anything. */
  private volatile @Nullable Bls12381 key;

  /** A certifier whose key is generated when first needed. */
  public Certifier() {}

  /**
   * A certifier signing with the key of {@code secretKey} (a state directory's persisted key).
   *
   * @throws Bls12381.BlsException if the key is not a valid BLS12-381 secret key
   */
  public Certifier(byte[] secretKey) {
    this.key = Bls12381.fromSecretKey(secretKey);
  }

  /**
   * A new random secret key for {@link #Certifier(byte[])}: 32 bytes, big-endian, in [1, r - 1]
   * (rejection sampling with the top bit cleared, so that about nine draws in ten are kept).
   */
  public static byte[] newSecretKey() {
    byte[] k = new byte[Bls12381.SECRET_KEY_LENGTH];
    while (true) {
      RANDOM.nextBytes(k);
      k[0] &= 0x7f;
      try {
        Bls12381.fromSecretKey(k);
        return k;
      } catch (Bls12381.BlsException outOfRange) {
        // 0 or at least r: draw again.
      }
    }
  }

  private Bls12381 key() {
    Bls12381 k = key;
    if (k == null) {
      synchronized (this) {
        k = key;
        if (k == null) {
          k = Bls12381.generate(RANDOM);
          key = k;
        }
      }
    }
    return k;
  }

  /** The DER root key (spec, "Certification": the DER prefix, then the 96-byte G2 key). */
  public byte[] rootKey() {
    return key().publicKeyDer();
  }

  /** The certificate of {@code tree}, CBOR-encoded with the self-describing tag. */
  public byte[] certificate(HashTree tree) {
    Map<String, Object> cert = new LinkedHashMap<>();
    cert.put("tree", tree.cbor());
    cert.put("signature", key().sign(Certificate.signedMessage(tree)));
    return Cbor.encode(cert);
  }
}
