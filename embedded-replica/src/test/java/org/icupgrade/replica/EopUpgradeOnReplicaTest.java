package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.InstallMode.WasmMemoryPersistence;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.demo.WasmBuilder;
import org.junit.jupiter.api.Test;

/**
 * Metadata reads ({@code /canister/<id>/metadata/<name>}) and the installer's choice of
 * {@code wasm_memory_persistence} from them, against the strict replica (which refuses an EOP
 * upgrade without the option, and keep for a module without EOP).
 */
class EopUpgradeOnReplicaTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 2});
  static final Principal STRANGER = Principal.fromBytes(new byte[] {6, 6, 6, 2});
  static final String EOP = "icp:private enhanced-orthogonal-persistence";

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final Agent stranger = replica.agentFor(STRANGER);
  final Principal canister = replica.createCanister(ME);
  /** The modes sent with install_code / install_chunked_code, as the port saw them. */
  final List<InstallMode> modesSent = Collections.synchronizedList(new ArrayList<>());
  final ManagementCanister ic = recording(CandidManagementCanister.over(agent));
  final ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(ic)
      .retryPolicy(RetryPolicy.defaults().withSleeper(d -> { })).build();

  ManagementCanister recording(ManagementCanister port) {
    return (ManagementCanister) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ManagementCanister.class}, (proxy, method, args) -> {
          if (method.getName().equals("installCode")) {
            modesSent.add((InstallMode) args[1]);
          } else if (method.getName().equals("installChunkedCode")) {
            modesSent.add(((InstallChunkedCodeRequest) args[0]).installMode());
          }
          try {
            return method.invoke(port, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  static WasmModule eopModule(String version) {
    return WasmModule.of(new WasmBuilder()
        .custom(EOP, new byte[0])
        .custom("icp:public version", version.getBytes(StandardCharsets.UTF_8))
        .build());
  }

  static WasmModule classicModule(String version) {
    return WasmModule.of(new WasmBuilder()
        .custom("icp:public version", version.getBytes(StandardCharsets.UTF_8))
        .build());
  }

  static final InstallMode KEEP =
      InstallMode.upgrade().withWasmMemoryPersistence(WasmMemoryPersistence.KEEP);
  static final InstallMode REPLACE =
      InstallMode.upgrade().withWasmMemoryPersistence(WasmMemoryPersistence.REPLACE);

  // ---- metadata ----

  @Test
  void metadata_publicSection_readableByAnyone() {
    installer.install(canister, classicModule("1.0"), InstallMode.install());
    assertArrayEquals("1.0".getBytes(StandardCharsets.UTF_8),
        agent.metadata(canister, "version").orElseThrow());
    assertArrayEquals("1.0".getBytes(StandardCharsets.UTF_8),
        stranger.metadata(canister, "version").orElseThrow());
    // The port passes the read through.
    assertArrayEquals("1.0".getBytes(StandardCharsets.UTF_8),
        ic.metadata(canister, "version").orElseThrow());
  }

  @Test
  void metadata_absentSection_orNoModule_empty() {
    assertEquals(Optional.empty(), agent.metadata(canister, "version"));
    installer.install(canister, classicModule("1.0"), InstallMode.install());
    assertEquals(Optional.empty(), agent.metadata(canister, "enhanced-orthogonal-persistence"));
    assertEquals(Optional.empty(), agent.metadata(canister, "candid:service"));
    // The full section name is not a metadata name.
    assertEquals(Optional.empty(), agent.metadata(canister, "icp:public version"));
  }

  @Test
  void metadata_privateSection_controllerOnly() {
    installer.install(canister, eopModule("1.0"), InstallMode.install());
    assertArrayEquals(new byte[0],
        agent.metadata(canister, "enhanced-orthogonal-persistence").orElseThrow());
    IcException e = assertThrows(IcException.class,
        () -> stranger.metadata(canister, "enhanced-orthogonal-persistence"));
    assertTrue(e.getMessage().contains("controllers"), e.getMessage());
    // Public sections of the same module stay readable.
    assertTrue(stranger.metadata(canister, "version").isPresent());
  }

  @Test
  void metadata_gzipModule_read() throws Exception {
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write(new WasmBuilder().custom(EOP, new byte[0])
          .custom("icp:public version", "2.0".getBytes(StandardCharsets.UTF_8)).build());
    }
    installer.install(canister, WasmModule.of(gz.toByteArray()), InstallMode.install());
    assertArrayEquals("2.0".getBytes(StandardCharsets.UTF_8),
        agent.metadata(canister, "version").orElseThrow());
    assertTrue(agent.metadata(canister, "enhanced-orthogonal-persistence").isPresent());
  }

  @Test
  void metadata_unknownCanister_rejected() {
    assertThrows(CanisterRejectException.class,
        () -> agent.metadata(Principal.fromBytes(new byte[] {9, 9, 9, 1}), "version"));
  }

  // ---- the installer's choice ----

  @Test
  void upgrade_runningEop_plainUpgrade_sendsKeep_andSucceeds() {
    installer.install(canister, eopModule("1.0"), InstallMode.install());
    WasmModule next = eopModule("1.1");
    assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(canister, next, InstallMode.upgrade()));
    assertEquals(List.of(InstallMode.install(), KEEP), modesSent);
    assertEquals(Optional.of(next.hash()), replica.moduleHash(canister));
  }

  @Test
  void upgrade_runningEop_withoutTheInstaller_isRefused() {
    // What every upgrade of a Motoko canister met before: the IC's refusal of a missing option.
    installer.install(canister, eopModule("1.0"), InstallMode.install());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> ic.installCode(canister, InstallMode.upgrade(), eopModule("1.1").content(),
            new byte[] {'D', 'I', 'D', 'L', 0, 0}));
    assertEquals("IC0503", e.errorCode().orElseThrow());
  }

  @Test
  void upgrade_runningEop_chunkedThroughStore_sendsKeep() {
    Principal store = replica.createCanister(ME);
    installer.install(canister, eopModule("1.0"), InstallMode.install());
    WasmModule next = eopModule("1.1");
    installer.install(InstallRequest.builder(canister, next).storeCanister(store).build());
    assertEquals(List.of(InstallMode.install(), KEEP), modesSent);
    assertEquals(1, replica.calls("install_chunked_code").size());
    assertEquals(Optional.of(next.hash()), replica.moduleHash(canister));
  }

  @Test
  void upgrade_runningClassic_sentWithoutKeep() {
    installer.install(canister, classicModule("1.0"), InstallMode.install());
    WasmModule next = classicModule("1.1");
    installer.install(canister, next, InstallMode.upgrade());
    assertEquals(List.of(InstallMode.install(), InstallMode.upgrade()), modesSent);
    assertEquals(Optional.of(next.hash()), replica.moduleHash(canister));
  }

  @Test
  void upgrade_classicToEop_sentWithoutKeep() {
    // The running module decides, as on the IC: keep is only for a canister already on EOP.
    installer.install(canister, classicModule("1.0"), InstallMode.install());
    installer.install(canister, eopModule("2.0"), InstallMode.upgrade());
    assertEquals(List.of(InstallMode.install(), InstallMode.upgrade()), modesSent);
  }

  @Test
  void upgrade_runningEop_explicitReplace_respected() {
    installer.install(canister, eopModule("1.0"), InstallMode.install());
    WasmModule next = classicModule("2.0");
    installer.install(canister, next, REPLACE);
    assertEquals(List.of(InstallMode.install(), REPLACE), modesSent);
    assertEquals(Optional.of(next.hash()), replica.moduleHash(canister));
  }

  @Test
  void upgrade_runningClassic_explicitKeep_sentAndRefusedByTheReplica() {
    installer.install(canister, classicModule("1.0"), InstallMode.install());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> installer.install(canister, classicModule("1.1"), KEEP));
    assertTrue(e.rejectMessage().contains("keep"), e.getMessage());
    assertEquals(List.of(InstallMode.install(), KEEP), modesSent);
  }
}
