package org.icupgrade.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.icupgrade.protocol.Bls12381.BlsException;
import org.junit.jupiter.api.Test;

class Bls12381Test {
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** RFC 9380 Appendix J.9.1: BLS12381G1_XMD:SHA-256_SSWU_RO_, msg, P.x, P.y. */
  private static final String[][] HASH_TO_CURVE_VECTORS = {
      {"",
          "052926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1",
          "08ba738453bfed09cb546dbb0783dbb3a5f1f566ed67bb6be0e8c67e2e81a4cc68ee29813bb7994998f3eae0c9c6a265"},
      {"abc",
          "03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903",
          "0b9c15f3fe6e5cf4211f346271d7b01c8f3b28be689c8429c85b67af215533311f0b8dfaaa154fa6b88176c229f2885d"},
      {"abcdef0123456789",
          "11e0b079dea29a68f0383ee94fed1b940995272407e3bb916bbf268c263ddd57a6a27200a784cbc248e84f357ce82d98",
          "03a87ae2caf14e8ee52e51fa2ed8eefe80f02457004ba4d486d6aa1f517c0889501dc7413753f9599b099ebcbbd2d709"},
      {"q128_" + "q".repeat(128),
          "15f68eaa693b95ccb85215dc65fa81038d69629f70aeee0d0f677cf22285e7bf58d7cb86eefe8f2e9bc3f8cb84fac488",
          "1807a1d50c29f430b8cafc4f8638dfeeadf51211e1602a5f184443076715f91bb90a48ba1e370edce6ae1062f5e6dd38"},
      {"a512_" + "a".repeat(512),
          "082aabae8b7dedb0e78aeb619ad3bfd9277a2f77ba7fad20ef6aabdc6c31d19ba5a6d12283553294c1825c4b3ca2dcfe",
          "05b84ae5a942248eea39e1d91030458c40153f3b654ab7872d779ad1e942856a20c438e8d99bc8abfbf74729ce1f7ac8"},
  };

  @Test
  void hashToG1_rfc9380AppendixJ91Vectors_match() {
    byte[] dst = ascii("QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_");
    for (String[] v : HASH_TO_CURVE_VECTORS) {
      BigInteger[] p = Bls12381.hashToG1Affine(ascii(v[0]), dst);
      assertEquals(new BigInteger(v[1], 16), p[0], "x of msg " + v[0]);
      assertEquals(new BigInteger(v[2], 16), p[1], "y of msg " + v[0]);
    }
  }

  @Test
  void expandMessageXmd_rfc9380AppendixK1Vector_matches() {
    byte[] out = Bls12381.expandMessageXmd(new byte[0],
        ascii("QUUX-V01-CS02-with-expander-SHA256-128"), 32);
    assertEquals("68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235",
        HEX.formatHex(out));
  }

