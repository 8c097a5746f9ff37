package org.icupgrade.replica.assets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetChange;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.MissingPermissionException;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.RecordedCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The syncer end to end: releases read from disk, real Candid, the built-in asset canister. */
class AssetSyncOnReplicaTest {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal BACKEND = Principal.fromBytes(new byte[] {8, 8, 8, 2});

  @TempDir Path dir;
  final EmbeddedReplica replica = EmbeddedReplica.start();
  int releases;

  FrontendRelease release(Map<String, String> files) throws IOException {
    Path root = dir.resolve("release" + releases++);
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = root.resolve(f.getKey().substring(1));
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
    }
    return ReleaseReader.defaults().readDirectory(root);
  }

  static Map<String, String> site(int files) {
    Map<String, String> m = new TreeMap<>();
    m.put("/index.html", "<html><body>storage v1</body></html>");
    for (int i = 0; i < files; i++) {
      m.put(String.format("/assets/f%04d.js", i), "export const n = " + i + ";\n");
    }
    return m;
  }

  AssetCanister canister(AssetCanisterFlavor flavor) {
    Principal id = EmbeddedAssetCanister.create(replica, flavor, OWNER, BACKEND);
    AssetCanister owner = CandidAssetCanister.over(replica.agentFor(OWNER), id);
    owner.grantPermission(BACKEND, Permission.COMMIT);
    return CandidAssetCanister.over(replica.agentFor(BACKEND), id);
  }

  AssetSyncer syncer(AssetCanisterFlavor flavor) {
    return AssetSyncers.builder().flavor(flavor).protectedKeys(ProtectedKeys.storageDefaults())
        .build();
  }

  long calls(String method) {
    return replica.calls().stream().filter(c -> c.method().equals(method)).count();
  }

  @Test
  void seedFrontendRows_noUpdateWhenUnchanged_updateAfterChange_frontendOnlyWithCleanup()
      throws IOException {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY);
    AssetSyncer s = syncer(AssetCanisterFlavor.DFINITY);
    Map<String, String> v1 = site(5);
    v1.put("/old.css", "body{}");
    s.sync(c, release(v1));
    // user data written by the app, not part of any release
    BatchId b = c.createBatch();
    c.commitBatch(CommitBatchArguments.of(b, List.of(
        BatchOperation.CreateAsset.of("/info.json", "application/json"),
        BatchOperation.CreateAsset.of("/thumbnails/a.png", "image/png"))));

    // 1. no update available after an unchanged release
    AssetDiff same = s.diff(c, release(v1));
    assertTrue(same.isEmpty(), same.summary());

    // 4. update detected after a change
    Map<String, String> v2 = new TreeMap<>(v1);
    v2.put("/index.html", "<html><body>storage v2</body></html>");
    v2.remove("/old.css");
    v2.put("/new.js", "console.log('new');");
    FrontendRelease r2 = release(v2);
    AssetDiff diff = s.diff(c, r2);
    assertEquals(List.of("/index.html"),
        diff.changes(AssetChange.Kind.CHANGED).stream().map(AssetChange::key).toList());
    assertEquals(List.of("/new.js"),
        diff.changes(AssetChange.Kind.NEW).stream().map(AssetChange::key).toList());
    assertEquals(List.of("/old.css"),
        diff.changes(AssetChange.Kind.STALE).stream().map(AssetChange::key).toList());

    // 6. the FrontendOnly upgrade at the syncer level: cleanup, user data kept
    s.apply(c, diff);
    List<String> keys = c.list(0, 100).stream().map(AssetDetails::key).toList();
    assertFalse(keys.contains("/old.css"));
    assertTrue(keys.contains("/new.js"));
    assertTrue(keys.contains("/info.json"));
    assertTrue(keys.contains("/thumbnails/a.png"));
    assertArrayEquals("<html><body>storage v2</body></html>".getBytes(StandardCharsets.UTF_8),
        c.get("/index.html", List.of("identity")).content());
    assertTrue(s.diff(c, r2).isEmpty());
  }

  @Test
  void sync_sameReleaseTwice_secondUploadsNothingAndCommitsNothing() throws IOException {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY);
    AssetSyncer s = syncer(AssetCanisterFlavor.DFINITY);
    FrontendRelease r = release(site(20));
    s.sync(c, r);
    replica.clearCalls();
    SyncOutcome second = s.sync(c, r);
    assertEquals(0, second.chunksUploaded());
    assertEquals(0, second.operationsCommitted());
    assertEquals(0, calls("create_chunk") + calls("create_chunks") + calls("commit_batch")
        + calls("create_batch"));
  }

  @Test
  void sync_oneChangedAmongThousand_uploadsExactlyThatFile() throws IOException {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY);
    AssetSyncer s = syncer(AssetCanisterFlavor.DFINITY);
    Map<String, String> files = site(999);
    s.sync(c, release(files));
    files.put("/assets/f0500.js", "export const n = 'changed';\n");
    replica.clearCalls();
    SyncOutcome out = s.sync(c, release(files));
    assertEquals(List.of("/assets/f0500.js"),
        out.diff().changes().stream().map(AssetChange::key).toList());
    long bytes = "export const n = 'changed';\n".getBytes(StandardCharsets.UTF_8).length;
    assertEquals(bytes, out.bytesUploaded() + out.bytesInlined());
    assertArrayEquals("export const n = 'changed';\n".getBytes(StandardCharsets.UTF_8),
        c.get("/assets/f0500.js", List.of("identity")).content());
  }

  @Test
  void httpAssetsFlavour_naiveSyncFails_flavouredSyncWorks() throws IOException {
    Map<String, String> v1 = site(3);
    v1.put("/stale.txt", "bye");
    Map<String, String> v2 = new TreeMap<>(v1);
    v2.put("/assets/f0001.js", "export const n = 'v2';\n");
    v2.remove("/stale.txt");

    AssetCanister naiveTarget = canister(AssetCanisterFlavor.HTTP_ASSETS_0_2);
    AssetSyncer naive = syncer(AssetCanisterFlavor.DFINITY);
    naive.sync(naiveTarget, release(v1));
    assertThrows(CanisterRejectException.class, () -> naive.sync(naiveTarget, release(v2)));

    AssetCanister c = canister(AssetCanisterFlavor.HTTP_ASSETS_0_2);
    AssetSyncer s = syncer(AssetCanisterFlavor.HTTP_ASSETS_0_2);
    s.sync(c, release(v1));
    s.sync(c, release(v2));
    List<String> keys = c.list(0, 100).stream().map(AssetDetails::key).toList();
    assertFalse(keys.contains("/stale.txt"));
    assertArrayEquals("export const n = 'v2';\n".getBytes(StandardCharsets.UTF_8),
        c.get("/assets/f0001.js", List.of("identity")).content());
    assertTrue(s.diff(c, release(v2)).isEmpty());
  }

  @Test
  void httpAssetsFlavour_anyCommitFails_entryPageStillServed() throws IOException {
    Map<String, String> v1 = site(3);
    v1.put("/stale.txt", "bye");
    Map<String, String> v2 = new TreeMap<>(v1);
    v2.put("/index.html", "<html><body>storage v2</body></html>");
    v2.put("/assets/f0001.js", "export const n = 'v2';\n");
    v2.put("/assets/new.js", "export const fresh = true;\n");
    v2.remove("/stale.txt");
    AssetSyncer s = syncer(AssetCanisterFlavor.HTTP_ASSETS_0_2);
    // The commits of v2: the new key; f0001.js after its direct delete; /index.html after its
    // direct delete; the final empty one. Each in turn fails once.
    for (int failing = 0; failing < 4; failing++) {
      AssetCanister c = canister(AssetCanisterFlavor.HTTP_ASSETS_0_2);
      s.sync(c, release(v1));
      long deleteBatches = calls("delete_batch");
      replica.failAfter("commit_batch", failing, 1, () -> new CanisterRejectException(
          RejectCode.CANISTER_ERROR, "out of cycles in the middle of the commit", "IC0501",
          c.canisterId(), "commit_batch"));

      assertThrows(CanisterRejectException.class, () -> s.sync(c, release(v2)));

      String entry = new String(c.get("/index.html", List.of("identity")).content(),
          StandardCharsets.UTF_8);
      assertTrue(entry.equals(v1.get("/index.html")) || entry.equals(v2.get("/index.html")),
          "commit " + failing + " failing left /index.html as " + entry);
      List<String> keys = c.list(0, 100).stream().map(AssetDetails::key).toList();
      assertTrue(keys.contains("/stale.txt"), "stale keys go last: " + keys);
      assertEquals(deleteBatches + 1, calls("delete_batch"));

      // Syncing again completes the release.
      s.sync(c, release(v2));
      assertArrayEquals(v2.get("/index.html").getBytes(StandardCharsets.UTF_8),
          c.get("/index.html", List.of("identity")).content());
      assertTrue(s.diff(c, release(v2)).isEmpty());
    }
  }

  @Test
  void sync_callerWithoutCommit_clearErrorAndNothingUploaded() throws IOException {
    Principal id = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, OWNER);
    AssetCanister asOwner = CandidAssetCanister.over(replica.agentFor(OWNER), id);
    MissingPermissionException e = assertThrows(MissingPermissionException.class,
        () -> syncer(AssetCanisterFlavor.DFINITY).sync(asOwner, release(site(3))));
    assertTrue(e.getMessage().contains("grant_permission"), e.getMessage());
    assertEquals(0, calls("create_batch") + calls("create_chunk") + calls("create_chunks"));
  }

  @Test
  void sync_fiveThousandSmallFiles_farFewerChunkCallsThanFiles() throws IOException {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY);
    SyncOutcome out = syncer(AssetCanisterFlavor.DFINITY).sync(c, release(site(5000)));
    long chunkCalls = calls("create_chunk") + calls("create_chunks");
    assertTrue(chunkCalls * 50 < 5001, "chunk calls: " + chunkCalls);
    assertEquals(chunkCalls, out.chunkCalls());
    assertEquals(5001, countAll(c));
  }

  static int countAll(AssetCanister c) {
    int n = 0;
    for (long start = 0; ; start += 100) {
      List<AssetDetails> page = c.list(start, 100);
      n += page.size();
      if (page.size() < 100) {
        return n;
      }
    }
  }

  @Test
  void recordedCalls_syncUsesOnlyTheCanisterItWasGiven() throws IOException {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY);
    syncer(AssetCanisterFlavor.DFINITY).sync(c, release(site(2)));
    assertTrue(replica.calls().stream().map(RecordedCall::canisterId)
        .allMatch(id -> id.equals(c.canisterId())));
  }
}
