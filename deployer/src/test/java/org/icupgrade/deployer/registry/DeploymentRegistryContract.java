package org.icupgrade.deployer.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.upgrade.UpgradeJob;
import org.icupgrade.core.upgrade.UpgradeProgress;
import org.junit.jupiter.api.Test;

/** What every {@link DeploymentRegistry} promises; each implementation's test extends it. */
abstract class DeploymentRegistryContract {
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal OTHER_CANISTER = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 2});
  static final Principal STRANGER = Principal.fromBytes(new byte[] {9, 9});
  static final Sha256 WASM = Sha256.of(new byte[] {1});
  static final Sha256 FRONTEND = Sha256.of(new byte[] {2});

  /** A registry over fresh storage. */
  abstract DeploymentRegistry registry();

  /** Another registry over the same storage (another process, for JDBC). */
  abstract DeploymentRegistry sameStorage(DeploymentRegistry first);

  static DeploymentRecord completed(Principal canisterId) {
    return new DeploymentRecord(canisterId, OWNER, DeploymentStatus.COMPLETED, null, WASM,
        FRONTEND, "v1", 0);
  }

  @Test
  void all_everyRecordOrderedByCanister_seenByAnotherRegistry() {
    DeploymentRegistry r = registry();
    assertEquals(List.of(), r.all());
    r.insert(completed(OTHER_CANISTER));
    r.insert(DeploymentRecord.creating(CANISTER, STRANGER));
    List<Principal> ids = sameStorage(r).all().stream().map(DeploymentRecord::canisterId).toList();
    assertEquals(List.of(CANISTER, OTHER_CANISTER).stream().sorted().toList(), ids);
  }

  @Test
  void find_nothingInserted_empty() {
    assertEquals(Optional.empty(), registry().find(CANISTER));
  }

  @Test
  void insert_thenFind_returnsTheRecord() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(completed(CANISTER));
    assertEquals(Optional.of(c), r.find(CANISTER));
  }

  @Test
  void insert_twice_refused() {
    DeploymentRegistry r = registry();
    r.insert(DeploymentRecord.creating(CANISTER, OWNER));
    assertThrows(IllegalStateException.class,
        () -> r.insert(DeploymentRecord.creating(CANISTER, OWNER)));
  }

  @Test
  void byOwner_onlyTheOwnersOrderedByCanister() {
    DeploymentRegistry r = registry();
    r.insert(completed(OTHER_CANISTER));
    r.insert(completed(CANISTER));
    r.insert(DeploymentRecord.creating(Principal.fromBytes(new byte[] {5}), STRANGER));
    List<Principal> ids = r.byOwner(OWNER).stream().map(DeploymentRecord::canisterId).toList();
    assertEquals(List.of(CANISTER, OTHER_CANISTER).stream().sorted().toList(), ids);
    assertEquals(List.of(), r.byOwner(Principal.ANONYMOUS));
  }

  @Test
  void replace_current_storesWithVersionIncremented() {
    DeploymentRegistry r = registry();
    DeploymentRecord created = r.insert(DeploymentRecord.creating(CANISTER, OWNER));
    DeploymentRecord done = r.replace(created, created.withStatus(DeploymentStatus.COMPLETED)
        .withInstalled(WASM, FRONTEND, "v1")).orElseThrow();
    assertEquals(1, done.version());
    assertEquals(Optional.of(done), r.find(CANISTER));
  }

  @Test
  void replace_staleExpectation_losesAndChangesNothing() {
    DeploymentRegistry r = registry();
    DeploymentRecord created = r.insert(DeploymentRecord.creating(CANISTER, OWNER));
    DeploymentRecord done =
        r.replace(created, created.withStatus(DeploymentStatus.COMPLETED)).orElseThrow();
    assertEquals(Optional.empty(), r.replace(created, created.failed("late")));
    assertEquals(Optional.of(done), r.find(CANISTER));
  }

  @Test
  void replace_noRecord_empty() {
    assertEquals(Optional.empty(),
        registry().replace(completed(CANISTER), completed(CANISTER).failed("x")));
  }

  @Test
  void replace_anotherCanistersRecord_refused() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(completed(CANISTER));
    assertThrows(IllegalArgumentException.class, () -> r.replace(c, completed(OTHER_CANISTER)));
  }

  @Test
  void replace_failedWithReason_reasonStoredAndClearedOnRecovery() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(completed(CANISTER));
    DeploymentRecord failed = r.replace(c, c.failed("post_upgrade trapped")).orElseThrow();
    assertEquals("post_upgrade trapped", r.find(CANISTER).orElseThrow().failureReason().orElseThrow());
    DeploymentRecord back =
        r.replace(failed, failed.withStatus(DeploymentStatus.COMPLETED)).orElseThrow();
    assertEquals(Optional.empty(), back.failureReason());
    assertEquals(back, r.find(CANISTER).orElseThrow());
  }

  @Test
  void replace_longFailureReason_storedAsCut() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(completed(CANISTER));
    DeploymentRecord failed = r.replace(c, c.failed("x".repeat(10_000))).orElseThrow();
    assertEquals(DeploymentRecord.MAX_REASON_LENGTH, failed.failureReason().orElseThrow().length());
    assertEquals(failed, r.find(CANISTER).orElseThrow());
  }

  @Test
  void byOwner_manyCanisters_orderedAsPrincipals() {
    DeploymentRegistry r = registry();
    List<Principal> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Principal id = Principal.fromBytes(new byte[] {(byte) (i * 37), (byte) i, 1});
      ids.add(id);
      r.insert(completed(id));
    }
    assertEquals(ids.stream().sorted().toList(),
        r.byOwner(OWNER).stream().map(DeploymentRecord::canisterId).toList());
  }

  @Test
  void replace_nullHashesAndTag_roundTrip() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(DeploymentRecord.creating(CANISTER, OWNER));
    assertEquals(c, r.find(CANISTER).orElseThrow());
    assertEquals(Optional.empty(), c.moduleHash());
  }

  /**
   * Two upgrade requests read the same Completed record, then race to mark it upgrading: exactly
   * one wins, every round. Each racer uses its own registry over the same storage.
   */
  @Test
  void replace_twoThreadsRaceToStartAnUpgrade_exactlyOneWins() throws Exception {
    DeploymentRegistry first = registry();
    DeploymentRegistry second = sameStorage(first);
    DeploymentRecord record = first.insert(completed(CANISTER));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 20; round++) {
        DeploymentRecord seen = record;
        CountDownLatch go = new CountDownLatch(1);
        Callable<Optional<DeploymentRecord>> a = () -> {
          go.await();
          return first.replace(seen, seen.withStatus(DeploymentStatus.UPGRADING_WASM));
        };
        Callable<Optional<DeploymentRecord>> b = () -> {
          go.await();
          return second.replace(seen, seen.withStatus(DeploymentStatus.UPGRADING_FRONTEND));
        };
        Future<Optional<DeploymentRecord>> fa = pool.submit(a);
        Future<Optional<DeploymentRecord>> fb = pool.submit(b);
        go.countDown();
        Optional<DeploymentRecord> ra = fa.get(30, TimeUnit.SECONDS);
        Optional<DeploymentRecord> rb = fb.get(30, TimeUnit.SECONDS);
        assertTrue(ra.isPresent() ^ rb.isPresent(), "exactly one wins, round " + round);
        DeploymentRecord winner = ra.orElseGet(rb::orElseThrow);
        assertEquals(winner, first.find(CANISTER).orElseThrow());
        record = first.replace(winner, winner.withStatus(DeploymentStatus.COMPLETED))
            .orElseThrow();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static UpgradeJobState job(String holder, long leaseMillis) {
    UpgradeJob j = UpgradeJob.builder(CANISTER, OWNER, UpgradeScope.WASM_ONLY)
        .wasmModule(WasmModule.of(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0})).build();
    return new UpgradeJobState(UpgradeProgress.start(j), holder, Instant.ofEpochMilli(leaseMillis),
        "v2");
  }

  @Test
  void job_storedWithTheRecord_readBackByAnotherRegistryOnTheSameStorage() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(completed(CANISTER));
    r.insert(completed(OTHER_CANISTER));
    DeploymentRecord running = r.replace(c, c.withStatus(DeploymentStatus.UPGRADING_WASM)
        .withJob(job("deployer-a", 1_000))).orElseThrow();
    DeploymentRegistry other = sameStorage(r);
    assertEquals(Optional.of(running), other.find(CANISTER));
    assertEquals(List.of(running), other.withJobs(), "only the record with a job");
    UpgradeJobState stored = other.find(CANISTER).orElseThrow().job().orElseThrow();
    assertEquals("deployer-a", stored.holder());
    assertEquals(Optional.of("v2"), stored.releaseTag());
    assertEquals(UpgradeProgress.Phase.PREFLIGHT, stored.progress().phase());
    assertTrue(stored.expiredAt(Instant.ofEpochMilli(1_000)));
    assertFalse(stored.expiredAt(Instant.ofEpochMilli(999)));
  }

  @Test
  void job_takeOver_onlyOneOfTwoRegistriesOnTheSameStorageWins() {
    DeploymentRegistry a = registry();
    DeploymentRecord c = a.insert(completed(CANISTER));
    DeploymentRecord abandoned = a.replace(c, c.withStatus(DeploymentStatus.UPGRADING_WASM)
        .withJob(job("dead", 0))).orElseThrow();
    DeploymentRegistry b = sameStorage(a);
    Optional<DeploymentRecord> byA = a.replace(abandoned, abandoned.withJob(job("a", 5_000)));
    Optional<DeploymentRecord> byB = b.replace(abandoned, abandoned.withJob(job("b", 5_000)));
    assertTrue(byA.isPresent());
    assertTrue(byB.isEmpty(), "the second take-over saw a stale version");
    assertEquals("a", b.find(CANISTER).orElseThrow().job().orElseThrow().holder());
  }

  @Test
  void job_cleared_recordNoLongerListedWithJobs() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(completed(CANISTER));
    DeploymentRecord running = r.replace(c, c.withStatus(DeploymentStatus.UPGRADING_WASM)
        .withJob(job("a", 1))).orElseThrow();
    r.replace(running, running.withStatus(DeploymentStatus.COMPLETED).withJob(null))
        .orElseThrow();
    assertEquals(List.of(), r.withJobs());
    assertEquals(Optional.empty(), sameStorage(r).find(CANISTER).orElseThrow().job());
  }

  @Test
  void handBackPending_keepsItsReasonAndJob() {
    DeploymentRegistry r = registry();
    DeploymentRecord c = r.insert(completed(CANISTER));
    DeploymentRecord pending = r.replace(c, c.handBackPending("update_settings refused")
        .withJob(job("a", 1))).orElseThrow();
    DeploymentRecord read = sameStorage(r).find(CANISTER).orElseThrow();
    assertEquals(pending, read);
    assertEquals(DeploymentStatus.HANDBACK_PENDING, read.status());
    assertEquals(Optional.of("update_settings refused"), read.failureReason());
    assertTrue(read.status().isUpgrading(), "a new upgrade waits for the hand-back");
  }
}
