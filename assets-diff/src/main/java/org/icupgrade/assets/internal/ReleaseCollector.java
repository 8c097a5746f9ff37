package org.icupgrade.assets.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.assets.ContentTypes;
import org.icupgrade.assets.ReadLimits;
import org.icupgrade.assets.ReleaseReadException;
import org.icupgrade.assets.UnsafeArchiveException;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;

/**
 * Checks entries of a release one by one, in the order they are read, and turns the accepted
 * files into {@link ReleaseAsset}s. Not thread-safe: one instance per read.
 */
public final class ReleaseCollector {
  private final ReadLimits limits;
  private final java.util.function.Predicate<String> publishHidden;
  private final List<ReleaseAsset> assets = new ArrayList<>();
  // Sized for a typical frontend so that reading one does not rehash the keys over and over.
  private final Map<String, String> seen = new HashMap<>(4096);
  private long totalBytes;
  private int entries;

  public ReleaseCollector(ReadLimits limits) {
    this(limits, key -> false);
  }

  /**
   * A collector that publishes the hidden keys {@code publishHidden} accepts (see
   * {@link #isHidden}); the others are skipped.
   */
  public ReleaseCollector(ReadLimits limits, java.util.function.Predicate<String> publishHidden) {
    this.limits = limits;
    this.publishHidden = publishHidden;
  }

  /**
   * Whether a key is hidden: one of its segments starts with a dot ({@code /.env},
   * {@code /.git/config}), except {@code .well-known} (RFC 8615), which sites publish on purpose.
   * The reference asset tool does not upload hidden files either.
   */
  public static boolean isHidden(String key) {
    // Segment by segment without splitting: called once per file of every release.
    int dot = key.indexOf('.');
    while (dot >= 0) {
      if (dot == 0 || key.charAt(dot - 1) == '/') {
        int end = key.indexOf('/', dot);
        if (end < 0) {
          end = key.length();
        }
        if (!key.startsWith(".well-known", dot) || end - dot != ".well-known".length()) {
          return true;
        }
      }
      dot = key.indexOf('.', dot + 1);
    }
    return false;
  }

  /**
   * Counts one entry of any kind against the limits. Called before anything else is done with it,
   * so that a flood of entries is refused early.
   */
  public void countEntry(String name, long size) {
    entries++;
    if (entries > limits.maxEntries()) {
      throw new UnsafeArchiveException(name,
          "more than " + limits.maxEntries() + " entries (ReadLimits.maxEntries)");
    }
    if (size > limits.maxFileBytes()) {
      throw new UnsafeArchiveException(name, "its " + size + " bytes exceed the limit of "
          + limits.maxFileBytes() + " bytes per file (ReadLimits.maxFileBytes)");
    }
    if (size > 0) {
      totalBytes += size;
      if (totalBytes > limits.maxTotalBytes()) {
        throw new UnsafeArchiveException(name, "the release exceeds the limit of "
            + limits.maxTotalBytes() + " bytes in all (ReadLimits.maxTotalBytes)");
      }
    }
  }

