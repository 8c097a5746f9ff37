package org.icupgrade.replica.assets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.icupgrade.candid.assets.AssetCandid;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.replica.EmbeddedReplica;
import org.junit.jupiter.api.Test;

/** The built-in asset canister's rules, through real Candid. */
class EmbeddedAssetCanisterTest {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal OTHER = Principal.fromBytes(new byte[] {4, 5, 6, 2});

  final EmbeddedReplica replica = EmbeddedReplica.start();

  /** A clock tests move by hand. */
  static final class FakeClock extends Clock {
    Instant now = Instant.parse("2026-11-24T12:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final FakeClock clock = new FakeClock();

  AssetCanister canister(AssetCanisterFlavor flavor, Principal as) {
    Principal id = EmbeddedAssetCanister.create(replica, flavor, clock, OWNER);
    return CandidAssetCanister.over(replica.agentFor(as), id);
  }

  static void put(AssetCanister c, String key, String content) {
    BatchId b = c.createBatch();
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    ChunkId chunk = c.createChunk(b, bytes);
    c.commitBatch(CommitBatchArguments.of(b, List.of(
        BatchOperation.CreateAsset.of(key, "text/html"),
        BatchOperation.SetAssetContent.of(key, "identity", List.of(chunk), null,
            Sha256.of(bytes)))));
  }

  @Test
  void createBatch_controllerWithoutCommit_refusedUntilGranted() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OWNER);
    CanisterRejectException e = assertThrows(CanisterRejectException.class, c::createBatch);
    assertTrue(e.rejectMessage().contains("Commit"), e.getMessage());
    c.grantPermission(OWNER, Permission.COMMIT);
    c.createBatch();
    assertEquals(List.of(OWNER), c.listPermitted(Permission.COMMIT));
    c.revokePermission(OWNER, Permission.COMMIT);
    assertThrows(CanisterRejectException.class, c::createBatch);
  }

