package org.icupgrade.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.core.upgrade.OwnerSetup;
import org.icupgrade.deployer.fleet.CanisterResult;
import org.icupgrade.deployer.fleet.FleetReport;
import org.icupgrade.deployer.fleet.FleetSelection;
import org.icupgrade.deployer.fleet.FleetUpgrader;
import org.icupgrade.deployer.fleet.SharedChunkStore;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.deployer.release.ReleaseSource;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Issue 13 at scale: a fleet of N canisters (10, 100, 1,000) on the embedded replica, deployed by
 * a backend with their records, upgraded WASM-only to a new release of a {@value #DEFAULT_MODULE}
 * byte module, in two ways measured in the same run:
 *
 * <ul>
 *   <li>{@code fleet}: {@link FleetUpgrader} with one {@link SharedChunkStore} (the module
 *       uploaded once), canary of 1 then waves doubling up to 100, 8 at a time;
 *   <li>{@code oneByOne}: today's way, {@link StorageDeployer#upgradeStorage} for each canister
 *       in turn, each install uploading the module to the target's own chunk store.
 * </ul>
 *
 * <p>Both are the deployer's durable job (preflight, stop, snapshot, install, start, snapshot
 * deleted, rights handed back). One operation upgrades the whole fleet; each iteration publishes
 * the next release (the modules alternate, so every upgrade installs). The counters are the
 * backend's calls (its agent counted), the module-hash reads, the argument bytes, and the heap:
 * retained after a full GC with the fleet deployed ({@code heapMiB}), and the peak of the heap
 * pools during the operation ({@code peakHeapMiB}). {@link BenchmarkMain}'s report sets the two
 * ways side by side (time, calls, bytes as ratios) and draws the cost curve over N.
 *
 * <p>{@code -p canisters=10000 -p moduleBytes=100000} is the 10,000 small canisters; the
 * 2.5 MB module needs about {@code canisters × 2 × moduleBytes} of heap for the modules alone
 * (canisters running one module share its bytes and compiled code), see the report's heap per
 * canister. {@code -p canisters=1000 -p moduleBytes=1000} is issue 11's 1,000 small canisters
 * (one page of memory each), which must take under 1 GiB: under 1 MiB each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
public class FleetScaleBenchmark {
  static final Principal OWNER = Principal.fromBytes(new byte[] {0x0f, 0x5c, 0x01});
  static final Principal BACKEND = Principal.fromBytes(new byte[] {0x0f, 0x5c, 0x02});
  /** Issue 13's module: 2.5 MB, three chunks. */
  static final int DEFAULT_MODULE = 2_500_000;

  /** Canisters in the fleet. */
  @Param({"10", "100", "1000"})
  public int canisters = 10;

  /** The module's size in bytes. */
  @Param({"2500000"})
  public int moduleBytes = DEFAULT_MODULE;

