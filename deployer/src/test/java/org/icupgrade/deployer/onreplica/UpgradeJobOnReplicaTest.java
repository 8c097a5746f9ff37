package org.icupgrade.deployer.onreplica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.deployer.onreplica.UpgradeWorld.Kind;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.plan.UpgradeStorageException;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.replica.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The durable job's refusals end to end on the embedded replica: full snapshot slots, bad releases. */
class UpgradeJobOnReplicaTest {
  @TempDir Path dir;

  StorageDeployer deployer(UpgradeWorld w) {
    return w.deployer(w.replica.agentFor(UpgradeWorld.BACKEND), w.registry, "deployer");
  }

  @Test
  void allTenSnapshotSlotsTakenByTheOwner_jobFailsBeforeStopping_snapshotsUntouched()
      throws IOException {
    UpgradeWorld w = new UpgradeWorld(Kind.DEMO, new UpgradeWorld.Releases(dir, Kind.DEMO),
        DeploymentRegistry.inMemory());
    ManagementCanister owner = w.ic(UpgradeWorld.OWNER);
    for (int i = 0; i < 10; i++) {
      owner.takeCanisterSnapshot(w.canister, null);
    }
    List<Snapshot> before = owner.listCanisterSnapshots(w.canister);
    w.ownerGrantsRights();
    w.replica.clearCalls();
    deployer(w).upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    DeploymentRecord r = w.registry.find(w.canister).orElseThrow();
    assertEquals(DeploymentStatus.FAILED, r.status());
    assertTrue(r.failureReason().orElseThrow().contains("takeSnapshot(false)"),
        r.failureReason().get());
    assertEquals(before, owner.listCanisterSnapshots(w.canister), "the owner's snapshots");
    assertEquals(List.of(), w.replica.calls("stop_canister"), "failed before stopping anything");
    assertEquals(Optional.of(Sha256.of(w.releases.v1)), w.replica.moduleHash(w.canister));
    assertEquals(List.of(UpgradeWorld.OWNER), w.replica.controllers(w.canister));
    assertEquals(UpgradeWorld.INCREMENTS, UpgradeWorld.nat64(
        w.replica.agentFor(UpgradeWorld.OWNER).query(w.canister, "get_count",
            UpgradeWorld.NO_ARGS)));
  }

  /**
   * A canister without snapshots says so in canister_status (no snapshot memory): the job lists
   * none. One that holds the owner's snapshot is listed, the job's snapshot told from the owner's,
   * and only the job's deleted at the end.
   */
  @Test
  void ownersSnapshot_listedOnce_keptWhileTheJobsIsDeleted() throws IOException {
    UpgradeWorld w = new UpgradeWorld(Kind.DEMO, new UpgradeWorld.Releases(dir, Kind.DEMO),
        DeploymentRegistry.inMemory());
    ManagementCanister owner = w.ic(UpgradeWorld.OWNER);
    Snapshot owners = owner.takeCanisterSnapshot(w.canister, null);
    w.ownerGrantsRights();
    w.replica.clearCalls();
    deployer(w).upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    assertEquals(DeploymentStatus.COMPLETED, w.registry.find(w.canister).orElseThrow().status());
    assertEquals(1, w.replica.calls("list_canister_snapshots").size(),
        "listed once, in the preflight");
    assertEquals(1, w.replica.calls("take_canister_snapshot").size());
    assertEquals(1, w.replica.calls("delete_canister_snapshot").size());
    assertEquals(List.of(owners), owner.listCanisterSnapshots(w.canister),
        "the owner's snapshot stays, the job's is gone");
    assertEquals(Optional.of(Sha256.of(w.releases.v2)), w.replica.moduleHash(w.canister));
  }

  /** The backend's agent, the owner taking a snapshot just before the job's own take. */
  InterceptingAgent ownerSnapshotsFirst(UpgradeWorld w, Snapshot[] owners) {
    ManagementCanister owner = w.ic(UpgradeWorld.OWNER);
    return new InterceptingAgent(w.replica.agentFor(UpgradeWorld.BACKEND)) {
      @Override
      void before(String method) {
        if (method.equals("take_canister_snapshot") && owners[0] == null) {
          owners[0] = owner.takeCanisterSnapshot(w.canister, null);
        }
      }
    };
  }

