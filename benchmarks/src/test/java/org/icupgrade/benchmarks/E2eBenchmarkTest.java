package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.core.Principal;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.RecordedCall;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end benchmarks count what they send: on small cases the counted calls are the ones
 * the installer and the syncer must make, and they agree with the replica's own record.
 */
class E2eBenchmarkTest {
  static final int MIB = 1024 * 1024;

  /** The replica's record of calls, by method. */
  static Map<String, Long> recordedByMethod(EmbeddedReplica replica) {
    Map<String, Long> m = new TreeMap<>();
    for (RecordedCall c : replica.calls()) {
      m.merge(c.method(), 1L, Long::sum);
    }
    return m;
  }

  static long recordedArgBytes(EmbeddedReplica replica) {
    return replica.calls().stream().mapToLong(RecordedCall::argBytes).sum();
  }

  static void assertCountsMatchReplica(CountingAgent.Counts counts, EmbeddedReplica replica) {
    assertEquals(recordedByMethod(replica), counts.callsByMethod());
    assertEquals(recordedArgBytes(replica), counts.argBytes());
    assertTrue(replica.calls().stream().noneMatch(RecordedCall::rejected),
        replica.calls()::toString);
  }

  @Test
  void install_threeChunks_exactlyTheCallsOfAChunkedInstall() {
    InstallE2eBenchmark b = new InstallE2eBenchmark();
    b.size = 2 * MIB + 10;
    b.setUp();
    b.freshReplica();
    E2eCounters counters = new E2eCounters();
    InstallE2eBenchmark.InstallHeap heap = new InstallE2eBenchmark.InstallHeap();
    InstallOutcome.Installed i =
        assertInstanceOf(InstallOutcome.Installed.class, b.install(counters, heap));
    assertEquals(1, heap.installs);
    // The replica holds the module at least once, beside the caller's copy.
    assertTrue(heap.peakHeapRatio > 0.5, "peak heap ratio " + heap.peakHeapRatio);
    assertTrue(counters.replicaMicros > 0, "time inside the replica");
    assertEquals(3, i.chunksUploaded());
    assertEquals(Optional.of(b.module.hash()), b.replica.moduleHash(b.canister));

    CountingAgent.Counts c = b.agent.counts();
    assertEquals(Map.of("stored_chunks", 1L, "upload_chunk", 3L, "install_chunked_code", 1L,
        "clear_chunk_store", 1L), c.callsByMethod());
    assertEquals(2, c.stateReads(), "the module hash before and after");
    assertCountsMatchReplica(c, b.replica);
    // The chunks and their Candid framing; nothing is sent twice.
    assertTrue(c.argBytes() > b.size && c.argBytes() < b.size + 2_000, c::toString);

    assertEquals(1, counters.ops);
    assertEquals(6, counters.calls);
    assertEquals(2, counters.stateReads);
    assertEquals(c.argBytes(), counters.argBytes);
    assertEquals(c.replyBytes(), counters.replyBytes);
  }

  @Test
  void installOverHttp_sameModuleInstalledBothWays_overHttpSignedByItsOwnIdentity()
      throws Exception {
    InstallOverHttpBenchmark b = new InstallOverHttpBenchmark();
    b.size = 2 * MIB + 10;
    b.setUp();
    try {
      b.freshReplica();
      try {
        InstallOutcome.Installed local =
            assertInstanceOf(InstallOutcome.Installed.class, b.inProcess());
        InstallOutcome.Installed http =
            assertInstanceOf(InstallOutcome.Installed.class, b.overHttp());
        assertEquals(3, local.chunksUploaded());
        assertEquals(local.chunksUploaded(), http.chunksUploaded());
        assertEquals(Optional.of(b.module.hash()), b.replica.moduleHash(b.localCanister));
        assertEquals(Optional.of(b.module.hash()), b.replica.moduleHash(b.httpCanister));
        List<Principal> uploaders = b.replica.calls("upload_chunk").stream()
            .map(RecordedCall::caller).distinct().toList();
        assertEquals(2, uploaders.size(), "one caller in process, another over HTTP");
      } finally {
        b.stopServing();
      }
    } finally {
      b.deleteIdentity();
    }
  }

