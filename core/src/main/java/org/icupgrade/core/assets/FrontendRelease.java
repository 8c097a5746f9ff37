package org.icupgrade.core.assets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.Sha256;

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

  private final Map<String, ReleaseAsset> assets;
  private final Sha256 frontendHash;
  private final long totalBytes;

  private FrontendRelease(List<ReleaseAsset> assets) {
    List<ReleaseAsset> sorted = new ArrayList<>(assets);
    sorted.sort(Comparator.comparing(ReleaseAsset::key, KEY_ORDER));
    Map<String, ReleaseAsset> byKey = new LinkedHashMap<>();
    MessageDigest md = Sha256.newDigest();
    long total = 0;
    for (ReleaseAsset a : sorted) {
      if (byKey.putIfAbsent(a.key(), a) != null) {
        throw new IllegalArgumentException("the release has the key " + a.key() + " twice");
      }
      byte[] key = a.key().getBytes(StandardCharsets.UTF_8);
      md.update(ByteBuffer.allocate(4).putInt(key.length).array());
      md.update(key);
      md.update(a.sha256().toBytes());
      total += a.identity().length();
    }
    this.assets = Collections.unmodifiableMap(byKey);
    this.frontendHash = Sha256.fromDigest(md);
    this.totalBytes = total;
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
    return List.copyOf(assets.values());
  }

  /** The keys in key order. */
  public List<String> keys() {
    return List.copyOf(assets.keySet());
  }

  /** The file with this key, if the release has it. */
  public Optional<ReleaseAsset> asset(String key) {
    return Optional.ofNullable(assets.get(key));
  }

  /** Number of files. */
  public int size() {
    return assets.size();
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
        && assets.equals(r.assets);
  }

  @Override
  public int hashCode() {
    return frontendHash.hashCode();
  }

  @Override
  public String toString() {
    return "FrontendRelease[" + assets.size() + " files, " + totalBytes + " bytes, frontend hash "
        + frontendHash.hex() + "]";
  }
}
