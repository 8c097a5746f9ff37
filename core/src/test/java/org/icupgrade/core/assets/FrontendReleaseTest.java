package org.icupgrade.core.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.icupgrade.core.Sha256;
import org.junit.jupiter.api.Test;

/**
 * The fast paths of {@link FrontendRelease} and {@link ReleaseAsset} (char-wise key order, the
 * duplicate check after sorting, the segment scan of keys) against the plain definitions.
 */
class FrontendReleaseTest {
  // Characters around the places where UTF-16 order and code point order part: ASCII, U+E000
  // and U+FFFF above the surrogates, a supplementary character (a surrogate pair), a lone one.
  private static final String[] PIECES = {"a", "b", "/", ".", "\uE000", "\uFFFF", "\uD83D\uDE00",
      "\uD800", "z", "é"};

  private static String randomString(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      sb.append(PIECES[r.nextInt(PIECES.length)]);
    }
    return sb.toString();
  }

  private static int byCodePoints(String a, String b) {
    int[] x = a.codePoints().toArray();
    int[] y = b.codePoints().toArray();
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] != y[i]) {
        return Integer.compare(x[i], y[i]);
      }
    }
    return Integer.compare(x.length, y.length);
  }

  @Test
  void keyOrder_agreesWithCodePointOrder() {
    Random r = new Random(42);
    for (int i = 0; i < 50_000; i++) {
      String a = randomString(r);
      String b = r.nextInt(4) == 0 ? a + randomString(r) : randomString(r);
      assertEquals(Integer.signum(byCodePoints(a, b)),
          Integer.signum(FrontendRelease.KEY_ORDER.compare(a, b)), a + " vs " + b);
    }
    // above the surrogates in UTF-16 but below a supplementary character in UTF-8
    assertTrue(FrontendRelease.KEY_ORDER.compare("/\uFFFF", "/\uD83D\uDE00") < 0);
  }

  private static ReleaseAsset asset(String key, String content) {
    return ReleaseAsset.of(key, "text/plain", List.of(ReleaseEncoding.of(ReleaseEncoding.IDENTITY,
        content.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void of_sortsHashesAndFindsKeys_whateverTheInputOrder() throws Exception {
    List<ReleaseAsset> assets = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      assets.add(asset("/d" + (i % 7) + "/f" + i + ".txt", "content " + i));
    }
    List<ReleaseAsset> shuffled = new ArrayList<>(assets);
    Collections.shuffle(shuffled, new Random(7));
    FrontendRelease a = FrontendRelease.of(assets);
    FrontendRelease b = FrontendRelease.of(shuffled);

    List<ReleaseAsset> sorted = new ArrayList<>(assets);
    sorted.sort((x, y) -> byCodePoints(x.key(), y.key()));
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (ReleaseAsset x : sorted) {
      byte[] key = x.key().getBytes(StandardCharsets.UTF_8);
      md.update(ByteBuffer.allocate(4).putInt(key.length).array());
      md.update(key);
      md.update(x.sha256().toBytes());
    }
    assertEquals(Sha256.fromBytes(md.digest()), a.frontendHash());
    assertEquals(sorted, a.assets());
    assertEquals(a, b);
    assertEquals(a.assets(), b.assets());
    assertEquals(sorted.stream().map(ReleaseAsset::key).toList(), b.keys());
    for (ReleaseAsset x : assets) {
      assertEquals(x, b.asset(x.key()).orElseThrow());
    }
    assertTrue(b.asset("/d0/missing.txt").isEmpty());
  }

  @Test
  void of_duplicateKeyAnywhere_refused() {
    List<ReleaseAsset> assets = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      assets.add(asset("/f" + i, "x" + i));
    }
    assets.add(17, asset("/f33", "other"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FrontendRelease.of(assets));
    assertEquals("the release has the key /f33 twice", e.getMessage());
  }

  @Test
  void assetKey_segmentsChecked() {
    for (String bad : List.of("", "/", "a", "/a/", "//a", "/a//b", "/.", "/..", "/a/./b",
        "/a/../b", "/a/..", "/a/.")) {
      assertThrows(IllegalArgumentException.class, () -> asset(bad, "x"), bad);
    }
    for (String good : List.of("/a", "/.a", "/..a", "/a..", "/a/.well-known/b", "/...", "/a/b.c")) {
      assertEquals(good, asset(good, "x").key());
    }
  }

  @Test
  void assetEncodings_identityRequired_andOrdered() {
    ReleaseEncoding gzip = ReleaseEncoding.of(ReleaseEncoding.GZIP, new byte[] {1});
    ReleaseEncoding identity = ReleaseEncoding.of(ReleaseEncoding.IDENTITY, new byte[] {2});
    assertThrows(IllegalArgumentException.class,
        () -> ReleaseAsset.of("/a", "text/plain", List.of(gzip)));
    assertThrows(IllegalArgumentException.class,
        () -> ReleaseAsset.of("/a", "text/plain", List.of()));
    assertEquals(List.of(identity, gzip),
        ReleaseAsset.of("/a", "text/plain", List.of(gzip, identity)).encodings());
  }
}
