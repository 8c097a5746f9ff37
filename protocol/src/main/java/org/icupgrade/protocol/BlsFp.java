package org.icupgrade.protocol;

import java.math.BigInteger;
import org.jspecify.annotations.Nullable;

/**
 * An element of the base field Fp of BLS12-381, as seven 56-bit limbs (least significant first,
 * each in a {@code long}) in Montgomery form {@code a R mod p}, R = 2^392, always fully reduced
 * below p (so equal elements have equal limbs). The limbs are fields, not an array: one allocation
 * per result and no bounds checks.
 *
 * <p>Why 56 bits in 64: Java 17 has neither an add-with-carry nor an unsigned 64 x 64 high
 * product, so full 64-bit limbs paid a five-operation carry test per addition and a sign
 * correction per product (the six-limb CIOS this class had). With eight bits to spare, a limb
 * product is below 2^112, {@link Math#multiplyHigh} is exact for it, and a column sums up to 28
 * such halves without overflowing: the carries are propagated once per column by a shift. The
 * product is the separated operand scanning (SOS) Montgomery multiplication of Koç, Acar and
 * Kaliski ("Analyzing and comparing Montgomery multiplication algorithms", IEEE Micro 1996) in
 * radix 2^56: 49 limb products, then 49 for the reduction; the square needs 28 + 49.
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

  private static final int N = 7;
  private static final int BITS = 56;
  private static final long M = (1L << BITS) - 1;
  private static final long[] P = limbs(MODULUS);
  private static final long P0 = P[0];
  private static final long P1 = P[1];
  private static final long P2 = P[2];
  private static final long P3 = P[3];
  private static final long P4 = P[4];
  private static final long P5 = P[5];
  private static final long P6 = P[6];
  /** -p^-1 mod 2^56, the Montgomery reduction's per-limb factor. */
  private static final long INV = -inverse64(MODULUS.longValue()) & M;
  private static final BlsFp R2 = raw(limbs(BigInteger.ONE.shiftLeft(2 * N * BITS).mod(MODULUS)));
  /** R^2 2^256 mod p: montMul(x, it) is the Montgomery form of x 2^256. */
  private static final BlsFp R2_SHIFT_256 =
      raw(limbs(BigInteger.ONE.shiftLeft(2 * N * BITS + 256).mod(MODULUS)));
  /**
   * 128 p^2 as 14 limbs of 56 bits, the offset that keeps {@link #reduceWide}'s input positive:
   * the lazy Fp6 and Fp12 products combine up to about 60 p^2 of either sign.
   */
  private static final long[] P_SQUARED =
      wideLimbs(MODULUS.multiply(MODULUS).shiftLeft(7));
  private static final BlsFp PLAIN_ONE = new BlsFp(1, 0, 0, 0, 0, 0, 0);
  private static final BigInteger HALF = MODULUS.subtract(BigInteger.ONE).shiftRight(1);
  private static final int[] SQRT_EXP = nibbles(MODULUS.add(BigInteger.ONE).shiftRight(2));
  private static final int[] INV_EXP = nibbles(MODULUS.subtract(BigInteger.TWO));

  static final BlsFp ZERO = new BlsFp(0, 0, 0, 0, 0, 0, 0);
  static final BlsFp ONE = montMul(PLAIN_ONE, R2);

  /** Montgomery form, reduced; each limb below 2^56. */
  private final long l0;
  private final long l1;
  private final long l2;
  private final long l3;
  private final long l4;
  private final long l5;
  private final long l6;

  private BlsFp(long l0, long l1, long l2, long l3, long l4, long l5, long l6) {
    this.l0 = l0;
    this.l1 = l1;
    this.l2 = l2;
    this.l3 = l3;
    this.l4 = l4;
    this.l5 = l5;
    this.l6 = l6;
  }

  private static BlsFp raw(long[] v) {
    return new BlsFp(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
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
      setByte(v, 47 - i, b);
    }
    if (compare(v, P) >= 0) {
      return null;
    }
    return montMul(raw(v), R2);
  }

  /** Puts byte {@code b} at little-endian byte position {@code k} of the 56-bit limbs. */
  private static void setByte(long[] v, int k, int b) {
    v[k / 7] |= ((long) b) << ((k % 7) << 3);
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
      setByte(k >= 32 ? hi : lo, k & 31, b);
    }
    // hi, lo < 2^256 < p: montMul(lo, R^2) = lo R and montMul(hi, R^2 2^256) = hi 2^256 R, the
    // Montgomery forms; both products take operands below p.
    return montMul(raw(lo), R2).add(montMul(raw(hi), R2_SHIFT_256));
  }

  /** The 48 big-endian bytes of the canonical value at {@code offset} of {@code out}. */
  void toBytes(byte[] out, int offset) {
    BlsFp v = montMul(this, PLAIN_ONE);
    long[] limbs = {v.l0, v.l1, v.l2, v.l3, v.l4, v.l5, v.l6};
    for (int i = 0; i < 48; i++) {
      int k = 47 - i;
      out[offset + i] = (byte) (limbs[k / 7] >>> ((k % 7) << 3));
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
    return toBigInteger().compareTo(HALF) > 0;
  }

  // Generated and unrolled: the towers above call these more often than the product. Every
  // limb stays below 2^56 between operations; inside one, carries ride in the spare bits.

  @Override
  public BlsFp add(BlsFp o) {
    long s0 = l0 + o.l0, s1 = l1 + o.l1, s2 = l2 + o.l2, s3 = l3 + o.l3, s4 = l4 + o.l4,
        s5 = l5 + o.l5, s6 = l6 + o.l6;
    s1 += s0 >>> 56;
    s0 &= M;
    s2 += s1 >>> 56;
    s1 &= M;
    s3 += s2 >>> 56;
    s2 &= M;
    s4 += s3 >>> 56;
    s3 &= M;
    s5 += s4 >>> 56;
    s4 &= M;
    s6 += s5 >>> 56;
    s5 &= M;
    return reduceOnce(s0, s1, s2, s3, s4, s5, s6);
  }

  @Override
  public BlsFp sub(BlsFp o) {
    long d0 = l0 - o.l0;
    long d1 = l1 - o.l1 + (d0 >> 56);
    d0 &= M;
    long d2 = l2 - o.l2 + (d1 >> 56);
    d1 &= M;
    long d3 = l3 - o.l3 + (d2 >> 56);
    d2 &= M;
    long d4 = l4 - o.l4 + (d3 >> 56);
    d3 &= M;
    long d5 = l5 - o.l5 + (d4 >> 56);
    d4 &= M;
    long d6 = l6 - o.l6 + (d5 >> 56);
    d5 &= M;
    // d6 is negative exactly when a < b: then add p
    long mask = d6 >> 63;
    d6 &= M;
    long r0 = d0 + (P0 & mask);
    long r1 = d1 + (P1 & mask) + (r0 >>> 56);
    long r2 = d2 + (P2 & mask) + (r1 >>> 56);
    long r3 = d3 + (P3 & mask) + (r2 >>> 56);
    long r4 = d4 + (P4 & mask) + (r3 >>> 56);
    long r5 = d5 + (P5 & mask) + (r4 >>> 56);
    long r6 = d6 + (P6 & mask) + (r5 >>> 56);
    return new BlsFp(r0 & M, r1 & M, r2 & M, r3 & M, r4 & M, r5 & M, r6 & M);
  }

  /** r - p if r >= p, for limbs below 2^56 and r < 2p. */
  private static BlsFp reduceOnce(long r0, long r1, long r2, long r3, long r4, long r5, long r6) {
    long d0 = r0 - P0;
    long d1 = r1 - P1 + (d0 >> 56);
    long d2 = r2 - P2 + (d1 >> 56);
    long d3 = r3 - P3 + (d2 >> 56);
    long d4 = r4 - P4 + (d3 >> 56);
    long d5 = r5 - P5 + (d4 >> 56);
    long d6 = r6 - P6 + (d5 >> 56);
    long keep = d6 >> 63; // all ones: below p already
    return new BlsFp((r0 & keep) | (d0 & M & ~keep),
        (r1 & keep) | (d1 & M & ~keep),
        (r2 & keep) | (d2 & M & ~keep),
        (r3 & keep) | (d3 & M & ~keep),
        (r4 & keep) | (d4 & M & ~keep),
        (r5 & keep) | (d5 & M & ~keep),
        (r6 & keep) | (d6 & M & ~keep));
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
    return montSqr(this);
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
        acc = montSqr(acc);
        acc = montSqr(acc);
        acc = montSqr(acc);
        acc = montSqr(acc);
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
    return (l0 | l1 | l2 | l3 | l4 | l5 | l6) == 0;
  }

  @Override
  public BlsFp zero() {
    return ZERO;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlsFp f && l0 == f.l0 && l1 == f.l1 && l2 == f.l2 && l3 == f.l3
        && l4 == f.l4 && l5 == f.l5 && l6 == f.l6;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(l0 ^ l1 ^ l2 ^ l3 ^ l4 ^ l5 ^ l6);
  }

  @Override
  public String toString() {
    return toBigInteger().toString(16);
  }

  // ---- limb arithmetic ----

  /**
   * a b R^-1 mod p for a, b < p (SOS in radix 2^56, generated): the 49 limb products into 14
   * columns (each below 14 * 2^56), then per low limb i the multiple m p with m = c_i (-p^-1) mod
   * 2^56 that clears it, its carry moved up (columns stay below 28 * 2^56 < 2^61). The result,
   * (a b + m p) / R < p^2 / R + p < 2p, loses p once if it must.
   */
  private static BlsFp montMul(BlsFp a, BlsFp b) {
    long a0 = a.l0, a1 = a.l1, a2 = a.l2, a3 = a.l3, a4 = a.l4, a5 = a.l5, a6 = a.l6;
    long b0 = b.l0, b1 = b.l1, b2 = b.l2, b3 = b.l3, b4 = b.l4, b5 = b.l5, b6 = b.l6;
    long c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0, c8 = 0, c9 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    long lo, hi, m;
    lo = a0 * b0;
    hi = Math.multiplyHigh(a0, b0);
    c0 += lo & M;
    c1 += (hi << 8) | (lo >>> 56);
    lo = a0 * b1;
    hi = Math.multiplyHigh(a0, b1);
    c1 += lo & M;
    c2 += (hi << 8) | (lo >>> 56);
    lo = a0 * b2;
    hi = Math.multiplyHigh(a0, b2);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = a0 * b3;
    hi = Math.multiplyHigh(a0, b3);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = a0 * b4;
    hi = Math.multiplyHigh(a0, b4);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a0 * b5;
    hi = Math.multiplyHigh(a0, b5);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a0 * b6;
    hi = Math.multiplyHigh(a0, b6);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a1 * b0;
    hi = Math.multiplyHigh(a1, b0);
    c1 += lo & M;
    c2 += (hi << 8) | (lo >>> 56);
    lo = a1 * b1;
    hi = Math.multiplyHigh(a1, b1);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = a1 * b2;
    hi = Math.multiplyHigh(a1, b2);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = a1 * b3;
    hi = Math.multiplyHigh(a1, b3);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a1 * b4;
    hi = Math.multiplyHigh(a1, b4);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a1 * b5;
    hi = Math.multiplyHigh(a1, b5);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a1 * b6;
    hi = Math.multiplyHigh(a1, b6);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a2 * b0;
    hi = Math.multiplyHigh(a2, b0);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = a2 * b1;
    hi = Math.multiplyHigh(a2, b1);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = a2 * b2;
    hi = Math.multiplyHigh(a2, b2);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a2 * b3;
    hi = Math.multiplyHigh(a2, b3);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a2 * b4;
    hi = Math.multiplyHigh(a2, b4);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a2 * b5;
    hi = Math.multiplyHigh(a2, b5);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a2 * b6;
    hi = Math.multiplyHigh(a2, b6);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a3 * b0;
    hi = Math.multiplyHigh(a3, b0);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = a3 * b1;
    hi = Math.multiplyHigh(a3, b1);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a3 * b2;
    hi = Math.multiplyHigh(a3, b2);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a3 * b3;
    hi = Math.multiplyHigh(a3, b3);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a3 * b4;
    hi = Math.multiplyHigh(a3, b4);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a3 * b5;
    hi = Math.multiplyHigh(a3, b5);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a3 * b6;
    hi = Math.multiplyHigh(a3, b6);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = a4 * b0;
    hi = Math.multiplyHigh(a4, b0);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a4 * b1;
    hi = Math.multiplyHigh(a4, b1);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a4 * b2;
    hi = Math.multiplyHigh(a4, b2);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a4 * b3;
    hi = Math.multiplyHigh(a4, b3);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a4 * b4;
    hi = Math.multiplyHigh(a4, b4);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a4 * b5;
    hi = Math.multiplyHigh(a4, b5);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = a4 * b6;
    hi = Math.multiplyHigh(a4, b6);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = a5 * b0;
    hi = Math.multiplyHigh(a5, b0);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a5 * b1;
    hi = Math.multiplyHigh(a5, b1);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a5 * b2;
    hi = Math.multiplyHigh(a5, b2);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a5 * b3;
    hi = Math.multiplyHigh(a5, b3);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a5 * b4;
    hi = Math.multiplyHigh(a5, b4);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = a5 * b5;
    hi = Math.multiplyHigh(a5, b5);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = a5 * b6;
    hi = Math.multiplyHigh(a5, b6);
    c11 += lo & M;
    c12 += (hi << 8) | (lo >>> 56);
    lo = a6 * b0;
    hi = Math.multiplyHigh(a6, b0);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a6 * b1;
    hi = Math.multiplyHigh(a6, b1);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a6 * b2;
    hi = Math.multiplyHigh(a6, b2);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a6 * b3;
    hi = Math.multiplyHigh(a6, b3);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = a6 * b4;
    hi = Math.multiplyHigh(a6, b4);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = a6 * b5;
    hi = Math.multiplyHigh(a6, b5);
    c11 += lo & M;
    c12 += (hi << 8) | (lo >>> 56);
    lo = a6 * b6;
    hi = Math.multiplyHigh(a6, b6);
    c12 += lo & M;
    c13 += (hi << 8) | (lo >>> 56);
    // Montgomery reduction, one 56-bit limb at a time
    m = (c0 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c0 += lo & M;
    c1 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c1 += lo & M;
    c2 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    c1 += c0 >>> 56;
    m = (c1 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c1 += lo & M;
    c2 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    c2 += c1 >>> 56;
    m = (c2 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    c3 += c2 >>> 56;
    m = (c3 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    c4 += c3 >>> 56;
    m = (c4 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    c5 += c4 >>> 56;
    m = (c5 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c11 += lo & M;
    c12 += (hi << 8) | (lo >>> 56);
    c6 += c5 >>> 56;
    m = (c6 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c11 += lo & M;
    c12 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c12 += lo & M;
    c13 += (hi << 8) | (lo >>> 56);
    c7 += c6 >>> 56;
    c8 += c7 >>> 56;
    c7 &= M;
    c9 += c8 >>> 56;
    c8 &= M;
    c10 += c9 >>> 56;
    c9 &= M;
    c11 += c10 >>> 56;
    c10 &= M;
    c12 += c11 >>> 56;
    c11 &= M;
    c13 += c12 >>> 56;
    c12 &= M;
    return reduceOnce(c7, c8, c9, c10, c11, c12, c13);
  }

  /** a^2 R^-1 mod p: as {@link #montMul} with the 21 cross products computed once and doubled. */
  private static BlsFp montSqr(BlsFp a) {
    long a0 = a.l0, a1 = a.l1, a2 = a.l2, a3 = a.l3, a4 = a.l4, a5 = a.l5, a6 = a.l6;
    long c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0, c8 = 0, c9 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    long lo, hi, m;
    // the cross products a_i a_j (i < j) once, the columns doubled, then the squares
    lo = a0 * a1;
    hi = Math.multiplyHigh(a0, a1);
    c1 += lo & M;
    c2 += (hi << 8) | (lo >>> 56);
    lo = a0 * a2;
    hi = Math.multiplyHigh(a0, a2);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = a0 * a3;
    hi = Math.multiplyHigh(a0, a3);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = a0 * a4;
    hi = Math.multiplyHigh(a0, a4);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a0 * a5;
    hi = Math.multiplyHigh(a0, a5);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a0 * a6;
    hi = Math.multiplyHigh(a0, a6);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a1 * a2;
    hi = Math.multiplyHigh(a1, a2);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = a1 * a3;
    hi = Math.multiplyHigh(a1, a3);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a1 * a4;
    hi = Math.multiplyHigh(a1, a4);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a1 * a5;
    hi = Math.multiplyHigh(a1, a5);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a1 * a6;
    hi = Math.multiplyHigh(a1, a6);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a2 * a3;
    hi = Math.multiplyHigh(a2, a3);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = a2 * a4;
    hi = Math.multiplyHigh(a2, a4);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a2 * a5;
    hi = Math.multiplyHigh(a2, a5);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a2 * a6;
    hi = Math.multiplyHigh(a2, a6);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a3 * a4;
    hi = Math.multiplyHigh(a3, a4);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = a3 * a5;
    hi = Math.multiplyHigh(a3, a5);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a3 * a6;
    hi = Math.multiplyHigh(a3, a6);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = a4 * a5;
    hi = Math.multiplyHigh(a4, a5);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = a4 * a6;
    hi = Math.multiplyHigh(a4, a6);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = a5 * a6;
    hi = Math.multiplyHigh(a5, a6);
    c11 += lo & M;
    c12 += (hi << 8) | (lo >>> 56);
    c0 <<= 1;
    c1 <<= 1;
    c2 <<= 1;
    c3 <<= 1;
    c4 <<= 1;
    c5 <<= 1;
    c6 <<= 1;
    c7 <<= 1;
    c8 <<= 1;
    c9 <<= 1;
    c10 <<= 1;
    c11 <<= 1;
    c12 <<= 1;
    c13 <<= 1;
    lo = a0 * a0;
    hi = Math.multiplyHigh(a0, a0);
    c0 += lo & M;
    c1 += (hi << 8) | (lo >>> 56);
    lo = a1 * a1;
    hi = Math.multiplyHigh(a1, a1);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = a2 * a2;
    hi = Math.multiplyHigh(a2, a2);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = a3 * a3;
    hi = Math.multiplyHigh(a3, a3);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = a4 * a4;
    hi = Math.multiplyHigh(a4, a4);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = a5 * a5;
    hi = Math.multiplyHigh(a5, a5);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = a6 * a6;
    hi = Math.multiplyHigh(a6, a6);
    c12 += lo & M;
    c13 += (hi << 8) | (lo >>> 56);
    // Montgomery reduction, one 56-bit limb at a time
    m = (c0 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c0 += lo & M;
    c1 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c1 += lo & M;
    c2 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    c1 += c0 >>> 56;
    m = (c1 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c1 += lo & M;
    c2 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    c2 += c1 >>> 56;
    m = (c2 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c2 += lo & M;
    c3 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    c3 += c2 >>> 56;
    m = (c3 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c3 += lo & M;
    c4 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    c4 += c3 >>> 56;
    m = (c4 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c4 += lo & M;
    c5 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    c5 += c4 >>> 56;
    m = (c5 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c5 += lo & M;
    c6 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c11 += lo & M;
    c12 += (hi << 8) | (lo >>> 56);
    c6 += c5 >>> 56;
    m = (c6 * INV) & M;
    lo = m * P0;
    hi = Math.multiplyHigh(m, P0);
    c6 += lo & M;
    c7 += (hi << 8) | (lo >>> 56);
    lo = m * P1;
    hi = Math.multiplyHigh(m, P1);
    c7 += lo & M;
    c8 += (hi << 8) | (lo >>> 56);
    lo = m * P2;
    hi = Math.multiplyHigh(m, P2);
    c8 += lo & M;
    c9 += (hi << 8) | (lo >>> 56);
    lo = m * P3;
    hi = Math.multiplyHigh(m, P3);
    c9 += lo & M;
    c10 += (hi << 8) | (lo >>> 56);
    lo = m * P4;
    hi = Math.multiplyHigh(m, P4);
    c10 += lo & M;
    c11 += (hi << 8) | (lo >>> 56);
    lo = m * P5;
    hi = Math.multiplyHigh(m, P5);
    c11 += lo & M;
    c12 += (hi << 8) | (lo >>> 56);
    lo = m * P6;
    hi = Math.multiplyHigh(m, P6);
    c12 += lo & M;
    c13 += (hi << 8) | (lo >>> 56);
    c7 += c6 >>> 56;
    c8 += c7 >>> 56;
    c7 &= M;
    c9 += c8 >>> 56;
    c8 &= M;
    c10 += c9 >>> 56;
    c9 &= M;
    c11 += c10 >>> 56;
    c10 &= M;
    c12 += c11 >>> 56;
    c11 &= M;
    c13 += c12 >>> 56;
    c12 &= M;
    return reduceOnce(c7, c8, c9, c10, c11, c12, c13);
  }


  /**
   * The 14 columns of a b for limbs below 2^57 (an element's, or the limb-wise sum of two),
   * unreduced and not normalised: column k is the sum of the low 56 bits of the limb products
   * with i + j = k and the higher bits of those with i + j = k - 1 (each product is below 2^114,
   * so {@link Math#multiplyHigh} and a shift split it exactly), below 7 (2^56 + 2^58) < 2^62.
   */
  private static long[] wideMul(long a0, long a1, long a2, long a3, long a4, long a5, long a6,
      long b0, long b1, long b2, long b3, long b4, long b5, long b6) {
    long c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0, c8 = 0, c9 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    long lo;
    lo = a0 * b0;
    c0 += lo & M;
    c1 += (Math.multiplyHigh(a0, b0) << 8) | (lo >>> 56);
    lo = a0 * b1;
    c1 += lo & M;
    c2 += (Math.multiplyHigh(a0, b1) << 8) | (lo >>> 56);
    lo = a0 * b2;
    c2 += lo & M;
    c3 += (Math.multiplyHigh(a0, b2) << 8) | (lo >>> 56);
    lo = a0 * b3;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(a0, b3) << 8) | (lo >>> 56);
    lo = a0 * b4;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(a0, b4) << 8) | (lo >>> 56);
    lo = a0 * b5;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(a0, b5) << 8) | (lo >>> 56);
    lo = a0 * b6;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(a0, b6) << 8) | (lo >>> 56);
    lo = a1 * b0;
    c1 += lo & M;
    c2 += (Math.multiplyHigh(a1, b0) << 8) | (lo >>> 56);
    lo = a1 * b1;
    c2 += lo & M;
    c3 += (Math.multiplyHigh(a1, b1) << 8) | (lo >>> 56);
    lo = a1 * b2;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(a1, b2) << 8) | (lo >>> 56);
    lo = a1 * b3;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(a1, b3) << 8) | (lo >>> 56);
    lo = a1 * b4;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(a1, b4) << 8) | (lo >>> 56);
    lo = a1 * b5;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(a1, b5) << 8) | (lo >>> 56);
    lo = a1 * b6;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(a1, b6) << 8) | (lo >>> 56);
    lo = a2 * b0;
    c2 += lo & M;
    c3 += (Math.multiplyHigh(a2, b0) << 8) | (lo >>> 56);
    lo = a2 * b1;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(a2, b1) << 8) | (lo >>> 56);
    lo = a2 * b2;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(a2, b2) << 8) | (lo >>> 56);
    lo = a2 * b3;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(a2, b3) << 8) | (lo >>> 56);
    lo = a2 * b4;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(a2, b4) << 8) | (lo >>> 56);
    lo = a2 * b5;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(a2, b5) << 8) | (lo >>> 56);
    lo = a2 * b6;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(a2, b6) << 8) | (lo >>> 56);
    lo = a3 * b0;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(a3, b0) << 8) | (lo >>> 56);
    lo = a3 * b1;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(a3, b1) << 8) | (lo >>> 56);
    lo = a3 * b2;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(a3, b2) << 8) | (lo >>> 56);
    lo = a3 * b3;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(a3, b3) << 8) | (lo >>> 56);
    lo = a3 * b4;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(a3, b4) << 8) | (lo >>> 56);
    lo = a3 * b5;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(a3, b5) << 8) | (lo >>> 56);
    lo = a3 * b6;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(a3, b6) << 8) | (lo >>> 56);
    lo = a4 * b0;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(a4, b0) << 8) | (lo >>> 56);
    lo = a4 * b1;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(a4, b1) << 8) | (lo >>> 56);
    lo = a4 * b2;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(a4, b2) << 8) | (lo >>> 56);
    lo = a4 * b3;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(a4, b3) << 8) | (lo >>> 56);
    lo = a4 * b4;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(a4, b4) << 8) | (lo >>> 56);
    lo = a4 * b5;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(a4, b5) << 8) | (lo >>> 56);
    lo = a4 * b6;
    c10 += lo & M;
    c11 += (Math.multiplyHigh(a4, b6) << 8) | (lo >>> 56);
    lo = a5 * b0;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(a5, b0) << 8) | (lo >>> 56);
    lo = a5 * b1;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(a5, b1) << 8) | (lo >>> 56);
    lo = a5 * b2;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(a5, b2) << 8) | (lo >>> 56);
    lo = a5 * b3;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(a5, b3) << 8) | (lo >>> 56);
    lo = a5 * b4;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(a5, b4) << 8) | (lo >>> 56);
    lo = a5 * b5;
    c10 += lo & M;
    c11 += (Math.multiplyHigh(a5, b5) << 8) | (lo >>> 56);
    lo = a5 * b6;
    c11 += lo & M;
    c12 += (Math.multiplyHigh(a5, b6) << 8) | (lo >>> 56);
    lo = a6 * b0;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(a6, b0) << 8) | (lo >>> 56);
    lo = a6 * b1;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(a6, b1) << 8) | (lo >>> 56);
    lo = a6 * b2;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(a6, b2) << 8) | (lo >>> 56);
    lo = a6 * b3;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(a6, b3) << 8) | (lo >>> 56);
    lo = a6 * b4;
    c10 += lo & M;
    c11 += (Math.multiplyHigh(a6, b4) << 8) | (lo >>> 56);
    lo = a6 * b5;
    c11 += lo & M;
    c12 += (Math.multiplyHigh(a6, b5) << 8) | (lo >>> 56);
    lo = a6 * b6;
    c12 += lo & M;
    c13 += (Math.multiplyHigh(a6, b6) << 8) | (lo >>> 56);
    return new long[] {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13};
  }

  /**
   * t R^-1 mod p for columns t (as {@link #wideMul} leaves them, or sums and differences of a few
   * normalised ones) of a value -128 p^2 <= t < 128 p^2: 128 p^2 is added, then the Montgomery
   * reduction of {@link #montMul} with signed carries and one subtraction of p, the result being
   * below (256 p^2 + R p) / R < 2p (R = 2^392 > 512 p).
   */
  private static BlsFp reduceWide(long[] t) {
    long c0 = t[0] + P_SQUARED[0];
    long c1 = t[1] + P_SQUARED[1];
    long c2 = t[2] + P_SQUARED[2];
    long c3 = t[3] + P_SQUARED[3];
    long c4 = t[4] + P_SQUARED[4];
    long c5 = t[5] + P_SQUARED[5];
    long c6 = t[6] + P_SQUARED[6];
    long c7 = t[7] + P_SQUARED[7];
    long c8 = t[8] + P_SQUARED[8];
    long c9 = t[9] + P_SQUARED[9];
    long c10 = t[10] + P_SQUARED[10];
    long c11 = t[11] + P_SQUARED[11];
    long c12 = t[12] + P_SQUARED[12];
    long c13 = t[13] + P_SQUARED[13];
    long lo, m;
    m = (c0 * INV) & M;
    lo = m * P0;
    c0 += lo & M;
    c1 += (Math.multiplyHigh(m, P0) << 8) | (lo >>> 56);
    lo = m * P1;
    c1 += lo & M;
    c2 += (Math.multiplyHigh(m, P1) << 8) | (lo >>> 56);
    lo = m * P2;
    c2 += lo & M;
    c3 += (Math.multiplyHigh(m, P2) << 8) | (lo >>> 56);
    lo = m * P3;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(m, P3) << 8) | (lo >>> 56);
    lo = m * P4;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(m, P4) << 8) | (lo >>> 56);
    lo = m * P5;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(m, P5) << 8) | (lo >>> 56);
    lo = m * P6;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(m, P6) << 8) | (lo >>> 56);
    c1 += c0 >> 56;
    m = (c1 * INV) & M;
    lo = m * P0;
    c1 += lo & M;
    c2 += (Math.multiplyHigh(m, P0) << 8) | (lo >>> 56);
    lo = m * P1;
    c2 += lo & M;
    c3 += (Math.multiplyHigh(m, P1) << 8) | (lo >>> 56);
    lo = m * P2;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(m, P2) << 8) | (lo >>> 56);
    lo = m * P3;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(m, P3) << 8) | (lo >>> 56);
    lo = m * P4;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(m, P4) << 8) | (lo >>> 56);
    lo = m * P5;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(m, P5) << 8) | (lo >>> 56);
    lo = m * P6;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(m, P6) << 8) | (lo >>> 56);
    c2 += c1 >> 56;
    m = (c2 * INV) & M;
    lo = m * P0;
    c2 += lo & M;
    c3 += (Math.multiplyHigh(m, P0) << 8) | (lo >>> 56);
    lo = m * P1;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(m, P1) << 8) | (lo >>> 56);
    lo = m * P2;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(m, P2) << 8) | (lo >>> 56);
    lo = m * P3;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(m, P3) << 8) | (lo >>> 56);
    lo = m * P4;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(m, P4) << 8) | (lo >>> 56);
    lo = m * P5;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(m, P5) << 8) | (lo >>> 56);
    lo = m * P6;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(m, P6) << 8) | (lo >>> 56);
    c3 += c2 >> 56;
    m = (c3 * INV) & M;
    lo = m * P0;
    c3 += lo & M;
    c4 += (Math.multiplyHigh(m, P0) << 8) | (lo >>> 56);
    lo = m * P1;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(m, P1) << 8) | (lo >>> 56);
    lo = m * P2;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(m, P2) << 8) | (lo >>> 56);
    lo = m * P3;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(m, P3) << 8) | (lo >>> 56);
    lo = m * P4;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(m, P4) << 8) | (lo >>> 56);
    lo = m * P5;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(m, P5) << 8) | (lo >>> 56);
    lo = m * P6;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(m, P6) << 8) | (lo >>> 56);
    c4 += c3 >> 56;
    m = (c4 * INV) & M;
    lo = m * P0;
    c4 += lo & M;
    c5 += (Math.multiplyHigh(m, P0) << 8) | (lo >>> 56);
    lo = m * P1;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(m, P1) << 8) | (lo >>> 56);
    lo = m * P2;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(m, P2) << 8) | (lo >>> 56);
    lo = m * P3;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(m, P3) << 8) | (lo >>> 56);
    lo = m * P4;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(m, P4) << 8) | (lo >>> 56);
    lo = m * P5;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(m, P5) << 8) | (lo >>> 56);
    lo = m * P6;
    c10 += lo & M;
    c11 += (Math.multiplyHigh(m, P6) << 8) | (lo >>> 56);
    c5 += c4 >> 56;
    m = (c5 * INV) & M;
    lo = m * P0;
    c5 += lo & M;
    c6 += (Math.multiplyHigh(m, P0) << 8) | (lo >>> 56);
    lo = m * P1;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(m, P1) << 8) | (lo >>> 56);
    lo = m * P2;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(m, P2) << 8) | (lo >>> 56);
    lo = m * P3;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(m, P3) << 8) | (lo >>> 56);
    lo = m * P4;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(m, P4) << 8) | (lo >>> 56);
    lo = m * P5;
    c10 += lo & M;
    c11 += (Math.multiplyHigh(m, P5) << 8) | (lo >>> 56);
    lo = m * P6;
    c11 += lo & M;
    c12 += (Math.multiplyHigh(m, P6) << 8) | (lo >>> 56);
    c6 += c5 >> 56;
    m = (c6 * INV) & M;
    lo = m * P0;
    c6 += lo & M;
    c7 += (Math.multiplyHigh(m, P0) << 8) | (lo >>> 56);
    lo = m * P1;
    c7 += lo & M;
    c8 += (Math.multiplyHigh(m, P1) << 8) | (lo >>> 56);
    lo = m * P2;
    c8 += lo & M;
    c9 += (Math.multiplyHigh(m, P2) << 8) | (lo >>> 56);
    lo = m * P3;
    c9 += lo & M;
    c10 += (Math.multiplyHigh(m, P3) << 8) | (lo >>> 56);
    lo = m * P4;
    c10 += lo & M;
    c11 += (Math.multiplyHigh(m, P4) << 8) | (lo >>> 56);
    lo = m * P5;
    c11 += lo & M;
    c12 += (Math.multiplyHigh(m, P5) << 8) | (lo >>> 56);
    lo = m * P6;
    c12 += lo & M;
    c13 += (Math.multiplyHigh(m, P6) << 8) | (lo >>> 56);
    c7 += c6 >> 56;
    c8 += c7 >> 56;
    c7 &= M;
    c9 += c8 >> 56;
    c8 &= M;
    c10 += c9 >> 56;
    c9 &= M;
    c11 += c10 >> 56;
    c10 &= M;
    c12 += c11 >> 56;
    c11 &= M;
    c13 += c12 >> 56;
    c12 &= M;
    return reduceOnce(c7, c8, c9, c10, c11, c12, c13);
  }

  /**
   * (a0 + a1 u)(b0 + b1 u) in Fp2 = Fp[u] / (u^2 + 1) with Karatsuba and lazy reduction: three
   * limb products (the sums a0 + a1 and b0 + b1 unreduced), combined as a0 b0 - a1 b1 and
   * (a0 + a1)(b0 + b1) - a0 b0 - a1 b1 before two Montgomery reductions, where three full
   * products reduce three times.
   */
  static Bls12381.Fp2 fp2Mul(BlsFp a0, BlsFp a1, BlsFp b0, BlsFp b1) {
    long[] t0 = wideMul(a0.l0, a0.l1, a0.l2, a0.l3, a0.l4, a0.l5, a0.l6,
        b0.l0, b0.l1, b0.l2, b0.l3, b0.l4, b0.l5, b0.l6);
    long[] t1 = wideMul(a1.l0, a1.l1, a1.l2, a1.l3, a1.l4, a1.l5, a1.l6,
        b1.l0, b1.l1, b1.l2, b1.l3, b1.l4, b1.l5, b1.l6);
    long[] t2 = wideMul(a0.l0 + a1.l0, a0.l1 + a1.l1, a0.l2 + a1.l2, a0.l3 + a1.l3,
        a0.l4 + a1.l4, a0.l5 + a1.l5, a0.l6 + a1.l6, b0.l0 + b1.l0, b0.l1 + b1.l1,
        b0.l2 + b1.l2, b0.l3 + b1.l3, b0.l4 + b1.l4, b0.l5 + b1.l5, b0.l6 + b1.l6);
    for (int k = 0; k < 14; k++) {
      long s = t0[k] + t1[k];
      t0[k] -= t1[k];
      t2[k] -= s;
    }
    return new Bls12381.Fp2(reduceWide(t0), reduceWide(t2));
  }

  /**
   * The unreduced {@link #fp2Mul}: {real, imaginary} as 14 normalised signed limbs each (value
   * times R, magnitude below 2 p^2), for the towers to add and subtract before {@link #reduce}.
   */
  static long[][] fp2MulWide(BlsFp a0, BlsFp a1, BlsFp b0, BlsFp b1) {
    long[] t0 = wideMul(a0.l0, a0.l1, a0.l2, a0.l3, a0.l4, a0.l5, a0.l6,
        b0.l0, b0.l1, b0.l2, b0.l3, b0.l4, b0.l5, b0.l6);
    long[] t1 = wideMul(a1.l0, a1.l1, a1.l2, a1.l3, a1.l4, a1.l5, a1.l6,
        b1.l0, b1.l1, b1.l2, b1.l3, b1.l4, b1.l5, b1.l6);
    long[] t2 = wideMul(a0.l0 + a1.l0, a0.l1 + a1.l1, a0.l2 + a1.l2, a0.l3 + a1.l3,
        a0.l4 + a1.l4, a0.l5 + a1.l5, a0.l6 + a1.l6, b0.l0 + b1.l0, b0.l1 + b1.l1,
        b0.l2 + b1.l2, b0.l3 + b1.l3, b0.l4 + b1.l4, b0.l5 + b1.l5, b0.l6 + b1.l6);
    long c0 = 0;
    long c2 = 0;
    for (int k = 0; k < 14; k++) {
      long s = t0[k] + t1[k];
      // normalise as we go: the low 56 bits stay, the rest (signed) moves up
      long r = t0[k] - t1[k] + c0;
      long i = t2[k] - s + c2;
      c0 = r >> 56;
      c2 = i >> 56;
      t0[k] = k == 13 ? r : r & M;
      t2[k] = k == 13 ? i : i & M;
    }
    return new long[][] {t0, t2};
  }

  /**
   * The unreduced square of a0 + a1 u: {(a0 + a1)(a0 - a1), 2 a0 a1} as normalised columns (the
   * sum unreduced, the difference reduced), magnitude below 2 p^2.
   */
  static long[][] fp2SqrWide(BlsFp a0, BlsFp a1) {
    BlsFp d = a0.sub(a1);
    long[] re = wideMul(a0.l0 + a1.l0, a0.l1 + a1.l1, a0.l2 + a1.l2, a0.l3 + a1.l3,
        a0.l4 + a1.l4, a0.l5 + a1.l5, a0.l6 + a1.l6, d.l0, d.l1, d.l2, d.l3, d.l4, d.l5, d.l6);
    long[] im = wideMul(a0.l0, a0.l1, a0.l2, a0.l3, a0.l4, a0.l5, a0.l6,
        a1.l0, a1.l1, a1.l2, a1.l3, a1.l4, a1.l5, a1.l6);
    long c0 = 0;
    long c1 = 0;
    for (int k = 0; k < 14; k++) {
      long r = re[k] + c0;
      long i = 2 * im[k] + c1;
      c0 = r >> 56;
      c1 = i >> 56;
      re[k] = k == 13 ? r : r & M;
      im[k] = k == 13 ? i : i & M;
    }
    return new long[][] {re, im};
  }

  /** The element t R^-1 for the columns of a lazy product (see {@link #reduceWide}). */
  static BlsFp reduce(long[] t) {
    return reduceWide(t);
  }

  private static int compare(long[] a, long[] b) {
    for (int i = N - 1; i >= 0; i--) {
      int c = Long.compare(a[i], b[i]); // limbs below 2^56: signed order is unsigned order
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static long[] wideLimbs(BigInteger v) {
    long[] out = new long[2 * N];
    for (int i = 0; i < 2 * N; i++) {
      out[i] = v.shiftRight(BITS * i).longValue() & M;
    }
    return out;
  }

  private static long[] limbs(BigInteger v) {
    long[] out = new long[N];
    for (int i = 0; i < N; i++) {
      out[i] = v.shiftRight(BITS * i).longValue() & M;
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
