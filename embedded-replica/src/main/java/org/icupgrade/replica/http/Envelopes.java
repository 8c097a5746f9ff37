package org.icupgrade.replica.http;

import org.icupgrade.protocol.RequestId;
import org.icupgrade.protocol.Secp256k1;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.icupgrade.core.Principal;

/**
 * The checks on a request envelope {@code {content, sender_pubkey?, sender_sig?,
 * sender_delegation?}} (spec, "Authentication" and "Envelope"): the sender derived from the public
 * key, the signature over {@code "\x0Aic-request" ++ request_id}, and {@code ingress_expiry}.
 */
final class Envelopes {
  /** Spec, "Request expiry": at most 5 minutes in the future, plus a drift this replica allows. */
  static final Duration MAX_EXPIRY_AHEAD = Duration.ofMinutes(5);

  static final Duration DRIFT = Duration.ofSeconds(30);

  /** Spec, "Signatures", Ed25519: the DER (RFC 8410) prefix of a 32-byte public key. */
  static final byte[] ED25519_DER_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  /** Spec, "Signatures", ECDSA secp256k1: the DER prefix of an uncompressed 65-byte key. */
  static final byte[] SECP256K1_DER_PREFIX =
      HexFormat.of().parseHex("3056301006072a8648ce3d020106052b8104000a034200");

  /** Spec, "Signatures", ECDSA P-256: the DER prefix of an uncompressed 65-byte key. */
  static final byte[] P256_DER_PREFIX =
      HexFormat.of().parseHex("3059301306072a8648ce3d020106082a8648ce3d030107034200");

  /** Spec, "Authentication": the domain separator of request signatures. */
  static final byte[] REQUEST_DOMAIN = RequestId.concat(new byte[] {0x0A},
      "ic-request".getBytes(StandardCharsets.US_ASCII));

  private static final String BAD_SIGNATURE = "sender_sig does not verify against"
      + " sender_pubkey over \"\\x0Aic-request\" ++ request id (spec, \"Authentication\")";

  private Envelopes() {}

