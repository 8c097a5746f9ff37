package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.InterCanisterCallTest.relay;
import static org.icupgrade.replica.demo.InterCanisterCallTest.relayArg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.candid.internal.Decoded;
import org.icupgrade.candid.internal.Fields;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.candid.internal.ManagementArgs.ChangeDetails;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.LogVisibility;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.replica.EmbeddedReplica;
import org.junit.jupiter.api.Test;

/**
 * canister_info and the canister history (spec, "IC method canister_info", "Canister history"),
 * the settings update_settings keeps and canister_status reports (log_visibility,
 * environment_variables and the rest), and take_canister_snapshot's uninstall_code.
 */
class CanisterInfoAndSettingsTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 7});
  static final Principal OTHER = Principal.fromBytes(new byte[] {1, 2, 3, 8});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final ManagementCanister ic = CandidManagementCanister.over(agent);
  /** A canister that relays calls to the management canister (canister_info is for canisters). */
  final Principal relay = replica.createCanister(ME);

  CanisterInfoAndSettingsTest() {
    ic.installCode(relay, InstallMode.install(), ByteBuffer.wrap(relay()), NONE);
  }

  ManagementArgs.CanisterInfoResult info(Principal canister, Long changes) {
    return ManagementCandid.decodeCanisterInfoResult(agent.update(relay, "relay",
        relayArg(Principal.MANAGEMENT_CANISTER, "canister_info",
            ManagementCandid.encodeCanisterInfoArgs(canister, changes))));
  }

  @Test
  void canisterInfo_recordsEveryKindOfChange_oldestFirst_withVersions() {
    Principal target = replica.createCanister(ME);
    byte[] v1 = relay();
    ic.installCode(target, InstallMode.install(), ByteBuffer.wrap(v1), NONE);
    ic.installCode(target, InstallMode.upgrade(), ByteBuffer.wrap(v1), NONE);
    ic.updateSettings(target, CanisterSettings.ofControllers(List.of(ME, OTHER)));
    ic.updateSettings(target, CanisterSettings.builder()
        .freezingThreshold(BigInteger.TEN).build()); // not a controller change: not recorded
    Snapshot s = ic.takeCanisterSnapshot(target, null);
    ic.loadCanisterSnapshot(target, s.id());

    ManagementArgs.CanisterInfoResult all = info(target, 20L);
    assertEquals(5, all.totalNumChanges(), all.toString());
    List<ManagementArgs.Change> changes = all.recentChanges();
    assertEquals(List.of(ChangeDetails.Creation.class, ChangeDetails.CodeDeployment.class,
            ChangeDetails.CodeDeployment.class, ChangeDetails.ControllersChange.class,
            ChangeDetails.LoadSnapshot.class),
        changes.stream().map(c -> (Class<?>) c.details().getClass()).toList());
    assertEquals(new ChangeDetails.CodeDeployment("install", Sha256.of(v1)),
        changes.get(1).details());
    assertEquals("upgrade", ((ChangeDetails.CodeDeployment) changes.get(2).details()).mode());
    assertEquals(new ChangeDetails.ControllersChange(List.of(ME, OTHER)),
        changes.get(3).details());
    assertEquals(s.id(), ((ChangeDetails.LoadSnapshot) changes.get(4).details()).snapshotId());
    // Ingress changes come from the user; each version is the canister's after the change.
    assertTrue(changes.stream().allMatch(c -> c.fromUser() && c.origin().equals(ME)));
    for (int i = 1; i < changes.size(); i++) {
      assertTrue(changes.get(i).canisterVersion() > changes.get(i - 1).canisterVersion(),
          changes.toString());
    }
    assertEquals(Sha256.of(v1), all.moduleHash());
    assertEquals(List.of(ME, OTHER), all.controllers());

    // The last n, oldest first; none when not asked for.
    assertEquals(changes.subList(3, 5), info(target, 2L).recentChanges());
    assertEquals(List.of(), info(target, null).recentChanges());
    assertEquals(5, info(target, null).totalNumChanges());
  }

  @Test
  void canisterInfo_keepsTheLast20_countsAll() {
    Principal target = replica.createCanister(ME);
    for (int i = 0; i < 24; i++) {
      ic.updateSettings(target, CanisterSettings.ofControllers(
          i % 2 == 0 ? List.of(ME, OTHER) : List.of(ME)));
    }
    ManagementArgs.CanisterInfoResult r = info(target, 1000L);
    assertEquals(25, r.totalNumChanges());
    assertEquals(20, r.recentChanges().size());
    assertEquals(new ChangeDetails.ControllersChange(List.of(ME)),
        r.recentChanges().get(19).details());
  }

  @Test
  void canisterInfo_byIngress_rejected_andAnyCanisterMayAskAboutAnyCanister() {
    Principal target = replica.createCanister(OTHER); // ME does not control it
    assertNull(info(target, 1L).moduleHash());
    assertEquals(List.of(OTHER), info(target, 1L).controllers());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(Principal.MANAGEMENT_CANISTER, "canister_info",
            ManagementCandid.encodeCanisterInfoArgs(target, 1L), target));
    assertTrue(e.getMessage().contains("only be called by canisters"), e.getMessage());
  }

  @Test
  void updateSettings_keepsWhatItIsGiven_andWhatItIsNot() {
    Principal target = replica.createCanister(ME);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MODE", "production");
    env.put("REGION", "eu");
    ic.updateSettings(target, CanisterSettings.builder()
        .logVisibility(LogVisibility.allowedViewers(List.of(OTHER)))
        .environmentVariables(env)
        .freezingThreshold(BigInteger.valueOf(86_400))
        .build());
    ic.updateSettings(target, CanisterSettings.builder()
        .wasmMemoryLimit(BigInteger.valueOf(1L << 30)).build());

    Fields settings = statusSettings(target);
    Decoded.Variant log = settings.get("log_visibility")
        .variant("controllers", "public", "allowed_viewers");
    assertEquals("allowed_viewers", log.tag());
    assertEquals(List.of(OTHER), log.payload().vec().stream().map(Decoded::principal).toList());
    Map<String, String> read = new LinkedHashMap<>();
    for (Decoded v : settings.vec("environment_variables")) {
      read.put(v.record().text("name"), v.record().text("value"));
    }
    assertEquals(env, read);
    assertEquals(BigInteger.valueOf(86_400), settings.nat("freezing_threshold"));
    assertEquals(BigInteger.valueOf(1L << 30), settings.nat("wasm_memory_limit"));
    // Never set: the IC's default.
    assertEquals(BigInteger.valueOf(5_000_000_000_000L), settings.nat("reserved_cycles_limit"));

    ic.updateSettings(target, CanisterSettings.builder()
        .logVisibility(LogVisibility.everyone()).environmentVariables(Map.of()).build());
    Fields after = statusSettings(target);
    assertEquals("public", after.get("log_visibility")
        .variant("controllers", "public", "allowed_viewers").tag());
    assertEquals(List.of(), after.vec("environment_variables"));
    assertEquals(BigInteger.valueOf(86_400), after.nat("freezing_threshold"));
  }

  @Test
  void createCanister_settingsGiven_reportedByStatus() {
    Principal target = ic.provisionalCreateCanisterWithCycles(null, CanisterSettings.builder()
        .controllers(List.of(ME)).logVisibility(LogVisibility.everyone()).build(), null);
    assertEquals("public", statusSettings(target).get("log_visibility")
        .variant("controllers", "public", "allowed_viewers").tag());
    List<Principal> controllers = new ArrayList<>();
    for (Decoded p : statusSettings(target).vec("controllers")) {
      controllers.add(p.principal());
    }
    assertEquals(List.of(ME), controllers);
  }

  @Test
  void takeSnapshot_withUninstallCode_snapshotTakenThenCanisterEmpty_loadRestoresIt() {
    Principal target = replica.createCanister(ME);
    byte[] v1 = relay();
    ic.installCode(target, InstallMode.install(), ByteBuffer.wrap(v1), NONE);
    Snapshot s = ManagementCandid.decodeSnapshotResult(agent.update(Principal.MANAGEMENT_CANISTER,
        "take_canister_snapshot", takeArgs(target, true), target));
    assertTrue(ic.canisterStatus(target).moduleHash().isEmpty(), "uninstalled after the take");
    assertEquals(List.of(s), ic.listCanisterSnapshots(target));
    ic.loadCanisterSnapshot(target, s.id());
    assertEquals(Sha256.of(v1), ic.canisterStatus(target).moduleHash().orElseThrow());
    assertTrue(info(target, 20L).recentChanges().stream()
        .anyMatch(c -> c.details() instanceof ChangeDetails.CodeUninstall));

    // Without the flag (or false), the code stays.
    agent.update(Principal.MANAGEMENT_CANISTER, "take_canister_snapshot", takeArgs(target, false),
        target);
    assertEquals(Sha256.of(v1), ic.canisterStatus(target).moduleHash().orElseThrow());
  }

  private static byte[] takeArgs(Principal target, boolean uninstall) {
    return org.icupgrade.candid.internal.Idl.encode(org.icupgrade.candid.internal.Idl.value(
        "canister_id", target, "uninstall_code", java.util.Optional.of(uninstall)),
        org.icupgrade.candid.internal.Idl.record("canister_id",
            org.icupgrade.candid.internal.Idl.PRINCIPAL, "uninstall_code",
            org.icupgrade.candid.internal.Idl.opt(org.icupgrade.candid.internal.Idl.BOOL)));
  }

  private Fields statusSettings(Principal target) {
    return Fields.of(agent.update(Principal.MANAGEMENT_CANISTER, "canister_status",
        ManagementCandid.encodeCanisterIdArgs(target), target), "canister_status reply")
        .record("settings");
  }
}
