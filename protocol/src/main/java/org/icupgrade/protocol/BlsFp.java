package org.icupgrade.protocol;

import java.math.BigInteger;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * An element of the base field Fp of BLS12-381, as six 64-bit limbs (least significant first) in
 * Montgomery form {@code a R mod p}, R = 2^384, always fully reduced below p (so equal elements have
 * equal limbs).
 *
 * <p>Multiplication is the coarsely integrated operand scanning (CIOS) Montgomery product of
 * Koç, Acar and Kaliski ("Analyzing and comparing Montgomery multiplication algorithms", IEEE
 * Micro 1996): 2 x 36 limb products and no division, where {@link BigInteger} needs a 768-bit
 * product and a long division per {@code mod}. Java 17 has no unsigned 64x64 high product, so it
 * is {@link Math#multiplyHigh} corrected for the operands' sign bits.
 *
 * <p><b>Not constant-time</b> (the final subtraction, the exponentiations and the comparisons
 * branch on the values): this field serves the verification of public data and a test replica's
 * signing key, never a secret that matters.
 */
final class BlsFp implements Bls12381.Field<BlsFp> {
  /** The prime p (draft-irtf-cfrg-pairing-friendly-curves, section 4.2.1, BLS12_381). */
  static final BigInteger MODULUS = new BigInteger(
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
      16);

  private static final int N = 6;
  private static final long[] P = limbs(MODULUS);
  /** -p^-1 mod 2^64, the Montgomery reduction's per-limb factor. */
  private static final long INV = -inverse64(P[0]);
  private static final long[] R2 = limbs(BigInteger.ONE.shiftLeft(768).mod(MODULUS));
  private static final long[] R3 = limbs(BigInteger.ONE.shiftLeft(1152).mod(MODULUS));
  private static final long[] PLAIN_ONE = {1, 0, 0, 0, 0, 0};
  private static final long[] HALF = limbs(MODULUS.subtract(BigInteger.ONE).shiftRight(1));
  private static final BigInteger SQRT_EXP = MODULUS.add(BigInteger.ONE).shiftRight(2);
  private static final BigInteger INV_EXP = MODULUS.subtract(BigInteger.TWO);

  static final BlsFp ZERO = new BlsFp(new long[N]);
  static final BlsFp ONE = of(BigInteger.ONE);

  /** Montgomery form, reduced; never mutated after construction. */
  private final long[] l;

  private BlsFp(long[] l) {
    this.l = l;
  }

  /** The element {@code v mod p}. */
  static BlsFp of(BigInteger v) {
    return new BlsFp(montMul(limbs(v.mod(MODULUS)), R2));
  }

  static BlsFp of(long v) {
    return of(BigInteger.valueOf(v));
  }

  /**
   * The 48 big-endian bytes at {@code offset}, with {@code firstMask} applied to the first (to
   * clear the ZCash flag bits), or null if the value is not below p.
   */
  static @Nullable BlsFp fromBytes(byte[] in, int offset, int firstMask) {
    long[] v = new long[N];
    for (int i = 0; i < 48; i++) {
      int b = in[offset + i] & (i == 0 ? firstMask : 0xff);
      v[(47 - i) >>> 3] |= ((long) b) << (((47 - i) & 7) << 3);
    }
    if (!lessThanP(v)) {
      return null;
    }
    return new BlsFp(montMul(v, R2));
  }

  /**
   * RFC 9380 section 5.2: the 64 big-endian bytes at {@code offset} as an integer, reduced mod p
   * (hi 2^384 + lo, each half brought into Montgomery form by one product).
   */
  static BlsFp fromWideBytes(byte[] in, int offset) {
    long[] hi = new long[N];
    long[] lo = new long[N];
    for (int i = 0; i < 64; i++) {
      int b = in[offset + i] & 0xff;
      int k = 63 - i;
      long[] dst = k >= 48 ? hi : lo;
      int kk = k >= 48 ? k - 48 : k;
      dst[kk >>> 3] |= ((long) b) << ((kk & 7) << 3);
    }
    // lo < 2^384 and hi < 2^128: montMul(x, R^2) = x R and montMul(hi, R^3) = hi 2^384 R, each
    // below p after its final subtraction since the other factor is below p.
    return new BlsFp(montMul(lo, R2)).add(new BlsFp(montMul(hi, R3)));
  }

  /** The 48 big-endian bytes of the canonical value at {@code offset} of {@code out}. */
  void toBytes(byte[] out, int offset) {
    long[] v = montMul(l, PLAIN_ONE);
    for (int i = 0; i < 48; i++) {
      int k = 47 - i;
      out[offset + i] = (byte) (v[k >>> 3] >>> ((k & 7) << 3));
    }
  }

  BigInteger toBigInteger() {
    byte[] b = new byte[48];
    toBytes(b, 0);
    return new BigInteger(1, b);
  }

  /** Whether the canonical value is odd (sgn0 of RFC 9380 section 4.1 for m = 1). */
  boolean isOdd() {
    return (montMul(l, PLAIN_ONE)[0] & 1) != 0;
  }

  /** Whether the canonical value exceeds (p - 1) / 2 (the ZCash serialization's sign). */
  boolean larger() {
    return compare(montMul(l, PLAIN_ONE), HALF) > 0;
  }

  @Override
  public BlsFp add(BlsFp o) {
    long[] a = l;
    long[] b = o.l;
    long[] s = new long[N];
    long carry = 0;
    for (int i = 0; i < N; i++) {
      long x = a[i] + b[i];
      long c1 = Long.compareUnsigned(x, a[i]) < 0 ? 1 : 0;
      long y = x + carry;
      long c2 = Long.compareUnsigned(y, x) < 0 ? 1 : 0;
      s[i] = y;
      carry = c1 | c2;
    }
    // p < 2^381, so the sum of two reduced values fits six limbs (carry is 0).
    if (!lessThanP(s)) {
      subtractP(s);
    }
    return new BlsFp(s);
  }

  @Override
  public BlsFp sub(BlsFp o) {
    long[] d = new long[N];
    long borrow = subtract(l, o.l, d);
    if (borrow != 0) {
      addP(d);
    }
    return new BlsFp(d);
  }

  BlsFp dbl() {
    return add(this);
  }

  @Override
  public BlsFp neg() {
    if (isZero()) {
      return this;
    }
    long[] d = new long[N];
    subtract(P, l, d);
    return new BlsFp(d);
  }

  @Override
  public BlsFp mul(BlsFp o) {
    return new BlsFp(montMul(l, o.l));
  }

  @Override
  public BlsFp sqr() {
    return new BlsFp(montMul(l, l));
  }

  /** 1 / this by Fermat (this^(p - 2)); zero maps to zero. */
  @Override
  public BlsFp inv() {
    return pow(INV_EXP);
  }

  /** The square root this^((p + 1) / 4) (p = 3 mod 4), or null if this is not a square. */
  @Nullable BlsFp sqrt() {
    BlsFp s = pow(SQRT_EXP);
    return s.sqr().equals(this) ? s : null;
  }

  BlsFp pow(BigInteger e) {
    long[] acc = montMul(PLAIN_ONE, R2);
    for (int i = e.bitLength() - 1; i >= 0; i--) {
      acc = montMul(acc, acc);
      if (e.testBit(i)) {
        acc = montMul(acc, l);
      }
    }
    return new BlsFp(acc);
  }

  @Override
  public boolean isZero() {
    for (long x : l) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public BlsFp zero() {
    return ZERO;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlsFp f && Arrays.equals(l, f.l);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(l);
  }

  @Override
  public String toString() {
    return toBigInteger().toString(16);
  }

  // ---- limb arithmetic ----

  /**
   * a b R^-1 mod p for a, b < 2^384 with one of them below p (CIOS): the result is below 2p before
   * the final subtraction, so below p after it.
   */
  private static long[] montMul(long[] a, long[] b) {
    long[] t = new long[N + 2];
    for (int i = 0; i < N; i++) {
      long ai = a[i];
      long c = 0;
      for (int j = 0; j < N; j++) {
        long bj = b[j];
        long lo = ai * bj;
        long hi = unsignedMultiplyHigh(ai, bj);
        long s = t[j] + lo;
        hi += Long.compareUnsigned(s, lo) < 0 ? 1 : 0;
        long s2 = s + c;
        hi += Long.compareUnsigned(s2, s) < 0 ? 1 : 0;
        t[j] = s2;
        c = hi;
      }
      long s = t[N] + c;
      t[N + 1] = Long.compareUnsigned(s, c) < 0 ? 1 : 0;
      t[N] = s;

      long m = t[0] * INV;
      long lo = m * P[0];
      long hi = unsignedMultiplyHigh(m, P[0]);
      long s0 = t[0] + lo;
      c = hi + (Long.compareUnsigned(s0, lo) < 0 ? 1 : 0);
      for (int j = 1; j < N; j++) {
        long pj = P[j];
        lo = m * pj;
        hi = unsignedMultiplyHigh(m, pj);
        long x = t[j] + lo;
        hi += Long.compareUnsigned(x, lo) < 0 ? 1 : 0;
        long x2 = x + c;
        hi += Long.compareUnsigned(x2, x) < 0 ? 1 : 0;
        t[j - 1] = x2;
        c = hi;
      }
      long x = t[N] + c;
      long carry = Long.compareUnsigned(x, c) < 0 ? 1 : 0;
      t[N - 1] = x;
      t[N] = t[N + 1] + carry;
    }
    long[] r = Arrays.copyOf(t, N);
    if (t[N] != 0 || !lessThanP(r)) {
      subtractP(r);
    }
    return r;
  }

  /** The high 64 bits of the unsigned 128-bit product (Math.unsignedMultiplyHigh is Java 18). */
  private static long unsignedMultiplyHigh(long a, long b) {
    return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
  }

  /** d = a - b over six limbs; the final borrow (1 if a < b). */
  private static long subtract(long[] a, long[] b, long[] d) {
    long borrow = 0;
    for (int i = 0; i < N; i++) {
      long x = a[i] - b[i];
      long b1 = Long.compareUnsigned(a[i], b[i]) < 0 ? 1 : 0;
      long y = x - borrow;
      long b2 = Long.compareUnsigned(x, borrow) < 0 ? 1 : 0;
      d[i] = y;
      borrow = b1 | b2;
    }
    return borrow;
  }

  private static void subtractP(long[] v) {
    subtract(v, P, v);
  }

  private static void addP(long[] v) {
    long carry = 0;
    for (int i = 0; i < N; i++) {
      long x = v[i] + P[i];
      long c1 = Long.compareUnsigned(x, v[i]) < 0 ? 1 : 0;
      long y = x + carry;
      long c2 = Long.compareUnsigned(y, x) < 0 ? 1 : 0;
      v[i] = y;
      carry = c1 | c2;
    }
  }

  private static boolean lessThanP(long[] v) {
    return compare(v, P) < 0;
  }

  private static int compare(long[] a, long[] b) {
    for (int i = N - 1; i >= 0; i--) {
      int c = Long.compareUnsigned(a[i], b[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static long[] limbs(BigInteger v) {
    long[] out = new long[N];
    for (int i = 0; i < N; i++) {
      out[i] = v.shiftRight(64 * i).longValue();
    }
    return out;
  }

  /** x^-1 mod 2^64 for odd x, by Newton's iteration (each step doubles the correct low bits). */
  private static long inverse64(long x) {
    long inv = x; // correct to 3 bits for odd x
    for (int i = 0; i < 5; i++) {
      inv *= 2 - x * inv;
    }
    return inv;
  }
}
