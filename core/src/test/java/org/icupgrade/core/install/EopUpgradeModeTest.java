package org.icupgrade.core.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.InstallMode.WasmMemoryPersistence;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.calls.RetryPolicy;
import org.junit.jupiter.api.Test;

/** How the installer chooses wasm_memory_persistence from the running module's metadata. */
class EopUpgradeModeTest {
  static final Principal TARGET = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final String EOP = "enhanced-orthogonal-persistence";

  final FakeManagementCanister mc = new FakeManagementCanister();
  final List<InstallEvent> events = new java.util.ArrayList<>();
  final ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(mc)
      .listener(events::add)
      .retryPolicy(RetryPolicy.defaults().withSleeper(d -> { })).build();
  final WasmModule next = DefaultChunkedWasmInstallerTest.module(1000, 7);

  void running(boolean eop) {
    mc.installed.put(TARGET, Sha256.of(new byte[] {1, 2, 3}));
    Map<String, byte[]> sections = new HashMap<>();
    if (eop) {
      sections.put(EOP, new byte[0]);
    }
    mc.metadata = Map.of(TARGET, sections);
  }

  @Test
  void upgrade_runningEop_optionUnset_sendsKeep() {
    running(true);
    assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(TARGET, next, InstallMode.upgrade()));
    assertEquals(List.of(InstallMode.upgrade().withWasmMemoryPersistence(WasmMemoryPersistence.KEEP)),
        mc.modes);
    assertEquals(List.of("module_hash", "metadata", "install_code", "module_hash"), mc.calls);
    InstallEvent.Started started = (InstallEvent.Started) events.get(0);
    assertEquals(WasmMemoryPersistence.KEEP,
        started.request().installMode().wasmMemoryPersistence().orElseThrow());
  }

  @Test
  void upgrade_runningEop_skipPreUpgradeKept() {
    running(true);
    installer.install(TARGET, next, InstallMode.upgrade().withSkipPreUpgrade(true));
    assertEquals(List.of(InstallMode.upgrade().withSkipPreUpgrade(true)
        .withWasmMemoryPersistence(WasmMemoryPersistence.KEEP)), mc.modes);
  }

  @Test
  void upgrade_runningClassic_sentAsGiven() {
    running(false);
    installer.install(TARGET, next, InstallMode.upgrade());
    assertEquals(List.of(InstallMode.upgrade()), mc.modes);
  }

  @Test
  void upgrade_explicitReplace_wins_noMetadataRead() {
    running(true);
    InstallMode replace =
        InstallMode.upgrade().withWasmMemoryPersistence(WasmMemoryPersistence.REPLACE);
    installer.install(TARGET, next, replace);
    assertEquals(List.of(replace), mc.modes);
    assertEquals(0, mc.count("metadata"));
  }

  @Test
  void upgrade_chunked_runningEop_sendsKeep() {
    running(true);
    installer.install(InstallRequest.builder(TARGET, next)
        .storeCanister(Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai")).build());
    assertEquals(List.of(InstallMode.upgrade().withWasmMemoryPersistence(WasmMemoryPersistence.KEEP)),
        mc.modes);
  }

  @Test
  void install_andReinstall_neverReadMetadata() {
    running(true);
    installer.install(TARGET, next, InstallMode.reinstall());
    assertEquals(List.of(InstallMode.reinstall()), mc.modes);
    assertEquals(0, mc.count("metadata"));
  }

  @Test
  void upgrade_portWithoutMetadata_sentAsGiven_callsNotCounted() {
    mc.installed.put(TARGET, Sha256.of(new byte[] {1, 2, 3}));
    InstallOutcome.Installed out = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(TARGET, next, InstallMode.upgrade()));
    assertEquals(List.of(InstallMode.upgrade()), mc.modes);
    assertEquals(3, out.callsMade());
  }
}
