package org.icupgrade.deployer.onreplica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.jdbcx.JdbcDataSource;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.deployer.fleet.CallRateLimiter;
import org.icupgrade.deployer.fleet.CanisterResult;
import org.icupgrade.deployer.fleet.CanisterResult.Outcome;
import org.icupgrade.deployer.fleet.FleetListener;
import org.icupgrade.deployer.fleet.FleetPlan;
import org.icupgrade.deployer.fleet.FleetProgress;
import org.icupgrade.deployer.fleet.FleetReport;
import org.icupgrade.deployer.fleet.FleetRun;
import org.icupgrade.deployer.fleet.FleetSelection;
import org.icupgrade.deployer.fleet.FleetUpgrader;
import org.icupgrade.deployer.fleet.RateLimitedManagementCanister;
import org.icupgrade.deployer.fleet.SharedChunkStore;
import org.icupgrade.deployer.fleet.SubnetStores;
import org.icupgrade.deployer.fleet.WaveSummary;
import org.icupgrade.deployer.onreplica.FaultMatrixTest.Died;
import org.icupgrade.deployer.onreplica.FaultMatrixTest.Mortality;
import org.icupgrade.deployer.onreplica.UpgradeWorld.Kind;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ManualClock;
import org.icupgrade.replica.Fault;
import org.icupgrade.replica.RecordedCall;
import org.icupgrade.replica.SyntheticWasm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet upgrades on the embedded replica: 20 to 30 small canisters at v1 (100 kB synthetic
 * modules), a release v2, upgraded in waves through the storage deployer's durable jobs.
 */
class FleetUpgradeTest {
  static final Principal OWNER = UpgradeWorld.OWNER;
  static final Principal BACKEND = UpgradeWorld.BACKEND;
  static final Duration HANG_GUARD = Duration.ofMinutes(3);

  @TempDir Path dir;

  /** The replica, the canisters at v1 with their records, the release v2 in the catalog. */
  final class World {
    final EmbeddedReplica replica = EmbeddedReplica.start();
    final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T00:00:00Z"));
    final UpgradeWorld.Releases releases;
    final ReleaseCatalog catalog;
    final DeploymentRegistry registry;
    final List<Principal> canisters = new ArrayList<>();

    World(int count, DeploymentRegistry registry) throws IOException {
      this(count, registry, new UpgradeWorld.Releases(dir.resolve("releases"), Kind.ASSETS));
    }

    World(int count, DeploymentRegistry registry, UpgradeWorld.Releases releases)
        throws IOException {
      this.registry = registry;
      this.releases = releases;
      releases.publishV2();
      catalog = releases.catalog(clock);
      Sha256 frontend = catalog.current().orElseThrow().frontendHash();
      ManagementCanister owner = CandidManagementCanister.over(replica.agentFor(OWNER));
      ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(owner).build();
      for (int i = 0; i < count; i++) {
        Principal id = replica.createCanister(OWNER, BACKEND);
        installer.install(id, WasmModule.of(releases.v1), InstallMode.install());
        // WASM-only: the record's frontend is the release's already.
        registry.insert(new DeploymentRecord(id, OWNER, DeploymentStatus.COMPLETED, null,
            Sha256.of(releases.v1), frontend, "v1.0.0", 0));
        canisters.add(id);
      }
      replica.clearCalls();
    }

    StorageDeployer deployer(Agent agent, DeploymentRegistry reg, String holder,
        CallRateLimiter limiter) {
      return deployer(agent, reg, holder, limiter, null);
    }

    StorageDeployer deployer(Agent agent, DeploymentRegistry reg, String holder,
        CallRateLimiter limiter, SharedChunkStore store) {
      RetryPolicy retry = UpgradeWorld.fastRetries();
      ManagementCanister mc = CandidManagementCanister.over(agent);
      if (limiter != null) {
        mc = new RateLimitedManagementCanister(mc, limiter);
      }
      ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(mc).retryPolicy(retry).build();
      if (store != null) {
        installer = store.installer(installer);
      }
      CanisterUpgrader upgrader = CanisterUpgrader.builder(BACKEND, mc, installer)
          .retryPolicy(retry).build();
      return StorageDeployer.builder(reg, catalog, upgrader, Runnable::run)
          .ownerCheck(mc).clock(clock).leaseDuration(UpgradeWorld.LEASE).holderId(holder).build();
    }

    StorageDeployer deployer(String holder) {
      return deployer(replica.agentFor(BACKEND), registry, holder, null);
    }

