package org.icupgrade.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.core.Principal;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.assets.EmbeddedAssetCanister;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * End to end: a frontend release of N files (300) from its {@code .tar.gz} into an empty built-in
 * asset canister ({@link EmbeddedAssetCanister}, DFINITY flavour) of the embedded replica: {@link
 * ReleaseReader} reads the archive (hashes, content types, gzip encodings), then the {@link
 * AssetSyncers} syncer lists the canister, diffs, uploads the content in packed {@code
 * create_chunks} calls (small files inline in the commit) and commits the batch, over {@link
 * CandidAssetCanister} and the replica's agent.
 *
 * <p>The release: {@code /index.html} and N-1 files of 200 to 40,000 bytes, a third each {@code
 * .js} and {@code .css} (text that gzips to about a third, so each also gets a gzip encoding) and
 * {@code .png} (random bytes). One operation reads and syncs it into a canister created just before
 * (outside the time, with a fresh replica); afterwards the canister serves all N files.
 * {@link E2eCounters} counts the calls and bytes of the deployer's agent; the owner's one
 * {@code grant_permission} before the sync is not counted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class AssetSyncE2eBenchmark {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal DEPLOYER = Principal.fromBytes(new byte[] {8, 8, 8, 2});
  private static final String[] EXTENSIONS = {"js", "css", "png"};

  /** Files in the release, {@code /index.html} included. */
  @Param({"300"})
  public int files = 300;

  Path archive = Path.of("");
  final AssetSyncer syncer = AssetSyncers.builder().flavor(AssetCanisterFlavor.DFINITY)
      .protectedKeys(ProtectedKeys.storageDefaults()).build();
  EmbeddedReplica replica = EmbeddedReplica.start();
  CountingAgent agent = new CountingAgent(replica.agentFor(DEPLOYER));
  AssetCanister canister = CandidAssetCanister.over(agent, OWNER);

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    archive = Files.createTempFile("frontend", ".tar.gz");
    write(archive, files);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(archive);
  }

  /** Writes the release of {@code files} files described above. */
  static void write(Path file, int files) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      add(tar, "index.html", "<!doctype html><html><body><script src=\"/assets/f0000.js\">"
          .concat("</script></body></html>").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      for (int i = 0; i < files - 1; i++) {
        String ext = EXTENSIONS[i % EXTENSIONS.length];
        int size = 200 + (int) ((i * 7919L) % 39_801);
        byte[] content = ext.equals("png") ? Inputs.bytes(size, i) : Inputs.text(size, i);
        add(tar, String.format("assets/f%04d.%s", i, ext), content);
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

  /** A fresh replica with an empty asset canister, on which the deployer may commit. */
  @Setup(Level.Invocation)
  public void freshCanister() {
    replica = EmbeddedReplica.start();
    Principal id = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, OWNER);
    CandidAssetCanister.over(replica.agentFor(OWNER), id)
        .grantPermission(DEPLOYER, Permission.COMMIT);
    agent = new CountingAgent(replica.agentFor(DEPLOYER));
    canister = CandidAssetCanister.over(agent, id);
  }

  @Benchmark
  public SyncOutcome sync(E2eCounters counters) {
    FrontendRelease release = ReleaseReader.defaults().read(archive);
    SyncOutcome outcome = syncer.sync(canister, release);
    if (outcome.diff().changes().size() != files) {
      throw new IllegalStateException("expected " + files + " new files, got " + outcome);
    }
    agent.counts().addTo(counters);
    return outcome;
  }
}
