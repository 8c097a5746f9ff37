package org.icupgrade.http;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.icupgrade.protocol.RequestId;

/**
 * Ed25519 (RFC 8032) as the IC uses it (spec, "Signatures"): a 32-byte seed as the private key,
 * the public key in its DER form (RFC 8410: {@link #DER_PREFIX} then the 32-byte key), 64-byte
 * signatures. The agent signs every request this way and checks every query answer's node
 * signature, so its speed is part of each call's cost: the arithmetic is Bouncy Castle's {@code
 * rfc8032} code (already the agent's PEM reader), measured on this project's 2-core machine at
 * 52 µs a signature and 72 µs a verification against the JDK's 510 µs and 515 µs. (The embedded
 * replica keeps the JDK's: it carries no Bouncy Castle into its users' tests.)
 */
final class Ed25519 {
  /** Spec, "Signatures", Ed25519: the DER (RFC 8410) prefix of a 32-byte public key. */
  static final byte[] DER_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  /** A seed (private key) is 32 bytes. */
  static final int SEED_LENGTH = 32;
  /** A public key is 32 bytes, 44 in DER. */
  static final int PUBLIC_KEY_LENGTH = 32;
  /** A signature is 64 bytes. */
  static final int SIGNATURE_LENGTH = 64;

  private Ed25519() {}

  /** A new random seed. */
  static byte[] newSeed(SecureRandom random) {
    byte[] seed = new byte[SEED_LENGTH];
    random.nextBytes(seed);
    return seed;
  }

  /**
   * The 32-byte public key of {@code seed}.
   *
   * @throws IllegalArgumentException if the seed is not 32 bytes
   */
  static byte[] publicKey(byte[] seed) {
    checkSeed(seed);
    byte[] pk = new byte[PUBLIC_KEY_LENGTH];
    org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
    return pk;
  }

  /** The DER public key of {@code seed}. */
  static byte[] publicKeyDer(byte[] seed) {
    return RequestId.concat(DER_PREFIX, publicKey(seed));
  }

  /**
   * The signature of {@code message} under {@code seed}, whose public key is {@code publicKey}
   * (32 bytes, as {@link #publicKey} gives it: passed so that it is not derived again).
   *
   * @throws IllegalArgumentException if the seed or the key is not of its length
   */
  static byte[] sign(byte[] seed, byte[] publicKey, byte[] message) {
    checkSeed(seed);
    if (publicKey.length != PUBLIC_KEY_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
    }
    byte[] sig = new byte[SIGNATURE_LENGTH];
    org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, publicKey, 0, message, 0,
        message.length, sig, 0);
    return sig;
  }

  /**
   * The 32-byte key of a DER Ed25519 public key.
   *
   * @throws IllegalArgumentException if {@code der} is not {@link #DER_PREFIX} and 32 bytes
   */
  static byte[] fromDer(byte[] der) {
    if (der.length != DER_PREFIX.length + PUBLIC_KEY_LENGTH
        || !Arrays.equals(der, 0, DER_PREFIX.length, DER_PREFIX, 0, DER_PREFIX.length)) {
      throw new IllegalArgumentException("not a DER Ed25519 public key (RFC 8410: 302a3005"
          + "06032b6570032100 and 32 bytes)");
    }
    return Arrays.copyOfRange(der, DER_PREFIX.length, der.length);
  }

  /**
   * Whether {@code signature} is the signature of {@code message} under the 32-byte {@code
   * publicKey} (RFC 8032 verification: a canonical S, a key and an R that decode to points).
   * False for a signature or key of the wrong length.
   */
  static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey.length != PUBLIC_KEY_LENGTH || signature.length != SIGNATURE_LENGTH) {
      return false;
    }
    return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, publicKey, 0, message,
        0, message.length);
  }

  private static void checkSeed(byte[] seed) {
    if (seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
  }
}
