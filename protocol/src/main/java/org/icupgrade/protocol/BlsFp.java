package org.icupgrade.protocol;

import java.math.BigInteger;
import org.jspecify.annotations.Nullable;

/**
 * An element of the base field Fp of BLS12-381, as six 64-bit limbs (least significant first) in
 * Montgomery form {@code a R mod p}, R = 2^384, always fully reduced below p (so equal elements have
 * equal limbs). The limbs are fields, not an array: one allocation per result and no bounds checks.
 *
 * <p>Multiplication is the coarsely integrated operand scanning (CIOS) Montgomery product of
 * Koç, Acar and Kaliski ("Analyzing and comparing Montgomery multiplication algorithms", IEEE
 * Micro 1996): 2 x 36 limb products and no division, where {@link BigInteger} needs a 768-bit
 * product and a long division per {@code mod}. Java 17 has no unsigned 64x64 high product, so it
 * is {@link Math#multiplyHigh} corrected for the operands' sign bits.
 *
 * <p><b>Not constant-time</b> (the exponentiations and the comparisons branch on the values, and
 * nothing was done to keep the JIT from branching elsewhere): this field serves the verification
 * of public data and a test replica's signing key, never a secret that matters.
 */
final class BlsFp implements Bls12381.Field<BlsFp> {
  /** The prime p (draft-irtf-cfrg-pairing-friendly-curves, section 4.2.1, BLS12_381). */
  static final BigInteger MODULUS = new BigInteger(
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
      16);

  private static final int N = 6;
  private static final long[] P = limbs(MODULUS);
  private static final long P0 = P[0];
  private static final long P1 = P[1];
  private static final long P2 = P[2];
  private static final long P3 = P[3];
  private static final long P4 = P[4];
  private static final long P5 = P[5];
  /** -p^-1 mod 2^64, the Montgomery reduction's per-limb factor. */
  private static final long INV = -inverse64(P0);
  private static final BlsFp R2 = raw(limbs(BigInteger.ONE.shiftLeft(768).mod(MODULUS)));
  /** R^2 2^256 mod p: montMul(x, it) is the Montgomery form of x 2^256. */
  private static final BlsFp R2_SHIFT_256 =
      raw(limbs(BigInteger.ONE.shiftLeft(768 + 256).mod(MODULUS)));
  private static final BlsFp PLAIN_ONE = new BlsFp(1, 0, 0, 0, 0, 0);
  private static final long[] HALF = limbs(MODULUS.subtract(BigInteger.ONE).shiftRight(1));
  private static final int[] SQRT_EXP = nibbles(MODULUS.add(BigInteger.ONE).shiftRight(2));
  private static final int[] INV_EXP = nibbles(MODULUS.subtract(BigInteger.TWO));

  static final BlsFp ZERO = new BlsFp(0, 0, 0, 0, 0, 0);
  static final BlsFp ONE = montMul(PLAIN_ONE, R2);

  /** Montgomery form, reduced. */
  private final long l0;
  private final long l1;
  private final long l2;
  private final long l3;
  private final long l4;
  private final long l5;

  private BlsFp(long l0, long l1, long l2, long l3, long l4, long l5) {
    this.l0 = l0;
    this.l1 = l1;
    this.l2 = l2;
    this.l3 = l3;
    this.l4 = l4;
    this.l5 = l5;
  }

  private static BlsFp raw(long[] v) {
    return new BlsFp(v[0], v[1], v[2], v[3], v[4], v[5]);
  }

  private long[] limbs() {
    return new long[] {l0, l1, l2, l3, l4, l5};
  }

  /** The element {@code v mod p}. */
  static BlsFp of(BigInteger v) {
    return montMul(raw(limbs(v.mod(MODULUS))), R2);
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
    if (compare(v, P) >= 0) {
      return null;
    }
    return montMul(raw(v), R2);
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
    // hi, lo < 2^256 < p: montMul(lo, R^2) = lo R and montMul(hi, R^2 2^256) = hi 2^256 R, the
    // Montgomery forms; both products take operands below p.
    return montMul(raw(lo), R2).add(montMul(raw(hi), R2_SHIFT_256));
  }

  /** The 48 big-endian bytes of the canonical value at {@code offset} of {@code out}. */
  void toBytes(byte[] out, int offset) {
    long[] v = montMul(this, PLAIN_ONE).limbs();
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
    return (montMul(this, PLAIN_ONE).l0 & 1) != 0;
  }

  /** Whether the canonical value exceeds (p - 1) / 2 (the ZCash serialization's sign). */
  boolean larger() {
    return compare(montMul(this, PLAIN_ONE).limbs(), HALF) > 0;
  }

