package org.icupgrade.deployer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.icupgrade.deployer.plan.UpgradeStorageException.Reason;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.FrontendReader;
import org.icupgrade.deployer.release.Release;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.deployer.release.ReleaseSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Update detection: the detection rows of seed 004's test checklist, and the refusals. */
class UpgradePlannerTest {
  static final Principal STORAGE = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 2});
  static final Principal STRANGER = Principal.fromBytes(new byte[] {7, 7});
  // valid modules (the catalog checks them): the header and an empty-named custom section
  static final byte[] WASM_V1 = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, 1, 0};
  static final byte[] WASM_V2 = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, 2, 1, 'a'};

  /** The "archive" is the text of /index.html. */
  static final FrontendReader READER = archive -> {
    try {
      return frontend(Files.readString(archive));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  };

  static FrontendRelease frontend(String indexHtml) {
    return FrontendRelease.of(List.of(ReleaseAsset.of("/index.html", "text/html",
        List.of(ReleaseEncoding.of("identity", indexHtml.getBytes(StandardCharsets.UTF_8))))));
  }

  /** Releases published in memory, newest last added first. */
  static final class MemorySource implements ReleaseSource {
    final List<Release> releases = new ArrayList<>();
    final Map<String, byte[]> files = new ConcurrentHashMap<>();

    void publish(String tag, byte[] wasm, String frontend) {
      files.put(tag + "/storage.wasm", wasm);
      files.put(tag + "/frontend.tar", frontend.getBytes(StandardCharsets.UTF_8));
      releases.add(0, Release.builder(tag).published(Instant.EPOCH)
          .asset(Release.Asset.of("storage.wasm")).asset(Release.Asset.of("frontend.tar"))
          .build());
    }

    @Override
    public List<Release> releases() {
      return List.copyOf(releases);
    }

    @Override
    public InputStream download(Release release, String assetName) {
      return new ByteArrayInputStream(files.get(release.tag() + "/" + assetName));
    }
  }

  final MemorySource source = new MemorySource();
  final DeploymentRegistry registry = DeploymentRegistry.inMemory();
  ReleaseCatalog catalog;
  UpgradePlanner planner;

  @BeforeEach
  void deployV1() {
    source.publish("v1.0.0", WASM_V1, "<h1>v1</h1>");
    catalog = ReleaseCatalog.builder(source).wasmAsset("storage.wasm")
        .frontendAsset("frontend.tar", READER).build();
    catalog.refresh();
    planner = UpgradePlanner.over(registry, catalog);
    registry.insert(new DeploymentRecord(STORAGE, OWNER, DeploymentStatus.COMPLETED, null,
        Sha256.of(WASM_V1), frontend("<h1>v1</h1>").frontendHash(), "v1.0.0", 0));
  }

  void publishAndRefresh(String tag, byte[] wasm, String frontend) {
    source.publish(tag, wasm, frontend);
    assertEquals(tag, catalog.refresh().orElseThrow().tag());
  }

  Reason refused(Runnable r) {
    return assertThrows(UpgradeStorageException.class, r::run).reason();
  }

  void setStatus(DeploymentStatus status) {
    DeploymentRecord r = registry.find(STORAGE).orElseThrow();
    registry.replace(r, r.withStatus(status)).orElseThrow();
  }

  // Seed row 1
  @Test
  void checkStorageUpdate_sameRelease_noUpdate() {
    UpdateInfo info = planner.checkStorageUpdate(STORAGE).orElseThrow();
    assertFalse(info.wasmUpdateAvailable());
    assertFalse(info.frontendUpdateAvailable());
    assertFalse(info.updateAvailable());
    assertEquals(Sha256.of(WASM_V1), info.currentModuleHash().orElse(null));
    assertEquals(Sha256.of(WASM_V1), info.availableModuleHash().orElse(null));
    assertEquals("v1.0.0", info.currentReleaseTag().orElse(null));
    assertEquals("v1.0.0", info.availableReleaseTag().orElse(null));
  }

  // Seed row 2
  @Test
  void plan_sameRelease_noUpdateAvailableForEveryScope() {
    for (UpgradeScope scope : UpgradeScope.values()) {
      assertEquals(Reason.NO_UPDATE_AVAILABLE, refused(() -> planner.plan(OWNER, STORAGE, scope)));
    }
  }

  // Seed row 3: a stranger is told NotFound, not that the record exists
  @Test
  void plan_stranger_notFound() {
    publishAndRefresh("v1.1.0", WASM_V2, "<h1>v2</h1>");
    UpgradeStorageException e = assertThrows(UpgradeStorageException.class,
        () -> planner.plan(STRANGER, STORAGE, UpgradeScope.ALL));
    assertEquals(Reason.NOT_FOUND, e.reason());
    assertEquals(STORAGE, e.canisterId());
    assertFalse(e.isTransient());
  }

  @Test
  void plan_noRecord_notFound() {
    Principal unknown = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");
    assertEquals(Reason.NOT_FOUND, refused(() -> planner.plan(OWNER, unknown, UpgradeScope.ALL)));
  }

  // Seed row 4
  @Test
  void checkStorageUpdate_frontendChanged_onlyFrontendUpdateAvailable() {
    publishAndRefresh("v1.1.0", WASM_V1, "<h1>v2</h1>");
    UpdateInfo info = planner.checkStorageUpdate(STORAGE).orElseThrow();
    assertFalse(info.wasmUpdateAvailable());
    assertTrue(info.frontendUpdateAvailable());
    assertEquals("v1.1.0", info.availableReleaseTag().orElse(null));
    assertEquals(frontend("<h1>v2</h1>").frontendHash(), info.availableFrontendHash().orElse(null));
    assertEquals(frontend("<h1>v1</h1>").frontendHash(), info.currentFrontendHash().orElse(null));
  }

  @Test
  void plan_frontendOnlyChange_scopesDecide() {
    publishAndRefresh("v1.1.0", WASM_V1, "<h1>v2</h1>");
    assertEquals(Reason.NO_UPDATE_AVAILABLE,
        refused(() -> planner.plan(OWNER, STORAGE, UpgradeScope.WASM_ONLY)));
    UpgradePlan all = planner.plan(OWNER, STORAGE, UpgradeScope.ALL);
    assertEquals(Optional.empty(), all.wasmModule());
    assertEquals(frontend("<h1>v2</h1>"), all.frontend().orElseThrow());
    assertEquals("v1.1.0", all.releaseTag());
    UpgradePlan frontendOnly = planner.plan(OWNER, STORAGE, UpgradeScope.FRONTEND_ONLY);
    assertTrue(frontendOnly.frontend().isPresent());
  }

  // Seed row 5: no caller at all
  @Test
  void checkStorageUpdate_anyCaller_unknownCanisterEmpty() {
    assertTrue(planner.checkStorageUpdate(STORAGE).isPresent());
    assertEquals(Optional.empty(),
        planner.checkStorageUpdate(Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai")));
  }

  // Seed row 7
  @Test
  void listStorages_carriesUpdateInfoForSettledRecordsOnly() {
    Principal creating = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");
    registry.insert(DeploymentRecord.creating(creating, OWNER));
    publishAndRefresh("v1.1.0", WASM_V2, "<h1>v1</h1>");
    List<StorageInfo> list = planner.listStorages(OWNER);
    assertEquals(2, list.size());
    StorageInfo completed = list.stream().filter(s -> s.record().canisterId().equals(STORAGE))
        .findFirst().orElseThrow();
    assertTrue(completed.updateInfo().orElseThrow().wasmUpdateAvailable());
    StorageInfo inCreation = list.stream().filter(s -> s.record().canisterId().equals(creating))
        .findFirst().orElseThrow();
    assertEquals(Optional.empty(), inCreation.updateInfo());
    assertEquals(List.of(), planner.listStorages(STRANGER));
  }

  // Seed rows 8 and 9, the detection half
  @Test
  void plan_newWasmAndFrontend_allInstallsBothWasmOnlyInstallsTheModule() {
    publishAndRefresh("v2.0.0", WASM_V2, "<h1>v2</h1>");
    UpdateInfo info = planner.checkStorageUpdate(STORAGE).orElseThrow();
    assertTrue(info.wasmUpdateAvailable());
    assertTrue(info.frontendUpdateAvailable());
    UpgradePlan all = planner.plan(OWNER, STORAGE, UpgradeScope.ALL);
    assertEquals(Sha256.of(WASM_V2), all.wasmModule().orElseThrow().hash());
    assertTrue(all.frontend().isPresent());
    UpgradePlan wasmOnly = planner.plan(OWNER, STORAGE, UpgradeScope.WASM_ONLY);
    assertEquals(Sha256.of(WASM_V2), wasmOnly.wasmModule().orElseThrow().hash());
    assertEquals(Optional.empty(), wasmOnly.frontend());
  }

  @Test
  void plan_newWasmOnly_frontendOnlyScopeHasNothingToDo() {
    publishAndRefresh("v1.0.1", WASM_V2, "<h1>v1</h1>");
    UpdateInfo info = planner.checkStorageUpdate(STORAGE).orElseThrow();
    assertTrue(info.wasmUpdateAvailable());
    assertFalse(info.frontendUpdateAvailable());
    assertEquals(Reason.NO_UPDATE_AVAILABLE,
        refused(() -> planner.plan(OWNER, STORAGE, UpgradeScope.FRONTEND_ONLY)));
    assertEquals(Optional.empty(), planner.plan(OWNER, STORAGE, UpgradeScope.ALL).frontend());
  }

  // Seed row 10
  @Test
  void plan_duringCreation_notCompleted() {
    Principal creating = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");
    registry.insert(DeploymentRecord.creating(creating, OWNER));
    assertEquals(Reason.NOT_COMPLETED,
        refused(() -> planner.plan(OWNER, creating, UpgradeScope.ALL)));
  }

  @Test
  void plan_upgradeRunning_alreadyUpgrading() {
    publishAndRefresh("v2.0.0", WASM_V2, "<h1>v2</h1>");
    setStatus(DeploymentStatus.UPGRADING_FRONTEND);
    UpgradeStorageException e = assertThrows(UpgradeStorageException.class,
        () -> planner.plan(OWNER, STORAGE, UpgradeScope.ALL));
    assertEquals(Reason.ALREADY_UPGRADING, e.reason());
    assertTrue(e.isTransient());
  }

  @Test
  void plan_failedRecord_mayBeRetried() {
    publishAndRefresh("v2.0.0", WASM_V2, "<h1>v1</h1>");
    DeploymentRecord r = registry.find(STORAGE).orElseThrow();
    registry.replace(r, r.failed("post_upgrade trapped")).orElseThrow();
    assertTrue(planner.plan(OWNER, STORAGE, UpgradeScope.WASM_ONLY).wasmModule().isPresent());
  }

  @Test
  void plan_beforeAnyRelease_releaseNotReady() {
    ReleaseCatalog empty = ReleaseCatalog.builder(new MemorySource()).wasmAsset("storage.wasm")
        .frontendAsset("frontend.tar", READER).build();
    UpgradePlanner p = UpgradePlanner.over(registry, empty);
    UpgradeStorageException e = assertThrows(UpgradeStorageException.class,
        () -> p.plan(OWNER, STORAGE, UpgradeScope.ALL));
    assertEquals(Reason.RELEASE_NOT_READY, e.reason());
    assertTrue(e.isTransient());
    UpdateInfo info = p.checkStorageUpdate(STORAGE).orElseThrow();
    assertNull(info.availableModuleHash().orElse(null));
    assertFalse(info.updateAvailable());
    assertEquals(Optional.empty(), p.listStorages(OWNER).get(0).updateInfo());
  }

  @Test
  void plan_ownerNoLongerControls_notOwner() {
    publishAndRefresh("v2.0.0", WASM_V2, "<h1>v2</h1>");
    Principal backend = Principal.fromBytes(new byte[] {3});
    UpgradePlanner checked = UpgradePlanner.builder(registry, catalog)
        .ownerCheck(id -> List.of(backend, STRANGER)).build();
    assertEquals(Reason.NOT_OWNER,
        refused(() -> checked.plan(OWNER, STORAGE, UpgradeScope.ALL)));
    UpgradePlanner stillOwner = UpgradePlanner.builder(registry, catalog)
        .ownerCheck(id -> List.of(OWNER, backend)).build();
    assertTrue(stillOwner.plan(OWNER, STORAGE, UpgradeScope.ALL).wasmModule().isPresent());
  }

  @Test
  void plan_controllersUnreadable_ownerCheckSkipped() {
    publishAndRefresh("v2.0.0", WASM_V2, "<h1>v2</h1>");
    UpgradePlanner p = UpgradePlanner.builder(registry, catalog).ownerCheck(id -> {
      throw new IcException("only controllers may call canister_status");
    }).build();
    assertTrue(p.plan(OWNER, STORAGE, UpgradeScope.ALL).wasmModule().isPresent());
  }

  @Test
  void liveModuleHash_overridesTheRecord() {
    // The record says v1, but the canister already runs v2's module (upgraded elsewhere).
    publishAndRefresh("v2.0.0", WASM_V2, "<h1>v1</h1>");
    UpgradePlanner live = UpgradePlanner.builder(registry, catalog)
        .liveModuleHash(id -> Optional.of(Sha256.of(WASM_V2))).build();
    UpdateInfo info = live.checkStorageUpdate(STORAGE).orElseThrow();
    assertEquals(Sha256.of(WASM_V2), info.currentModuleHash().orElse(null));
    assertFalse(info.wasmUpdateAvailable());
    assertEquals(Reason.NO_UPDATE_AVAILABLE,
        refused(() -> live.plan(OWNER, STORAGE, UpgradeScope.WASM_ONLY)));
    UpgradePlanner empty = UpgradePlanner.builder(registry, catalog)
        .liveModuleHash(id -> Optional.empty()).build();
    assertTrue(empty.checkStorageUpdate(STORAGE).orElseThrow().wasmUpdateAvailable(),
        "a canister with no module needs the release's");
  }

  @Test
  void plan_recordGiven_usesThatRecord() {
    publishAndRefresh("v2.0.0", WASM_V2, "<h1>v2</h1>");
    DeploymentRecord r = registry.find(STORAGE).orElseThrow();
    UpgradePlan plan = planner.plan(r, UpgradeScope.ALL);
    assertEquals(STORAGE, plan.canisterId());
    assertSame(catalog.require().wasmModule(), plan.wasmModule().orElseThrow());
  }
}
