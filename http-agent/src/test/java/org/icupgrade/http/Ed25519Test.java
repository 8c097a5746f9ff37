package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Ed25519 on RFC 8032's vectors, and both ways against the JDK's implementation. */
class Ed25519Test {
  private static final HexFormat HEX = HexFormat.of();

  /** RFC 8032 section 7.1, TEST 1 (an empty message) and TEST 2 (one byte). */
  @Test
  void rfc8032Vectors() {
    byte[] seed1 = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    byte[] pk1 = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    byte[] sig1 = HEX.parseHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assertArrayEquals(pk1, Ed25519.publicKey(seed1));
    assertArrayEquals(sig1, Ed25519.sign(seed1, pk1, new byte[0]));
    assertTrue(Ed25519.verify(pk1, new byte[0], sig1));
    byte[] seed2 = HEX.parseHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    byte[] pk2 = HEX.parseHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    byte[] sig2 = HEX.parseHex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    assertArrayEquals(pk2, Ed25519.publicKey(seed2));
    assertArrayEquals(sig2, Ed25519.sign(seed2, pk2, new byte[] {0x72}));
    assertTrue(Ed25519.verify(pk2, new byte[] {0x72}, sig2));
    assertFalse(Ed25519.verify(pk2, new byte[] {0x73}, sig2));
    assertFalse(Ed25519.verify(pk1, new byte[] {0x72}, sig2));
  }

  @Test
  void agreesWithTheJdk_bothWays() throws Exception {
    Random r = new Random(11);
    for (int i = 0; i < 50; i++) {
      byte[] seed = new byte[32];
      r.nextBytes(seed);
      byte[] message = new byte[r.nextInt(200)];
      r.nextBytes(message);
      byte[] pk = Ed25519.publicKey(seed);
      Signature jdk = Signature.getInstance("Ed25519");
      jdk.initSign(KeyFactory.getInstance("Ed25519")
          .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)));
      jdk.update(message);
      byte[] jdkSig = jdk.sign();
      assertArrayEquals(jdkSig, Ed25519.sign(seed, pk, message));
      Signature v = Signature.getInstance("Ed25519");
      v.initVerify(KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(Ed25519.publicKeyDer(seed))));
      v.update(message);
      assertTrue(v.verify(Ed25519.sign(seed, pk, message)));
      assertArrayEquals(pk, Ed25519.fromDer(Ed25519.publicKeyDer(seed)));
    }
  }

  @Test
  void malformedInputs_areFalseOrNamed() {
    byte[] seed = new byte[32];
    byte[] pk = Ed25519.publicKey(seed);
    byte[] sig = Ed25519.sign(seed, pk, new byte[] {1});
    assertFalse(Ed25519.verify(pk, new byte[] {1}, new byte[63]));
    assertFalse(Ed25519.verify(new byte[31], new byte[] {1}, sig));
    byte[] flipped = sig.clone();
    flipped[63] ^= (byte) 0x80;
    assertFalse(Ed25519.verify(pk, new byte[] {1}, flipped));
    assertThrows(IllegalArgumentException.class, () -> Ed25519.fromDer(new byte[44]));
    assertThrows(IllegalArgumentException.class, () -> Ed25519.publicKey(new byte[31]));
  }
}
