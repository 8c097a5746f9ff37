package org.icupgrade.protocol;

import java.math.BigInteger;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * ECDSA verification on secp256k1 (SEC 2 section 2.4.1) with {@link BigInteger}, because the JDK
 * 17 no longer has the curve. Spec, "Signatures", ECDSA: the signature is the 64 bytes {@code r ++
 * s} over the SHA-256 of the message. Verification handles public data only, so it need not be
 * constant-time. Affine coordinates, one modular inverse per step: slow (milliseconds), simple.
 */
public final class Secp256k1 {
  public static final BigInteger P = new BigInteger(
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", 16);
  public static final BigInteger N = new BigInteger(
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
  public static final Point G = new Point(
      new BigInteger("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", 16),
      new BigInteger("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8", 16));
  private static final BigInteger SEVEN = BigInteger.valueOf(7);

  private Secp256k1() {}

  /** An affine point; the point at infinity is {@code null} where it occurs. */
  public record Point(BigInteger x, BigInteger y) {
    public boolean onCurve() {
      return x.signum() >= 0 && x.compareTo(P) < 0 && y.signum() >= 0 && y.compareTo(P) < 0
          && y.pow(2).subtract(x.pow(3).add(SEVEN)).mod(P).signum() == 0;
    }
  }

  public static @Nullable Point add(@Nullable Point a, @Nullable Point b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    BigInteger lambda;
    if (a.x().equals(b.x())) {
      if (a.y().add(b.y()).mod(P).signum() == 0) {
        return null;
      }
      // Doubling: lambda = 3x^2 / 2y (a = 0 on secp256k1).
      lambda = a.x().pow(2).multiply(BigInteger.valueOf(3))
          .multiply(a.y().shiftLeft(1).modInverse(P)).mod(P);
    } else {
      lambda = b.y().subtract(a.y()).multiply(b.x().subtract(a.x()).modInverse(P)).mod(P);
    }
    BigInteger x = lambda.pow(2).subtract(a.x()).subtract(b.x()).mod(P);
    BigInteger y = lambda.multiply(a.x().subtract(x)).subtract(a.y()).mod(P);
    return new Point(x, y);
  }

  public static @Nullable Point multiply(Point p, BigInteger k) {
    Point r = null;
    for (int i = k.bitLength() - 1; i >= 0; i--) {
      r = add(r, r);
      if (k.testBit(i)) {
        r = add(r, p);
      }
    }
    return r;
  }

  /** The point of an uncompressed SEC 1 key {@code 04 ++ x ++ y}; throws if not on the curve. */
  public static Point point(byte[] sec1) {
    if (sec1.length != 65 || sec1[0] != 0x04) {
      throw new IllegalArgumentException("a secp256k1 key must be 65 bytes, uncompressed (04..)");
    }
    Point q = new Point(new BigInteger(1, Arrays.copyOfRange(sec1, 1, 33)),
        new BigInteger(1, Arrays.copyOfRange(sec1, 33, 65)));
    if (!q.onCurve()) {
      throw new IllegalArgumentException("the secp256k1 key is not a point of the curve");
    }
    return q;
  }

  /** Whether {@code signature} ({@code r ++ s}) verifies for {@code q} over {@code message}. */
  public static boolean verify(Point q, byte[] message, byte[] signature) {
    if (signature.length != 64) {
      return false;
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (r.signum() == 0 || r.compareTo(N) >= 0 || s.signum() == 0 || s.compareTo(N) >= 0) {
      return false;
    }
    BigInteger e = new BigInteger(1, RequestId.sha256(message));
    BigInteger w = s.modInverse(N);
    Point x = add(multiply(G, e.multiply(w).mod(N)), multiply(q, r.multiply(w).mod(N)));
    return x != null && x.x().mod(N).equals(r);
  }
}
