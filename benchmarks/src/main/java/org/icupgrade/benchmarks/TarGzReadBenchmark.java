package org.icupgrade.benchmarks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.FrontendRelease;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading a frontend release from a tar.gz: {@link ReleaseReader} against raw commons-compress +
 * {@link GZIPInputStream} (the inflater the reader uses, with the same 64 KiB buffers) + {@link
 * MessageDigest}, on the same file in the same run.
 *
 * <p>Shapes: {@code 5000-small} is 5,000 files of 200 to 4,000 bytes, every other one text
 * ({@code .js}, {@code .css}, {@code .html}, {@code .json}: keyword soup that gzips to about a
 * third) and the rest random binary ({@code .bin}, {@code .png}, {@code .woff2}); {@code one-64MiB}
 * is one random {@code .bin} file.
 *
 * <p>What each side does, per file:
 *
 * <ul>
 *   <li>{@code library()}: inflates and untars; checks the entry (name safe and UTF-8, no links or
 *       devices, limits, no duplicate key); reads the content into an array of its own while
 *       hashing it (SHA-256); looks up the content type; then sorts the keys and computes the
 *       frontend hash over all of them. It makes no gzip encoding: the syncer makes those at diff
 *       time, only for files the canister does not already hold (see {@code
 *       TextReleaseBenchmark}), so {@code rawWithoutGzip()} is its like-for-like baseline.
 *   <li>{@code raw()}: inflates and untars; reads the content into an array while hashing it; for
 *       the four text extensions gzips it with {@link GZIPOutputStream} (with a 64 KiB buffer)
 *       and, when smaller, hashes the gzip bytes. No checks, no sorting, no frontend hash. This
 *       was the reader's work when it gzipped every text file while reading.
 *   <li>{@code rawWithoutGzip()}: the raw read without the gzip step, to show what the gzip
 *       encodings cost in all (not held to a bar; for {@code one-64MiB}, a binary file, it is the
 *       same work as {@code raw()}). On {@code 5000-small} the gzip step is about two thirds of
 *       the raw time (one run on 2 shared cores: 6.4 reads/s with it, 21 without), so the full
 *       cost of a release read is roughly three times that of merely hashing its files; that is
 *       the price of serving gzip to browsers, paid once per release.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class TarGzReadBenchmark {
  static final int SMALL_FILES = 5000;
  static final int BIG_BYTES = 64 * 1024 * 1024;
  private static final String[] TEXT = {"js", "css", "html", "json"};
  private static final String[] BINARY = {"bin", "png", "woff2"};
  private static final Set<String> RAW_TEXT_EXTENSIONS = Set.of(TEXT);

  @Param({"5000-small", "one-64MiB"})
  public String shape = "5000-small";

  /** Files of the small shape, and bytes of the big one: the shapes' sizes, smaller in tests. */
  int smallFiles = SMALL_FILES;
  int bigBytes = BIG_BYTES;

  Path archive = Path.of("");

  /** What the raw read finds: identity and (for text files, when smaller) gzip hashes, by key. */
  record RawRead(Map<String, Sha256> identity, Map<String, Sha256> gzip) {}

  @Setup
  public void setUp() throws IOException {
    archive = Files.createTempFile("release", ".tar.gz");
    write(archive, shape, smallFiles, bigBytes);
  }

  @TearDown
  public void tearDown() throws IOException {
    Files.deleteIfExists(archive);
  }

  static void write(Path file, String shape, int smallFiles, int bigBytes) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      if (shape.equals("one-64MiB")) {
        add(tar, "big.bin", Inputs.bytes(bigBytes, 5));
      } else {
        for (int i = 0; i < smallFiles; i++) {
          int size = 200 + (i * 37) % 3801;
          if (i % 2 == 0) {
            add(tar, String.format("assets/f%04d.%s", i, TEXT[(i / 2) % TEXT.length]),
                Inputs.text(size, i));
          } else {
            add(tar, String.format("assets/f%04d.%s", i, BINARY[(i / 2) % BINARY.length]),
                Inputs.bytes(size, i));
          }
        }
      }
    }
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  @Benchmark
  public FrontendRelease library() {
    return ReleaseReader.defaults().read(archive);
  }

  @Benchmark
  public RawRead raw() throws IOException {
    return rawRead(true);
  }

  @Benchmark
  public RawRead rawWithoutGzip() throws IOException {
    return rawRead(false);
  }

  private RawRead rawRead(boolean gzipText) throws IOException {
    Map<String, Sha256> identity = new HashMap<>();
    Map<String, Sha256> gzip = new HashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in, 64 * 1024))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (!e.isFile()) {
          continue;
        }
        String key = "/" + e.getName();
        byte[] content = new byte[(int) e.getSize()];
        MessageDigest md = Sha256.newDigest();
        int off = 0;
        while (off < content.length) {
          int n = tar.read(content, off, Math.min(64 * 1024, content.length - off));
          if (n < 0) {
            throw new IOException("truncated entry " + key);
          }
          md.update(content, off, n);
          off += n;
        }
        identity.put(key, Sha256.fromDigest(md));
        if (gzipText && RAW_TEXT_EXTENSIONS.contains(key.substring(key.lastIndexOf('.') + 1))) {
          ByteArrayOutputStream out = new ByteArrayOutputStream(content.length);
          // The reader's 64 KiB deflate buffer: with the default 512 bytes, deflating takes about
          // twice as long, which would flatter the library.
          try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
            gz.write(content);
          }
          if (out.size() < content.length) {
            gzip.put(key, Sha256.of(out.toByteArray()));
          }
        }
      }
    }
    return new RawRead(identity, gzip);
  }
}