    FleetUpgrader.Builder fleet(StorageDeployer d, DeploymentRegistry reg) {
      return FleetUpgrader.builder(d, reg).clock(clock).pollInterval(Duration.ofMillis(5));
    }

    /** Install calls (install_code and install_chunked_code) per target canister. */
    Map<Principal, Integer> installs() {
      Map<Principal, Integer> n = new HashMap<>();
      for (RecordedCall c : replica.calls()) {
        if (c.method().equals("install_code") || c.method().equals("install_chunked_code")) {
          n.merge(c.effectiveCanisterId(), 1, Integer::sum);
        }
      }
      return n;
    }

    /** Targets in the order their first install call came. */
    List<Principal> installOrder() {
      List<Principal> order = new ArrayList<>();
      for (RecordedCall c : replica.calls()) {
        if ((c.method().equals("install_code") || c.method().equals("install_chunked_code"))
            && !order.contains(c.effectiveCanisterId())) {
          order.add(c.effectiveCanisterId());
        }
      }
      return order;
    }

    boolean runsV1(Principal id) {
      return replica.moduleHash(id).equals(java.util.Optional.of(Sha256.of(releases.v1)));
    }

    boolean runsV2(Principal id) {
      return replica.moduleHash(id).equals(java.util.Optional.of(Sha256.of(releases.v2)));
    }
  }

  static IcException injected() {
    return new IcException("injected install failure");
  }

  @Test
  void failingCanary_haltsTheRollout_restUntouchedOnV1() throws IOException {
    World w = new World(20, DeploymentRegistry.inMemory());
    FleetUpgrader fleet = w.fleet(w.deployer("backend-1"), w.registry).canary(1).build();
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    assertEquals(20, plan.entries().size());
    Principal canary = plan.entries().get(0).canisterId();
    assertEquals(UpgradeScope.WASM_ONLY, plan.entries().get(0).scope(), "only the module differs");
    w.replica.fault(Fault.on("install_code").canister(canary).times(100)
        .failBefore(FleetUpgradeTest::injected));

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> fleet.start(plan).await());

