package org.icupgrade.deployer.onreplica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.plan.StorageInfo;
import org.icupgrade.deployer.plan.UpdateInfo;
import org.icupgrade.deployer.plan.UpgradeStorageException;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.deployer.release.ReleaseSource;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.core.upgrade.HealthCheck;
import org.icupgrade.core.upgrade.OwnerSetup;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.assets.EmbeddedAssetCanister;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed 004's storage deployer, its ten test rows and its failure paths, on the embedded replica. */
class StorageDeployerOnReplicaTest {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 1, 1, 2});
  static final Principal STRANGER = Principal.fromBytes(new byte[] {6, 6, 6, 2});
  static final Principal BACKEND = Principal.fromBytes(new byte[] {0x0b, 0x0a, 2});

  static final byte[] WASM_V1 = SyntheticWasm.ofSize(3 * 1024 * 1024, 1);
  static final byte[] WASM_V2 = SyntheticWasm.ofSize(3 * 1024 * 1024 + 100, 2);

  @TempDir Path releases;
  final EmbeddedReplica replica = EmbeddedReplica.start();
  final DeploymentRegistry registry = DeploymentRegistry.inMemory();
  final AssetSyncer syncer = AssetSyncers.builder().flavor(AssetCanisterFlavor.DFINITY)
      .protectedKeys(ProtectedKeys.storageDefaults()).build();
  ReleaseCatalog catalog;
  Principal storage;
  HealthCheck healthCheck;

  static Map<String, String> frontendV1() {
    Map<String, String> f = new TreeMap<>();
    f.put("/index.html", "<html>storage v1</html>");
    f.put("/app.js", "console.log('v1');");
    f.put("/old.css", "body{}");
    return f;
  }

  static Map<String, String> frontendV2() {
    Map<String, String> f = new TreeMap<>(frontendV1());
    f.put("/index.html", "<html>storage v2</html>");
    f.remove("/old.css");
    return f;
  }

  void publish(String tag, byte[] wasm, Map<String, String> frontend) throws IOException {
    Path d = Files.createDirectories(releases.resolve(tag));
    Files.write(d.resolve("storage.wasm"), wasm);
    Files.write(d.resolve("frontend.tar"), UpgradeWorld.tarOf(frontend));
  }

  ManagementCanister ic(Principal as) {
    return CandidManagementCanister.over(replica.agentFor(as));
  }

  AssetCanister assets(Principal as) {
    return CandidAssetCanister.over(replica.agentFor(as), storage);
  }

  /** The storage canister as the deployer created it: v1 installed, v1 frontend, owner only. */
  @BeforeEach
  void deployV1() throws IOException {
    publish("v1.0.0", WASM_V1, frontendV1());
    catalog = ReleaseCatalog.builder(ReleaseSource.directory(releases))
        .wasmAsset("storage.wasm").frontendAsset("frontend.tar", ReleaseReader.defaults()::read)
        .build();
    catalog.refresh();
    storage = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, OWNER);
    ChunkedWasmInstaller.builder(ic(OWNER)).build()
        .install(storage, WasmModule.of(WASM_V1), InstallMode.install());
    assets(OWNER).grantPermission(OWNER, Permission.COMMIT);
    FrontendRelease f1 = catalog.current().orElseThrow().frontend();
    syncer.sync(assets(OWNER), f1);
    registry.insert(new DeploymentRecord(storage, OWNER, DeploymentStatus.COMPLETED, null,
        Sha256.of(WASM_V1), f1.frontendHash(), "v1.0.0", 0));
  }

  StorageDeployer deployer(java.util.concurrent.Executor executor) {
    CanisterUpgrader upgrader = CanisterUpgrader.builder(BACKEND, ic(BACKEND),
            ChunkedWasmInstaller.builder(ic(BACKEND)).build())
        .assets(syncer, id -> CandidAssetCanister.over(replica.agentFor(BACKEND), id))
        .healthCheck(id -> {
          if (healthCheck != null) {
            healthCheck.check(id);
          }
        })
        .build();
    return StorageDeployer.builder(registry, catalog, upgrader, executor)
        .ownerCheck(ic(BACKEND)).build();
  }

  StorageDeployer deployer() {
    return deployer(Runnable::run);
  }

  void ownerGrantsRights() {
    OwnerSetup.grantUpgradeRights(ic(OWNER), assets(OWNER), storage, BACKEND);
  }

  DeploymentRecord record() {
    return registry.find(storage).orElseThrow();
  }

  void assertRightsHandedBack() {
    assertEquals(List.of(OWNER), replica.controllers(storage));
    assertFalse(assets(OWNER).listPermitted(Permission.COMMIT).contains(BACKEND));
  }

  UpgradeStorageException.Reason refused(Runnable r) {
    return assertThrows(UpgradeStorageException.class, r::run).reason();
  }

  // ---- the seed's ten rows ----

  @Test
  void row1_noUpdateAvailableWhenNothingChanged() {
    UpdateInfo info = deployer().checkStorageUpdate(storage).orElseThrow();
    assertFalse(info.wasmUpdateAvailable());
    assertFalse(info.frontendUpdateAvailable());
    assertEquals("v1.0.0", info.availableReleaseTag().orElse(null));
  }

  @Test
  void row2_upgradeWithoutUpdate_noUpdateAvailable() {
    ownerGrantsRights();
    assertEquals(UpgradeStorageException.Reason.NO_UPDATE_AVAILABLE,
        refused(() -> deployer().upgradeStorage(OWNER, storage, UpgradeScope.ALL)));
  }

  @Test
  void row3_upgradeByNonOwner_notFound() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    assertEquals(UpgradeStorageException.Reason.NOT_FOUND,
        refused(() -> deployer().upgradeStorage(STRANGER, storage, UpgradeScope.ALL)));
  }

  @Test
  void row4_frontendChangeDetected() throws IOException {
    publish("v1.1.0", WASM_V1, frontendV2());
    catalog.refresh();
    UpdateInfo info = deployer().checkStorageUpdate(storage).orElseThrow();
    assertTrue(info.frontendUpdateAvailable());
    assertFalse(info.wasmUpdateAvailable());
    assertEquals("v1.1.0", info.availableReleaseTag().orElse(null));
  }

  @Test
  void row5_checkStorageUpdateNeedsNoOwnership() {
    // a public query: no caller is involved at all
    assertTrue(deployer().checkStorageUpdate(storage).isPresent());
    assertTrue(deployer().checkStorageUpdate(STRANGER).isEmpty(), "no record, no info");
  }

  @Test
  void row6_frontendOnlyUpgrade_withCleanupAndRightsHandedBack() throws IOException {
    publish("v1.1.0", WASM_V1, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.FRONTEND_ONLY);
    DeploymentRecord r = record();
    assertEquals(DeploymentStatus.COMPLETED, r.status(), String.valueOf(r.failureReason().orElse(null)));
    assertEquals(catalog.current().orElseThrow().frontendHash(), r.frontendHash().orElse(null));
    assertEquals("v1.1.0", r.releaseTag().orElse(null));
    List<String> keys = assets(OWNER).list(0, 100).stream().map(AssetDetails::key).toList();
    assertFalse(keys.contains("/old.css"));
    assertRightsHandedBack();
  }

  @Test
  void row7_listStoragesCarriesUpdateInfo() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    List<StorageInfo> list = deployer().listStorages(OWNER);
    assertEquals(1, list.size());
    UpdateInfo info = list.get(0).updateInfo().orElseThrow();
    assertTrue(info.wasmUpdateAvailable() && info.frontendUpdateAvailable());
    assertTrue(deployer().listStorages(STRANGER).isEmpty());
  }

  @Test
  void newBuilder_variantSharesRegistryAndCatalog() {
    StorageDeployer variant = deployer().newBuilder().executor(Runnable::run).build();
    assertEquals(deployer().listStorages(OWNER), variant.listStorages(OWNER));
    assertEquals(deployer().checkStorageUpdate(storage), variant.checkStorageUpdate(storage));
  }

  @Test
  void row8_fullUpgrade_bothHashesUpdated() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.ALL);
    DeploymentRecord r = record();
    assertEquals(DeploymentStatus.COMPLETED, r.status(), String.valueOf(r.failureReason().orElse(null)));
    assertEquals(Sha256.of(WASM_V2), r.moduleHash().orElse(null));
    assertEquals(catalog.current().orElseThrow().frontendHash(), r.frontendHash().orElse(null));
    assertEquals("v2.0.0", r.releaseTag().orElse(null));
    assertEquals(Optional.of(Sha256.of(WASM_V2)), replica.moduleHash(storage));
    assertRightsHandedBack();
    assertFalse(deployer().checkStorageUpdate(storage).orElseThrow().updateAvailable());
  }

  @Test
  void fullUpgrade_recordPassesThroughUpgradingFrontend() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    List<DeploymentStatus> seen = new ArrayList<>();
    replica.failNext("create_batch", 1, () -> {
      // the frontend part begins with create_batch: record what an owner polling would see
      seen.add(record().status());
      // Permanent: a transient reject would be retried by the syncer's policy and succeed.
      return new CanisterRejectException(RejectCode.CANISTER_REJECT, "busy, go away", null,
          storage, "create_batch");
    });
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.ALL);
    assertEquals(List.of(DeploymentStatus.UPGRADING_FRONTEND), seen);
    assertEquals(DeploymentStatus.FAILED, record().status());
    assertTrue(record().failureReason().orElse(null).contains("busy"), record().failureReason().orElse(null));
  }

  @Test
  void row9_wasmOnlyUpgrade_frontendHashUnchanged() throws IOException {
    FrontendRelease f1 = catalog.current().orElseThrow().frontend();
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.WASM_ONLY);
    DeploymentRecord r = record();
    assertEquals(DeploymentStatus.COMPLETED, r.status(), String.valueOf(r.failureReason().orElse(null)));
    assertEquals(Sha256.of(WASM_V2), r.moduleHash().orElse(null));
    assertEquals(f1.frontendHash(), r.frontendHash().orElse(null));
    assertTrue(deployer().checkStorageUpdate(storage).orElseThrow().frontendUpdateAvailable());
    assertRightsHandedBack();
  }

  @Test
  void row10_upgradeDuringCreation_notCompleted() throws IOException {
    Principal creating = replica.createCanister(OWNER);
    registry.insert(DeploymentRecord.creating(creating, OWNER));
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    assertEquals(UpgradeStorageException.Reason.NOT_COMPLETED,
        refused(() -> deployer().upgradeStorage(OWNER, creating, UpgradeScope.ALL)));
  }

  // ---- failure paths ----

  @Test
  void frontendSyncFailsMidway_recordFailedAndRightsHandedBack() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    replica.failNext("commit_batch", 1, () -> new CanisterRejectException(
        RejectCode.CANISTER_ERROR, "out of cycles in the middle of the commit", "IC0501",
        storage, "commit_batch"));
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.ALL);
    DeploymentRecord r = record();
    assertEquals(DeploymentStatus.FAILED, r.status());
    assertTrue(r.failureReason().orElse(null).contains("out of cycles"), r.failureReason().orElse(null));
    assertEquals(Sha256.of(WASM_V2), r.moduleHash().orElse(null), "the record says what runs");
    assertRightsHandedBack();
  }

  @Test
  void healthCheckFails_snapshotRestoredAndRecordFailed() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    healthCheck = id -> {
      throw new IllegalStateException("get_version answered v1");
    };
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.WASM_ONLY);
    DeploymentRecord r = record();
    assertEquals(DeploymentStatus.FAILED, r.status());
    assertTrue(r.failureReason().orElse(null).contains("snapshot"), r.failureReason().orElse(null));
    assertEquals(Optional.of(Sha256.of(WASM_V1)), replica.moduleHash(storage));
    assertEquals(Sha256.of(WASM_V1), r.moduleHash().orElse(null));
    assertRightsHandedBack();
  }

  @Test
  void trappingPostUpgrade_v1KeepsRunningAndRecordFailed() throws IOException {
    Sha256 frontendV1 = record().frontendHash().orElse(null);
    // v2 whose post_upgrade traps
    org.icupgrade.replica.demo.WasmBuilder w = new org.icupgrade.replica.demo.WasmBuilder();
    int trap = w.importFunction("ic0", "trap",
        org.icupgrade.replica.demo.WasmBuilder.types(org.icupgrade.replica.demo.WasmBuilder.I32,
            org.icupgrade.replica.demo.WasmBuilder.I32),
        org.icupgrade.replica.demo.WasmBuilder.types());
    w.export("canister_post_upgrade", w.function(org.icupgrade.replica.demo.WasmBuilder.types(),
        org.icupgrade.replica.demo.WasmBuilder.types(),
        org.icupgrade.replica.demo.WasmBuilder.types(),
        new org.icupgrade.replica.demo.WasmBuilder.Code().i32(0).i32(4).call(trap).end()));
    w.data(0, "boom".getBytes(StandardCharsets.UTF_8)).memory(1);
    publish("v2.0.0", w.build(), frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.ALL);
    DeploymentRecord r = record();
    assertEquals(DeploymentStatus.FAILED, r.status());
    assertTrue(r.failureReason().orElse(null).contains("canister_post_upgrade"), r.failureReason().orElse(null));
    assertEquals(Optional.of(Sha256.of(WASM_V1)), replica.moduleHash(storage));
    assertEquals(Sha256.of(WASM_V1), r.moduleHash().orElse(null));
    assertEquals(frontendV1, r.frontendHash().orElse(null), "the frontend was not synced");
    assertEquals(org.icupgrade.core.management.CanisterStatus.RunStatus.RUNNING,
        replica.runStatus(storage));
    assertRightsHandedBack();
  }

  @Test
  void backendNotController_recordFailedWithWhatToDo() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    deployer().upgradeStorage(OWNER, storage, UpgradeScope.WASM_ONLY);
    DeploymentRecord r = record();
    assertEquals(DeploymentStatus.FAILED, r.status());
    assertTrue(r.failureReason().orElse(null).contains("add-controller"), r.failureReason().orElse(null));
    assertEquals(Optional.of(Sha256.of(WASM_V1)), replica.moduleHash(storage));
  }

  @Test
  void ownerNoLongerControls_notOwner() throws IOException {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    ic(OWNER).updateSettings(storage, org.icupgrade.core.management.CanisterSettings
        .ofControllers(List.of(BACKEND, STRANGER)));
    assertEquals(UpgradeStorageException.Reason.NOT_OWNER,
        refused(() -> deployer().upgradeStorage(OWNER, storage, UpgradeScope.ALL)));
  }

  @Test
  void releaseNotReady_refused() throws IOException {
    ReleaseCatalog empty = ReleaseCatalog.builder(ReleaseSource.directory(releases))
        .wasmAsset("storage.wasm").frontendAsset("frontend.tar", ReleaseReader.defaults()::read)
        .build();
    catalog = empty;
    assertEquals(UpgradeStorageException.Reason.RELEASE_NOT_READY,
        refused(() -> deployer().upgradeStorage(OWNER, storage, UpgradeScope.ALL)));
  }

  @Test
  void twoConcurrentRequests_oneUpgradeOneAlreadyUpgrading() throws Exception {
    publish("v2.0.0", WASM_V2, frontendV2());
    catalog.refresh();
    ownerGrantsRights();
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService background = Executors.newSingleThreadExecutor();
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try {
      StorageDeployer d = deployer(job -> background.execute(() -> {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        job.run();
      }));
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        results.add(callers.submit(() -> {
          go.await();
          try {
            d.upgradeStorage(OWNER, storage, UpgradeScope.ALL);
            return "started";
          } catch (UpgradeStorageException e) {
            return e.reason().name();
          }
        }));
      }
      go.countDown();
      List<String> outcomes = new ArrayList<>();
      for (Future<String> f : results) {
        outcomes.add(f.get(30, TimeUnit.SECONDS));
      }
      outcomes.sort(null);
      assertEquals(List.of("ALREADY_UPGRADING", "started"), outcomes);
      // polling shows the upgrade running, then done
      assertEquals(DeploymentStatus.UPGRADING_WASM,
          d.listStorages(OWNER).get(0).record().status());
      release.countDown();
      background.shutdown();
      assertTrue(background.awaitTermination(60, TimeUnit.SECONDS));
      assertEquals(DeploymentStatus.COMPLETED, record().status());
    } finally {
      release.countDown();
      background.shutdownNow();
      callers.shutdownNow();
    }
  }
}
