package org.icupgrade.assets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.icupgrade.assets.internal.DefaultAssetSyncer;
import org.icupgrade.assets.internal.Gzipper;
import org.icupgrade.assets.internal.ReleaseCollector;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetChange;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.AssetSyncEvent;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.MissingPermissionException;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.icupgrade.core.assets.SyncOutcome;
import org.junit.jupiter.api.Test;

class AssetSyncerTest {
  private static final AssetSyncer DFINITY = AssetSyncers.builder().build();
  private static final AssetSyncer HTTP_ASSETS =
      AssetSyncers.builder().flavor(AssetCanisterFlavor.HTTP_ASSETS_0_2).build();

  @Test
  void sync_oneChangedFileAmongThousand_uploadsExactlyThatFile() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    Map<String, String> v1 = Releases.smallFiles(1000);
    DFINITY.sync(canister, Releases.of(v1));
    canister.resetCounters();

    FrontendRelease v2 = Releases.of(Releases.with(v1, "/f/00500.js", "console.log('changed');"));
    SyncOutcome outcome = DFINITY.sync(canister, v2);

    assertEquals(List.of("/f/00500.js"),
        outcome.diff().changes().stream().map(AssetChange::key).toList());
    assertEquals(List.of("/f/00500.js#identity"), canister.uploadedKeys);
    assertEquals(999, outcome.diff().unchanged().size());
    assertArrayEquals("console.log('changed');".getBytes(StandardCharsets.UTF_8),
        canister.content("/f/00500.js", "identity"));
  }

  @Test
  void sync_staleFiles_deleted() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    Map<String, String> v1 = Map.of("/index.html", "<html>1</html>", "/old.js", "old()",
        "/gone/x.css", "a{}");
    DFINITY.sync(canister, Releases.of(v1));

    SyncOutcome outcome = DFINITY.sync(canister,
        Releases.of(Map.of("/index.html", "<html>1</html>")));

    assertEquals(2, outcome.diff().changes(AssetChange.Kind.STALE).size());
    assertEquals(java.util.Set.of("/index.html"), canister.keys());
  }

  @Test
  void sync_protectedKeys_neitherDeletedNorOverwritten() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    canister.put("/info.json", "application/json", "{\"user\":1}".getBytes(StandardCharsets.UTF_8));
    canister.put("/thumbnails/a.png", "image/png", new byte[] {1, 2, 3});
    canister.put("/old.js", "text/javascript", "x".getBytes(StandardCharsets.UTF_8));
    AssetSyncer syncer = AssetSyncers.builder()
        .protectedKeys(ProtectedKeys.storageDefaults()).build();

    SyncOutcome outcome = syncer.sync(canister, Releases.of(Map.of(
        "/index.html", "<html/>", "/info.json", "{\"default\":true}")));

    assertEquals(List.of("/info.json", "/thumbnails/a.png"), outcome.diff().protectedKeys());
    assertArrayEquals("{\"user\":1}".getBytes(StandardCharsets.UTF_8),
        canister.content("/info.json", "identity"));
    assertArrayEquals(new byte[] {1, 2, 3}, canister.content("/thumbnails/a.png", "identity"));
    assertFalse(canister.keys().contains("/old.js"));
  }

  @Test
  void sync_dfinityCommitAgainstHttpAssets_trapsOnChangedKey() {
    FakeAssetCanister canister = FakeAssetCanister.httpAssets();
    canister.put("/app.js", "text/javascript", "v1()".getBytes(StandardCharsets.UTF_8));

    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> DFINITY.sync(canister, Releases.of(Map.of("/app.js", "v2()"))));

    assertTrue(e.getMessage().contains("is_aliased"), e.getMessage());
    assertArrayEquals("v1()".getBytes(StandardCharsets.UTF_8),
        canister.content("/app.js", "identity"));
  }

  @Test
  void sync_dfinityCommitAgainstHttpAssets_leavesStaleKeys() {
    FakeAssetCanister canister = FakeAssetCanister.httpAssets();
    canister.put("/stale.js", "text/javascript", "old()".getBytes(StandardCharsets.UTF_8));

    DFINITY.sync(canister, Releases.of(Map.of("/new.js", "n()")));

    assertTrue(canister.keys().contains("/stale.js"), "DeleteAsset in a commit is ignored");
  }

  @Test
  void sync_httpAssetsFlavour_replacesChangedAndDeletesStaleKeys() {
    FakeAssetCanister canister = FakeAssetCanister.httpAssets();
    canister.put("/app.js", "text/javascript", "v1()".getBytes(StandardCharsets.UTF_8));
    canister.put("/stale.js", "text/javascript", "old()".getBytes(StandardCharsets.UTF_8));
    canister.put("/same.txt", "text/plain", "same".getBytes(StandardCharsets.UTF_8));

    SyncOutcome outcome = HTTP_ASSETS.sync(canister, Releases.of(Map.of(
        "/app.js", "v2()", "/same.txt", "same", "/new.css", "b{}")));

    assertEquals(java.util.Set.of("/app.js", "/new.css", "/same.txt"), canister.keys());
    assertArrayEquals("v2()".getBytes(StandardCharsets.UTF_8),
        canister.content("/app.js", "identity"));
    assertEquals(2, outcome.directDeletes());
    assertEquals(0, HTTP_ASSETS.diff(canister, Releases.of(Map.of(
        "/app.js", "v2()", "/same.txt", "same", "/new.css", "b{}"))).changes().size());
  }

  @Test
  void sync_httpAssetsFlavourOnlyStale_deletesWithoutBatch() {
    FakeAssetCanister canister = FakeAssetCanister.httpAssets();
    canister.put("/stale.js", "text/javascript", "old()".getBytes(StandardCharsets.UTF_8));

    HTTP_ASSETS.sync(canister, Releases.of(Map.of()));

    assertEquals(java.util.Set.of(), canister.keys());
    assertEquals(0, canister.createBatchCalls.get());
  }

  @Test
  void sync_fiveThousandSmallFiles_needsFarFewerChunkCallsThanFiles() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    Map<String, String> files = new TreeMap<>();
    Random random = new Random(4);
    for (int i = 0; i < 5000; i++) {
      byte[] b = new byte[2000];
      random.nextBytes(b);
      files.put(String.format("/img/%04d.png", i), new String(b, StandardCharsets.ISO_8859_1));
    }
    List<ReleaseAsset> assets = new ArrayList<>();
    files.forEach((k, v) -> assets.add(
        ReleaseCollector.toAsset(k, v.getBytes(StandardCharsets.ISO_8859_1))));

    SyncOutcome outcome = DFINITY.sync(canister, FrontendRelease.of(assets));

    assertEquals(5000, canister.keys().size());
    assertTrue(canister.chunkCalls() <= 10, "chunk calls: " + canister.chunkCalls());
    assertEquals(canister.chunkCalls(), outcome.chunkCalls());
    assertTrue(outcome.bytesInlined() > 0 && outcome.bytesInlined() <= 950_000);
    assertTrue(canister.commitCalls.get() >= 20, "5000 files need 10000 operations in calls of 500");
  }

  @Test
  void sync_callerWithoutCommit_failsClearlyAndUploadsNothing() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    canister.revokePermission(FakeAssetCanister.CALLER, Permission.COMMIT);

    MissingPermissionException e = assertThrows(MissingPermissionException.class,
        () -> DFINITY.sync(canister, Releases.of(Map.of("/index.html", "<html/>"))));

    assertEquals(Permission.COMMIT, e.permission());
    assertTrue(e.getMessage().contains("grant_permission"), e.getMessage());
    assertEquals(0, canister.mutatingCalls());
    assertEquals(0, canister.listCalls.get());
  }

  @Test
  void sync_listPermittedRejected_failsClearlyAndUploadsNothing() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    canister.rejectListPermitted = true;

    MissingPermissionException e = assertThrows(MissingPermissionException.class,
        () -> DFINITY.sync(canister, Releases.of(Map.of("/index.html", "<html/>"))));

    assertInstanceOf(CanisterRejectException.class, e.getCause());
    assertEquals(0, canister.mutatingCalls());
  }

  @Test
  void sync_sameReleaseTwice_secondSendsNoChunkAndNoOperation() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    FrontendRelease release = Releases.of(Releases.smallFiles(300));
    DFINITY.sync(canister, release);
    canister.resetCounters();

    SyncOutcome second = DFINITY.sync(canister, release);

    assertTrue(second.alreadyCurrent());
    assertEquals(0, canister.mutatingCalls());
    assertEquals(0, second.operationsCommitted());
    assertEquals(4, canister.listCalls.get(), "300 keys: three full pages of 100, then an empty one");
  }

  @Test
  void seed_unchangedRelease_reportsNoUpdate() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    Map<String, String> files = Map.of("/index.html", "<html>v1</html>", "/app.js", "a()");
    FrontendRelease deployed = Releases.of(files);
    DFINITY.sync(canister, deployed);

    FrontendRelease downloadedAgain = Releases.of(new TreeMap<>(files));

    assertEquals(deployed.frontendHash(), downloadedAgain.frontendHash());
    assertTrue(DFINITY.diff(canister, downloadedAgain).isEmpty());
  }

  @Test
  void seed_changedRelease_detectsUpdateAndFrontendOnlyUpgradeCleansUp() {
    FakeAssetCanister canister = FakeAssetCanister.httpAssets();
    canister.put("/info.json", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
    AssetSyncer syncer = AssetSyncers.builder().flavor(AssetCanisterFlavor.HTTP_ASSETS_0_2)
        .protectedKeys(ProtectedKeys.storageDefaults()).build();
    FrontendRelease v1 = Releases.of(Map.of("/index.html", "<html>v1</html>", "/v1.js", "a()"));
    syncer.sync(canister, v1);
    FrontendRelease v2 = Releases.of(Map.of("/index.html", "<html>v2</html>", "/v2.js", "b()"));

    AssetDiff diff = syncer.diff(canister, v2);
    syncer.apply(canister, diff);

    assertNotEquals(v1.frontendHash(), v2.frontendHash());
    assertEquals("1 new, 1 changed, 1 stale, 0 unchanged, 1 protected", diff.counts());
    assertEquals(java.util.Set.of("/index.html", "/info.json", "/v2.js"), canister.keys());
    assertTrue(syncer.diff(canister, v2).isEmpty());
  }

  @Test
  void diff_printed_listsEveryChangeBeforeAnythingIsSent() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    canister.put("/old.js", "text/javascript", "x".getBytes(StandardCharsets.UTF_8));

    AssetDiff diff = DFINITY.diff(canister, Releases.of(Map.of("/index.html", "<html/>")));

    String summary = diff.summary();
    assertTrue(summary.contains("+ /index.html [text/html] upload identity"), summary);
    assertTrue(summary.contains("- /old.js"), summary);
    assertEquals(0, canister.mutatingCalls());
  }

  @Test
  void sync_moreThan500Operations_stagesWithBatchIdZeroThenEmptyCommitWithRealId() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();

    SyncOutcome outcome = DFINITY.sync(canister, Releases.of(Releases.smallFiles(600)));

    // ic-asset commit_in_stages: the stages name batch 0, which removes no batch; a last empty
    // commit with the real id removes it.
    BatchId real = outcome.batchId().orElseThrow();
    assertEquals(4, outcome.commitCalls());
    assertEquals(List.of(BatchId.of(0), BatchId.of(0), BatchId.of(0), real),
        canister.commitBatchIds);
    assertEquals(1200, canister.operationsCommitted.get());
    assertEquals(600, canister.keys().size());
  }

  @Test
  void sync_commitFails_deletesTheBatchAndThrows() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    canister.failNext("commit_batch", new CanisterRejectException(
        RejectCode.CANISTER_ERROR, "trapped", null, canister.canisterId(), "commit_batch"));

    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> DFINITY.sync(canister, Releases.of(Releases.smallFiles(3))));

    assertTrue(e.getMessage().contains("trapped"), e.getMessage());
    assertEquals(1, canister.deletedBatches.size());
    assertNotEquals(BatchId.of(0), canister.deletedBatches.get(0));
  }

  @Test
  void sync_contentBound_eachCommitRefersToAtMostThatManyBytes() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    Random random = new Random(9);
    List<ReleaseAsset> assets = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] b = new byte[2000];
      random.nextBytes(b);
      assets.add(ReleaseCollector.toAsset(String.format("/img/%02d.png", i), b));
    }
    AssetSyncer syncer = AssetSyncers.builder().maxCommitContentBytes(10_000).build();

    SyncOutcome outcome = syncer.sync(canister, FrontendRelease.of(assets));

    // 50 SetAssetContent of 2,000 bytes, five per call, plus the final empty commit.
    assertEquals(11, outcome.commitCalls());
    assertEquals(50, canister.keys().size());
    assertEquals(10_000L,
        AssetSyncers.newBuilder(syncer).build() instanceof DefaultAssetSyncer d
            ? d.maxCommitContentBytes() : -1);
  }

  @Test
  void sync_apiVersion1_usesSingleChunkCallsWithoutLastChunk() {
    FakeAssetCanister canister = FakeAssetCanister.withApiVersion(1);

    SyncOutcome outcome = DFINITY.sync(canister, Releases.of(Releases.smallFiles(20)));

    assertEquals(0, canister.createChunksCalls.get());
    assertEquals(20, canister.createChunkCalls.get());
    assertEquals(0, outcome.bytesInlined());
    assertEquals(20, canister.keys().size());
  }

  @Test
  void sync_largeFileOnParallelExecutor_splitIntoChunksOfAtMost1900000Bytes() throws Exception {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    byte[] big = new byte[5_000_000];
    new Random(1).nextBytes(big);
    FrontendRelease release = FrontendRelease.of(List.of(ReleaseCollector.toAsset("/big.bin", big)));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<String> uploaded = Collections.synchronizedList(new ArrayList<>());
    try {
      AssetSyncer syncer = AssetSyncers.builder().uploadExecutor(pool, 3)
          .listener(event -> {
            if (event instanceof AssetSyncEvent.AssetUploaded u) {
              uploaded.add(u.key() + "#" + u.contentEncoding());
            }
          }).build();
      SyncOutcome outcome = syncer.sync(canister, release);

      assertEquals(3, outcome.chunksUploaded());
      assertArrayEquals(big, canister.content("/big.bin", "identity"));
      assertEquals(List.of("/big.bin#identity"), uploaded);
      assertEquals(0, canister.pendingChunks());
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void sync_typeNoLongerGzippedByDefault_unsetsTheGzip() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    byte[] json = "{\"a\": 1, \"b\": 1, \"c\": 1, \"d\": 1, \"e\": 1}".getBytes(StandardCharsets.UTF_8);
    ReleaseEncoding identity = ReleaseEncoding.of(ReleaseEncoding.IDENTITY, json);
    // As an earlier version stored it: JSON with a gzip encoding.
    DFINITY.sync(canister, FrontendRelease.of(List.of(ReleaseAsset.of("/a.json",
        "application/json", List.of(identity,
            ReleaseEncoding.of(ReleaseEncoding.GZIP, Gzipper.gzip(json)))))));
    assertTrue(canister.content("/a.json", "gzip") != null);

    // ic-asset stores JSON as identity only.
    SyncOutcome outcome = DFINITY.sync(canister,
        FrontendRelease.of(List.of(ReleaseCollector.identityOnly("/a.json", identity))));

    assertEquals(List.of("gzip"), outcome.diff().changes().get(0).unsetEncodings());
    assertEquals(0, outcome.chunksUploaded());
    assertEquals(null, canister.content("/a.json", "gzip"));
  }

  @Test
  void sync_noOpOfTwentyThousandFiles_compressesNothing() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    List<ReleaseAsset> assets = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      byte[] js = ("export const n" + i + " = " + i + "; // padding padding padding padding\n")
          .getBytes(StandardCharsets.UTF_8);
      assets.add(ReleaseCollector.identityOnly(String.format("/js/%05d.js", i),
          ReleaseEncoding.of(ReleaseEncoding.IDENTITY, js)));
    }
    FrontendRelease release = FrontendRelease.of(assets);
    long before = Gzipper.compressions();
    DFINITY.sync(canister, release);
    assertEquals(20_000, Gzipper.compressions() - before, "the first sync gzips every file once");
    assertTrue(canister.content("/js/00007.js", "gzip") != null);
    canister.resetCounters();

    long again = Gzipper.compressions();
    SyncOutcome outcome = DFINITY.sync(canister, release);

    assertEquals(0, Gzipper.compressions() - again, "a no-op sync compresses nothing");
    assertTrue(outcome.diff().isEmpty());
    assertEquals(0, canister.mutatingCalls());
  }

  @Test
  void sync_oneFileChanged_compressesOnlyThatFile() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    DFINITY.sync(canister, release(Map.of("/a.js", "export const a = 'aaaaaaaaaaaaaaaaaaaaaaaaa';",
        "/b.js", "export const b = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbb';")));
    long before = Gzipper.compressions();

    SyncOutcome outcome = DFINITY.sync(canister, release(Map.of(
        "/a.js", "export const a = 'aaaaaaaaaaaaaaaaaaaaaaaaa';",
        "/b.js", "export const b = 'changed changed changed changed';")));

    assertEquals(1, Gzipper.compressions() - before);
    assertEquals(List.of("/b.js"), outcome.diff().changes().stream().map(AssetChange::key).toList());
    assertTrue(canister.content("/b.js", "gzip") != null);
  }

  /** A release as ReleaseReader reads it: identity encodings only. */
  static FrontendRelease release(Map<String, String> files) {
    List<ReleaseAsset> assets = new ArrayList<>();
    files.forEach((k, v) -> assets.add(ReleaseCollector.identityOnly(k,
        ReleaseEncoding.of(ReleaseEncoding.IDENTITY, v.getBytes(StandardCharsets.UTF_8)))));
    return FrontendRelease.of(assets);
  }

  @Test
  void sync_transientFailures_retriedByThePolicy() {
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    List<String> retried = Collections.synchronizedList(new ArrayList<>());
    AssetSyncer syncer = AssetSyncers.builder()
        .retryPolicy(RetryPolicy.defaults().withSleeper(d -> {}))
        .listener(event -> {
          if (event instanceof AssetSyncEvent.Retrying r) {
            retried.add(r.method());
          }
        }).build();
    canister.failNext("create_batch", new TransportException("connection reset", true, null));
    canister.failNext("commit_batch", new CanisterRejectException(
        RejectCode.SYS_TRANSIENT, "queue full", null, canister.canisterId(), "commit_batch"));

    SyncOutcome outcome = syncer.sync(canister, Releases.of(Map.of("/index.html", "<p>hi</p>")));

    assertEquals(List.of("create_batch", "commit_batch"), retried);
    assertTrue(outcome.operationsCommitted() > 0);
    assertTrue(canister.content("/index.html", "identity") != null);
  }

  @Test
  void newBuilder_keepsConfigurationAndChangesListener() {
    List<AssetSyncEvent> events = Collections.synchronizedList(new ArrayList<>());
    AssetSyncer derived = AssetSyncers.newBuilder(AssetSyncers.builder()
        .flavor(AssetCanisterFlavor.HTTP_ASSETS_0_2).build()).listener(events::add).build();
    FakeAssetCanister canister = FakeAssetCanister.httpAssets();
    derived.sync(canister, Releases.of(Map.of("/a.txt", "a")));
    derived.sync(canister, Releases.of(Map.of("/b.txt", "b")));
    // The http-assets flavour was kept: the stale /a.txt went by a direct delete_asset.
    assertTrue(events.contains(new AssetSyncEvent.AssetDeleted("/a.txt")), events.toString());
    AssetSyncer foreign = new AssetSyncer() {
      @Override
      public AssetDiff diff(AssetCanister canister, FrontendRelease release) {
        throw new UnsupportedOperationException();
      }

      @Override
      public SyncOutcome sync(AssetCanister canister, FrontendRelease release) {
        throw new UnsupportedOperationException();
      }

      @Override
      public SyncOutcome apply(AssetCanister canister, AssetDiff diff) {
        throw new UnsupportedOperationException();
      }
    };
    assertThrows(IllegalArgumentException.class, () -> AssetSyncers.newBuilder(foreign));
  }
}
