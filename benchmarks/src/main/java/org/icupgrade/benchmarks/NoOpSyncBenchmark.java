package org.icupgrade.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.assets.internal.Gzipper;
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
 * A redeploy that changes nothing: a text release of N (20,000) small {@code .html}/{@code .js}/
 * {@code .css} files read from its tar.gz and synced to the DFINITY-flavoured embedded asset
 * canister that already holds it (synced once, outside the time). One operation is the read, the
 * paged {@code list}, the diff, and no upload nor commit. No file is compressed: the benchmark
 * fails if the gzip counter moves during an operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class NoOpSyncBenchmark {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal DEPLOYER = Principal.fromBytes(new byte[] {8, 8, 8, 2});

  @Param({"20000"})
  public int files = 20_000;

  Path archive = Path.of("");
  final AssetSyncer syncer = AssetSyncers.builder().build();
  AssetCanister canister;
  long compressions;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    archive = Files.createTempFile("noop-release", ".tar.gz");
    TextReleaseBenchmark.write(archive, files);
    EmbeddedReplica replica = EmbeddedReplica.start();
    Principal id = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, OWNER);
    CandidAssetCanister.over(replica.agentFor(OWNER), id)
        .grantPermission(DEPLOYER, Permission.COMMIT);
    canister = CandidAssetCanister.over(replica.agentFor(DEPLOYER), id);
    syncer.sync(canister, ReleaseReader.defaults().read(archive));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(archive);
    if (compressions != 0) {
      throw new IllegalStateException(compressions + " files compressed during no-op syncs");
    }
  }

  @Benchmark
  public SyncOutcome noOpSync() {
    FrontendRelease release = ReleaseReader.defaults().read(archive);
    long before = Gzipper.compressions();
    SyncOutcome outcome = syncer.sync(canister, release);
    compressions += Gzipper.compressions() - before;
    if (!outcome.diff().isEmpty() || outcome.commitCalls() != 0) {
      throw new IllegalStateException("a no-op sync did something: " + outcome);
    }
    return outcome;
  }
}
