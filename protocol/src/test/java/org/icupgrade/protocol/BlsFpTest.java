package org.icupgrade.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
 * Property tests of the limb arithmetic behind {@link Bls12381}: every operation agrees with
 * {@link BigInteger} mod p over a few thousand values from a fixed seed plus the edges (0, 1,
 * p - 1, values near 2^k), and the tower and subgroup shortcuts agree with their definitions.
 */
class BlsFpTest {
  private static final BigInteger P = BlsFp.MODULUS;
  private static final int CASES = 3000;

  private static List<BigInteger> values(long seed, int n) {
    Random random = new Random(seed);
    List<BigInteger> out = new ArrayList<>();
    out.add(BigInteger.ZERO);
    out.add(BigInteger.ONE);
    out.add(BigInteger.TWO);
    out.add(P.subtract(BigInteger.ONE));
    out.add(P.subtract(BigInteger.TWO));
    out.add(P.shiftRight(1));
    for (int k : new int[] {63, 64, 127, 128, 255, 256, 319, 320, 380}) {
      out.add(BigInteger.ONE.shiftLeft(k));
      out.add(BigInteger.ONE.shiftLeft(k).subtract(BigInteger.ONE));
    }
    while (out.size() < n) {
      // Mostly uniform below p; some with few bits set, where carries chain through zero limbs.
      BigInteger v = random.nextInt(8) == 0
          ? BigInteger.ONE.shiftLeft(random.nextInt(381)).add(BigInteger.valueOf(random.nextLong() >>> 1))
          : new BigInteger(384, random);
      out.add(v.mod(P));
    }
    return out;
  }

  @Test
  void ringOperations_randomValues_agreeWithBigIntegerModP() {
    List<BigInteger> as = values(1, CASES);
    List<BigInteger> bs = values(2, CASES);
    for (int i = 0; i < CASES; i++) {
      BigInteger a = as.get(i);
      BigInteger b = bs.get((i * 7 + 3) % CASES);
      BlsFp fa = BlsFp.of(a);
      BlsFp fb = BlsFp.of(b);
      assertEquals(a, fa.toBigInteger(), "round trip");
      assertEquals(a.multiply(b).mod(P), fa.mul(fb).toBigInteger(), () -> "mul " + a + " " + b);
      assertEquals(a.multiply(a).mod(P), fa.sqr().toBigInteger(), () -> "sqr " + a);
      assertEquals(a.add(b).mod(P), fa.add(fb).toBigInteger(), () -> "add " + a + " " + b);
      assertEquals(a.subtract(b).mod(P), fa.sub(fb).toBigInteger(), () -> "sub " + a + " " + b);
      assertEquals(a.negate().mod(P), fa.neg().toBigInteger(), () -> "neg " + a);
      assertEquals(a.testBit(0), fa.isOdd());
      assertEquals(a.compareTo(P.shiftRight(1)) > 0, fa.larger());
      assertEquals(a.signum() == 0, fa.isZero());
    }
  }

  @Test
  void inv_randomValues_agreesWithModInverse() {
    for (BigInteger a : values(3, CASES)) {
      if (a.signum() == 0) {
        assertTrue(BlsFp.of(a).inv().isZero());
        continue;
      }
      assertEquals(a.modInverse(P), BlsFp.of(a).inv().toBigInteger(), () -> "inv " + a);
    }
  }

  @Test
  void sqrt_randomValues_rootOfSquaresNoneForNonSquares() {
    BigInteger legendre = P.subtract(BigInteger.ONE).shiftRight(1);
    int squares = 0;
    for (BigInteger a : values(4, CASES)) {
      BlsFp root = BlsFp.of(a).sqrt();
      boolean isSquare = a.signum() == 0 || a.modPow(legendre, P).equals(BigInteger.ONE);
      if (isSquare) {
        squares++;
        assertNotNull(root, () -> "a square without a root: " + a);
        assertEquals(a, root.toBigInteger().pow(2).mod(P));
      } else {
        assertNull(root, () -> "a root of a non-square: " + a);
      }
    }
    assertTrue(squares > CASES / 3 && squares < 2 * CASES / 3, "about half are squares");
  }

  @Test
  void fromBytes_belowAndAtP_readsOrRefuses() {
    for (BigInteger a : values(5, 500)) {
      byte[] b = fixed48(a);
      BlsFp f = BlsFp.fromBytes(b, 0, 0xff);
      assertNotNull(f);
      assertEquals(a, f.toBigInteger());
      byte[] back = new byte[48];
      f.toBytes(back, 0);
      assertEquals(a, new BigInteger(1, back));
    }
    assertNull(BlsFp.fromBytes(fixed48(P), 0, 0xff));
    assertNull(BlsFp.fromBytes(fixed48(P.add(BigInteger.ONE)), 0, 0xff));
    byte[] flagged = fixed48(P.subtract(BigInteger.ONE));
    flagged[0] |= (byte) 0xe0;
    assertEquals(P.subtract(BigInteger.ONE), BlsFp.fromBytes(flagged, 0, 0x1f).toBigInteger());
  }