  /** What JMH counts beside the time, summed over operations (see {@link BenchmarkMain}). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class FleetCounters {
    /** Fleet upgrades measured. */
    public long ops;
    /** The backend's query and update calls. */
    public long calls;
    /** Certified module-hash and metadata reads. */
    public long stateReads;
    /** Bytes of Candid arguments the backend sent. */
    public long argBytes;
    /** Bytes of Candid replies the backend received. */
    public long replyBytes;
    /** {@code upload_chunk} calls. */
    public long uploadChunks;
    /** Heap retained with the fleet deployed, after a full GC, in MiB. */
    public long heapMiB;
    /** Peak heap during the operation, in MiB. */
    public long peakHeapMiB;
    /**
     * Heap the deployed fleet retains, after a full GC, less what was retained before it was
     * deployed, in KiB: over the canisters, what one canister costs.
     */
    public long fleetHeapKiB;
  }

  Path dir;
  EmbeddedReplica replica;
  byte[][] modules;
  FrontendRelease frontend;
  ReleaseCatalog catalog;
  DeploymentRegistry registry;
  CountingAgent agent;
  StorageDeployer oneByOneDeployer;
  FleetUpgrader fleet;
  List<Principal> ids;
  int release;
  long heapAfterSetup;
  long heapBeforeDeploy;

  /** The fleet at release 1 with its records, the backend a controller of each. */
  @Setup(Level.Trial)
  public void deploy() throws IOException {
    heapBeforeDeploy = retainedHeap();
    dir = Files.createTempDirectory("icupgrade-fleet-bench");
    replica = EmbeddedReplica.start();
    replica.keepCallArguments(false);
    modules = new byte[][] {SyntheticWasm.ofSize(moduleBytes, 1),
        SyntheticWasm.ofSize(moduleBytes + 100, 2)};
    frontend = FrontendRelease.of(List.of());
    release = 1;
    publish(release);
    catalog = ReleaseCatalog.builder(ReleaseSource.directory(dir)).wasmAsset("storage.wasm")
        .frontendAsset("frontend.tar", archive -> frontend).build();
    catalog.refresh();
    registry = DeploymentRegistry.inMemory();

    // Deployed outside the counts, from a store of the owner's: one upload for all of them.
    ManagementCanister owner = CandidManagementCanister.over(replica.agentFor(OWNER));
    Principal ownersStore = replica.createCanister(OWNER);
    ChunkedWasmInstaller deploy = ChunkedWasmInstaller.builder(owner).build();
    WasmModule first = WasmModule.of(module(release));
    ids = new ArrayList<>(canisters);
    for (int i = 0; i < canisters; i++) {
      Principal id = replica.createCanister(OWNER, BACKEND);
      deploy.install(InstallRequest.builder(id, first).installMode(InstallMode.install())
          .storeCanister(ownersStore).keepChunks(true).build());
      registry.insert(new DeploymentRecord(id, OWNER, DeploymentStatus.COMPLETED, null,
          first.hash(), frontend.frontendHash(), tag(release), 0));
      ids.add(id);
    }
    owner.clearChunkStore(ownersStore);

    agent = new CountingAgent(replica.agentFor(BACKEND));
    ManagementCanister mc = CandidManagementCanister.over(agent);
    RetryPolicy retry = RetryPolicy.defaults();
    ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(mc).retryPolicy(retry).build();
    oneByOneDeployer = deployer(mc, installer, retry);
    SharedChunkStore store = new SharedChunkStore(mc, replica.createCanister(BACKEND), retry);
    fleet = FleetUpgrader.builder(deployer(mc, store.installer(installer), retry), registry)
        .canary(1).waveGrowth(2).maxWaveSize(100).concurrency(8)
        .sharedStore(store, catalog).build();
    replica.clearCalls();
    heapAfterSetup = retainedHeap();
  }

  StorageDeployer deployer(ManagementCanister mc, ChunkedWasmInstaller installer,
      RetryPolicy retry) {
    CanisterUpgrader upgrader = CanisterUpgrader.builder(BACKEND, mc, installer)
        .retryPolicy(retry).build();
    return StorageDeployer.builder(registry, catalog, upgrader, Runnable::run).ownerCheck(mc)
        .build();
  }

  /**
   * The next release published and in the catalog; the backend a controller of each canister
   * again (each upgrade hands its rights back, so the owners grant them anew, outside the counts);
   * the counts and the heap peaks reset.
   */
  @Setup(Level.Iteration)
  public void nextRelease() {
    ManagementCanister owner = CandidManagementCanister.over(replica.agentFor(OWNER));
    for (Principal id : ids) {
      OwnerSetup.grantUpgradeRights(owner, null, id, BACKEND);
    }
    release++;
    publish(release);
    catalog.refresh();
    replica.clearCalls();
    agent.reset();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** Every canister upgraded by the fleet, one upload to the shared store. */
  @Benchmark
  public FleetReport fleet(FleetCounters counters) {
    FleetReport report = fleet.start(fleet.plan(FleetSelection.behindCurrentRelease(),
        UpgradeScope.WASM_ONLY)).await();
    int done = report.with(CanisterResult.Outcome.DONE).size();
    if (done != canisters) {
      throw new IllegalStateException("the fleet upgraded " + done + " of " + canisters + ": "
          + report.halted().orElse("") + " " + report.results().stream()
              .filter(r -> r.outcome() != CanisterResult.Outcome.DONE).limit(3).toList());
    }
    count(counters);
    return report;
  }

  /** Every canister upgraded in turn by the storage deployer, each uploading the module. */
  @Benchmark
  public int oneByOne(FleetCounters counters) {
    for (Principal id : ids) {
      oneByOneDeployer.upgradeStorage(OWNER, id, UpgradeScope.WASM_ONLY);
    }
    Sha256 target = Sha256.of(module(release));
    int done = 0;
    for (Principal id : ids) {
      DeploymentRecord r = registry.find(id).orElseThrow();
      if (r.status() == DeploymentStatus.COMPLETED && r.moduleHash().equals(
          java.util.Optional.of(target))) {
        done++;
      }
    }
    if (done != canisters) {
      throw new IllegalStateException("one by one upgraded " + done + " of " + canisters);
    }
    count(counters);
    return done;
  }

  private void count(FleetCounters counters) {
    CountingAgent.Counts c = agent.counts();
    counters.ops++;
    counters.calls += c.calls();
    counters.stateReads += c.stateReads();
    counters.argBytes += c.argBytes();
    counters.replyBytes += c.replyBytes();
    counters.uploadChunks += c.calls("upload_chunk");
    counters.heapMiB += heapAfterSetup >> 20;
    counters.fleetHeapKiB += (heapAfterSetup - heapBeforeDeploy) >> 10;
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    counters.peakHeapMiB += peak >> 20;
  }

  /** The releases written. */
  @TearDown(Level.Trial)
  public void removeReleases() throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  byte[] module(int n) {
    return modules[n % 2];
  }

  static String tag(int n) {
    return "v" + n + ".0.0";
  }

  private void publish(int n) {
    try {
      Path d = Files.createDirectories(dir.resolve(tag(n)));
      Files.write(d.resolve("storage.wasm"), module(n));
      Files.write(d.resolve("frontend.tar"), "unused".getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long retainedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
