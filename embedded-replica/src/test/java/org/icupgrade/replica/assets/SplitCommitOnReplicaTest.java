package org.icupgrade.replica.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetSyncEvent;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.assets.internal.AssetCanisterCode;
import org.junit.jupiter.api.Test;

/**
 * A sync whose commit takes several {@code commit_batch} calls, against the DFINITY flavour's batch
 * rules (state_machine.rs): a commit drops the batch it names, and the next {@code create_batch},
 * from anyone, sweeps the chunks of batches that are gone.
 */
class SplitCommitOnReplicaTest {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal BACKEND = Principal.fromBytes(new byte[] {8, 8, 8, 2});
  static final Principal OTHER = Principal.fromBytes(new byte[] {7, 7, 7, 2});
  /** More than one commit's 500 operations, each file too big for all to travel inline. */
  static final int FILES = 700;
  static final int FILE_BYTES = 2_000;

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Principal id = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, OWNER);
  final AssetCanister backend = CandidAssetCanister.over(replica.agentFor(BACKEND), id);
  final AssetCanister other = CandidAssetCanister.over(replica.agentFor(OTHER), id);

  SplitCommitOnReplicaTest() {
    AssetCanister owner = CandidAssetCanister.over(replica.agentFor(OWNER), id);
    owner.grantPermission(BACKEND, Permission.COMMIT);
    owner.grantPermission(OTHER, Permission.COMMIT);
  }

  static FrontendRelease release(long seed) {
    Random r = new Random(seed);
    List<ReleaseAsset> assets = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      byte[] b = new byte[FILE_BYTES];
      r.nextBytes(b);
      assets.add(ReleaseAsset.of(String.format("/f%04d.bin", i), "application/octet-stream",
          List.of(ReleaseEncoding.of(ReleaseEncoding.IDENTITY, b))));
    }
    return FrontendRelease.of(assets);
  }

  /** How many of the canister's assets hold the identity content {@code release} has. */
  int matching(FrontendRelease release) {
    return matching(release, backend);
  }

  static int matching(FrontendRelease release, AssetCanister canister) {
    List<AssetDetails> all = new ArrayList<>();
    for (int start = 0; ; start += 100) {
      List<AssetDetails> page = canister.list(start, 100);
      all.addAll(page);
      if (page.size() < 100) {
        break;
      }
    }
    int n = 0;
    for (AssetDetails d : all) {
      Sha256 want = release.asset(d.key()).map(ReleaseAsset::sha256).orElse(null);
      if (want != null && d.encoding(ReleaseEncoding.IDENTITY)
          .flatMap(e -> e.sha256()).map(want::equals).orElse(false)) {
        n++;
      }
    }
    return n;
  }

  /** A syncer whose listener has {@link #other} create a batch after the first commit call. */
  AssetSyncer syncerWithConcurrentCreateBatch(AtomicInteger commits) {
    return AssetSyncers.builder().listener(event -> {
      if (event instanceof AssetSyncEvent.BatchCommitted c && commits.getAndIncrement() == 0) {
        other.createBatch();
      }
    }).build();
  }

  @Test
  void splitCommit_concurrentCreateBatchBetweenCommits_siteFullyApplied() {
    FrontendRelease v1 = release(1);
    FrontendRelease v2 = release(2);
    AssetSyncers.builder().build().sync(backend, v1);
    assertEquals(FILES, matching(v1));

    AtomicInteger commits = new AtomicInteger();
    SyncOutcome outcome = syncerWithConcurrentCreateBatch(commits).sync(backend, v2);

    // Before the fix every stage named the sync's batch: the first removed it, the concurrent
    // create_batch swept the chunks the second stage named ("chunk not found"), and the site was
    // left half old, half new.
    assertTrue(outcome.commitCalls() >= 3, "two stages and the final commit: " + outcome);
    assertEquals(outcome.commitCalls(), commits.get());
    assertEquals(FILES, matching(v2));
    // The final empty commit removed the sync's batch: delete_batch no longer finds it.
    BatchId mine = outcome.batchId().orElseThrow();
    CanisterRejectException gone = assertThrows(CanisterRejectException.class,
        () -> backend.deleteBatch(mine));
    assertTrue(gone.getMessage().contains("batch not found"), gone.getMessage());
  }

  @Test
  void commit_refersToMoreContentThanOneMessageCanHash_trapsAndAppliesNothing() {
    // The canister's bound lowered from about 500 MB so that the test stays small.
    Principal small = replica.createBuiltinCanister(new AssetCanisterCode(
        AssetCanisterFlavor.DFINITY, Clock.systemUTC(), null, 50_000), OWNER);
    CandidAssetCanister.over(replica.agentFor(OWNER), small)
        .grantPermission(BACKEND, Permission.COMMIT);
    AssetCanister c = CandidAssetCanister.over(replica.agentFor(BACKEND), small);
    FrontendRelease v1 = release(1);

    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> AssetSyncers.builder().build().sync(c, v1));
    assertTrue(e.getMessage().contains("instructions"), e.getMessage());
    assertEquals(0, c.list(0, 100).size());

    // Within the bound, the same release goes in more calls.
    SyncOutcome outcome = AssetSyncers.builder().maxCommitContentBytes(50_000).build().sync(c, v1);
    assertTrue(outcome.commitCalls() >= FILES * FILE_BYTES / 50_000, outcome.toString());
    assertEquals(FILES, matching(v1, c));
  }
}