  @Test
  void signVerify_roundTrip_verifies() {
    Bls12381 key = Bls12381.generate(RANDOM);
    byte[] message = ascii("\ric-state-root and some tree digest");
    byte[] sig = key.sign(message);
    assertEquals(Bls12381.SIGNATURE_LENGTH, sig.length);
    assertEquals(Bls12381.PUBLIC_KEY_LENGTH, key.publicKey().length);
    assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> assertTrue(Bls12381.verify(key.publicKey(), message, sig)));
  }

  @Test
  void verify_wrongKeyWrongMessageOtherSignature_false() {
    Bls12381 key = Bls12381.generate(RANDOM);
    Bls12381 other = Bls12381.generate(RANDOM);
    byte[] message = ascii("message");
    byte[] sig = key.sign(message);
    assertFalse(Bls12381.verify(other.publicKey(), message, sig), "other key");
    assertFalse(Bls12381.verify(key.publicKey(), ascii("messagf"), sig), "other message");
    assertFalse(Bls12381.verify(key.publicKey(), message, key.sign(ascii("x"))),
        "signature of another message");
    assertFalse(Bls12381.verify(key.publicKey(), message, other.sign(message)),
        "signature by another key");
  }

  @Test
  void verify_tamperedSignatureBytes_refusedOrFalse() {
    Bls12381 key = Bls12381.generate(RANDOM);
    byte[] message = ascii("message");
    byte[] sig = key.sign(message);
    for (int i : new int[] {0, 1, 20, 47}) {
      byte[] t = sig.clone();
      t[i] ^= (byte) (i == 0 ? 0x01 : 0x80);
      try {
        assertFalse(Bls12381.verify(key.publicKey(), message, t), "byte " + i);
      } catch (BlsException e) {
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
      }
    }
    // The sign bit flipped gives -sig, a valid point that does not verify.
    byte[] negated = sig.clone();
    negated[0] ^= 0x20;
    assertFalse(Bls12381.verify(key.publicKey(), message, negated));
  }

  @Test
  void verify_malformedEncodings_blsException() {
    Bls12381 key = Bls12381.generate(RANDOM);
    byte[] pk = key.publicKey();
    byte[] sig = key.sign(new byte[0]);
    byte[] m = new byte[0];
    assertThrows(BlsException.class, () -> Bls12381.verify(pk, m, Arrays.copyOf(sig, 47)));
    assertThrows(BlsException.class, () -> Bls12381.verify(Arrays.copyOf(pk, 95), m, sig));
    assertThrows(BlsException.class, () -> Bls12381.verify(key.publicKeyDer(), m, sig));
    byte[] infinity = new byte[48];
    infinity[0] = (byte) 0xc0;
    BlsException e = assertThrows(BlsException.class, () -> Bls12381.verify(pk, m, infinity));
    assertTrue(e.getMessage().contains("infinity"), e.getMessage());
    byte[] pkInfinity = new byte[96];
    pkInfinity[0] = (byte) 0xc0;
    assertThrows(BlsException.class, () -> Bls12381.verify(pkInfinity, m, sig));
    byte[] uncompressed = sig.clone();
    uncompressed[0] &= 0x7f;
    assertThrows(BlsException.class, () -> Bls12381.verify(pk, m, uncompressed));
    byte[] tooLarge = new byte[48];
    Arrays.fill(tooLarge, (byte) 0xff);
    tooLarge[0] = (byte) 0x9f;
    e = assertThrows(BlsException.class, () -> Bls12381.verify(pk, m, tooLarge));
    assertTrue(e.getMessage().contains("prime"), e.getMessage());
    // x = 0: y^2 = 4 has roots, (0, 2) is on the curve but not in G1 (G1 has no point with x = 0
    // of order r), so it is refused for the subgroup; x = 1 (y^2 = 5) is not on the curve.
    byte[] xOne = new byte[48];
    xOne[0] = (byte) 0x80;
    xOne[47] = 1;
    e = assertThrows(BlsException.class, () -> Bls12381.verify(pk, m, xOne));
    assertTrue(e.getMessage().contains("curve") || e.getMessage().contains("subgroup"),
        e.getMessage());
    byte[] xZero = new byte[48];
    xZero[0] = (byte) 0x80;
    e = assertThrows(BlsException.class, () -> Bls12381.verify(pk, m, xZero));
    assertTrue(e.getMessage().contains("subgroup"), e.getMessage());
  }

  @Test
  void verify_publicKeyOnTheTwistOutsideG2_refusedForTheSubgroup() {
    Bls12381 key = Bls12381.generate(RANDOM);
    byte[] sig = key.sign(new byte[0]);
    int subgroup = 0;
    int offCurve = 0;
    for (int k = 1; k <= 8; k++) {
      byte[] pk = new byte[96];
      pk[0] = (byte) 0x80;
      pk[95] = (byte) k; // x = k + 0 u
      BlsException e = assertThrows(BlsException.class,
          () -> Bls12381.verify(pk, new byte[0], sig));
      if (e.getMessage().contains("subgroup")) {
        subgroup++;
      } else if (e.getMessage().contains("not on the curve")) {
        offCurve++;
      }
    }
    assertEquals(8, subgroup + offCurve);
    assertTrue(subgroup > 0, "some x = k has a point on E'(Fp2), and none of those is in G2");
  }

  @Test
  void fromSecretKey_outOfRange_blsException() {
    assertThrows(BlsException.class, () -> Bls12381.fromSecretKey(new byte[32]));
    assertThrows(BlsException.class, () -> Bls12381.fromSecretKey(new byte[31]));
    byte[] max = new byte[32];
    Arrays.fill(max, (byte) 0xff);
    assertThrows(BlsException.class, () -> Bls12381.fromSecretKey(max));
  }

  @Test
  void fromSecretKey_one_publicKeyIsTheG2Generator() {
    byte[] one = new byte[32];
    one[31] = 1;
    // The compressed G2 generator (ZCash serialization, as in the pairing-friendly curves draft).
    assertEquals("93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57"
        + "e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326"
        + "a805bbefd48056c8c121bdb8", HEX.formatHex(Bls12381.fromSecretKey(one).publicKey()));
  }

  @Test
  void derWrapUnwrap_roundTripAndPrefixChecked() {
    Bls12381 key = Bls12381.generate(RANDOM);
    byte[] der = key.publicKeyDer();
    assertEquals(133, der.length);
    assertArrayEquals(key.publicKey(), Bls12381.derUnwrap(der));
    der[5] ^= 1;
    assertThrows(BlsException.class, () -> Bls12381.derUnwrap(der));
    assertThrows(BlsException.class, () -> Bls12381.derUnwrap(key.publicKey()));
  }

  @Test
  void finalExponentiationHardPart_decompositionHolds() {
    // The identity the final exponentiation relies on: 3 (p^4 - p^2 + 1) / r = l0 + l1 p + l2 p^2
    // + l3 p^3, l3 = (x - 1)^2, l2 = l3 x, l1 = l2 x - l3, l0 = l1 x + 3, x = -0xd201000000010000.
    BigInteger p = Bls12381.P;
    BigInteger x = new BigInteger("-d201000000010000", 16);
    BigInteger[] qr = p.pow(4).subtract(p.pow(2)).add(BigInteger.ONE).divideAndRemainder(Bls12381.R);
    assertEquals(BigInteger.ZERO, qr[1]);
    BigInteger l3 = x.subtract(BigInteger.ONE).pow(2);
    BigInteger l2 = l3.multiply(x);
    BigInteger l1 = l2.multiply(x).subtract(l3);
    BigInteger l0 = l1.multiply(x).add(BigInteger.valueOf(3));
    assertEquals(qr[0].multiply(BigInteger.valueOf(3)),
        l0.add(l1.multiply(p)).add(l2.multiply(p.pow(2))).add(l3.multiply(p.pow(3))));
    assertEquals(Bls12381.R, x.pow(4).subtract(x.pow(2)).add(BigInteger.ONE));
  }

  @Test
  void toString_doesNotShowTheSecretKey() {
    byte[] sk = new byte[32];
    sk[31] = 0x2a;
    sk[0] = 0x11;
    String s = Bls12381.fromSecretKey(sk).toString();
    assertFalse(s.contains(HEX.formatHex(sk)), s);
  }
}
