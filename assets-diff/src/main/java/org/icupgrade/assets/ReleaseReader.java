package org.icupgrade.assets;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.icupgrade.assets.internal.ReleaseCollector;
import org.icupgrade.assets.internal.TarStream;
import org.icupgrade.core.assets.FrontendRelease;
import org.jspecify.annotations.Nullable;

/**
 * Reads a frontend release from a tar, a tar.gz or a directory, streaming, into a {@link
 * FrontendRelease}: one asset per regular file, keyed by its {@code /}-rooted path, with its
 * content type (from the extension, see {@link ContentTypes}), SHA-256, and encodings
 * ({@code identity} only: the syncer adds {@code gzip} where it uploads one).
 *
 * <p>Entries that could escape the release or lie about what they are are refused with an {@link
 * UnsafeArchiveException} naming the entry: absolute paths, {@code ..} segments, symbolic and hard
 * links, character and block devices, FIFOs, sparse files, volume headers and every other entry
 * type that is not a file or a directory, duplicate keys (also after {@code ./} and {@code //} are
 * normalised away), and names that are not valid UTF-8. A name from a PAX {@code path} or a GNU
 * long name is checked exactly as a ustar name. The {@link ReadLimits} stop archive bombs, and an
 * extended header (PAX, GNU long name) over {@link ReadLimits#maxHeaderBytes()} is refused from
 * its size alone, before any of it is read. A stream that is not a tar (an HTML error page), that
 * is empty, or that ends before its end-of-archive block (an interrupted download, gzip or tar)
 * is refused with a {@link ReleaseReadException} saying so. macOS metadata ({@code ._*} Apple
 * Double files and {@code .DS_Store}) is skipped. Directories contribute nothing.
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
      // Buffered after inflating too: the tar is read 512-byte header by header and file by
      // file, and each read of a GZIPInputStream is a call into the native inflater.
      return readTar(new BufferedInputStream(new GZIPInputStream(in, 64 * 1024), 64 * 1024));
    } catch (IOException e) {
      throw new ReleaseReadException("not a gzip stream, or one cut short in its header: "
          + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
          + "; check the download", e);
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
    // Our own header loop, not commons-compress: see TarStream for what that one buffers first.
    TarStream tar = new TarStream(in, limits);
    try {
      TarStream.Entry entry;
      while ((entry = tar.next()) != null) {
        String name = entry.name();
        collector.countEntry(name, entry.size());
        if (entry.isDirectory()) {
          collector.directory(name);
        } else {
          collector.file(name, entry.size(), tar.content());
        }
      }
    } catch (java.io.EOFException | java.util.zip.ZipException e) {
      // from GZIPInputStream: the compressed stream ends early or its data or CRC is wrong
      throw new ReleaseReadException("the release archive is cut short or corrupt (" + e
          .getMessage() + "): an interrupted or damaged download? Check it and download again",
          e);
    } catch (IOException e) {
      throw new ReleaseReadException("cannot read the release tar: " + e.getMessage(), e);
    }
    return checked(collector.release(), "the release archive");
  }

  /**
   * Reads every regular file under {@code root}; symbolic links and special files are refused,
   * never followed, and so is a file with hard links outside {@code root} (its content could be
   * changed from there, or it could be a file the release should not see). Names are read as the
   * bytes the file system holds and must be UTF-8, whatever the JVM's locale: under
   * {@code LANG=C} Java would otherwise show {@code café.js} as {@code caf??.js}.
   *
   * @param root the release's top directory, which maps to key {@code /}
   * @return the release
   */
  public FrontendRelease readDirectory(Path root) {
    ReleaseCollector collector = new ReleaseCollector(limits, publishHidden);
    DirectoryNames names = new DirectoryNames(root);
    // Files with more than one link: how many of their links are inside root, and one name.
    Map<Object, int[]> linkCounts = new HashMap<>();
    Map<Object, String> linkNames = new HashMap<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (!dir.equals(root)) {
            String name = names.of(dir);
            collector.countEntry(name, 0);
            collector.directory(name);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String name = names.of(file);
          if (attrs.isSymbolicLink()) {
            throw ReleaseCollector.refuse(name, "symbolic links");
          }
          if (!attrs.isRegularFile()) {
            throw ReleaseCollector.refuse(name, "device files, FIFOs and sockets");
          }
          int links = linkCount(file);
          if (links > 1) {
            Object key = attrs.fileKey() != null ? attrs.fileKey() : name;
            linkCounts.computeIfAbsent(key, k -> new int[] {links, 0})[1]++;
            linkNames.putIfAbsent(key, name);
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
    linkCounts.forEach((key, counts) -> {
      if (counts[1] < counts[0]) {
        throw new UnsafeArchiveException(linkNames.get(key), "it has " + counts[0]
            + " hard links but only " + counts[1] + " inside the release directory: hard links"
            + " to files outside it are not allowed in a release (copy the file instead)");
      }
    });
    return checked(collector.release(), "the release directory " + root);
  }

  private static int linkCount(Path file) throws IOException {
    try {
      Object n = Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
      return n instanceof Integer i ? i : 1;
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return 1; // no unix view (Windows): no link count to check
    }
  }

  /**
   * Names relative to the root, from the bytes the file system holds. {@code Path.toString()}
   * decodes them with {@code sun.jnu.encoding}, the locale's charset, which under {@code LANG=C}
   * is ASCII and turns every other byte into {@code ?}; {@code Path.toUri()} percent-encodes the
   * path's own bytes instead, so decoding those as UTF-8 gives the true name on any locale.
   */
  private static final class DirectoryNames {
    private final @Nullable String rootUri;
    private final Path root;

    DirectoryNames(Path root) {
      this.root = root;
      // null for an opaque URI (a zip file system's jar: URIs): names come from toString() there
      String uri = root.toUri().getRawPath();
      this.rootUri = uri == null ? null : uri.endsWith("/") ? uri : uri + "/";
    }

    String of(Path p) {
      String uri = rootUri == null ? null : p.toUri().getRawPath();
      if (uri == null || rootUri == null || !uri.startsWith(rootUri)) {
        return relative(root, p); // no byte-level view of this file system's names
      }
      int end = uri.endsWith("/") ? uri.length() - 1 : uri.length();
      byte[] bytes = percentDecode(uri.substring(rootUri.length(), end));
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        throw new UnsafeArchiveException(new String(bytes, StandardCharsets.UTF_8),
            "its name is not valid UTF-8");
      }
    }

    private static byte[] percentDecode(String s) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '%' && i + 2 < s.length()) {
          out.write(Integer.parseInt(s, i + 1, i + 3, 16));
          i += 2;
        } else {
          out.write(c);
        }
      }
      return out.toByteArray();
    }
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