  /**
   * The owner takes a snapshot while the job runs (after its preflight listed none): the job's
   * snapshot is the id its take returned, so the owner's is neither loaded nor deleted.
   */
  @Test
  void ownerSnapshotsConcurrently_jobKnowsItsOwnById_deletesOnlyThat() throws IOException {
    UpgradeWorld w = new UpgradeWorld(Kind.DEMO, new UpgradeWorld.Releases(dir, Kind.DEMO),
        DeploymentRegistry.inMemory());
    w.ownerGrantsRights();
    Snapshot[] owners = new Snapshot[1];
    StorageDeployer d = w.deployer(ownerSnapshotsFirst(w, owners), w.registry, "deployer");
    w.replica.clearCalls();
    d.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    assertEquals(DeploymentStatus.COMPLETED, w.registry.find(w.canister).orElseThrow().status());
    assertEquals(List.of(owners[0]), w.ic(UpgradeWorld.OWNER).listCanisterSnapshots(w.canister),
        "the owner's snapshot stays, the job's is gone");
    assertEquals(Optional.of(Sha256.of(w.releases.v2)), w.replica.moduleHash(w.canister));
  }

  /**
   * The same, and the reply of the job's take is lost: two new snapshots, one the job's, one the
   * owner's, which nothing tells apart. The job does not guess: it fails before installing,
   * starts the canister again, and loads and deletes neither.
   */
  @Test
  void ownerSnapshotsConcurrently_jobsTakeReplyLost_failsBeforeInstallingTouchingNeither()
      throws IOException {
    UpgradeWorld w = new UpgradeWorld(Kind.DEMO, new UpgradeWorld.Releases(dir, Kind.DEMO),
        DeploymentRegistry.inMemory());
    w.ownerGrantsRights();
    Snapshot[] owners = new Snapshot[1];
    StorageDeployer d = w.deployer(ownerSnapshotsFirst(w, owners), w.registry, "deployer");
    // the owner's take is the first on the canister, the job's the second
    w.replica.fault(Fault.on("take_canister_snapshot").canister(w.canister).attempt(2)
        .loseReply());
    w.replica.clearCalls();
    d.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    DeploymentRecord r = w.registry.find(w.canister).orElseThrow();
    assertEquals(DeploymentStatus.FAILED, r.status());
    assertTrue(r.failureReason().orElseThrow().contains("cannot be told apart"),
        r.failureReason().get());
    List<Snapshot> left = w.ic(UpgradeWorld.OWNER).listCanisterSnapshots(w.canister);
    assertEquals(2, left.size(), left.toString());
    assertTrue(left.contains(owners[0]), "the owner's snapshot is kept");
    assertEquals(List.of(), w.replica.calls("load_canister_snapshot"));
    assertEquals(List.of(), w.replica.calls("delete_canister_snapshot"));
    assertEquals(List.of(), w.replica.calls("install_chunked_code"));
    assertEquals(List.of(), w.replica.calls("install_code"));
    assertEquals(Optional.of(Sha256.of(w.releases.v1)), w.replica.moduleHash(w.canister));
    assertEquals(UpgradeWorld.INCREMENTS, UpgradeWorld.nat64(
        w.replica.agentFor(UpgradeWorld.OWNER).query(w.canister, "get_count",
            UpgradeWorld.NO_ARGS)), "started again, its state as it was");
  }

  @Test
  void noSnapshots_noList_theStatusSaysSo() throws IOException {
    UpgradeWorld w = new UpgradeWorld(Kind.DEMO, new UpgradeWorld.Releases(dir, Kind.DEMO),
        DeploymentRegistry.inMemory());
    w.ownerGrantsRights();
    w.replica.clearCalls();
    deployer(w).upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    assertEquals(DeploymentStatus.COMPLETED, w.registry.find(w.canister).orElseThrow().status());
    assertEquals(List.of(), w.replica.calls("list_canister_snapshots"));
    assertEquals(1, w.replica.calls("take_canister_snapshot").size());
    assertEquals(List.of(), w.ic(UpgradeWorld.OWNER).listCanisterSnapshots(w.canister),
        "the job's snapshot deleted");
    // the owner check's canister_status is the preflight's: one before the job, one at hand-back
    assertEquals(2, w.replica.calls("canister_status").size());
  }

