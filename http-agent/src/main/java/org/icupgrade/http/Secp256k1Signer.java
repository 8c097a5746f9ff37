package org.icupgrade.http;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.icupgrade.protocol.RequestId;
import org.icupgrade.protocol.Secp256k1;

/**
 * ECDSA signing on secp256k1 (SEC 1 section 4.1.3) over SHA-256, the nonce {@code k} derived
 * deterministically from the key and the message as RFC 6979 section 3.2 says (HMAC-SHA256), so no
 * random number generator can leak the key. Spec, "Signatures", ECDSA: the signature is the 64
 * bytes {@code r ++ s}; {@code s} is normalised to the lower half of the group order, as the IC's
 * agents (and libsecp256k1) produce it.
 *
 * <p>The arithmetic is {@link Secp256k1}'s {@link BigInteger} code, not constant-time: a signer on
 * a machine shared with an attacker who can time it should use a hardware or dfx-held key instead.
 */
final class Secp256k1Signer {
  private static final BigInteger HALF_N = Secp256k1.N.shiftRight(1);

  private final BigInteger d;
  private final byte[] publicKey;

  Secp256k1Signer(BigInteger d) {
    if (d.signum() <= 0 || d.compareTo(Secp256k1.N) >= 0) {
      throw new IllegalArgumentException("a secp256k1 private key is in [1, n)");
    }
    this.d = d;
    Secp256k1.Point q = Secp256k1.multiply(Secp256k1.G, d);
    if (q == null) {
      throw new IllegalArgumentException("a secp256k1 private key is in [1, n)");
    }
    this.publicKey = RequestId.concat(new byte[] {0x04}, int32(q.x()), int32(q.y()));
  }

  /** The uncompressed SEC 1 public key {@code 04 ++ x ++ y}. */
  byte[] publicKeySec1() {
    return publicKey.clone();
  }

  /** The signature {@code r ++ s} of SHA-256({@code message}). */
  byte[] sign(byte[] message) {
    byte[] h1 = RequestId.sha256(message);
    BigInteger e = new BigInteger(1, h1);
    Rfc6979 nonces = new Rfc6979(d, h1);
    while (true) {
      BigInteger k = nonces.next();
      Secp256k1.Point kg = Secp256k1.multiply(Secp256k1.G, k);
      if (kg == null) {
        continue;
      }
      BigInteger r = kg.x().mod(Secp256k1.N);
      if (r.signum() == 0) {
        continue;
      }
      BigInteger s = k.modInverse(Secp256k1.N).multiply(e.add(r.multiply(d))).mod(Secp256k1.N);
      if (s.signum() == 0) {
        continue;
      }
      if (s.compareTo(HALF_N) > 0) {
        s = Secp256k1.N.subtract(s);
      }
      return RequestId.concat(int32(r), int32(s));
    }
  }

  /** The unsigned 32-byte big-endian form of {@code v} (RFC 6979 section 2.3.3, int2octets). */
  static byte[] int32(BigInteger v) {
    byte[] b = v.toByteArray();
    if (b.length == 32) {
      return b;
    }
    if (b.length > 32) {
      return Arrays.copyOfRange(b, b.length - 32, b.length);
    }
    byte[] out = new byte[32];
    System.arraycopy(b, 0, out, 32 - b.length, b.length);
    return out;
  }

  /**
   * RFC 6979 section 3.2, steps b to h, for qlen = hlen = 256 (so bits2int is the plain integer of
   * 32 bytes, and one HMAC output is one candidate).
   */
  static final class Rfc6979 {
    private byte[] k = new byte[32];
    private byte[] v = new byte[32];

    Rfc6979(BigInteger x, byte[] h1) {
      byte[] xo = int32(x);
      // bits2octets(h1) = int2octets(bits2int(h1) mod q) (section 2.3.4).
      byte[] ho = int32(new BigInteger(1, h1).mod(Secp256k1.N));
      Arrays.fill(v, (byte) 0x01); // step b
      // k starts as 32 zero bytes (step c).
      k = hmac(k, v, new byte[] {0x00}, xo, ho); // step d
      v = hmac(k, v); // step e
      k = hmac(k, v, new byte[] {0x01}, xo, ho); // step f
      v = hmac(k, v); // step g
    }

    private boolean first = true;

    /** The next candidate k in [1, q) (step h; after a refused one, h.3's update first). */
    BigInteger next() {
      while (true) {
        if (!first) {
          k = hmac(k, v, new byte[] {0x00});
          v = hmac(k, v);
        }
        first = false;
        v = hmac(k, v);
        BigInteger candidate = new BigInteger(1, v);
        if (candidate.signum() > 0 && candidate.compareTo(Secp256k1.N) < 0) {
          return candidate;
        }
      }
    }

    private static byte[] hmac(byte[] key, byte[]... parts) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        for (byte[] p : parts) {
          mac.update(p);
        }
        return mac.doFinal();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK has no HmacSHA256", e);
      }
    }
  }
}
