package org.icupgrade.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.assets.internal.DefaultAssetSyncer;
import org.icupgrade.assets.internal.Gzipper;
import org.icupgrade.assets.internal.ReleaseCollector;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A text release of 5,000 small {@code .html}, {@code .js} and {@code .css} files (200 to 4,000
 * bytes) read from its tar.gz and diffed, against a raw reader on the same file in the same run.
 * Files per second is the score times 5,000; the goal is {@code library()} at 0.6 of {@code raw()}
 * or better ({@code BenchmarkMain}'s bar).
 *
 * <ul>
 *   <li>{@code raw()}: the baseline, what a minimal C-like reader does: inflate, untar, read each
 *       file into an array while hashing it (SHA-256). No checks, no content types, no diff.
 *   <li>{@code library()}: {@link ReleaseReader} reads (with its checks) and the
 *       syncer diffs against a canister listing that already holds every file, identity and gzip:
 *       the usual redeploy. No file needs compressing; {@link #compressionsDuringUnchanged} stays
 *       0 or the benchmark fails.
 *   <li>{@code libraryFirstSync()}: the same against an empty canister, where every file's
 *       gzip encoding is made (with one reused Deflater), as a first sync must.
 *   <li>{@code nativeReader()}: the C reader the issue measured against, run in the same JMH run
 *       on the same bytes: {@code tar-sha256-reader.c} (a resource of this module: zlib, the ustar
 *       headers, OpenSSL's SHA-256, every name kept with its digest), compiled with {@code cc} at
 *       setup and kept running, so that an operation is one archive read and not a process start.
 *       It needs a C compiler and the zlib and OpenSSL headers (Debian: {@code gcc zlib1g-dev
 *       libssl-dev}); without them only this method fails, with that message, and the report
 *       names the missing side.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class TextReleaseBenchmark {
  static final int FILES = 5000;
  private static final String[] TEXT = {"html", "js", "css"};
  static final Principal CANISTER = Principal.fromBytes(new byte[] {4, 4, 4, 1});

  int files = FILES;
  Path archive = Path.of("");
  final DefaultAssetSyncer syncer = (DefaultAssetSyncer) AssetSyncers.builder().build();
  List<AssetDetails> everything = List.of();
  long compressionsDuringUnchanged;

  @Setup
  public void setUp() throws IOException {
    archive = Files.createTempFile("text-release", ".tar.gz");
    write(archive, files);
    // The listing of a canister that holds the release as the syncer stores it.
    List<AssetDetails> listing = new ArrayList<>();
    for (ReleaseAsset a : ReleaseReader.defaults().read(archive).assets()) {
      List<AssetEncodingDetails> encodings = new ArrayList<>();
      for (ReleaseEncoding e : ReleaseCollector.withGzip(a).encodings()) {
        encodings.add(AssetEncodingDetails.of(e.contentEncoding(), e.sha256(), e.length(), 0));
      }
      listing.add(AssetDetails.of(a.key(), a.contentType(), encodings));
    }
    everything = listing;
  }

  @TearDown
  public void tearDown() throws IOException {
    Files.deleteIfExists(archive);
    if (compressionsDuringUnchanged != 0) {
      throw new IllegalStateException(compressionsDuringUnchanged
          + " files were compressed while diffing an unchanged release");
    }
  }

  static void write(Path file, int files) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      for (int i = 0; i < files; i++) {
        byte[] content = Inputs.text(200 + (i * 37) % 3801, i);
        TarArchiveEntry e = new TarArchiveEntry(
            String.format("assets/f%04d.%s", i, TEXT[i % TEXT.length]));
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
  }

  @Benchmark
  public AssetDiff library() {
    FrontendRelease release = ReleaseReader.defaults().read(archive);
    long before = Gzipper.compressions();
    AssetDiff diff = syncer.diffAgainst(CANISTER, release, everything);
    compressionsDuringUnchanged += Gzipper.compressions() - before;
    if (!diff.isEmpty()) {
      throw new IllegalStateException("an unchanged release differs: " + diff);
    }
    return diff;
  }

  @Benchmark
  public AssetDiff libraryFirstSync() {
    FrontendRelease release = ReleaseReader.defaults().read(archive);
    AssetDiff diff = syncer.diffAgainst(CANISTER, release, List.of());
    if (diff.changes().size() != files) {
      throw new IllegalStateException("expected " + files + " new files: " + diff);
    }
    return diff;
  }

  /** The C reader as a running process: compiled once per trial, one archive read per line. */
  @State(Scope.Benchmark)
  public static class NativeReader {
    static final String SOURCE = "tar-sha256-reader.c";
    Path dir = Path.of("");
    @Nullable Process process;
    @Nullable BufferedWriter commands;
    @Nullable BufferedReader answers;

    @Setup
    public void setUp() throws IOException, InterruptedException {
      dir = Files.createTempDirectory("native-reader");
      Path source = dir.resolve(SOURCE);
      try (InputStream in = TextReleaseBenchmark.class.getResourceAsStream(SOURCE)) {
        if (in == null) {
          throw new IllegalStateException(SOURCE + " is missing from the benchmark jar");
        }
        Files.copy(in, source);
      }
      Path binary = dir.resolve("tar-sha256-reader");
      Process cc = new ProcessBuilder("cc", "-O2", "-o", binary.toString(), source.toString(),
          "-lz", "-lcrypto").redirectErrorStream(true).start();
      String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (cc.waitFor() != 0) {
        throw new IllegalStateException("the C reader did not compile (it needs cc and the zlib"
            + " and OpenSSL headers; Debian: apt-get install gcc zlib1g-dev libssl-dev): " + output);
      }
      Path archive = dir.resolve("text-release.tar.gz");
      write(archive, FILES);
      Process p = new ProcessBuilder(binary.toString(), archive.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      process = p;
      commands = new BufferedWriter(
          new OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII));
      answers = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
    }

    /**
     * Reads the archive once in the C reader: its answer, the number of files and the XOR of
     * their SHA-256 digests in hex, separated by a space.
     */
    String readOnce() throws IOException {
      BufferedWriter out = Objects.requireNonNull(commands);
      out.write("read\n");
      out.flush();
      String answer = Objects.requireNonNull(answers).readLine();
      if (answer == null || !answer.matches("[0-9]+ [0-9a-f]{64}")) {
        throw new IllegalStateException("the C reader answered " + answer);
      }
      return answer;
    }

    @TearDown
    public void tearDown() throws IOException, InterruptedException {
      if (commands != null) {
        commands.close();
      }
      if (process != null && !process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  @Benchmark
  public String nativeReader(NativeReader reader) throws IOException {
    String answer = reader.readOnce();
    if (!answer.startsWith(FILES + " ")) {
      throw new IllegalStateException("the C reader read " + answer + ", not " + FILES + " files");
    }
    return answer;
  }

  @Benchmark
  public Map<String, Sha256> raw() throws IOException {
    Map<String, Sha256> identity = new HashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in, 64 * 1024))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (!e.isFile()) {
          continue;
        }
        byte[] content = new byte[(int) e.getSize()];
        MessageDigest md = Sha256.newDigest();
        int off = 0;
        while (off < content.length) {
          int n = tar.read(content, off, Math.min(64 * 1024, content.length - off));
          if (n < 0) {
            throw new IOException("truncated entry " + e.getName());
          }
          md.update(content, off, n);
          off += n;
        }
        identity.put("/" + e.getName(), Sha256.fromDigest(md));
      }
    }
    return identity;
  }
}
