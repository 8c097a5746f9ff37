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
  /** R^2 2^256 mod p: montMul(x, it) is the Montgomery form of x 2^256. */
  private static final long[] R2_SHIFT_256 = limbs(BigInteger.ONE.shiftLeft(768 + 256).mod(MODULUS));
  private static final long P0 = P[0];
  private static final long P1 = P[1];
  private static final long P2 = P[2];
  private static final long P3 = P[3];
  private static final long P4 = P[4];
  private static final long P5 = P[5];
  private static final long[] PLAIN_ONE = {1, 0, 0, 0, 0, 0};
  private static final long[] HALF = limbs(MODULUS.subtract(BigInteger.ONE).shiftRight(1));
  private static final int[] SQRT_EXP = nibbles(MODULUS.add(BigInteger.ONE).shiftRight(2));
  private static final int[] INV_EXP = nibbles(MODULUS.subtract(BigInteger.TWO));

  private static final long[] ONE_MONT = montMul(PLAIN_ONE, R2);
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
   * (hi 2^256 + lo, each half brought into Montgomery form by one product).
   */
  static BlsFp fromWideBytes(byte[] in, int offset) {
    long[] hi = new long[N];
    long[] lo = new long[N];
    for (int i = 0; i < 64; i++) {
      int b = in[offset + i] & 0xff;
      int k = 63 - i;
      long[] dst = k >= 32 ? hi : lo;
      int kk = k & 31;
      dst[kk >>> 3] |= ((long) b) << ((kk & 7) << 3);
    }
    // hi 2^256 + lo with hi, lo < 2^256 < p: montMul(lo, R^2) = lo R and montMul(hi, R^2 2^256)
    // = hi 2^256 R, the Montgomery forms; both products take operands below p.
    return new BlsFp(montMul(lo, R2)).add(new BlsFp(montMul(hi, R2_SHIFT_256)));
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
    long[] r = new long[N];
    long carry = 0;
    for (int i = 0; i < N; i++) {
      long x = a[i];
      long y = b[i];
      long t = x + y;
      long c1 = ((x & y) | ((x | y) & ~t)) >>> 63;
      long u = t + carry;
      long c2 = ((t & carry) | ((t | carry) & ~u)) >>> 63;
      r[i] = u;
      carry = c1 | c2;
    }
    // p < 2^381, so the sum of two reduced values fits six limbs (carry is 0); one subtraction
    // of p, kept unless it borrows.
    reduceOnce(r);
    return new BlsFp(r);
  }

  @Override
  public BlsFp sub(BlsFp o) {
    long[] a = l;
    long[] b = o.l;
    long[] r = new long[N];
    long borrow = 0;
    for (int i = 0; i < N; i++) {
      long x = a[i];
      long y = b[i];
      long d = x - y - borrow;
      borrow = ((~x & y) | (~(x ^ y) & d)) >>> 63;
      r[i] = d;
    }
    // Add p back where the difference went negative, without a branch.
    long mask = -borrow;
    long carry = 0;
    for (int i = 0; i < N; i++) {
      long x = r[i];
      long y = P[i] & mask;
      long t = x + y;
      long c1 = ((x & y) | ((x | y) & ~t)) >>> 63;
      long u = t + carry;
      long c2 = ((t & carry) | ((t | carry) & ~u)) >>> 63;
      r[i] = u;
      carry = c1 | c2;
    }
    return new BlsFp(r);
  }

  /**
   * v - p in place if v >= p, for v < 2p: the difference is computed always and kept by a mask
   * (the comparison branch of a schoolbook reduction is a coin flip for the branch predictor).
   */
  private static void reduceOnce(long[] v) {
    long d0, d1, d2, d3, d4, d5;
    long borrow;
    long x = v[0];
    d0 = x - P0;
    borrow = ((~x & P0) | (~(x ^ P0) & d0)) >>> 63;
    x = v[1];
    d1 = x - P1 - borrow;
    borrow = ((~x & P1) | (~(x ^ P1) & d1)) >>> 63;
    x = v[2];
    d2 = x - P2 - borrow;
    borrow = ((~x & P2) | (~(x ^ P2) & d2)) >>> 63;
    x = v[3];
    d3 = x - P3 - borrow;
    borrow = ((~x & P3) | (~(x ^ P3) & d3)) >>> 63;
    x = v[4];
    d4 = x - P4 - borrow;
    borrow = ((~x & P4) | (~(x ^ P4) & d4)) >>> 63;
    x = v[5];
    d5 = x - P5 - borrow;
    borrow = ((~x & P5) | (~(x ^ P5) & d5)) >>> 63;
    long keep = -borrow; // all ones: v < p, keep v
    v[0] = (v[0] & keep) | (d0 & ~keep);
    v[1] = (v[1] & keep) | (d1 & ~keep);
    v[2] = (v[2] & keep) | (d2 & ~keep);
    v[3] = (v[3] & keep) | (d3 & ~keep);
    v[4] = (v[4] & keep) | (d4 & ~keep);
    v[5] = (v[5] & keep) | (d5 & ~keep);
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
    return pow(nibbles(e));
  }

  /**
   * this^e for e as 4-bit digits, most significant first (a fixed window: 15 products to
   * tabulate this^1..this^15, then per digit four squarings and at most one product, about 20%
   * fewer products than bit by bit).
   */
  private BlsFp pow(int[] digits) {
    long[][] table = new long[16][];
    table[1] = l;
    for (int i = 2; i < 16; i++) {
      table[i] = montMul(table[i - 1], l);
    }
    long[] acc = ONE_MONT;
    for (int i = 0; i < digits.length; i++) {
      if (i > 0) {
        acc = montMul(acc, acc);
        acc = montMul(acc, acc);
        acc = montMul(acc, acc);
        acc = montMul(acc, acc);
      }
      int d = digits[i];
      if (d != 0) {
        acc = montMul(acc, table[d]);
      }
    }
    return new BlsFp(acc);
  }

  private static int[] nibbles(BigInteger e) {
    int n = Math.max(1, (e.bitLength() + 3) / 4);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[n - 1 - i] = e.shiftRight(4 * i).intValue() & 0xf;
    }
    return out;
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
   * a b R^-1 mod p for a, b < p: CIOS unrolled into locals, in the variant that needs no carry
   * word beyond the six limbs because p's top limb is below 2^62 (the "no-carry" optimisation of
   * gnark-crypto, ConsenSys, "Faster big-integer modular multiplication for most moduli", 2020):
   * the result is below 2p before the final subtraction. Generated code, one block per limb of b;
   * the carries are computed without branches ((x & y | (x | y) & ~(x + y)) >>> 63), which a
   * mispredicted {@code compareUnsigned} branch per limb product made three times slower.
   */
  private static long[] montMul(long[] a, long[] b) {
    long a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
    long t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
    long bi, m, lo, hi, s, carryA, carryC;
    // limb 0 of b
    bi = b[0];
    lo = a0 * bi;
    hi = mulHigh(a0, bi);
    s = t0 + lo;
    carryA = hi + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    t0 = s;
    m = t0 * INV;
    lo = m * P0;
    s = t0 + lo;
    carryC = mulHigh(m, P0) + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    lo = a1 * bi;
    hi = mulHigh(a1, bi);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t1 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t1)) >>> 63);
    lo = m * P1;
    hi = mulHigh(m, P1);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t0 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t0)) >>> 63);
    lo = a2 * bi;
    hi = mulHigh(a2, bi);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t2 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t2)) >>> 63);
    lo = m * P2;
    hi = mulHigh(m, P2);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t1 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t1)) >>> 63);
    lo = a3 * bi;
    hi = mulHigh(a3, bi);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t3 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t3)) >>> 63);
    lo = m * P3;
    hi = mulHigh(m, P3);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t2 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t2)) >>> 63);
    lo = a4 * bi;
    hi = mulHigh(a4, bi);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t4 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t4)) >>> 63);
    lo = m * P4;
    hi = mulHigh(m, P4);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t3 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t3)) >>> 63);
    lo = a5 * bi;
    hi = mulHigh(a5, bi);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t5 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t5)) >>> 63);
    lo = m * P5;
    hi = mulHigh(m, P5);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t4 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t4)) >>> 63);
    t5 = carryC + carryA;
    // limb 1 of b
    bi = b[1];
    lo = a0 * bi;
    hi = mulHigh(a0, bi);
    s = t0 + lo;
    carryA = hi + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    t0 = s;
    m = t0 * INV;
    lo = m * P0;
    s = t0 + lo;
    carryC = mulHigh(m, P0) + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    lo = a1 * bi;
    hi = mulHigh(a1, bi);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t1 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t1)) >>> 63);
    lo = m * P1;
    hi = mulHigh(m, P1);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t0 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t0)) >>> 63);
    lo = a2 * bi;
    hi = mulHigh(a2, bi);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t2 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t2)) >>> 63);
    lo = m * P2;
    hi = mulHigh(m, P2);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t1 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t1)) >>> 63);
    lo = a3 * bi;
    hi = mulHigh(a3, bi);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t3 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t3)) >>> 63);
    lo = m * P3;
    hi = mulHigh(m, P3);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t2 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t2)) >>> 63);
    lo = a4 * bi;
    hi = mulHigh(a4, bi);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t4 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t4)) >>> 63);
    lo = m * P4;
    hi = mulHigh(m, P4);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t3 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t3)) >>> 63);
    lo = a5 * bi;
    hi = mulHigh(a5, bi);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t5 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t5)) >>> 63);
    lo = m * P5;
    hi = mulHigh(m, P5);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t4 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t4)) >>> 63);
    t5 = carryC + carryA;
    // limb 2 of b
    bi = b[2];
    lo = a0 * bi;
    hi = mulHigh(a0, bi);
    s = t0 + lo;
    carryA = hi + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    t0 = s;
    m = t0 * INV;
    lo = m * P0;
    s = t0 + lo;
    carryC = mulHigh(m, P0) + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    lo = a1 * bi;
    hi = mulHigh(a1, bi);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t1 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t1)) >>> 63);
    lo = m * P1;
    hi = mulHigh(m, P1);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t0 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t0)) >>> 63);
    lo = a2 * bi;
    hi = mulHigh(a2, bi);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t2 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t2)) >>> 63);
    lo = m * P2;
    hi = mulHigh(m, P2);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t1 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t1)) >>> 63);
    lo = a3 * bi;
    hi = mulHigh(a3, bi);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t3 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t3)) >>> 63);
    lo = m * P3;
    hi = mulHigh(m, P3);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t2 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t2)) >>> 63);
    lo = a4 * bi;
    hi = mulHigh(a4, bi);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t4 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t4)) >>> 63);
    lo = m * P4;
    hi = mulHigh(m, P4);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t3 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t3)) >>> 63);
    lo = a5 * bi;
    hi = mulHigh(a5, bi);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t5 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t5)) >>> 63);
    lo = m * P5;
    hi = mulHigh(m, P5);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t4 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t4)) >>> 63);
    t5 = carryC + carryA;
    // limb 3 of b
    bi = b[3];
    lo = a0 * bi;
    hi = mulHigh(a0, bi);
    s = t0 + lo;
    carryA = hi + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    t0 = s;
    m = t0 * INV;
    lo = m * P0;
    s = t0 + lo;
    carryC = mulHigh(m, P0) + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    lo = a1 * bi;
    hi = mulHigh(a1, bi);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t1 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t1)) >>> 63);
    lo = m * P1;
    hi = mulHigh(m, P1);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t0 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t0)) >>> 63);
    lo = a2 * bi;
    hi = mulHigh(a2, bi);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t2 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t2)) >>> 63);
    lo = m * P2;
    hi = mulHigh(m, P2);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t1 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t1)) >>> 63);
    lo = a3 * bi;
    hi = mulHigh(a3, bi);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t3 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t3)) >>> 63);
    lo = m * P3;
    hi = mulHigh(m, P3);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t2 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t2)) >>> 63);
    lo = a4 * bi;
    hi = mulHigh(a4, bi);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t4 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t4)) >>> 63);
    lo = m * P4;
    hi = mulHigh(m, P4);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t3 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t3)) >>> 63);
    lo = a5 * bi;
    hi = mulHigh(a5, bi);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t5 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t5)) >>> 63);
    lo = m * P5;
    hi = mulHigh(m, P5);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t4 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t4)) >>> 63);
    t5 = carryC + carryA;
    // limb 4 of b
    bi = b[4];
    lo = a0 * bi;
    hi = mulHigh(a0, bi);
    s = t0 + lo;
    carryA = hi + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    t0 = s;
    m = t0 * INV;
    lo = m * P0;
    s = t0 + lo;
    carryC = mulHigh(m, P0) + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    lo = a1 * bi;
    hi = mulHigh(a1, bi);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t1 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t1)) >>> 63);
    lo = m * P1;
    hi = mulHigh(m, P1);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t0 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t0)) >>> 63);
    lo = a2 * bi;
    hi = mulHigh(a2, bi);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t2 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t2)) >>> 63);
    lo = m * P2;
    hi = mulHigh(m, P2);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t1 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t1)) >>> 63);
    lo = a3 * bi;
    hi = mulHigh(a3, bi);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t3 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t3)) >>> 63);
    lo = m * P3;
    hi = mulHigh(m, P3);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t2 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t2)) >>> 63);
    lo = a4 * bi;
    hi = mulHigh(a4, bi);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t4 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t4)) >>> 63);
    lo = m * P4;
    hi = mulHigh(m, P4);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t3 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t3)) >>> 63);
    lo = a5 * bi;
    hi = mulHigh(a5, bi);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t5 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t5)) >>> 63);
    lo = m * P5;
    hi = mulHigh(m, P5);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t4 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t4)) >>> 63);
    t5 = carryC + carryA;
    // limb 5 of b
    bi = b[5];
    lo = a0 * bi;
    hi = mulHigh(a0, bi);
    s = t0 + lo;
    carryA = hi + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    t0 = s;
    m = t0 * INV;
    lo = m * P0;
    s = t0 + lo;
    carryC = mulHigh(m, P0) + (((t0 & lo) | ((t0 | lo) & ~s)) >>> 63);
    lo = a1 * bi;
    hi = mulHigh(a1, bi);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t1 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t1)) >>> 63);
    lo = m * P1;
    hi = mulHigh(m, P1);
    s = t1 + lo;
    hi += ((t1 & lo) | ((t1 | lo) & ~s)) >>> 63;
    t0 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t0)) >>> 63);
    lo = a2 * bi;
    hi = mulHigh(a2, bi);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t2 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t2)) >>> 63);
    lo = m * P2;
    hi = mulHigh(m, P2);
    s = t2 + lo;
    hi += ((t2 & lo) | ((t2 | lo) & ~s)) >>> 63;
    t1 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t1)) >>> 63);
    lo = a3 * bi;
    hi = mulHigh(a3, bi);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t3 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t3)) >>> 63);
    lo = m * P3;
    hi = mulHigh(m, P3);
    s = t3 + lo;
    hi += ((t3 & lo) | ((t3 | lo) & ~s)) >>> 63;
    t2 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t2)) >>> 63);
    lo = a4 * bi;
    hi = mulHigh(a4, bi);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t4 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t4)) >>> 63);
    lo = m * P4;
    hi = mulHigh(m, P4);
    s = t4 + lo;
    hi += ((t4 & lo) | ((t4 | lo) & ~s)) >>> 63;
    t3 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t3)) >>> 63);
    lo = a5 * bi;
    hi = mulHigh(a5, bi);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t5 = s + carryA;
    carryA = hi + (((s & carryA) | ((s | carryA) & ~t5)) >>> 63);
    lo = m * P5;
    hi = mulHigh(m, P5);
    s = t5 + lo;
    hi += ((t5 & lo) | ((t5 | lo) & ~s)) >>> 63;
    t4 = s + carryC;
    carryC = hi + (((s & carryC) | ((s | carryC) & ~t4)) >>> 63);
    t5 = carryC + carryA;
    long[] r = {t0, t1, t2, t3, t4, t5};
    reduceOnce(r);
    return r;
  }


  /** The high 64 bits of the unsigned 128-bit product (Math.unsignedMultiplyHigh is Java 18). */
  private static long mulHigh(long a, long b) {
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