  @Test
  void grantPermission_byStranger_refused() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OTHER);
    assertThrows(CanisterRejectException.class,
        () -> c.grantPermission(OTHER, Permission.COMMIT));
    assertTrue(c.listPermitted(Permission.COMMIT).isEmpty());
  }

  @Test
  void createChunk_afterBatchExpired_refused() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OWNER);
    c.grantPermission(OWNER, Permission.COMMIT);
    BatchId b = c.createBatch();
    clock.now = clock.now.plus(Duration.ofSeconds(299));
    c.createChunk(b, new byte[] {1});
    clock.now = clock.now.plus(Duration.ofSeconds(299));
    c.createChunk(b, new byte[] {2}); // the last chunk renewed the batch
    clock.now = clock.now.plus(Duration.ofSeconds(300));
    CanisterRejectException e =
        assertThrows(CanisterRejectException.class, () -> c.createChunk(b, new byte[] {3}));
    assertTrue(e.rejectMessage().contains("not found"), e.getMessage());
  }

  @Test
  void commit_createExistingKey_refusedAndNothingApplied() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OWNER);
    c.grantPermission(OWNER, Permission.COMMIT);
    put(c, "/index.html", "v1");
    BatchId b = c.createBatch();
    assertThrows(CanisterRejectException.class, () -> c.commitBatch(CommitBatchArguments.of(b,
        List.of(BatchOperation.CreateAsset.of("/new.html", "text/html"),
            BatchOperation.CreateAsset.of("/index.html", "text/html")))));
    assertEquals(List.of("/index.html"), c.list(0, 100).stream().map(AssetDetails::key).toList());
  }

  @Test
  void commit_wrongSha256_refused() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OWNER);
    c.grantPermission(OWNER, Permission.COMMIT);
    BatchId b = c.createBatch();
    ChunkId chunk = c.createChunk(b, new byte[] {1, 2, 3});
    CanisterRejectException e = assertThrows(CanisterRejectException.class, () ->
        c.commitBatch(CommitBatchArguments.of(b, List.of(
            BatchOperation.CreateAsset.of("/a.txt", "text/plain"),
            BatchOperation.SetAssetContent.of("/a.txt", "identity", List.of(chunk), null,
                Sha256.of(new byte[] {9}))))));
    assertTrue(e.rejectMessage().contains("sha256"), e.getMessage());
    assertTrue(c.list(0, 100).isEmpty());
  }

  @Test
  void list_250Assets_pagedByHundredSortedByKey() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OWNER);
    c.grantPermission(OWNER, Permission.COMMIT);
    BatchId b = c.createBatch();
    List<BatchOperation> ops = new ArrayList<>();
    for (int i = 249; i >= 0; i--) {
      ops.add(BatchOperation.CreateAsset.of(String.format("/k%03d", i), "text/plain"));
    }
    c.commitBatch(CommitBatchArguments.of(b, ops));
    List<AssetDetails> first = c.list(0, 1000);
    assertEquals(100, first.size());
    assertEquals("/k000", first.get(0).key());
    assertEquals(50, c.list(200, 100).size());
    assertEquals("/k200", c.list(200, 100).get(0).key());
  }

  @Test
  void getAndGetChunk_returnContent() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OWNER);
    c.grantPermission(OWNER, Permission.COMMIT);
    put(c, "/a.html", "hello");
    assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8),
        c.get("/a.html", List.of("identity")).content());
    assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8),
        c.getChunk("/a.html", "identity", 0, Sha256.of("hello".getBytes(StandardCharsets.UTF_8))));
    assertEquals(2, c.apiVersion());
  }

  @Test
  void deleteAssetInCommit_dfinityRemoves_httpAssetsKeeps() {
    for (AssetCanisterFlavor f : AssetCanisterFlavor.values()) {
      AssetCanister c = canister(f, OWNER);
      c.grantPermission(OWNER, Permission.COMMIT);
      put(c, "/old.html", "old");
      BatchId b = c.createBatch();
      c.commitBatch(CommitBatchArguments.of(b, List.of(new BatchOperation.DeleteAsset("/old.html"))));
      assertEquals(f == AssetCanisterFlavor.DFINITY ? 0 : 1, c.list(0, 100).size(), f.name());
      c.deleteAsset("/old.html");
      assertTrue(c.list(0, 100).isEmpty(), f.name());
    }
  }

  @Test
  void overwriteExistingKey_httpAssetsTrapsEvenAfterDeleteInBatch() {
    AssetCanister c = canister(AssetCanisterFlavor.HTTP_ASSETS_0_2, OWNER);
    c.grantPermission(OWNER, Permission.COMMIT);
    put(c, "/app.js", "v1");
    BatchId b = c.createBatch();
    ChunkId chunk = c.createChunk(b, "v2".getBytes(StandardCharsets.UTF_8));
    CanisterRejectException e = assertThrows(CanisterRejectException.class, () ->
        c.commitBatch(CommitBatchArguments.of(b, List.of(
            new BatchOperation.DeleteAsset("/app.js"),
            BatchOperation.CreateAsset.of("/app.js", "text/javascript"),
            BatchOperation.SetAssetContent.of("/app.js", "identity", List.of(chunk), null, null)))));
    assertTrue(e.rejectMessage().contains("is_aliased"), e.getMessage());
    assertArrayEquals("v1".getBytes(StandardCharsets.UTF_8),
        c.get("/app.js", List.of("identity")).content());
  }

  @Test
  void httpRequest_servesIndexWithGzipWhenAccepted() {
    AssetCanister c = canister(AssetCanisterFlavor.DFINITY, OWNER);
    c.grantPermission(OWNER, Permission.COMMIT);
    put(c, "/index.html", "<h1>hi</h1>");
    BatchId b = c.createBatch();
    byte[] gz = {0x1f, (byte) 0x8b, 8, 0};
    ChunkId chunk = c.createChunk(b, gz);
    c.commitBatch(CommitBatchArguments.of(b, List.of(BatchOperation.SetAssetContent.of(
        "/index.html", "gzip", List.of(chunk), null, Sha256.of(gz)))));
    Principal id = c.canisterId();
    byte[] reply = replica.agentFor(Principal.ANONYMOUS).query(id, "http_request",
        AssetCandid.encodeHttpRequest(new AssetCandid.HttpRequest("GET", "/?x=1",
            List.of(new HeaderField("Accept-Encoding", "gzip, deflate")), new byte[0])));
    AssetCandid.HttpResponse r = AssetCandid.decodeHttpResponse(reply);
    assertEquals(200, r.statusCode());
    assertArrayEquals(gz, r.body());
    assertTrue(r.headers().contains(new HeaderField("Content-Encoding", "gzip")));
    AssetCandid.HttpResponse plain = AssetCandid.decodeHttpResponse(
        replica.agentFor(Principal.ANONYMOUS).query(id, "http_request",
            AssetCandid.encodeHttpRequest(new AssetCandid.HttpRequest("GET", "/index.html",
                List.of(), new byte[0]))));
    assertEquals("<h1>hi</h1>", new String(plain.body(), StandardCharsets.UTF_8));
    assertTrue(plain.headers().stream().anyMatch(h -> h.name().equals("Set-Cookie")
        && h.value().startsWith("ic_env=")));
    AssetCandid.HttpResponse missing = AssetCandid.decodeHttpResponse(
        replica.agentFor(Principal.ANONYMOUS).query(id, "http_request",
            AssetCandid.encodeHttpRequest(new AssetCandid.HttpRequest("GET", "/nope.png",
                List.of(), new byte[0]))));
    assertEquals(404, missing.statusCode());
  }
}