  @Test
  void fromWideBytes_random64Bytes_reducedModP() {
    Random random = new Random(6);
    for (int i = 0; i < 1000; i++) {
      byte[] wide = new byte[64];
      random.nextBytes(wide);
      if (i == 0) {
        java.util.Arrays.fill(wide, (byte) 0xff);
      }
      assertEquals(new BigInteger(1, wide).mod(P), BlsFp.fromWideBytes(wide, 0).toBigInteger());
    }
  }

  @Test
  void fp2Sqrt_randomSquares_rootSquaresBack() {
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      Fp2 x = Fp2.of(new BigInteger(384, random).mod(P), new BigInteger(384, random).mod(P));
      Fp2 square = x.sqr();
      Fp2 root = square.sqrt();
      assertNotNull(root);
      assertEquals(square, root.sqr());
      assertEquals(Fp2.ONE, x.mul(x.inv()));
    }
  }

  @Test
  void fp12_randomElements_inverseAndCyclotomicSquareAgreeWithDefinitions() {
    Random random = new Random(8);
    for (int i = 0; i < 30; i++) {
      Fp12 f = randomFp12(random);
      assertTrue(f.mul(f.inverse()).isOne(), "f / f = 1");
      assertEquals(f.mul(f), f.sqr());
      Fp12 g = Bls12381.easyPart(f);
      assertTrue(g.mul(g.conjugate()).isOne(), "after the easy part the conjugate is the inverse");
      assertEquals(g.sqr(), g.cyclotomicSqr());
    }
  }

  @Test
  void inG1_curvePoints_agreesWithTheOrderCheck() {
    int outside = 0;
    for (int k = 0; k < 40; k++) {
      BlsFp x = BlsFp.of(k);
      BlsFp y = x.sqr().mul(x).add(BlsFp.of(4)).sqrt();
      if (y == null) {
        continue;
      }
      Jac<BlsFp> p = new Jac<>(x, y, BlsFp.ONE);
      assertEquals(Bls12381.inG1ByOrder(p), Bls12381.inG1(p), "x = " + k);
      outside += Bls12381.inG1(p) ? 0 : 1;
    }
    assertTrue(outside > 0, "some small x give points of E(Fp) outside G1");
    for (int i = 0; i < 20; i++) {
      Jac<BlsFp> h = Bls12381.hashToG1(new byte[] {(byte) i}, new byte[] {1});
      assertTrue(Bls12381.inG1(h));
      assertTrue(Bls12381.inG1ByOrder(h));
    }
  }

  @Test
  void inG2_twistPoints_agreesWithTheOrderCheck() {
    int outside = 0;
    Fp2 b = Fp2.of(BigInteger.valueOf(4), BigInteger.valueOf(4));
    for (int k = 0; k < 12; k++) {
      Fp2 x = Fp2.of(BigInteger.valueOf(k), BigInteger.ONE);
      Fp2 y = x.sqr().mul(x).add(b).sqrt();
      if (y == null) {
        continue;
      }
      Jac<Fp2> q = new Jac<>(x, y, Fp2.ONE);
      assertEquals(Bls12381.inG2ByOrder(q), Bls12381.inG2(q), "x = " + k + " + u");
      outside += Bls12381.inG2(q) ? 0 : 1;
    }
    assertTrue(outside > 0, "some x give points of E'(Fp2) outside G2");
    for (int i = 0; i < 3; i++) {
      Jac<Fp2> q = Bls12381.decodeG2(Bls12381.generate().publicKey());
      assertTrue(Bls12381.inG2(q));
      assertTrue(Bls12381.inG2ByOrder(q));
      assertFalse(q.isInfinity());
    }
  }

  private static Fp12 randomFp12(Random random) {
    Fp2[] c = new Fp2[6];
    for (int j = 0; j < 6; j++) {
      c[j] = Fp2.of(new BigInteger(384, random).mod(P), new BigInteger(384, random).mod(P));
    }
    return new Fp12(c);
  }

  private static byte[] fixed48(BigInteger v) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[48];
    int n = Math.min(b.length, 48);
    System.arraycopy(b, b.length - n, out, 48 - n, n);
    return out;
  }
}
