package org.icupgrade.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.miracl.core.BLS12381.BLS;

/**
 * Cross-checks {@link Bls12381} against an independent implementation: MIRACL core's BLS12-381
 * (bundled in ic4j-agent, which verifies IC certificates with it), same scheme and DST.
 */
class Bls12381MiraclCrossTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A MIRACL key pair: [secret key (48 bytes, big-endian), compressed public key (96 bytes)]. */
  private static byte[][] miraclKeyPair() {
    assertEquals(BLS.BLS_OK, BLS.init());
    byte[] ikm = new byte[32];
    RANDOM.nextBytes(ikm);
    byte[] s = new byte[BLS.BGS];
    byte[] w = new byte[4 * BLS.BFS + 1];
    assertEquals(BLS.BLS_OK, BLS.KeyPairGenerate(ikm, s, w));
    return new byte[][] {s, Arrays.copyOf(w, Bls12381.PUBLIC_KEY_LENGTH)};
  }

  private static byte[] miraclSign(byte[] message, byte[] secretKey) {
    byte[] sig = new byte[2 * BLS.BFS + 1];
    assertEquals(BLS.BLS_OK, BLS.core_sign(sig, message, secretKey));
    return Arrays.copyOf(sig, Bls12381.SIGNATURE_LENGTH);
  }

  @Test
  void sameSecretKey_samePublicKeyAndSameSignature() {
    byte[][] kp = miraclKeyPair();
    Bls12381 ours = Bls12381.fromSecretKey(Arrays.copyOfRange(kp[0], 16, 48));
    assertArrayEquals(kp[1], ours.publicKey());
    byte[] message = "\ric-state-root".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(miraclSign(message, kp[0]), ours.sign(message));
  }

  @Test
  void miraclSignature_verifiesWithOurs() {
    byte[][] kp = miraclKeyPair();
    byte[] message = "signed by MIRACL".getBytes(StandardCharsets.US_ASCII);
    byte[] sig = miraclSign(message, kp[0]);
    assertTrue(Bls12381.verify(kp[1], message, sig));
    assertTrue(!Bls12381.verify(kp[1], "other".getBytes(StandardCharsets.US_ASCII), sig));
  }

  @Test
  void ourSignature_verifiesWithMiracl() {
    assertEquals(BLS.BLS_OK, BLS.init());
    Bls12381 ours = Bls12381.generate(RANDOM);
    byte[] message = "signed by icupgrade".getBytes(StandardCharsets.US_ASCII);
    byte[] sig = ours.sign(message);
    assertEquals(BLS.BLS_OK, BLS.core_verify(sig, message, ours.publicKey()));
    assertNotEquals(BLS.BLS_OK,
        BLS.core_verify(sig, "other".getBytes(StandardCharsets.US_ASCII), ours.publicKey()));
  }
}