  /**
   * The owner grants the backend its rights, then asks for an upgrade there is no longer any
   * need for (the canister already runs the latest release): the request is refused, and the
   * backend hands back what it was given (Commit, its place among the controllers) instead of
   * keeping it with no job to hand it back.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Kind.class)
  void refusedAsNoUpdateAfterTheOwnersGrant_backendHandsTheRightsBack(Kind kind)
      throws IOException {
    UpgradeWorld w = new UpgradeWorld(kind, new UpgradeWorld.Releases(dir, kind),
        DeploymentRegistry.inMemory());
    StorageDeployer deployer = deployer(w);
    w.ownerGrantsRights();
    deployer.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());
    assertEquals(List.of(), w.violations(false), "the first upgrade");
    DeploymentRecord current = w.registry.find(w.canister).orElseThrow();

    w.ownerGrantsRights();
    UpgradeStorageException e = assertThrows(UpgradeStorageException.class,
        () -> deployer.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope()));
    assertEquals(UpgradeStorageException.Reason.NO_UPDATE_AVAILABLE, e.reason());
    assertEquals(0, e.getSuppressed().length, java.util.Arrays.toString(e.getSuppressed()));
    assertEquals(List.of(UpgradeWorld.OWNER), w.replica.controllers(w.canister));
    if (kind == Kind.ASSETS) {
      assertTrue(!w.assets(UpgradeWorld.OWNER)
          .listPermitted(org.icupgrade.core.assets.Permission.COMMIT)
          .contains(UpgradeWorld.BACKEND), "Commit revoked");
    }
    assertEquals(current, w.registry.find(w.canister).orElseThrow(), "the record is untouched");
    assertEquals(List.of(), w.violations(false));
  }

  /**
   * An empty, truncated or not-a-tar frontend in the latest release never becomes the catalog's
   * current release (the refusal is in {@code lastFailure()}, naming the problem), so no upgrade
   * is attempted: the owner is told there is no update, and the canister's assets and record stay
   * as they were. Decided so rather than failing the record: nothing was wrong with the canister.
   */
  @Test
  void emptyTruncatedOrHtmlFrontend_neverOffered_assetsAndRecordUntouched() throws IOException {
    Map<String, byte[]> broken = Map.of(
        "empty", new byte[0],
        "truncated", Arrays.copyOf(UpgradeWorld.tarOf(UpgradeWorld.frontend(2)), 700),
        "html", "<html>404 Not Found</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    for (Map.Entry<String, byte[]> e : broken.entrySet()) {
      Path d = Files.createDirectories(dir.resolve(e.getKey()));
      UpgradeWorld.Releases releases = new UpgradeWorld.Releases(d, Kind.ASSETS);
      UpgradeWorld w = new UpgradeWorld(Kind.ASSETS, releases, DeploymentRegistry.inMemory(),
          false);
      Path v2 = Files.createDirectories(d.resolve("v2.0.0"));
      Files.write(v2.resolve("storage.wasm"), releases.v2);
      Files.write(v2.resolve("frontend.tar"), e.getValue());
      assertThrows(RuntimeException.class, w.catalog::refresh, e.getKey());
      RuntimeException why = w.catalog.lastFailure().orElseThrow();
      assertTrue(why instanceof org.icupgrade.assets.ReleaseReadException,
          e.getKey() + ": " + why);
      assertEquals("v1.0.0", w.catalog.current().orElseThrow().tag(), e.getKey());

      w.ownerGrantsRights();
      w.replica.clearCalls();
      UpgradeStorageException refused = assertThrows(UpgradeStorageException.class,
          () -> deployer(w).upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope()));
      assertEquals(UpgradeStorageException.Reason.NO_UPDATE_AVAILABLE, refused.reason(),
          e.getKey());
      assertEquals(Optional.of(w.original), w.registry.find(w.canister), e.getKey());
      assertEquals(List.of(), w.replica.calls("commit_batch"), e.getKey());
      assertEquals(List.of(), w.replica.calls("install_code"), e.getKey());
      assertTrue(new String(w.assets(UpgradeWorld.OWNER).get("/index.html", List.of("identity"))
          .content(), java.nio.charset.StandardCharsets.UTF_8).contains("v1"), e.getKey());
    }
  }
}
