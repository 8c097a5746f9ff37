package org.icupgrade.assets;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.icupgrade.assets.internal.ReleaseCollector;
import org.icupgrade.core.assets.FrontendRelease;

/**
 * Reads a frontend release from a tar, a tar.gz or a directory, streaming, into a {@link
 * FrontendRelease}: one asset per regular file, keyed by its {@code /}-rooted path, with its
 * content type (from the extension, see {@link ContentTypes}), SHA-256, and encodings
 * ({@code identity} only: the syncer adds {@code gzip} where it uploads one).
 *
 * <p>Entries that could escape the release or lie about what they are are refused with an {@link
 * UnsafeArchiveException} naming the entry: absolute paths, {@code ..} segments, symbolic and hard
 * links, character and block devices, FIFOs, other special entries, duplicate keys (also after
 * {@code ./} and {@code //} are normalised away), and names that are not valid UTF-8. The {@link
 * ReadLimits} stop archive bombs. macOS metadata ({@code ._*} Apple Double files and
 * {@code .DS_Store}) is skipped. Directories contribute nothing.
 *
 * <p><b>Warning:</b> file contents are held in memory (up to {@link ReadLimits#maxTotalBytes()};
 * gzip encodings are made at sync time, for what is uploaded).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ReleaseReader {
  private static final ReleaseReader DEFAULT =
      new ReleaseReader(ReadLimits.DEFAULTS, false, key -> false);

  private final ReadLimits limits;
  private final boolean allowEmpty;
  private final Predicate<String> publishHidden;

  private ReleaseReader(ReadLimits limits, boolean allowEmpty, Predicate<String> publishHidden) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.allowEmpty = allowEmpty;
    this.publishHidden = publishHidden;
  }

  /**
   * This reader, publishing the hidden files (a path segment starting with a dot, such as
   * {@code /.env} or {@code /.git/config}) whose keys {@code keys} accepts. By default they are
   * skipped, as the reference asset tool skips them, so that a build's secrets and repository
   * metadata never end up on a public canister; {@code /.well-known/} is always published.
   *
   * @param keys which hidden keys to publish, e.g. {@code "/.nojekyll"::equals}
   * @return a reader that publishes them
   */
  public ReleaseReader publishingHidden(Predicate<String> keys) {
    return new ReleaseReader(limits, allowEmpty, Objects.requireNonNull(keys, "keys"));
  }

  /**
   * This reader, accepting a release without files, for a user who wants an empty site. By
   * default one is refused: an empty archive, a gzip of nothing, an error page saved as the
   * release, all read as "no files", and syncing that would delete every asset of the canister.
   *
   * @return a reader that accepts an empty release
   */
  public ReleaseReader allowingEmpty() {
    return new ReleaseReader(limits, true, publishHidden);
  }

  private FrontendRelease checked(FrontendRelease release, String what) {
    if (release.assets().isEmpty() && !allowEmpty) {
      throw new ReleaseReadException(what + " holds no files: an empty, truncated or mistaken"
          + " archive (an HTML error page saved as the release reads as no files), and syncing"
          + " it would delete every asset of the canister. Check the download; for an empty"
          + " site use ReleaseReader.allowingEmpty()", null);
    }
    return release;
  }

  /**
   * A reader with {@link ReadLimits#DEFAULTS}.
   *
   * @return the shared default reader
   */
  public static ReleaseReader defaults() {
    return DEFAULT;
  }

  /**
   * A reader with these limits.
   *
   * @param limits what an archive may hold
   * @return the reader
   */
  public static ReleaseReader withLimits(ReadLimits limits) {
    return new ReleaseReader(limits, false, key -> false);
  }

  /**
   * The limits this reader applies.
   *
   * @return the limits
   */
  public ReadLimits limits() {
    return limits;
  }

  /**
   * Reads a directory, a tar or a tar.gz (recognised by the gzip magic bytes {@code 1f 8b}, not by
   * the file name).
   *
   * @param path a directory, a tar or a tar.gz
   * @return the release: its files by key, and its frontend hash
   * @throws UnsafeArchiveException for a refused entry or a limit exceeded
   * @throws ReleaseReadException when the file cannot be read or is not a valid archive
   */
  public FrontendRelease read(Path path) {
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return readDirectory(path);
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 64 * 1024)) {
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      return b0 == 0x1f && b1 == 0x8b ? readTarGz(in) : readTar(in);
    } catch (IOException e) {
      throw new ReleaseReadException("cannot read release " + path, e);
    }
  }

  /**
   * Reads a gzip-compressed tar from the stream (read to its end, not closed).
   *
   * @param in a tar.gz
   * @return the release
   */
  public FrontendRelease readTarGz(InputStream in) {
    try {
      return readTar(new GZIPInputStream(in, 64 * 1024));
    } catch (IOException e) {
      throw new ReleaseReadException("not a gzip stream: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a tar from the stream (read to its end, not closed).
   *
   * @param in an uncompressed tar
   * @return the release
   */
  public FrontendRelease readTar(InputStream in) {
    ReleaseCollector collector = new ReleaseCollector(limits, publishHidden);
    try {
      // UTF-8: commons-compress replaces bytes that are not UTF-8 with '?', which the collector
      // refuses; PAX names are UTF-8 by definition.
      TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8");
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = entry.getName();
        collector.countEntry(name, entry.isFile() ? entry.getSize() : 0);
        if (entry.isSymbolicLink()) {
          throw ReleaseCollector.refuse(name, "symbolic links");
        } else if (entry.isLink()) {
          throw ReleaseCollector.refuse(name, "hard links");
        } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
          throw ReleaseCollector.refuse(name, "device files");
        } else if (entry.isFIFO()) {
          throw ReleaseCollector.refuse(name, "FIFOs");
        } else if (entry.isDirectory()) {
          collector.directory(name);
        } else if (entry.isFile() && !entry.isSparse()) {
          collector.file(name, entry.getSize(), tar);
        } else {
          throw ReleaseCollector.refuse(name, "special entries (sparse files, volume headers)");
        }
      }
    } catch (IOException e) {
      throw new ReleaseReadException("cannot read the release tar: " + e.getMessage(), e);
    }
    return checked(collector.release(), "the release archive");
  }

  /**
   * Reads every regular file under {@code root}; symbolic links and special files are refused,
   * never followed.
   *
   * @param root the release's top directory, which maps to key {@code /}
   * @return the release
   */
  public FrontendRelease readDirectory(Path root) {
    ReleaseCollector collector = new ReleaseCollector(limits, publishHidden);
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (!dir.equals(root)) {
            String name = relative(root, dir);
            collector.countEntry(name, 0);
            collector.directory(name);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String name = relative(root, file);
          if (attrs.isSymbolicLink()) {
            throw ReleaseCollector.refuse(name, "symbolic links");
          }
          if (!attrs.isRegularFile()) {
            throw ReleaseCollector.refuse(name, "device files, FIFOs and sockets");
          }
          collector.countEntry(name, attrs.size());
          try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            collector.file(name, attrs.size(), in);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new ReleaseReadException("cannot read release directory " + root, e);
    }
    return checked(collector.release(), "the release directory " + root);
  }

  private static String relative(Path root, Path p) {
    StringBuilder sb = new StringBuilder();
    for (Path part : root.relativize(p)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }
}