    assertTrue(report.halted().orElseThrow().contains("wave 0 failed 1 of 1"),
        report.halted().toString());
    assertEquals(Outcome.FAILED, report.byCanister().get(canary).outcome());
    assertEquals(19, report.with(Outcome.NOT_STARTED).size());
    assertEquals(1, report.waves().size());
    assertTrue(report.waves().get(0).halted());
    assertEquals(Set.of(canary), w.installs().keySet(), "only the canary was touched");
    for (Principal id : w.canisters) {
      assertTrue(w.runsV1(id), id + " left on v1 (the canary rolled back)");
      DeploymentRecord r = w.registry.find(id).orElseThrow();
      assertEquals(id.equals(canary) ? DeploymentStatus.FAILED : DeploymentStatus.COMPLETED,
          r.status(), r.toString());
      assertEquals(java.util.Optional.of("v1.0.0"), r.releaseTag());
    }
  }

  @Test
  void failureRateUnderTheThreshold_continues_wavesInOrderCanaryFirst() throws IOException {
    World w = new World(20, DeploymentRegistry.inMemory());
    List<WaveSummary> waves = new CopyOnWriteArrayList<>();
    FleetUpgrader fleet = w.fleet(w.deployer("backend-1"), w.registry).canary(2).waveGrowth(2)
        .concurrency(3).haltAboveFailureRate(0.25).listener(new FleetListener() {
          @Override
          public void waveFinished(WaveSummary wave, FleetProgress progress) {
            waves.add(wave);
          }
        }).build();
    assertEquals(List.of(2, 4, 8, 6), fleet.waveSizes(20));
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.WASM_ONLY);
    Principal unlucky = plan.entries().get(9).canisterId(); // in wave 2, 1 of 8 fails
    w.replica.fault(Fault.on("install_code").canister(unlucky).times(100)
        .failBefore(FleetUpgradeTest::injected));

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> fleet.start(plan).await());

    assertEquals(java.util.Optional.empty(), report.halted());
    assertEquals(19, report.with(Outcome.DONE).size());
    assertEquals(List.of(report.byCanister().get(unlucky)), report.with(Outcome.FAILED));
    assertEquals(4, waves.size());
    assertEquals(List.of(0, 0, 1, 0), waves.stream().map(WaveSummary::failed).toList());
    // Waves run one after the other: every canister's first install comes after all of the
    // previous wave's.
    List<Principal> order = w.installOrder();
    int[] boundaries = {0, 2, 6, 14, 20};
    for (int k = 0; k < 4; k++) {
      Set<Principal> wave = new HashSet<>();
      for (int i = boundaries[k]; i < boundaries[k + 1]; i++) {
        wave.add(plan.entries().get(i).canisterId());
        assertEquals(k, report.byCanister().get(plan.entries().get(i).canisterId()).wave());
      }
      assertEquals(wave, new HashSet<>(order.subList(boundaries[k], boundaries[k + 1])),
          "wave " + k + " installed in its turn");
    }
    for (Principal id : w.canisters) {
      assertEquals(!id.equals(unlucky), w.runsV2(id), id.toString());
    }
  }

  @Test
  void pausedThenResumed_thenPausedAndCancelled_restNotStarted() throws IOException {
    World w = new World(20, DeploymentRegistry.inMemory());
    AtomicReference<FleetRun> run = new AtomicReference<>();
    FleetUpgrader fleet = w.fleet(w.deployer("backend-1"), w.registry).canary(2).concurrency(2)
        .listener(new FleetListener() {
          @Override
          public void waveFinished(WaveSummary wave, FleetProgress progress) {
            if (wave.index() == 1) {
              run.get().pause();
            }
          }
        }).build();
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    run.set(fleet.startPaused(plan));
    FleetRun r = run.get();

    assertEquals(java.util.Optional.empty(), r.await(Duration.ofMillis(300)));
    assertEquals(new FleetProgress(20, 0, 0, 0, 0), r.progress());
    assertEquals(Map.of(), w.installs(), "paused from the start: nothing touched");

    r.resume();
    assertTimeoutPreemptively(HANG_GUARD, () -> {
      while (r.progress().done() < 6) {
        Thread.sleep(5);
      }
    });
    // paused after wave 1 (2 + 4): the third wave's canisters wait
    assertEquals(java.util.Optional.empty(), r.await(Duration.ofMillis(300)));
    assertTrue(r.isPaused());
    assertEquals(6, r.progress().done());
    assertEquals(6, w.installs().size());

    r.cancel();
    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> r.await());
    assertEquals("cancelled", report.halted().orElseThrow());
    assertEquals(6, report.with(Outcome.DONE).size());
    assertEquals(14, report.with(Outcome.NOT_STARTED).size());
    assertEquals(6, w.installs().size());
    long onV2 = w.canisters.stream().filter(w::runsV2).count();
    assertEquals(6, onV2);
  }

  JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("registry").toAbsolutePath());
    return ds;
  }

  @Test
  void twoBackendsOnOneRegistry_shareTheFleet_noCanisterUpgradedTwice() throws Exception {
    twoBackendsShareTheFleet(() -> DeploymentRegistry.jdbc(h2()));
  }

  /**
   * Two fleet upgraders, each with its own registry over one database ({@code sameDatabase}
   * gives a new one each time, as another process would open), run the same fleet of 30 at once:
   * every canister is upgraded exactly once, by one of them, the other reporting it skipped.
   */
  void twoBackendsShareTheFleet(java.util.function.Supplier<DeploymentRegistry> sameDatabase)
      throws Exception {
    World w = new World(30, sameDatabase.get());
    DeploymentRegistry regA = sameDatabase.get();
    DeploymentRegistry regB = sameDatabase.get();
    FleetUpgrader a = w.fleet(w.deployer(w.replica.agentFor(BACKEND), regA, "backend-a", null),
        regA).canary(2).concurrency(3).build();
    FleetUpgrader b = w.fleet(w.deployer(w.replica.agentFor(BACKEND), regB, "backend-b", null),
        regB).canary(2).concurrency(3).build();
    FleetSelection all = FleetSelection.behindCurrentRelease();

    List<FleetReport> reports = assertTimeoutPreemptively(HANG_GUARD, () -> {
      FleetRun ra = a.start(a.plan(all, UpgradeScope.ALL));
      FleetRun rb = b.start(b.plan(all, UpgradeScope.ALL));
      return List.of(ra.await(), rb.await());
    });

    Map<Principal, Integer> installs = w.installs();
    int[] doneByEach = new int[2];
    for (Principal id : w.canisters) {
      assertEquals(1, installs.getOrDefault(id, 0), id + " installed exactly once");
      assertTrue(w.runsV2(id));
      int doneBy = 0;
      for (int k = 0; k < 2; k++) {
        CanisterResult c = reports.get(k).byCanister().get(id);
        if (c.outcome() == Outcome.DONE) {
          doneBy++;
          doneByEach[k]++;
        } else {
          assertEquals(Outcome.SKIPPED, c.outcome(), c.toString());
        }
      }
      assertEquals(1, doneBy, id + " done by exactly one backend");
      assertEquals(DeploymentStatus.COMPLETED, w.registry.find(id).orElseThrow().status());
    }
    System.out.println("two fleets on one registry: backend-a upgraded " + doneByEach[0]
        + ", backend-b " + doneByEach[1]);
  }

  @Test
  void backendDiesMidWave_newFleetOnTheSameRegistry_finishesWithoutUpgradingAnyTwice()
      throws Exception {
    World w = new World(12, DeploymentRegistry.jdbc(h2()));
    // The first backend dies after its 30th registry write: a few canisters done, one mid-job.
    Mortality m = new Mortality(30);
    DeploymentRegistry mortalReg = FaultMatrixTest.mortal(DeploymentRegistry.jdbc(h2()), m);
    FleetUpgrader first = w.fleet(w.deployer(
            FaultMatrixTest.mortal(w.replica.agentFor(BACKEND), m), mortalReg, "backend-a", null),
        mortalReg).canary(2).concurrency(1).build();
    FleetPlan plan = first.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    assertEquals(12, plan.entries().size());
    IcException crash = assertThrows(IcException.class,
        () -> assertTimeoutPreemptively(HANG_GUARD, () -> first.start(plan).await()));
    assertTrue(crash.getCause() instanceof Died || crash.getCause().getCause() instanceof Died,
        crash.toString());
    List<DeploymentRecord> abandoned = w.registry.withJobs();
    assertEquals(1, abandoned.size(), "one job left mid-way: " + abandoned);
    Map<Principal, Integer> before = w.installs();

    DeploymentRegistry reg = DeploymentRegistry.jdbc(h2());
    FleetUpgrader second = w.fleet(w.deployer(w.replica.agentFor(BACKEND), reg, "backend-b",
        null), reg).canary(2).concurrency(2).build();
    w.clock.advance(UpgradeWorld.LEASE.plusSeconds(1)); // the dead backend's lease runs out
    FleetPlan rest = second.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> second.start(rest).await());

    assertEquals(java.util.Optional.empty(), report.halted());
    Principal resumed = abandoned.get(0).canisterId();
    assertEquals(Outcome.DONE, report.byCanister().get(resumed).outcome(),
        "the crashed job was taken over and finished");
    Map<Principal, Integer> installs = w.installs();
    for (Principal id : w.canisters) {
      assertTrue(w.runsV2(id), id + " on v2");
      assertEquals(DeploymentStatus.COMPLETED, w.registry.find(id).orElseThrow().status());
      assertEquals(1, installs.getOrDefault(id, 0),
          id + " installed once (before the crash: " + before.get(id) + ")");
    }
    assertTrue(w.registry.withJobs().isEmpty());
  }

  @Test
  void a429Storm_slowsTheFleetWithoutFailingIt() throws IOException {
    World w = new World(10, DeploymentRegistry.inMemory());
    AtomicLong nanos = new AtomicLong();
    AtomicLong slept = new AtomicLong();
    // The limiter's clock moves only when it sleeps: its waits are counted, never spent.
    CallRateLimiter limiter = new CallRateLimiter(50, 5, Duration.ofMillis(500),
        Duration.ofSeconds(8), nanos::get, d -> {
          slept.addAndGet(d.toNanos());
          nanos.addAndGet(d.toNanos());
        });
    StorageDeployer d = w.deployer(w.replica.agentFor(BACKEND), w.registry, "backend-1",
        limiter);
    FleetUpgrader fleet = w.fleet(d, w.registry).canary(2).concurrency(3).build();
    // Three canisters' installs answered 429 twice each: retryable, retried by the upgrader.
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    for (int i = 0; i < 3; i++) {
      w.replica.fault(Fault.on("install_code").canister(plan.entries().get(i * 3).canisterId())
          .times(2).failBefore(() -> new TransportException("HTTP 429 Too Many Requests", true,
              null)));
    }

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> fleet.start(plan).await());

    assertEquals(10, report.with(Outcome.DONE).size(), report.toString());
    assertEquals(6, limiter.pushBacks());
    // the management calls went through the limiter, and it waited at least the cool-downs of
    // three push-back pairs (0.5 s then 1 s each time: a call went through in between resets it)
    assertTrue(limiter.calls() >= 10 * 5, "limited calls " + limiter.calls());
    assertTrue(slept.get() >= Duration.ofMillis(1500).toNanos(), "slept " + slept.get());
    for (Principal id : w.canisters) {
      assertTrue(w.runsV2(id));
    }
  }

  /** Upload calls and argument bytes of a run, for the before/after comparison. */
  record Traffic(long uploadChunkCalls, long uploadedBytes, long calls, long argBytes) {
    static Traffic of(List<RecordedCall> calls) {
      long uploads = 0;
      long uploadBytes = 0;
      long bytes = 0;
      for (RecordedCall c : calls) {
        bytes += c.argBytes();
        if (c.method().equals("upload_chunk")) {
          uploads++;
          uploadBytes += c.argBytes();
        }
      }
      return new Traffic(uploads, uploadBytes, calls.size(), bytes);
    }
  }

  Traffic fleetOf50(Path where, boolean shared) throws IOException {
    // 2.5 MB modules: three 1 MiB chunks each, as in issue 13's measurement.
    UpgradeWorld.Releases releases = new UpgradeWorld.Releases(where,
        SyntheticWasm.ofSize(2_500_000, 1), SyntheticWasm.ofSize(2_500_100, 2));
    World w = new World(50, DeploymentRegistry.inMemory(), releases);
    SharedChunkStore store = null;
    if (shared) {
      Principal storeId = w.replica.createCanister(BACKEND);
      store = new SharedChunkStore(CandidManagementCanister.over(w.replica.agentFor(BACKEND)),
          storeId, UpgradeWorld.fastRetries());
    }
    StorageDeployer d = w.deployer(w.replica.agentFor(BACKEND), w.registry, "backend-1", null,
        store);
    FleetUpgrader.Builder b = w.fleet(d, w.registry).canary(2).concurrency(4).maxWaveSize(16);
    if (store != null) {
      b.sharedStore(store, w.catalog);
    }
    FleetUpgrader fleet = b.build();
    w.replica.clearCalls();
    w.replica.keepCallArguments(false); // counts and sizes only: 125 MB of arguments otherwise
    FleetReport report = assertTimeoutPreemptively(HANG_GUARD,
        () -> fleet.start(fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL))
            .await());
    assertEquals(50, report.with(Outcome.DONE).size(), report.toString());
    for (Principal id : w.canisters) {
      assertTrue(w.runsV2(id));
    }
    Traffic t = Traffic.of(w.replica.calls());
    Map<Principal, Map<String, Integer>> byCanister = perCanisterAndMethod(w.replica.calls());
    System.out.println("calls by canister and method, shared store " + shared + ", the first"
        + " target: " + byCanister.get(w.canisters.get(0)));
    if (store != null) {
      assertEquals(List.of(), store.stored(), "the store is cleared when the fleet is done");
      // every target installed from the store, none from its own chunk store
      for (RecordedCall c : w.replica.calls("install_chunked_code")) {
        assertTrue(w.canisters.contains(c.effectiveCanisterId()));
      }
      assertEquals(50, w.replica.calls("install_chunked_code").size());
      // The one-time part, on the store: one read, the three chunks, the clearing.
      assertEquals(Map.of("stored_chunks", 1, "upload_chunk", 3, "clear_chunk_store", 1),
          byCanister.get(store.canisterId()));
      // Per target, at most 8: the owner check's status (the preflight's too), stop, the job's
      // snapshot, the install from the store, start, the snapshot's deletion, and the hand-back's
      // status read and update_settings. No stored_chunks (the store was filled for this
      // module), no snapshot list (canister_status says there are none).
      Map<String, Integer> expected = Map.of("canister_status", 2, "stop_canister", 1,
          "take_canister_snapshot", 1, "install_chunked_code", 1, "start_canister", 1,
          "delete_canister_snapshot", 1, "update_settings", 1);
      for (Principal id : w.canisters) {
        assertEquals(expected, byCanister.get(id), id.toString());
      }
      Principal storeId = store.canisterId();
      assertEquals(Set.copyOf(w.canisters), Set.copyOf(byCanister.keySet().stream()
          .filter(id -> !id.equals(storeId)).toList()), "no other canister called");
    }
    return t;
  }

  /** Recorded calls counted by effective canister id, then method. */
  static Map<Principal, Map<String, Integer>> perCanisterAndMethod(List<RecordedCall> calls) {
    Map<Principal, Map<String, Integer>> n = new HashMap<>();
    for (RecordedCall c : calls) {
      n.computeIfAbsent(c.effectiveCanisterId(), k -> new HashMap<>())
          .merge(c.method(), 1, Integer::sum);
    }
    return n;
  }

  @Test
  void fiftyCanisters_sharedStore_uploadsTheModuleOnce() throws IOException {
    Traffic before = fleetOf50(dir.resolve("before"), false);
    Traffic after = fleetOf50(dir.resolve("after"), true);
    System.out.println("50-canister fleet, 2.5 MB module: without a shared store " + before
        + ", with one " + after);
    assertEquals(150, before.uploadChunkCalls(), "3 chunks for each of the 50 targets");
    assertEquals(3, after.uploadChunkCalls(), "3 chunks, once for the fleet");
    assertTrue(after.uploadedBytes() < 2_600_000, after.toString());
    assertTrue(after.argBytes() * 10 < before.argBytes(), before + " vs " + after);
    assertEquals(5 + 50 * 8, after.calls(), "8 calls per canister beyond the store's 5");
  }

  @Test
  void sharedStoreClearedUnderTheFleet_installUploadsAgain_noCanisterFails() throws IOException {
    World w = new World(6, DeploymentRegistry.inMemory());
    Principal storeId = w.replica.createCanister(BACKEND);
    SharedChunkStore store = new SharedChunkStore(
        CandidManagementCanister.over(w.replica.agentFor(BACKEND)), storeId,
        UpgradeWorld.fastRetries());
    StorageDeployer d = w.deployer(w.replica.agentFor(BACKEND), w.registry, "backend-1", null,
        store);
    ManagementCanister backend = CandidManagementCanister.over(w.replica.agentFor(BACKEND));
    AtomicReference<Boolean> clearedOnce = new AtomicReference<>(false);
    FleetUpgrader fleet = w.fleet(d, w.registry).canary(2).concurrency(1)
        .sharedStore(store, w.catalog).listener(new FleetListener() {
          @Override
          public void waveFinished(WaveSummary wave, FleetProgress progress) {
            if (wave.index() == 0 && !clearedOnce.getAndSet(true)) {
              backend.clearChunkStore(storeId); // someone empties the store mid-fleet
            }
          }
        }).build();

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD,
        () -> fleet.start(fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL))
            .await());

    assertEquals(6, report.with(Outcome.DONE).size(), report.toString());
    for (Principal id : w.canisters) {
      assertTrue(w.runsV2(id), id + " on v2");
    }
    // once before the fleet, once by the first install refused for the missing chunk (one at a
    // time: the later ones install from the store filled again)
    assertEquals(2, w.replica.calls("upload_chunk").size());
    assertEquals(List.of(), store.stored(), "cleared at the end");
  }

  @Test
  void sharedStore_clearedAfterAHalt() throws IOException {
    World w = new World(6, DeploymentRegistry.inMemory());
    Principal storeId = w.replica.createCanister(BACKEND);
    SharedChunkStore store = new SharedChunkStore(
        CandidManagementCanister.over(w.replica.agentFor(BACKEND)), storeId,
        UpgradeWorld.fastRetries());
    StorageDeployer d = w.deployer(w.replica.agentFor(BACKEND), w.registry, "backend-1", null,
        store);
    FleetUpgrader fleet = w.fleet(d, w.registry).canary(1).sharedStore(store, w.catalog).build();
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    Principal canary = plan.entries().get(0).canisterId();
    w.replica.fault(Fault.on("install_chunked_code").canister(canary).times(100)
        .failBefore(FleetUpgradeTest::injected));

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> fleet.start(plan).await());

    assertTrue(report.halted().isPresent());
    assertEquals(5, report.with(Outcome.NOT_STARTED).size());
    assertEquals(1, w.replica.calls("upload_chunk").size(), "the module uploaded once");
    assertEquals(storeId, w.replica.calls("upload_chunk").get(0).effectiveCanisterId());
    assertEquals(List.of(), store.stored(), "the store is cleared after a halt");
    assertTrue(w.runsV1(canary));
  }

  /**
   * The embedded replica simulates one subnet (its ic0.subnet_self is one id) and does not check
   * where a store is, so the subnets here are a given mapping: even targets on A, odd on B.
   */
  final class TwoSubnets {
    final World w;
    final Principal subnetA = Principal.fromBytes(new byte[] {(byte) 0xa0, 1, 2});
    final Principal subnetB = Principal.fromBytes(new byte[] {(byte) 0xb0, 1, 2});
    final Map<Principal, Principal> subnetOf = new HashMap<>();
    final SharedChunkStore storeA;
    final SharedChunkStore storeB;
    final SubnetStores stores;
    final StorageDeployer deployer;

    TwoSubnets(int count) throws IOException {
      w = new World(count, DeploymentRegistry.inMemory());
      for (int i = 0; i < w.canisters.size(); i++) {
        subnetOf.put(w.canisters.get(i), i % 2 == 0 ? subnetA : subnetB);
      }
      ManagementCanister backend = CandidManagementCanister.over(w.replica.agentFor(BACKEND));
      storeA = new SharedChunkStore(backend, w.replica.createCanister(BACKEND),
          UpgradeWorld.fastRetries());
      storeB = new SharedChunkStore(backend, w.replica.createCanister(BACKEND),
          UpgradeWorld.fastRetries());
      stores = SubnetStores.of(Map.of(subnetA, storeA, subnetB, storeB), subnetOf::get);
      RetryPolicy retry = UpgradeWorld.fastRetries();
      ChunkedWasmInstaller installer = stores.installer(
          ChunkedWasmInstaller.builder(backend).retryPolicy(retry).build());
      CanisterUpgrader upgrader = CanisterUpgrader.builder(BACKEND, backend, installer)
          .retryPolicy(retry).build();
      deployer = StorageDeployer.builder(w.registry, w.catalog, upgrader, Runnable::run)
          .ownerCheck(backend).clock(w.clock).leaseDuration(UpgradeWorld.LEASE)
          .holderId("backend-1").build();
    }

    /** Each install_chunked_code named the store of its target's subnet. */
    void assertEachInstalledFromItsSubnetsStore() {
      List<RecordedCall> installs = w.replica.calls("install_chunked_code");
      assertTrue(!installs.isEmpty());
      for (RecordedCall c : installs) {
        InstallChunkedCodeRequest r = ManagementCandid.decodeInstallChunkedCodeArgs(c.arg());
        Principal expected = subnetOf.get(r.targetCanister()).equals(subnetA)
            ? storeA.canisterId() : storeB.canisterId();
        assertEquals(java.util.Optional.of(expected), r.storeCanister(), r.toString());
      }
    }
  }

  @Test
  void twoSubnets_oneStoreEach_uploadedOnceEach_bothClearedAfterSuccess() throws IOException {
    TwoSubnets t = new TwoSubnets(8);
    FleetUpgrader fleet = t.w.fleet(t.deployer, t.w.registry).canary(2)
        .sharedStores(t.stores, t.w.catalog).build();

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD,
        () -> fleet.start(fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL))
            .await());

    assertEquals(8, report.with(Outcome.DONE).size(), report.toString());
    Map<Principal, Map<String, Integer>> by = perCanisterAndMethod(t.w.replica.calls());
    // a 100 kB module: one chunk, uploaded once to each subnet's store
    assertEquals(1, by.get(t.storeA.canisterId()).get("upload_chunk"));
    assertEquals(1, by.get(t.storeB.canisterId()).get("upload_chunk"));
    assertEquals(2, t.w.replica.calls("upload_chunk").size());
    t.assertEachInstalledFromItsSubnetsStore();
    assertEquals(List.of(), t.storeA.stored(), "store A cleared after success");
    assertEquals(List.of(), t.storeB.stored(), "store B cleared after success");
    for (Principal id : t.w.canisters) {
      assertTrue(t.w.runsV2(id));
    }
  }

  @Test
  void twoSubnets_haltOnAFailingCanary_bothStoresCleared_restUntouched() throws IOException {
    TwoSubnets t = new TwoSubnets(6);
    FleetUpgrader fleet = t.w.fleet(t.deployer, t.w.registry).canary(1)
        .sharedStores(t.stores, t.w.catalog).build();
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    Principal canary = plan.entries().get(0).canisterId();
    t.w.replica.fault(Fault.on("install_chunked_code").canister(canary).times(100)
        .failBefore(FleetUpgradeTest::injected));

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> fleet.start(plan).await());

    assertTrue(report.halted().isPresent());
    assertEquals(5, report.with(Outcome.NOT_STARTED).size());
    assertEquals(2, t.w.replica.calls("upload_chunk").size(), "both stores filled, once each");
    assertEquals(List.of(), t.storeA.stored(), "store A cleared after the halt");
    assertEquals(List.of(), t.storeB.stored(), "store B cleared after the halt");
    for (Principal id : t.w.canisters) {
      assertTrue(t.w.runsV1(id), id + " untouched or rolled back");
    }
  }

  @Test
  void aTargetOnASubnetWithoutAStore_refusedBeforeAnyUpgrade() throws IOException {
    TwoSubnets t = new TwoSubnets(4);
    Principal elsewhere = t.w.canisters.get(3);
    t.subnetOf.put(elsewhere, Principal.fromBytes(new byte[] {(byte) 0xc0, 1, 2}));
    FleetUpgrader fleet = t.w.fleet(t.deployer, t.w.registry)
        .sharedStores(t.stores, t.w.catalog).build();
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);

    IcException e = assertThrows(IcException.class,
        () -> assertTimeoutPreemptively(HANG_GUARD, () -> fleet.start(plan).await()));

    assertTrue(e.getMessage().contains("no store canister for " + elsewhere), e.getMessage());
    assertEquals(List.of(), t.w.replica.calls("upload_chunk"));
    assertEquals(List.of(), t.w.replica.calls("stop_canister"), "nothing upgraded");
  }

  /**
   * Subnets learned from the IC: the agent's subnetOf (here the embedded replica's agent, its
   * answers for two canisters and the store B replaced to make two subnets) picks each target's
   * store; each subnet is asked about once per canister.
   */
  @Test
  void subnetsLearnedFromTheAgent_eachTargetFromItsSubnetsStore() throws IOException {
    World w = new World(6, DeploymentRegistry.inMemory());
    Principal subnetB = Principal.fromBytes(new byte[] {(byte) 0xb0, 1, 2});
    Principal home = w.replica.agentFor(BACKEND).subnetOf(w.canisters.get(0)).orElseThrow();
    assertEquals(w.replica.subnetId(), home);
    Principal storeIdB = w.replica.createCanister(BACKEND);
    Set<Principal> onB = Set.of(w.canisters.get(1), w.canisters.get(4), storeIdB);
    Map<Principal, Integer> asked = new java.util.concurrent.ConcurrentHashMap<>();
    Agent agent = new InterceptingAgent(w.replica.agentFor(BACKEND)) {
      @Override
      public java.util.Optional<Principal> subnetOf(Principal canisterId) {
        asked.merge(canisterId, 1, Integer::sum);
        return onB.contains(canisterId) ? java.util.Optional.of(subnetB)
            : super.subnetOf(canisterId);
      }
    };
    ManagementCanister backend = CandidManagementCanister.over(agent);
    SharedChunkStore storeA = new SharedChunkStore(backend, w.replica.createCanister(BACKEND),
        UpgradeWorld.fastRetries());
    SharedChunkStore storeB = new SharedChunkStore(backend, storeIdB, UpgradeWorld.fastRetries());
    SubnetStores stores = SubnetStores.learned(agent, List.of(storeA, storeB));
    RetryPolicy retry = UpgradeWorld.fastRetries();
    CanisterUpgrader upgrader = CanisterUpgrader.builder(BACKEND, backend,
        stores.installer(ChunkedWasmInstaller.builder(backend).retryPolicy(retry).build()))
        .retryPolicy(retry).build();
    StorageDeployer d = StorageDeployer.builder(w.registry, w.catalog, upgrader, Runnable::run)
        .ownerCheck(backend).clock(w.clock).leaseDuration(UpgradeWorld.LEASE)
        .holderId("backend-1").build();
    FleetUpgrader fleet = w.fleet(d, w.registry).canary(2).sharedStores(stores, w.catalog)
        .build();

    FleetReport report = assertTimeoutPreemptively(HANG_GUARD,
        () -> fleet.start(fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL))
            .await());

    assertEquals(6, report.with(Outcome.DONE).size(), report.toString());
    for (RecordedCall c : w.replica.calls("install_chunked_code")) {
      InstallChunkedCodeRequest r = ManagementCandid.decodeInstallChunkedCodeArgs(c.arg());
      Principal expected = onB.contains(r.targetCanister()) ? storeIdB : storeA.canisterId();
      assertEquals(java.util.Optional.of(expected), r.storeCanister(), r.toString());
    }
    assertEquals(6, w.replica.calls("install_chunked_code").size());
    for (Principal id : w.canisters) {
      assertTrue(w.runsV2(id));
      assertEquals(1, asked.get(id), id + " asked once");
    }
  }

  @Test
  void subnetsLearned_agentThatCannotTell_refusedNamingTheWayOut() throws IOException {
    World w = new World(1, DeploymentRegistry.inMemory());
    Agent unknowing = new InterceptingAgent(w.replica.agentFor(BACKEND)) {
      @Override
      public java.util.Optional<Principal> subnetOf(Principal canisterId) {
        return java.util.Optional.empty();
      }
    };
    SharedChunkStore store = new SharedChunkStore(CandidManagementCanister.over(unknowing),
        w.replica.createCanister(BACKEND), UpgradeWorld.fastRetries());
    IcException e = assertThrows(IcException.class,
        () -> SubnetStores.learned(unknowing, List.of(store)));
    assertTrue(e.getMessage().contains("SubnetStores.of"), e.getMessage());
  }
}
