package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.icupgrade.protocol.RequestId;
import org.icupgrade.protocol.Secp256k1;
import org.junit.jupiter.api.Test;

class Secp256k1SignerTest {
  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");

  /** BouncyCastle's RFC 6979 ECDSA, an independent implementation, with s in the lower half. */
  private static byte[] bouncyCastle(BigInteger d, byte[] message) {
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(d, new ECDomainParameters(CURVE)));
    BigInteger[] rs = signer.generateSignature(RequestId.sha256(message));
    BigInteger s = rs[1].compareTo(Secp256k1.N.shiftRight(1)) > 0
        ? Secp256k1.N.subtract(rs[1]) : rs[1];
    return RequestId.concat(Secp256k1Signer.int32(rs[0]), Secp256k1Signer.int32(s));
  }

  @Test
  void sign_sameSignatureAsBouncyCastlesRfc6979_andVerifies() {
    Random random = new Random(6979);
    for (int i = 0; i < 8; i++) {
      BigInteger d = new BigInteger(256, random).mod(Secp256k1.N.subtract(BigInteger.ONE))
          .add(BigInteger.ONE);
      byte[] message = new byte[random.nextInt(100)];
      random.nextBytes(message);
      Secp256k1Signer signer = new Secp256k1Signer(d);
      byte[] signature = signer.sign(message);
      assertArrayEquals(bouncyCastle(d, message), signature, "key " + i);
      assertTrue(Secp256k1.verify(Secp256k1.point(signer.publicKeySec1()), message, signature));
      assertTrue(new BigInteger(1, java.util.Arrays.copyOfRange(signature, 32, 64))
          .compareTo(Secp256k1.N.shiftRight(1)) <= 0, "low s");
    }
  }

  @Test
  void sign_deterministic_andBoundToTheMessage() {
    Secp256k1Signer signer = new Secp256k1Signer(BigInteger.valueOf(0xC0FFEE));
    byte[] a = signer.sign("a".getBytes(StandardCharsets.US_ASCII));
    assertArrayEquals(a, signer.sign("a".getBytes(StandardCharsets.US_ASCII)));
    assertFalse(Secp256k1.verify(Secp256k1.point(signer.publicKeySec1()),
        "b".getBytes(StandardCharsets.US_ASCII), a));
  }

  /** Key 1 has public key G: the signer's point arithmetic agrees with the curve's generator. */
  @Test
  void publicKey_ofOne_isTheGenerator() {
    byte[] q = new Secp256k1Signer(BigInteger.ONE).publicKeySec1();
    assertEquals(Secp256k1.G, Secp256k1.point(q));
  }

  @Test
  void constructor_keyOutOfRange_refused() {
    assertThrows(IllegalArgumentException.class, () -> new Secp256k1Signer(BigInteger.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new Secp256k1Signer(Secp256k1.N));
  }
}
