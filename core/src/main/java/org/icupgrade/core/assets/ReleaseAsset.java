package org.icupgrade.core.assets;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.icupgrade.core.Sha256;

/**
 * One file of a frontend release: its key, its content type, and the encodings to store. The
 * {@code identity} encoding is always present; others (e.g. {@code gzip}) are optional.
 */
public final class ReleaseAsset {
  private final String key;
  private final String contentType;
  private final List<ReleaseEncoding> encodings;

  private ReleaseAsset(String key, String contentType, List<ReleaseEncoding> encodings) {
    this.key = checkKey(key);
    this.contentType = Objects.requireNonNull(contentType, "contentType");
    if (encodings.size() == 1) {
      // the common case, a file as read: one encoding, which must be identity
      ReleaseEncoding only = Objects.requireNonNull(encodings.get(0));
      if (!only.contentEncoding().equals(ReleaseEncoding.IDENTITY)) {
        throw new IllegalArgumentException("asset " + key + " has no identity encoding; every"
            + " asset needs its unencoded content");
      }
      this.encodings = List.of(only);
      return;
    }
    List<ReleaseEncoding> sorted = new ArrayList<>(encodings);
    Set<String> names = new HashSet<>();
    ReleaseEncoding identity = null;
    for (ReleaseEncoding e : sorted) {
      if (!names.add(e.contentEncoding())) {
        throw new IllegalArgumentException(
            "asset " + key + " has the encoding " + e.contentEncoding() + " twice");
      }
      if (e.contentEncoding().equals(ReleaseEncoding.IDENTITY)) {
        identity = e;
      }
    }
    if (identity == null) {
      throw new IllegalArgumentException(
          "asset " + key + " has no identity encoding; every asset needs its unencoded content");
    }
    // identity first, then by name: a stable order for printing and for the commit operations
    sorted.sort((a, b) -> a == b ? 0
        : a.contentEncoding().equals(ReleaseEncoding.IDENTITY) ? -1
        : b.contentEncoding().equals(ReleaseEncoding.IDENTITY) ? 1
        : a.contentEncoding().compareTo(b.contentEncoding()));
    this.encodings = List.copyOf(sorted);
  }

  /**
   * A release file.
   *
   * @param key a {@code /}-rooted path such as {@code /assets/app.js}
   * @param encodings the encodings to store; must include {@code identity}
   * @throws IllegalArgumentException for a key that is not {@code /}-rooted, has an empty, {@code .}
   *     or {@code ..} segment, or for encodings without {@code identity} or with a name twice
   */
  public static ReleaseAsset of(String key, String contentType, List<ReleaseEncoding> encodings) {
    return new ReleaseAsset(key, contentType, encodings);
  }

  /** The file's key: a {@code /}-rooted path. */
  public String key() {
    return key;
  }

  public String contentType() {
    return contentType;
  }

  /** The encodings, {@code identity} first, then by name. */
  public List<ReleaseEncoding> encodings() {
    return encodings;
  }

  /** The unencoded content. */
  public ReleaseEncoding identity() {
    return encodings.get(0);
  }

  /** The SHA-256 of the unencoded content: the file's identity in a release. */
  public Sha256 sha256() {
    return identity().sha256();
  }

  /** The encoding with this name, if the release stores it. */
  public Optional<ReleaseEncoding> encoding(String contentEncoding) {
    for (ReleaseEncoding e : encodings) {
      if (e.contentEncoding().equals(contentEncoding)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** Checks that {@code key} is a {@code /}-rooted path without empty, {@code .} or {@code ..} parts. */
  static String checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (!key.startsWith("/") || key.length() < 2) {
      throw new IllegalArgumentException(
          "an asset key is a /-rooted path such as /index.html, got \"" + key + "\"");
    }
    // One pass over the segments between slashes, without splitting (called once per file).
    int start = 1;
    while (start <= key.length()) {
      int end = key.indexOf('/', start);
      if (end < 0) {
        end = key.length();
      }
      int len = end - start;
      if (len == 0 || (key.charAt(start) == '.' && (len == 1
          || (len == 2 && key.charAt(start + 1) == '.')))) {
        throw new IllegalArgumentException(
            "asset key \"" + key + "\" has an empty, '.' or '..' segment");
      }
      start = end + 1;
    }
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReleaseAsset a
        && key.equals(a.key)
        && contentType.equals(a.contentType)
        && encodings.equals(a.encodings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, contentType, encodings);
  }

  @Override
  public String toString() {
    return key + " [" + contentType + "] " + encodings;
  }
}
