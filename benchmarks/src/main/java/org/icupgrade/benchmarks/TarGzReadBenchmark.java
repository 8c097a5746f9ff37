package org.icupgrade.benchmarks;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
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
 * Reading a frontend release from a tar.gz and hashing every file: {@link ReleaseReader} against
 * raw commons-compress + {@link GZIPInputStream} (the inflater the reader uses) +
 * {@link MessageDigest}, on the same file in the same run.
 *
 * <p>Like with like: the files are binary ({@code .bin}, content type
 * {@code application/octet-stream}), for which the reader stores only the identity encoding, so
 * both sides inflate, untar and hash each file once. The reader also checks every entry (paths,
 * links, limits, duplicates, UTF-8) and builds the release; that is the overhead measured. For
 * text files the reader additionally gzips each one to offer a compressed encoding, which raw
 * reading does not do and which is not compared here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class TarGzReadBenchmark {
  @Param({"5000-small", "one-64MiB"})
  public String shape = "5000-small";

  Path archive = Path.of("");

  @Setup
  public void setUp() throws IOException {
    archive = Files.createTempFile("release", ".tar.gz");
    write(archive, shape);
  }

  @TearDown
  public void tearDown() throws IOException {
    Files.deleteIfExists(archive);
  }

  static void write(Path file, String shape) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      if (shape.equals("one-64MiB")) {
        add(tar, "big.bin", Inputs.bytes(64 * 1024 * 1024, 5));
      } else {
        for (int i = 0; i < 5000; i++) {
          add(tar, String.format("assets/f%04d.bin", i), Inputs.bytes(200 + (i * 37) % 3800, i));
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
  public Map<String, Sha256> raw() throws IOException {
    Map<String, Sha256> out = new HashMap<>();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in, 64 * 1024))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (!e.isFile()) {
          continue;
        }
        MessageDigest md = Sha256.newDigest();
        int n;
        while ((n = tar.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
        out.put("/" + e.getName(), Sha256.fromDigest(md));
      }
    }
    return out;
  }
}