  @Test
  void install_eachOperationOnAFreshCanister() {
    InstallE2eBenchmark b = new InstallE2eBenchmark();
    b.size = 2 * MIB + 10;
    b.setUp();
    E2eCounters counters = new E2eCounters();
    for (int op = 0; op < 2; op++) {
      b.freshReplica();
      b.install(counters, new InstallE2eBenchmark.InstallHeap());
      assertEquals(6, b.agent.counts().calls());
    }
    assertEquals(2, counters.ops);
    assertEquals(12, counters.calls);
  }

  @Test
  void sync_threeSmallFiles_inlineInOneCommit() throws Exception {
    AssetSyncE2eBenchmark b = new AssetSyncE2eBenchmark();
    b.files = 3;
    b.setUp();
    try {
      b.freshCanister();
      b.replica.clearCalls();
      E2eCounters counters = new E2eCounters();
      SyncOutcome out = b.sync(counters);
      // Small enough to ride inline in the commit: no chunk call at all.
      assertEquals(0, out.chunkCalls());
      CountingAgent.Counts c = b.agent.counts();
      assertEquals(Map.of("api_version", 1L, "list_permitted", 1L, "list", 1L,
          "create_batch", 1L, "commit_batch", 1L), c.callsByMethod());
      assertEquals(0, c.stateReads());
      assertCountsMatchReplica(c, b.replica);
      assertEquals(0, out.bytesUploaded());
      assertTrue(out.bytesInlined() > 8_000, out::toString);
      assertTrue(c.argBytes() > out.bytesInlined(), c::toString);
      assertEquals(3, served(b).size());
      assertEquals(5, counters.calls);
    } finally {
      b.tearDown();
    }
  }

  @Test
  void sync_defaultRelease_callsAsTheOutcomeReportsAndAllServed() throws Exception {
    AssetSyncE2eBenchmark b = new AssetSyncE2eBenchmark();
    b.setUp();
    try {
      b.freshCanister();
      b.replica.clearCalls();
      SyncOutcome out = b.sync(new E2eCounters());
      CountingAgent.Counts c = b.agent.counts();
      assertTrue(out.chunkCalls() >= 2, out::toString);
      assertEquals(out.chunkCalls(), c.calls("create_chunks") + c.calls("create_chunk"));
      assertEquals(out.commitCalls(), c.calls("commit_batch"));
      assertEquals(4 + out.chunkCalls() + out.commitCalls(), c.calls(), c::toString);
      assertCountsMatchReplica(c, b.replica);
      assertTrue(c.argBytes() > out.bytesUploaded() + out.bytesInlined(), c::toString);
      assertEquals(300, served(b).size());
    } finally {
      b.tearDown();
    }
  }

  static List<String> served(AssetSyncE2eBenchmark b) {
    AssetCanister owner = CandidAssetCanister.over(
        b.replica.agentFor(AssetSyncE2eBenchmark.OWNER), b.canister.canisterId());
    List<String> keys = new java.util.ArrayList<>();
    for (long start = 0; ; start += 100) {
      List<AssetDetails> page = owner.list(start, 100);
      page.forEach(d -> keys.add(d.key()));
      if (page.size() < 100) {
        return keys;
      }
    }
  }

  @Test
  void fleet_threeCanisters_sixCallsAndThreeReadsEach_andBackAgain() {
    FleetE2eBenchmark b = new FleetE2eBenchmark();
    b.canisters = 3;
    b.setUp();
    E2eCounters counters = new E2eCounters();
    for (int round = 1; round <= 2; round++) {
      b.resetCounts();
      List<InstallOutcome> outcomes = b.upgradeFleet(counters);
      assertEquals(3, outcomes.size());
      for (var id : b.fleet) {
        assertEquals(Optional.of(b.running().hash()), b.replica.moduleHash(id));
      }
      CountingAgent.Counts c = b.agent.counts();
      assertEquals(Map.of("stored_chunks", 3L, "upload_chunk", 9L, "install_chunked_code", 3L,
          "clear_chunk_store", 3L), c.callsByMethod(), "round " + round);
      // Per canister: the module hash before and after, and the running module's
      // enhanced-orthogonal-persistence metadata (which decides wasm_memory_persistence).
      assertEquals(9, c.stateReads());
      assertCountsMatchReplica(c, b.replica);
    }
    assertEquals(b.v1, b.running());
    assertEquals(2, counters.ops);
    assertEquals(36, counters.calls);
    assertEquals(18, counters.stateReads);
  }
}
