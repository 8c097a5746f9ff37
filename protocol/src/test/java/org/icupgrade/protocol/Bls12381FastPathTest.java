package org.icupgrade.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.icupgrade.protocol.Bls12381.Fp12;
import org.icupgrade.protocol.Bls12381.Fp2;
import org.icupgrade.protocol.Bls12381.Jac;
import org.junit.jupiter.api.Test;

/**
 * The shortcuts of {@link Bls12381}'s hot paths against their straightforward definitions, on
 * values from a fixed seed: the sqrt_ratio simplified SWU map against RFC 9380 section 6.6.2 as
 * written, the homogeneous isogeny against the affine one, and the GLV scalar multiplication
 * against the plain NAF.
 */
class Bls12381FastPathTest {
  private static final BigInteger P = BlsFp.MODULUS;

  private static List<BlsFp> fieldElements(long seed, int n) {
    Random random = new Random(seed);
    List<BlsFp> out = new ArrayList<>();
    out.add(BlsFp.ZERO);
    out.add(BlsFp.ONE);
    out.add(BlsFp.ONE.neg());
    out.add(BlsFp.of(2));
    while (out.size() < n) {
      out.add(BlsFp.of(new BigInteger(384, random).mod(P)));
    }
    return out;
  }

  /** RFC 9380 section 6.6.2, map_to_curve_simple_swu, step by step with an inversion and roots. */
  private static BlsFp[] sswuAsWritten(BlsFp u) {
    BlsFp a = Bls12381.SSWU_A;
    BlsFp b = Bls12381.SSWU_B;
    BlsFp z = Bls12381.SSWU_Z;
    BlsFp zu2 = z.mul(u.sqr());
    BlsFp tv1 = zu2.sqr().add(zu2).inv(); // inv0: 0 maps to 0
    BlsFp x1 = tv1.isZero()
        ? b.mul(z.mul(a).inv())
        : b.neg().mul(a.inv()).mul(BlsFp.ONE.add(tv1));
    BlsFp gx1 = x1.sqr().mul(x1).add(a.mul(x1)).add(b);
    BlsFp x2 = zu2.mul(x1);
    BlsFp gx2 = x2.sqr().mul(x2).add(a.mul(x2)).add(b);
    BlsFp x;
    BlsFp y;
    if (gx1.sqrt() != null) {
      x = x1;
      y = gx1.sqrt();
    } else {
      x = x2;
      y = gx2.sqrt();
    }
    assertNotNull(y, "one of g(x1), g(x2) is square");
    if (u.isOdd() != y.isOdd()) {
      y = y.neg();
    }
    return new BlsFp[] {x, y};
  }

  @Test
  void mapToCurveSswu_randomElements_agreesWithTheRfcStepsAndLiesOnTheIsogenousCurve() {
    int nonSquareBranch = 0;
    for (BlsFp u : fieldElements(11, 2000)) {
      BlsFp[] fast = Bls12381.mapToCurveSswu(u);
      BlsFp x = fast[0].mul(fast[1].inv());
      BlsFp y = fast[2];
      BlsFp[] slow = sswuAsWritten(u);
      assertEquals(slow[0], x, () -> "x for u = " + u);
      assertEquals(slow[1], y, () -> "y for u = " + u);
      assertEquals(y.sqr(), x.sqr().mul(x).add(Bls12381.SSWU_A.mul(x)).add(Bls12381.SSWU_B));
      nonSquareBranch += x.equals(sswuX1(u)) ? 0 : 1;
    }
    assertTrue(nonSquareBranch > 500 && nonSquareBranch < 1500,
        "both branches of sqrt_ratio are taken: " + nonSquareBranch + " of 2000 used x2");
  }

  private static BlsFp sswuX1(BlsFp u) {
    BlsFp zu2 = Bls12381.SSWU_Z.mul(u.sqr());
    BlsFp tv1 = zu2.sqr().add(zu2).inv();
    return tv1.isZero()
        ? Bls12381.SSWU_B.mul(Bls12381.SSWU_Z.mul(Bls12381.SSWU_A).inv())
        : Bls12381.SSWU_B.neg().mul(Bls12381.SSWU_A.inv()).mul(BlsFp.ONE.add(tv1));
  }

  @Test
  void isoMap_fractionX_sameAsTheAffineX() {
    List<BlsFp> us = fieldElements(12, 500);
    for (BlsFp u : us) {
      BlsFp[] fraction = Bls12381.mapToCurveSswu(u);
      BlsFp x = fraction[0].mul(fraction[1].inv());
      Jac<BlsFp> viaFraction = Bls12381.isoMap(fraction);
      Jac<BlsFp> viaAffine = Bls12381.isoMap(new BlsFp[] {x, BlsFp.ONE, fraction[2]});
      assertTrue(viaFraction.sameAs(viaAffine), () -> "u = " + u);
      Jac<BlsFp> a = viaFraction.affine();
      assertEquals(a.y().sqr(), a.x().sqr().mul(a.x()).add(BlsFp.of(4)), "on E: y^2 = x^3 + 4");
    }
  }

