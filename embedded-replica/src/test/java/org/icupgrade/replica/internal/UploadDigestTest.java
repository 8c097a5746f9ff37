package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.SplittableRandom;
import org.icupgrade.core.Sha256;
import org.junit.jupiter.api.Test;

class UploadDigestTest {
  static final byte[] A = bytes(1, 70_000);
  static final byte[] B = bytes(2, 1);
  static final Sha256 HA = Sha256.of(A);
  static final Sha256 HB = Sha256.of(B);

  static byte[] bytes(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static Sha256 joined(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return Sha256.of(out.toByteArray());
  }

  final UploadDigest digest = new UploadDigest();

  @Test
  void hashOf_chunksInUploadOrder_isTheHashOfTheirConcatenation() {
    digest.added(HA, Chunk.of(A), false);
    digest.added(HB, Chunk.of(B), false);
    assertEquals(joined(A, B), digest.hashOf(List.of(HA, HB)));
    // Asked again, and after more uploads, it still answers for what was uploaded.
    assertEquals(joined(A, B), digest.hashOf(List.of(HA, HB)));
    digest.added(HA, Chunk.of(A), false);
    assertEquals(joined(A, B, A), digest.hashOf(List.of(HA, HB, HA)));
  }

  @Test
  void hashOf_otherOrderOrSubset_null() {
    digest.added(HA, Chunk.of(A), false);
    digest.added(HB, Chunk.of(B), false);
    assertNull(digest.hashOf(List.of(HB, HA)));
    assertNull(digest.hashOf(List.of(HA)));
    assertNull(digest.hashOf(List.of(HA, HB, HB)));
  }

  @Test
  void hashOf_afterReset_onlyTheNewUploads() {
    digest.added(HA, Chunk.of(A), false);
    digest.reset();
    assertNull(digest.hashOf(List.of(HA)));
    digest.added(HB, Chunk.of(B), false);
    assertEquals(HB, digest.hashOf(List.of(HB)));
  }

  @Test
  void hashOf_uploadOfARememberedModule_notComputed() {
    digest.added(HA, Chunk.of(A), true);
    digest.added(HB, Chunk.of(B), false);
    assertNull(digest.hashOf(List.of(HA, HB)));
    digest.reset();
    digest.added(HA, Chunk.of(A), false);
    assertEquals(HA, digest.hashOf(List.of(HA)));
  }
}