  // Generated, unrolled and branchless (see montMul): the towers above call these more often
  // than the product.

  @Override
  public BlsFp add(BlsFp o) {
    long x, y, s, c;
    // s = a + b (below 2p < 2^382: no carry out of the top limb)
    x = l0;
    y = o.l0;
    long s0 = x + y;
    c = ((x & y) | ((x | y) & ~s0)) >>> 63;
    x = l1;
    y = o.l1;
    s = x + y;
    long s1 = s + c;
    c = (((x & y) | ((x | y) & ~s)) >>> 63) | (((s & c) | ((s | c) & ~s1)) >>> 63);
    x = l2;
    y = o.l2;
    s = x + y;
    long s2 = s + c;
    c = (((x & y) | ((x | y) & ~s)) >>> 63) | (((s & c) | ((s | c) & ~s2)) >>> 63);
    x = l3;
    y = o.l3;
    s = x + y;
    long s3 = s + c;
    c = (((x & y) | ((x | y) & ~s)) >>> 63) | (((s & c) | ((s | c) & ~s3)) >>> 63);
    x = l4;
    y = o.l4;
    s = x + y;
    long s4 = s + c;
    c = (((x & y) | ((x | y) & ~s)) >>> 63) | (((s & c) | ((s | c) & ~s4)) >>> 63);
    x = l5;
    y = o.l5;
    s = x + y;
    long s5 = s + c;
    c = (((x & y) | ((x | y) & ~s)) >>> 63) | (((s & c) | ((s | c) & ~s5)) >>> 63);
    long d0 = s0 - P0;
    long borrow = ((~s0 & P0) | (~(s0 ^ P0) & d0)) >>> 63;
    long d1 = s1 - P1 - borrow;
    borrow = ((~s1 & P1) | (~(s1 ^ P1) & d1)) >>> 63;
    long d2 = s2 - P2 - borrow;
    borrow = ((~s2 & P2) | (~(s2 ^ P2) & d2)) >>> 63;
    long d3 = s3 - P3 - borrow;
    borrow = ((~s3 & P3) | (~(s3 ^ P3) & d3)) >>> 63;
    long d4 = s4 - P4 - borrow;
    borrow = ((~s4 & P4) | (~(s4 ^ P4) & d4)) >>> 63;
    long d5 = s5 - P5 - borrow;
    borrow = ((~s5 & P5) | (~(s5 ^ P5) & d5)) >>> 63;
    long keep = -borrow; // all ones: below p already
    return new BlsFp((s0 & keep) | (d0 & ~keep),
        (s1 & keep) | (d1 & ~keep),
        (s2 & keep) | (d2 & ~keep),
        (s3 & keep) | (d3 & ~keep),
        (s4 & keep) | (d4 & ~keep),
        (s5 & keep) | (d5 & ~keep));
  }

  @Override
  public BlsFp sub(BlsFp o) {
    long x, y, t, c, borrow;
    // d = a - b, then + p where that borrowed
    x = l0;
    y = o.l0;
    long d0 = x - y;
    borrow = ((~x & y) | (~(x ^ y) & d0)) >>> 63;
    x = l1;
    y = o.l1;
    long d1 = x - y - borrow;
    borrow = ((~x & y) | (~(x ^ y) & d1)) >>> 63;
    x = l2;
    y = o.l2;
    long d2 = x - y - borrow;
    borrow = ((~x & y) | (~(x ^ y) & d2)) >>> 63;
    x = l3;
    y = o.l3;
    long d3 = x - y - borrow;
    borrow = ((~x & y) | (~(x ^ y) & d3)) >>> 63;
    x = l4;
    y = o.l4;
    long d4 = x - y - borrow;
    borrow = ((~x & y) | (~(x ^ y) & d4)) >>> 63;
    x = l5;
    y = o.l5;
    long d5 = x - y - borrow;
    borrow = ((~x & y) | (~(x ^ y) & d5)) >>> 63;
    long mask = -borrow;
    y = P0 & mask;
    long r0 = d0 + y;
    c = ((d0 & y) | ((d0 | y) & ~r0)) >>> 63;
    y = P1 & mask;
    t = d1 + y;
    long r1 = t + c;
    c = (((d1 & y) | ((d1 | y) & ~t)) >>> 63) | (((t & c) | ((t | c) & ~r1)) >>> 63);
    y = P2 & mask;
    t = d2 + y;
    long r2 = t + c;
    c = (((d2 & y) | ((d2 | y) & ~t)) >>> 63) | (((t & c) | ((t | c) & ~r2)) >>> 63);
    y = P3 & mask;
    t = d3 + y;
    long r3 = t + c;
    c = (((d3 & y) | ((d3 | y) & ~t)) >>> 63) | (((t & c) | ((t | c) & ~r3)) >>> 63);
    y = P4 & mask;
    t = d4 + y;
    long r4 = t + c;
    c = (((d4 & y) | ((d4 | y) & ~t)) >>> 63) | (((t & c) | ((t | c) & ~r4)) >>> 63);
    y = P5 & mask;
    t = d5 + y;
    long r5 = t + c;
    c = (((d5 & y) | ((d5 | y) & ~t)) >>> 63) | (((t & c) | ((t | c) & ~r5)) >>> 63);
    return new BlsFp(r0, r1, r2, r3, r4, r5);
  }


