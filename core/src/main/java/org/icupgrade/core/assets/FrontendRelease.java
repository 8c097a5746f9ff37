package org.icupgrade.core.assets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * A frontend release: the files to serve, by key, and the {@linkplain #frontendHash() frontend
 * hash} that identifies the release.
 *
 * <h2>The frontend hash</h2>
 *
 * The SHA-256 of the concatenation, over the assets in ascending order of their keys' UTF-8 bytes
 * (unsigned, as the asset canister sorts), of:
 *
 * <pre>
 *   4 bytes   big-endian length n of the key's UTF-8 bytes
 *   n bytes   the key, UTF-8 (e.g. "/index.html")
 *   32 bytes  the SHA-256 of the file's unencoded (identity) content
 * </pre>
 *
 * <p>Content types and extra encodings do not enter it: they are derived from the file names and
 * bytes. An empty release hashes to the SHA-256 of nothing. The length prefix keeps two different
 * releases from concatenating to the same bytes.
 */
public final class FrontendRelease {
  /** Orders keys by their UTF-8 bytes, unsigned: the order of the asset canister's {@code list}. */
  public static final Comparator<String> KEY_ORDER = FrontendRelease::compareUtf8;

  /**
   * Compares as the UTF-8 bytes would, without encoding: UTF-8 preserves code point order, so
   * comparing code points gives the same answer (UTF-16 code units would not, for characters
   * above U+FFFF against U+E000..U+FFFF).
   */
  private static int compareUtf8(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int k = 0; k < n; k++) {
      char ca = a.charAt(k);
      char cb = b.charAt(k);
      if (ca != cb) {
        // Below the surrogates, a char is its own code point and the order is the same; only
        // surrogates against U+E000..U+FFFF need the code point comparison.
        if (Character.isSurrogate(ca) || Character.isSurrogate(cb)) {
          return compareCodePoints(a, b);
        }
        return Integer.compare(ca, cb);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private static final Comparator<ReleaseAsset> BY_KEY = (x, y) -> compareUtf8(x.key(), y.key());

  // The assets in key order (immutable), and by key, built on first lookup: a read and a diff
  // walk the list and never look keys up, so they need not hash every key a second time.
  private final List<ReleaseAsset> sorted;
  private volatile @Nullable Map<String, ReleaseAsset> byKey;
  private final Sha256 frontendHash;
  private final long totalBytes;

  private FrontendRelease(List<ReleaseAsset> assets) {
    ReleaseAsset[] array = assets.toArray(new ReleaseAsset[0]);
    Arrays.sort(array, BY_KEY);
    MessageDigest md = Sha256.newDigest();
    byte[] length = new byte[4];
    long total = 0;
    String previous = null;
    for (ReleaseAsset a : array) {
      String k = a.key();
      // sorted, so a key that is there twice is there twice in a row
      if (k.equals(previous)) {
        throw new IllegalArgumentException("the release has the key " + k + " twice");
      }
      previous = k;
      byte[] key = k.getBytes(StandardCharsets.UTF_8);
      length[0] = (byte) (key.length >>> 24);
      length[1] = (byte) (key.length >>> 16);
      length[2] = (byte) (key.length >>> 8);
      length[3] = (byte) key.length;
      md.update(length);
      md.update(key);
      a.sha256().updateDigest(md);
      total += a.identity().length();
    }
    this.sorted = List.of(array);
    this.frontendHash = Sha256.fromDigest(md);
    this.totalBytes = total;
  }

  private Map<String, ReleaseAsset> byKey() {
    Map<String, ReleaseAsset> m = byKey;
    if (m == null) {
      Map<String, ReleaseAsset> built = new HashMap<>(sorted.size() * 4 / 3 + 1);
      for (ReleaseAsset a : sorted) {
        built.put(a.key(), a);
      }
      m = Collections.unmodifiableMap(built);
      byKey = m;
    }
    return m;
  }

  /**
   * A release of these files.
   *
   * @throws IllegalArgumentException when two files have the same key
   */
  public static FrontendRelease of(List<ReleaseAsset> assets) {
    return new FrontendRelease(assets);
  }

  /** The files in key order. */
  public List<ReleaseAsset> assets() {
    return sorted;
  }

  /** The keys in key order. */
  public List<String> keys() {
    String[] keys = new String[sorted.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = sorted.get(i).key();
    }
    return List.of(keys);
  }

  /** The file with this key, if the release has it. */
  public Optional<ReleaseAsset> asset(String key) {
    return Optional.ofNullable(byKey().get(key));
  }

  /** Number of files. */
  public int size() {
    return sorted.size();
  }

  /** Bytes of unencoded content over all files. */
  public long totalBytes() {
    return totalBytes;
  }

  /** The hash identifying this release; see the class documentation for the exact bytes. */
  public Sha256 frontendHash() {
    return frontendHash;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FrontendRelease r && frontendHash.equals(r.frontendHash)
        && sorted.equals(r.sorted);
  }

  @Override
  public int hashCode() {
    return frontendHash.hashCode();
  }

  @Override
  public String toString() {
    return "FrontendRelease[" + sorted.size() + " files, " + totalBytes + " bytes, frontend hash "
        + frontendHash.hex() + "]";
  }
}
