package org.icupgrade.replica.http;

import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.RequestId;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs state trees into certificates (spec, "Certification": a certificate is {@code {tree,
 * signature, delegation?}}, the signature a BLS12-381 signature over {@code "\x0Dic-state-root" ++
 * root_hash}).
 *
 * <p><b>The signature is NOT a valid BLS signature.</b> No pure-Java BLS12-381 is in this module
 * yet (signing needs hash-to-curve onto G1 per the IETF suite {@code
 * BLS12381G1_XMD:SHA-256_SSWU_RO_} and a scalar multiplication; the root key a G2 point). Until
 * then the root key is the DER prefix of a BLS12-381 G2 key followed by 96 random bytes (not a
 * curve point), and the signature is 48 bytes: SHA-256 of a secret and the signed message, then 16
 * zero bytes. A client verifying certificates (the IC's agents do by default) refuses them; this
 * replica's own {@link #verifies} checks them.
 */
final class Certifier {
  /** Spec, "Certification": the DER prefix of a BLS12-381 G2 public key (96 bytes follow). */
  static final byte[] BLS_DER_PREFIX = HexFormat.of().parseHex(
      "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");

  /** Spec, "Certification": the domain separator of the state root signature. */
  static final byte[] STATE_ROOT_DOMAIN = HashTree.domainSep("ic-state-root");

  private final byte[] secret = new byte[32];
  private final byte[] rootKey;

  Certifier() {
    SecureRandom random = new SecureRandom();
    random.nextBytes(secret);
    byte[] point = new byte[96];
    random.nextBytes(point);
    rootKey = RequestId.concat(BLS_DER_PREFIX, point);
  }

  /** The DER root key that {@code /api/v2/status} announces. */
  byte[] rootKey() {
    return rootKey.clone();
  }

  /** The certificate of {@code tree}, CBOR-encoded with the self-describing tag. */
  byte[] certificate(HashTree tree) {
    Map<String, Object> cert = new LinkedHashMap<>();
    cert.put("tree", tree.cbor());
    cert.put("signature", sign(tree.digest()));
    return Cbor.encode(cert);
  }

  /** The placeholder signature of a root hash (NOT BLS; see the class comment). */
  byte[] sign(byte[] rootHash) {
    byte[] h = RequestId.sha256(
        "icupgrade embedded replica placeholder, NOT BLS".getBytes(StandardCharsets.US_ASCII),
        secret, STATE_ROOT_DOMAIN, rootHash);
    return Arrays.copyOf(h, 48);
  }

  /** Whether {@code signature} is this replica's placeholder signature of {@code rootHash}. */
  boolean verifies(byte[] rootHash, byte[] signature) {
    return java.security.MessageDigest.isEqual(sign(rootHash), signature);
  }
}