  BlsFp dbl() {
    return add(this);
  }

  @Override
  public BlsFp neg() {
    return ZERO.sub(this);
  }

  @Override
  public BlsFp mul(BlsFp o) {
    return montMul(this, o);
  }

  @Override
  public BlsFp sqr() {
    return montMul(this, this);
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
   * this^e for e as 4-bit digits, most significant first (a fixed window: 14 products to
   * tabulate this^2..this^15, then per digit four squarings and at most one product, about 20%
   * fewer products than bit by bit).
   */
  BlsFp pow(int[] digits) {
    BlsFp[] table = new BlsFp[16];
    table[1] = this;
    for (int i = 2; i < 16; i++) {
      table[i] = montMul(table[i - 1], this);
    }
    BlsFp acc = ONE;
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
    return acc;
  }

  /** The 4-bit digits of e, most significant first, as {@link #pow(int[])} reads them. */
  static int[] nibbles(BigInteger e) {
    int n = Math.max(1, (e.bitLength() + 3) / 4);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[n - 1 - i] = e.shiftRight(4 * i).intValue() & 0xf;
    }
    return out;
  }

  @Override
  public boolean isZero() {
    return (l0 | l1 | l2 | l3 | l4 | l5) == 0;
  }

  @Override
  public BlsFp zero() {
    return ZERO;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlsFp f && l0 == f.l0 && l1 == f.l1 && l2 == f.l2 && l3 == f.l3
        && l4 == f.l4 && l5 == f.l5;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(l0 ^ l1 ^ l2 ^ l3 ^ l4 ^ l5);
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
   * mispredicted {@code compareUnsigned} branch per limb product made three times slower, and
   * the final subtraction of p is computed always and kept by a mask.
   */
  private static BlsFp montMul(BlsFp a, BlsFp b) {
    long a0 = a.l0, a1 = a.l1, a2 = a.l2, a3 = a.l3, a4 = a.l4, a5 = a.l5;
    long t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
    long bi, m, lo, hi, s, carryA, carryC;
    // limb 0 of b
    bi = b.l0;
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
    bi = b.l1;
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
    bi = b.l2;
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
    bi = b.l3;
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
    bi = b.l4;
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
    bi = b.l5;
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
    long d0 = t0 - P0;
    long borrow = ((~t0 & P0) | (~(t0 ^ P0) & d0)) >>> 63;
    long d1 = t1 - P1 - borrow;
    borrow = ((~t1 & P1) | (~(t1 ^ P1) & d1)) >>> 63;
    long d2 = t2 - P2 - borrow;
    borrow = ((~t2 & P2) | (~(t2 ^ P2) & d2)) >>> 63;
    long d3 = t3 - P3 - borrow;
    borrow = ((~t3 & P3) | (~(t3 ^ P3) & d3)) >>> 63;
    long d4 = t4 - P4 - borrow;
    borrow = ((~t4 & P4) | (~(t4 ^ P4) & d4)) >>> 63;
    long d5 = t5 - P5 - borrow;
    borrow = ((~t5 & P5) | (~(t5 ^ P5) & d5)) >>> 63;
    long keep = -borrow; // all ones: below p already
    return new BlsFp((t0 & keep) | (d0 & ~keep),
        (t1 & keep) | (d1 & ~keep),
        (t2 & keep) | (d2 & ~keep),
        (t3 & keep) | (d3 & ~keep),
        (t4 & keep) | (d4 & ~keep),
        (t5 & keep) | (d5 & ~keep));
  }


  /** The high 64 bits of the unsigned 128-bit product (Math.unsignedMultiplyHigh is Java 18). */
  private static long mulHigh(long a, long b) {
    return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
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
