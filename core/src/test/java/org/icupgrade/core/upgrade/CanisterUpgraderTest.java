package org.icupgrade.core.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.MissingPermissionException;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.FakeManagementCanister;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CanisterUpgraderTest {
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal BACKEND = Principal.fromBytes(new byte[] {9, 9, 9, 2});

  final FakeManagementCanister mc = new FakeManagementCanister();
  final List<Principal> committers = new ArrayList<>();
  final List<String> assetCalls = new ArrayList<>();
  final Sha256 v1 = Sha256.of(new byte[] {1});
  final WasmModule v2 = org.icupgrade.core.install.TestModules.of(20, 2);
  RuntimeException syncFailure;

  @BeforeEach
  void setUp() {
    mc.caller = BACKEND;
    mc.controllers.put(CANISTER, List.of(OWNER, BACKEND));
    mc.installed.put(CANISTER, v1);
    committers.add(BACKEND);
  }

  AssetCanister assets() {
    return (AssetCanister) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {AssetCanister.class}, (proxy, method, args) -> {
          assetCalls.add(method.getName());
          switch (method.getName()) {
            case "canisterId":
              return CANISTER;
            case "caller":
              return BACKEND;
            case "listPermitted":
              return List.copyOf(committers);
            case "revokePermission":
              committers.remove((Principal) args[0]);
              return null;
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });
  }

  final AssetSyncer syncer = new AssetSyncer() {
    @Override
    public AssetDiff diff(AssetCanister canister, FrontendRelease release) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SyncOutcome sync(AssetCanister canister, FrontendRelease release) {
      assetCalls.add("sync");
      if (syncFailure != null) {
        throw syncFailure;
      }
      throw new UnsupportedOperationException("only failures are scripted here");
    }

    @Override
    public SyncOutcome apply(AssetCanister canister, AssetDiff diff) {
      throw new UnsupportedOperationException();
    }
  };

  static RetryPolicy noSleep() {
    return RetryPolicy.defaults().withSleeper(d -> {});
  }

  ChunkedWasmInstaller installer() {
    return ChunkedWasmInstaller.builder(mc).retryPolicy(noSleep()).build();
  }

  CanisterUpgrader upgrader(HealthCheck check) {
    return CanisterUpgrader.builder(BACKEND, mc, installer())
        .assets(syncer, id -> assets())
        .healthCheck(check)
        .retryPolicy(noSleep())
        .build();
  }

  UpgradeJob wasmOnly() {
    return UpgradeJob.builder(CANISTER, OWNER, UpgradeScope.WASM_ONLY).wasmModule(v2).build();
  }

  @Test
  void upgrade_wasmOnly_installsRestartsAndHandsBackControl() {
    UpgradeReport r = upgrader(null).upgrade(wasmOnly());
    assertTrue(r.succeeded(), r.toString());
    assertEquals(Optional.of(v2.hash()), r.moduleHash());
    assertEquals(List.of(OWNER), mc.controllers.get(CANISTER));
    assertEquals(CanisterStatus.RunStatus.RUNNING, mc.runStatus.get(CANISTER));
    assertTrue(mc.snapshots.get(CANISTER).isEmpty(), "the snapshot is deleted afterwards");
    assertTrue(r.rightsHandedBack());
    // The snapshots are listed once, in the preflight (the slot check): a snapshot that appears
    // after a lost reply or a crash and is not in that list is the job's.
    assertEquals(List.of("canister_status", "list_canister_snapshots", "stop_canister",
        "take_canister_snapshot", "module_hash", "install_code", "module_hash", "start_canister",
        "delete_canister_snapshot", "canister_status", "update_settings", "module_hash"),
        mc.calls);
  }

  @Test
  void observedStatusWithoutSnapshots_preflightReadsNothing_sameChecks() {
    mc.reportSnapshotsSize = true;
    UpgradeJob job = UpgradeJob.builder(CANISTER, OWNER, UpgradeScope.WASM_ONLY).wasmModule(v2)
        .observedStatus(mc.canisterStatus(CANISTER)).build();
    mc.calls.clear();
    UpgradeReport r = upgrader(null).upgrade(job);
    assertTrue(r.succeeded(), r.toString());
    assertEquals(List.of("stop_canister", "take_canister_snapshot", "module_hash", "install_code",
        "module_hash", "start_canister", "delete_canister_snapshot", "canister_status",
        "update_settings", "module_hash"), mc.calls);
    assertTrue(mc.snapshots.get(CANISTER).isEmpty(), "the job's snapshot is deleted");
  }

  @Test
  void observedStatusWithoutTheUpgrader_refusedBeforeAnyChange() {
    mc.reportSnapshotsSize = true;
    CanisterStatus seen = mc.canisterStatus(CANISTER);
    CanisterStatus notOurs = new CanisterStatus(seen.status(), List.of(OWNER),
        seen.moduleHash().orElse(null), seen.memorySize(), seen.cycles(), BigInteger.ZERO);
    UpgradeJob job = UpgradeJob.builder(CANISTER, OWNER, UpgradeScope.WASM_ONLY).wasmModule(v2)
        .observedStatus(notOurs).build();
    mc.calls.clear();
    UpgradeReport r = upgrader(null).upgrade(job);
    assertFalse(r.succeeded());
    assertFalse(mc.calls.contains("stop_canister"), mc.calls.toString());
    assertEquals(Optional.of(v1), mc.moduleHash(CANISTER));
  }

  @Test
  void ownersSnapshotReported_listedOnceInThePreflight_keptAfterwards() {
    mc.reportSnapshotsSize = true;
    Snapshot owners = mc.takeCanisterSnapshot(CANISTER, null);
    mc.calls.clear();
    UpgradeReport r = upgrader(null).upgrade(wasmOnly());
    assertTrue(r.succeeded(), r.toString());
    assertEquals(1, mc.calls.stream().filter("list_canister_snapshots"::equals).count());
    assertEquals(List.of(owners), mc.snapshots.get(CANISTER));
  }

  @Test
  void upgrade_notController_failsBeforeChangingAnything() {
    mc.controllers.put(CANISTER, List.of(OWNER));
    UpgradeReport r = upgrader(null).upgrade(wasmOnly());
    assertInstanceOf(NotControllerException.class, r.failure().orElseThrow());
    assertEquals(0, mc.count("stop_canister"));
    assertEquals(0, mc.count("install_code"));
    assertEquals(v1, mc.installed.get(CANISTER));
    assertTrue(r.failure().get().getMessage().contains("--add-controller"));
  }

  @Test
  void upgrade_healthCheckFails_snapshotLoadedBackAndRunning() {
    UpgradeReport r = upgrader(id -> {
      throw new IllegalStateException("get_version trapped");
    }).upgrade(wasmOnly());
    assertFalse(r.succeeded());
    assertTrue(r.snapshotRestored());
    assertEquals(v1, mc.installed.get(CANISTER));
    assertEquals(CanisterStatus.RunStatus.RUNNING, mc.runStatus.get(CANISTER));
    assertTrue(r.failure().orElseThrow().getMessage().contains("get_version trapped"));
    assertEquals(List.of(OWNER), mc.controllers.get(CANISTER));
  }

  @Test
  void upgrade_installRejected_canisterStartedAgainAndControlHandedBack() {
    mc.failNext("install_code", new org.icupgrade.core.CanisterRejectException(
        org.icupgrade.core.RejectCode.CANISTER_ERROR, "Canister trapped in post_upgrade",
        "IC0503", null, "install_code"));
    UpgradeReport r = upgrader(null).upgrade(wasmOnly());
    assertFalse(r.succeeded());
    assertEquals(CanisterStatus.RunStatus.RUNNING, mc.runStatus.get(CANISTER));
    assertEquals(v1, mc.installed.get(CANISTER));
    assertEquals(List.of(OWNER), mc.controllers.get(CANISTER));
    assertEquals(Optional.of(v1), r.moduleHash());
  }

  @Test
  void upgrade_frontendSyncFails_commitRevokedAndControllerRemoved() {
    syncFailure = new IcException("commit_batch refused half-way");
    UpgradeReport r = upgrader(null).upgrade(UpgradeJob.builder(CANISTER, OWNER, UpgradeScope.ALL)
        .wasmModule(v2).frontend(FrontendRelease.of(List.of())).build());
    assertFalse(r.succeeded());
    assertTrue(r.failure().orElseThrow().getMessage().contains("half-way"));
    assertFalse(committers.contains(BACKEND));
    assertEquals(List.of(OWNER), mc.controllers.get(CANISTER));
    assertTrue(r.rightsHandedBack());
  }

  @Test
  void upgrade_missingCommit_failsBeforeStopping() {
    committers.clear();
    UpgradeReport r = upgrader(null).upgrade(UpgradeJob.builder(CANISTER, OWNER,
        UpgradeScope.FRONTEND_ONLY).frontend(FrontendRelease.of(List.of())).build());
    assertInstanceOf(MissingPermissionException.class, r.failure().orElseThrow());
    assertEquals(0, mc.count("stop_canister"));
    assertFalse(assetCalls.contains("sync"));
    assertEquals(List.of(OWNER), mc.controllers.get(CANISTER));
  }

  @Test
  void upgrade_ownerNotAController_ownerAddedBackNotDropped() {
    mc.controllers.put(CANISTER, List.of(BACKEND));
    UpgradeReport r = upgrader(null).upgrade(wasmOnly());
    assertTrue(r.succeeded(), r.toString());
    assertEquals(List.of(OWNER), mc.controllers.get(CANISTER));
  }

  @Test
  void upgrade_tenSnapshotsOfTheOwner_untouchedAndFailsBeforeStopping() {
    List<Snapshot> ten = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ten.add(new Snapshot(SnapshotId.of(new byte[] {100, (byte) i}), 1000 + i, 1));
    }
    mc.snapshots.put(CANISTER, new ArrayList<>(ten));
    UpgradeReport r = upgrader(null).upgrade(wasmOnly());
    assertFalse(r.succeeded());
    assertTrue(r.failure().orElseThrow().getMessage().contains("takeSnapshot(false)"),
        r.failure().get().getMessage());
    assertEquals(ten, mc.snapshots.get(CANISTER), "the owner's snapshots are untouched");
    assertEquals(0, mc.count("stop_canister"));
    assertEquals(0, mc.count("take_canister_snapshot"));
    assertEquals(v1, mc.installed.get(CANISTER));
    assertEquals(List.of(OWNER), mc.controllers.get(CANISTER), "rights handed back");
  }

  @Test
  void upgrade_tenSnapshotsAndSnapshotOptedOut_upgradesWithoutOne() {
    List<Snapshot> ten = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ten.add(new Snapshot(SnapshotId.of(new byte[] {100, (byte) i}), 1000 + i, 1));
    }
    mc.snapshots.put(CANISTER, new ArrayList<>(ten));
    UpgradeReport r = upgrader(null).upgrade(UpgradeJob.builder(CANISTER, OWNER,
        UpgradeScope.WASM_ONLY).wasmModule(v2).takeSnapshot(false).build());
    assertTrue(r.succeeded(), r.toString());
    assertEquals(ten, mc.snapshots.get(CANISTER));
    assertEquals(v2.hash(), mc.installed.get(CANISTER));
  }

  @Test
  void upgrade_stoppedCanister_staysStopped() {
    mc.runStatus.put(CANISTER, CanisterStatus.RunStatus.STOPPED);
    UpgradeReport r = upgrader(id -> {
      throw new AssertionError("a stopped canister answers no health query");
    }).upgrade(wasmOnly());
    assertTrue(r.succeeded(), r.toString());
    assertEquals(CanisterStatus.RunStatus.STOPPED, mc.runStatus.get(CANISTER));
    assertEquals(0, mc.count("start_canister"));
    assertEquals(v2.hash(), mc.installed.get(CANISTER));
  }

  @Test
  void upgrade_healthCheckThrowsError_unhealthyAndRolledBack() {
    UpgradeReport r = upgrader(id -> {
      throw new StackOverflowError("deep");
    }).upgrade(wasmOnly());
    assertFalse(r.succeeded());
    assertTrue(r.snapshotRestored());
    assertEquals(v1, mc.installed.get(CANISTER));
    assertEquals(CanisterStatus.RunStatus.RUNNING, mc.runStatus.get(CANISTER));
  }

  @Test
  void upgrade_transientHealthFailure_retriedBeforeJudging() {
    int[] calls = {0};
    UpgradeReport r = upgrader(id -> {
      if (calls[0]++ == 0) {
        throw new org.icupgrade.core.TransportException("connection reset", true, null);
      }
    }).upgrade(wasmOnly());
    assertTrue(r.succeeded(), r.toString());
    assertEquals(2, calls[0]);
    assertEquals(v2.hash(), mc.installed.get(CANISTER));
  }

  @Test
  void upgrade_statusRejectedBySystem_notReportedAsNotController() {
    mc.failNext("canister_status", new org.icupgrade.core.CanisterRejectException(
        org.icupgrade.core.RejectCode.SYS_FATAL, "subnet unavailable", null, CANISTER,
        "canister_status"));
    UpgradeReport r = upgrader(null).upgrade(wasmOnly());
    IcException f = r.failure().orElseThrow();
    assertFalse(f instanceof NotControllerException, f.toString());
    assertTrue(f.getMessage().contains("subnet unavailable"), f.getMessage());
    assertEquals(0, mc.count("stop_canister"));
  }

  @Test
  void upgrade_upgraderPrincipalNotTheCaller_caughtInPreflight() {
    Principal wrong = Principal.fromBytes(new byte[] {7, 7, 7, 2});
    UpgradeReport r = CanisterUpgrader.builder(wrong, mc, installer())
        .retryPolicy(noSleep()).build().upgrade(wasmOnly());
    assertFalse(r.succeeded());
    assertTrue(r.failure().orElseThrow().getMessage().contains("is not among its controllers"),
        r.failure().get().getMessage());
    assertEquals(0, mc.count("stop_canister"));
    assertFalse(r.rightsHandedBack(), "the backend still holds its rights: not a success");
  }

  @Test
  void job_partsContradictingScope_refusedWhenBuilt() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> UpgradeJob.builder(CANISTER, OWNER, UpgradeScope.FRONTEND_ONLY)
            .frontend(FrontendRelease.of(List.of())).wasmModule(v2).build());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> UpgradeJob.builder(CANISTER, OWNER, UpgradeScope.WASM_ONLY)
            .wasmModule(v2).frontend(FrontendRelease.of(List.of())).build());
  }

  @Test
  void grantUpgradeRights_addsControllerKeepsOthersAndGrantsCommit() {
    mc.caller = OWNER;
    mc.controllers.put(CANISTER, List.of(OWNER));
    committers.clear();
    List<Principal> granted = new ArrayList<>();
    AssetCanister assets = (AssetCanister) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {AssetCanister.class}, (proxy, method, args) -> {
          if (method.getName().equals("grantPermission") && args[1] == Permission.COMMIT) {
            granted.add((Principal) args[0]);
            return null;
          }
          throw new UnsupportedOperationException(method.getName());
        });
    OwnerSetup.grantUpgradeRights(mc, assets, CANISTER, BACKEND);
    OwnerSetup.grantUpgradeRights(mc, null, CANISTER, BACKEND);
    assertEquals(List.of(OWNER, BACKEND), mc.controllers.get(CANISTER));
    assertEquals(List.of(BACKEND), granted);
    assertEquals(1, mc.count("update_settings"));
  }
}