  /** A request the replica refuses, answered with an HTTP 400 (or {@code status}). */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }

    Refused(String message) {
      this(400, message);
    }
  }

  /** A checked request: its content, id and authenticated sender. */
  record Checked(Map<String, Object> content, byte[] requestId, Principal sender) {}

  /**
   * Checks an envelope decoded from CBOR; {@code nowNanos} is the replica's time.
   *
   * @throws Refused if it is malformed, expired, or its signature does not verify
   */
  @SuppressWarnings("unchecked")
  static Checked check(Object decoded, String requestType, long nowNanos) {
    if (!(decoded instanceof Map<?, ?> env)) {
      throw new Refused("the request body is not a CBOR map (spec, \"Envelope\")");
    }
    if (!(env.get("content") instanceof Map<?, ?> c)) {
      throw new Refused("the envelope has no content map (spec, \"Envelope\")");
    }
    Map<String, Object> content = (Map<String, Object>) c;
    if (!requestType.equals(content.get("request_type"))) {
      throw new Refused("request_type must be \"" + requestType + "\" at this endpoint, got "
          + content.get("request_type"));
    }
    byte[] requestId;
    try {
      requestId = RequestId.of(content);
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage());
    }
    checkExpiry(content.get("ingress_expiry"), nowNanos);
    byte[] senderBytes = bytes(content, "sender");
    Principal sender;
    try {
      sender = Principal.fromBytes(senderBytes);
    } catch (RuntimeException e) {
      throw new Refused("sender is not a principal: " + e.getMessage());
    }
    if (env.get("sender_delegation") != null) {
      throw new Refused("sender_delegation is not supported by the embedded replica yet;"
          + " sign with the identity's own key");
    }
    Object pk = env.get("sender_pubkey");
    Object sig = env.get("sender_sig");
    if (sender.isAnonymous()) {
      // Spec, "Authentication": the anonymous principal 0x04 sends without key nor signature.
      if (pk != null || sig != null) {
        throw new Refused("an anonymous request (sender 0x04) must carry neither sender_pubkey"
            + " nor sender_sig");
      }
      return new Checked(content, requestId, sender);
    }
    if (!(pk instanceof byte[] key) || !(sig instanceof byte[] signature)) {
      throw new Refused("sender " + sender + " is not anonymous: the envelope needs"
          + " sender_pubkey and sender_sig (spec, \"Authentication\")");
    }
    // Spec, "Principals", self-authenticating ids: SHA-224(DER public key) ++ 0x02.
    if (!Arrays.equals(senderBytes, selfAuthenticating(key))) {
      throw new Refused("sender " + sender + " is not the self-authenticating principal of"
          + " sender_pubkey (" + Principal.fromBytes(selfAuthenticating(key)) + ")");
    }
    verify(key, RequestId.concat(REQUEST_DOMAIN, requestId), signature);
    return new Checked(content, requestId, sender);
  }

  static void checkExpiry(Object expiry, long nowNanos) {
    long e;
    if (expiry instanceof Long l && l >= 0) {
      e = l;
    } else if (expiry instanceof BigInteger) {
      e = Long.MAX_VALUE;
    } else {
      throw new Refused("ingress_expiry is missing or not a natural number (spec, \"Request"
          + " expiry\")");
    }
    if (e < nowNanos) {
      throw new Refused("ingress_expiry " + e + " is in the past (replica time " + nowNanos
          + " ns); the request expired, build a new one (spec, \"Request expiry\")");
    }
    long max = nowNanos + MAX_EXPIRY_AHEAD.plus(DRIFT).toNanos();
    if (e > max) {
      throw new Refused("ingress_expiry " + e + " is more than 5 minutes (plus "
          + DRIFT.toSeconds() + " s drift) after the replica's time " + nowNanos
          + " ns (spec, \"Request expiry\"); check the client's clock");
    }
  }

  static byte[] selfAuthenticating(byte[] derKey) {
    return Principal.selfAuthenticating(derKey).toBytes();
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length
        && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }

  /**
   * Spec, "Signatures": Ed25519 (RFC 8032) and ECDSA P-256 over SHA-256 via the JDK; ECDSA
   * secp256k1 over SHA-256 with {@link Secp256k1}.
   */
  static void verify(byte[] derKey, byte[] message, byte[] signature) {
    String algorithm;
    String keyAlgorithm;
    if (startsWith(derKey, ED25519_DER_PREFIX) && derKey.length == 44) {
      algorithm = "Ed25519";
      keyAlgorithm = "Ed25519";
    } else if (startsWith(derKey, P256_DER_PREFIX) && derKey.length == 91) {
      algorithm = "SHA256withECDSAinP1363Format";
      keyAlgorithm = "EC";
    } else if (startsWith(derKey, SECP256K1_DER_PREFIX) && derKey.length == 88) {
      boolean ok;
      try {
        ok = Secp256k1.verify(Secp256k1.point(
            Arrays.copyOfRange(derKey, SECP256K1_DER_PREFIX.length, derKey.length)),
            message, signature);
      } catch (IllegalArgumentException e) {
        throw new Refused("sender_pubkey is malformed: " + e.getMessage());
      }
      if (!ok) {
        throw new Refused(BAD_SIGNATURE);
      }
      return;
    } else {
      throw new Refused("sender_pubkey is not a DER Ed25519 or ECDSA P-256 public key (spec,"
          + " \"Signatures\")");
    }
    try {
      PublicKey key = KeyFactory.getInstance(keyAlgorithm)
          .generatePublic(new X509EncodedKeySpec(derKey));
      Signature s = Signature.getInstance(algorithm);
      s.initVerify(key);
      s.update(message);
      if (!s.verify(signature)) {
        throw new Refused(BAD_SIGNATURE);
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new Refused("sender_pubkey or sender_sig is malformed: " + e.getMessage());
    }
  }

  static byte[] bytes(Map<String, Object> content, String field) {
    if (!(content.get(field) instanceof byte[] b)) {
      throw new Refused("content." + field + " is missing or not a blob");
    }
    return b;
  }

  static String text(Map<String, Object> content, String field) {
    if (!(content.get(field) instanceof String s)) {
      throw new Refused("content." + field + " is missing or not text");
    }
    return s;
  }
}