  /**
   * The key for an entry name, or {@code null} when the entry is to be skipped (Apple Double
   * {@code ._*}, {@code .DS_Store}).
   *
   * @throws UnsafeArchiveException for an absolute name, a {@code ..} segment, a backslash, a NUL,
   *     or a name that was not valid UTF-8
   */
  public static String keyFor(String name) {
    if (name.indexOf('\uFFFD') >= 0 || name.indexOf('?') >= 0) {
      // commons-compress puts '?' (ustar fields) or U+FFFD (PAX records) where the bytes were not
      // UTF-8; '?' cannot be part of a URL path either, so no real asset is lost by refusing it.
      throw new UnsafeArchiveException(name, "its name is not valid UTF-8 (or contains '?')");
    }
    if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
      throw new UnsafeArchiveException(name, "its name contains a NUL or a backslash");
    }
    if (name.startsWith("/") || (name.length() >= 2 && name.charAt(1) == ':')) {
      throw new UnsafeArchiveException(name, "absolute paths are not allowed");
    }
    // One pass over the segments: "" and "." are dropped, ".." refused. A name made of plain
    // segments only (the usual case) becomes its key without a builder.
    StringBuilder key = null;
    int lastStart = 0;
    int lastEnd = 0;
    int start = 0;
    int n = name.length();
    while (start <= n) {
      int end = name.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      int len = end - start;
      boolean dot1 = len == 1 && name.charAt(start) == '.';
      if (len == 2 && name.charAt(start) == '.' && name.charAt(start + 1) == '.') {
        throw new UnsafeArchiveException(name, "'..' would escape the release");
      }
      if (len == 0 || dot1) {
        if (key == null) {
          // the segments so far were plain: copy them, then carry on in the builder
          key = new StringBuilder(n + 1);
          if (start > 0 && lastEnd > 0) {
            key.append('/').append(name, 0, lastEnd);
          }
        }
      } else {
        if (key != null) {
          key.append('/').append(name, start, end);
        }
        lastStart = start;
        lastEnd = end;
      }
      start = end + 1;
    }
    if (lastEnd > lastStart && (name.startsWith("._", lastStart)
        || (lastEnd - lastStart == ".DS_Store".length()
            && name.startsWith(".DS_Store", lastStart)))) {
      return null;
    }
    if (key == null) {
      return "/" + name;
    }
    return key.length() == 0 ? "/" : key.toString();
  }

  /** Records a directory entry: checked like a file name, otherwise ignored. */
  public void directory(String name) {
    keyFor(name);
  }

  /** Refuses an entry of a kind a release must not have. */
  public static UnsafeArchiveException refuse(String name, String what) {
    return new UnsafeArchiveException(name, what + " are not allowed in a release");
  }

  /**
   * Reads a regular file's content (exactly {@code size} bytes, or to the end when {@code size} is
   * negative, but never more than the limits) and adds it under its key unless it is skipped.
   */
  public void file(String name, long size, InputStream content) {
    String key = keyFor(name);
    if (key == null || (isHidden(key) && !publishHidden.test(key))) {
      return;
    }
    if (key.equals("/")) {
      throw new UnsafeArchiveException(name, "a file needs a name");
    }
    String previous = seen.putIfAbsent(key, name);
    if (previous != null) {
      throw new UnsafeArchiveException(name, "duplicate key " + key + " (also from \"" + previous
          + "\")");
    }
    if (size >= 0 && size <= limits.maxFileBytes()) {
      // The size is known (tar headers, file attributes): read and hash in one pass, no copy.
      try {
        assets.add(identityOnly(key, ReleaseEncoding.read(ReleaseEncoding.IDENTITY, content,
            (int) size)));
      } catch (IOException e) {
        throw new ReleaseReadException("cannot read " + name + ": " + e.getMessage(), e);
      }
      return;
    }
    byte[] bytes = readBounded(name, size, content);
    assets.add(identityOnly(key, ReleaseEncoding.of(ReleaseEncoding.IDENTITY, bytes)));
  }

  private byte[] readBounded(String name, long size, InputStream in) {
    long cap = limits.maxFileBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream(
        (int) Math.min(size >= 0 ? size : 8192, cap) + 1);
    byte[] buf = new byte[64 * 1024];
    long n = 0;
    try {
      int r;
      while ((r = in.read(buf)) > 0) {
        n += r;
        if (n > cap) {
          throw new UnsafeArchiveException(name, "more than " + cap
              + " bytes per file (ReadLimits.maxFileBytes)");
        }
        out.write(buf, 0, r);
      }
    } catch (IOException e) {
      throw new ReleaseReadException("cannot read release entry \"" + name + "\"", e);
    }
    if (size >= 0 && n != size) {
      throw new UnsafeArchiveException(name, "it holds " + n + " bytes but declares " + size);
    }
    if (size < 0) {
      countBytesOnly(name, n);
    }
    return out.toByteArray();
  }

  private void countBytesOnly(String name, long n) {
    totalBytes += n;
    if (totalBytes > limits.maxTotalBytes()) {
      throw new UnsafeArchiveException(name, "the release exceeds the limit of "
          + limits.maxTotalBytes() + " bytes in all (ReadLimits.maxTotalBytes)");
    }
  }

  /**
   * The asset as read: its identity encoding only. The syncer adds the gzip encoding when it
   * diffs, and only for files whose identity the canister does not already hold, so a release that
   * is mostly unchanged costs no compression.
   */
  public static ReleaseAsset identityOnly(String key, ReleaseEncoding identity) {
    return ReleaseAsset.of(key, ContentTypes.forKey(key), List.of(identity));
  }

  /** The asset for this content: identity always, gzip for the reference tool's types if smaller. */
  public static ReleaseAsset toAsset(String key, byte[] bytes) {
    return toAsset(key, ReleaseEncoding.of(ReleaseEncoding.IDENTITY, bytes));
  }

  /**
   * The asset for {@code key}: its identity encoding, and gzip if {@link Gzipper#gzipByDefault}
   * (text, JavaScript, HTML) and smaller.
   */
  public static ReleaseAsset toAsset(String key, ReleaseEncoding identity) {
    return withGzip(identityOnly(key, identity));
  }

  /**
   * {@code asset} with a gzip encoding added when it has none, its type is gzipped by default and
   * the gzip is smaller than the identity; otherwise {@code asset} itself.
   */
  public static ReleaseAsset withGzip(ReleaseAsset asset) {
    ReleaseEncoding identity = asset.identity();
    if (identity.length() == 0 || asset.encoding(ReleaseEncoding.GZIP).isPresent()
        || !Gzipper.gzipByDefault(asset.contentType())) {
      return asset;
    }
    byte[] gz = Gzipper.gzip(identity);
    if (gz.length >= identity.length()) {
      return asset;
    }
    List<ReleaseEncoding> encodings = new ArrayList<>(asset.encodings().size() + 1);
    encodings.addAll(asset.encodings());
    encodings.add(ReleaseEncoding.of(ReleaseEncoding.GZIP, gz));
    return ReleaseAsset.of(asset.key(), asset.contentType(), encodings);
  }

  /** The release of every file accepted so far. */
  public FrontendRelease release() {
    return FrontendRelease.of(assets);
  }
}
