package org.icupgrade.replica.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.HashTree;

/**
 * Signs state trees into certificates with the replica's BLS12-381 key (spec, "Certification": a
 * certificate is {@code {tree, signature}}, the signature a BLS signature over {@code
 * "\x0Dic-state-root" ++ root_hash}, verified with the root key). One key per replica, generated
 * when it starts; its DER public key is the root key the replica announces ({@code
 * /api/v2/status}). There is no delegation: the replica is its own root of trust, as a local
 * replica (dfx, PocketIC) is.
 */
public final class Certifier {
  private final Bls12381 key;

  /** A certifier with a freshly generated key. */
  public Certifier() {
    this.key = Bls12381.generate();
  }

  /** The DER root key (spec, "Certification": the DER prefix, then the 96-byte G2 key). */
  public byte[] rootKey() {
    return key.publicKeyDer();
  }

  /** The certificate of {@code tree}, CBOR-encoded with the self-describing tag. */
  public byte[] certificate(HashTree tree) {
    Map<String, Object> cert = new LinkedHashMap<>();
    cert.put("tree", tree.cbor());
    cert.put("signature", key.sign(Certificate.signedMessage(tree)));
    return Cbor.encode(cert);
  }
}