  @Test
  void fp2Mul_randomElementsAndEdges_agreesWithAReductionPerProduct() {
    List<BlsFp> as = fieldElements(14, 3000);
    List<BlsFp> bs = fieldElements(15, 3000);
    for (int i = 0; i < as.size(); i++) {
      Fp2 x = new Fp2(as.get(i), as.get((i * 5 + 1) % as.size()));
      Fp2 y = new Fp2(bs.get((i * 7 + 3) % bs.size()), bs.get(i));
      Fp2 lazy = x.mul(y);
      assertEquals(x.mulReduced(y), lazy, () -> x + " * " + y);
      // and against the definition (a + bu)(c + du) = (ac - bd) + (ad + bc) u
      assertEquals(x.a().mul(y.a()).sub(x.b().mul(y.b())), lazy.a());
      assertEquals(x.a().mul(y.b()).add(x.b().mul(y.a())), lazy.b());
    }
  }

  private static Fp12 fp12(List<BlsFp> values, int at) {
    Fp2[] c = new Fp2[6];
    for (int i = 0; i < 6; i++) {
      c[i] = new Fp2(values.get((at + 2 * i) % values.size()),
          values.get((at + 2 * i + 1) % values.size()));
    }
    return new Fp12(c);
  }

  @Test
  void fp12MulAndSqr_randomElements_agreeWithReducedFp2Products() {
    // The edges (0, 1, -1, 2) sit at the list's start, so the first elements mix them in.
    List<BlsFp> values = fieldElements(16, 4000);
    for (int i = 0; i < 1000; i++) {
      Fp12 x = fp12(values, i * 12);
      Fp12 y = fp12(values, i * 12 + 6 + i % 7);
      assertEquals(x.mulReduced(y), x.mul(y), "mul");
      assertEquals(x.sqrReduced(), x.sqr(), "sqr");
      assertEquals(x.mulReduced(x), x.sqr(), "sqr is mul by itself");
      Fp2[] even = {x.c[0], x.c[2], x.c[4]};
      assertArrayEquals(Fp12.mul6By01Reduced(even, y.c[0], y.c[1]),
          Fp12.mul6By01(even, y.c[0], y.c[1]), "mul6By01");
    }
    // all coefficients p - 1: the largest magnitudes the lazy sums see
    Fp2 top = new Fp2(BlsFp.ONE.neg(), BlsFp.ONE.neg());
    Fp12 max = new Fp12(new Fp2[] {top, top, top, top, top, top});
    assertEquals(max.mulReduced(max), max.mul(max));
    assertEquals(max.sqrReduced(), max.sqr());
  }

  @Test
  void cyclotomicSqr_randomAndCyclotomicElements_agreesWithReducedSquaresAndTheSquare() {
    List<BlsFp> values = fieldElements(17, 3000);
    for (int i = 0; i < 500; i++) {
      Fp12 x = fp12(values, i * 6 + i % 5);
      // the formula itself, on any element
      assertEquals(x.cyclotomicSqrReduced(), x.cyclotomicSqr(), "formula");
      if (i % 10 == 0) {
        // and the square, on elements of the cyclotomic subgroup
        Fp12 g = Bls12381.easyPart(x);
        assertEquals(g.sqr(), g.cyclotomicSqr(), "square of a cyclotomic element");
      }
    }
  }

  @Test
  void glvTimes_randomScalarsAndEdges_agreesWithThePlainNaf() {
    Random random = new Random(13);
    BigInteger x2 = new BigInteger("d201000000010000", 16).pow(2);
    List<BigInteger> scalars = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE,
        BigInteger.TWO, x2.subtract(BigInteger.ONE), x2, x2.add(BigInteger.ONE),
        x2.multiply(x2).mod(Bls12381.R), Bls12381.R.subtract(BigInteger.ONE),
        Bls12381.R.subtract(BigInteger.TWO), BigInteger.ONE.shiftLeft(254)));
    while (scalars.size() < 300) {
      scalars.add(new BigInteger(255, random).mod(Bls12381.R));
    }
    for (int i = 0; i < scalars.size(); i++) {
      BigInteger k = scalars.get(i);
      Jac<BlsFp> p = Bls12381.hashToG1(new byte[] {(byte) i, (byte) (i >> 8)}, new byte[] {7});
      Jac<BlsFp> expected = p.times(k);
      Jac<BlsFp> actual = Bls12381.glvTimes(p, Bls12381.glvNafs(k));
      assertTrue(expected.sameAs(actual), () -> "k = " + k.toString(16));
    }
  }
}
