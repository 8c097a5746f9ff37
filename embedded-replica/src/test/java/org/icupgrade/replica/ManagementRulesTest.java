package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.junit.jupiter.api.Test;

/** The management canister's rules, one by one, through real Candid. */
class ManagementRulesTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 2});
  static final Principal OTHER = Principal.fromBytes(new byte[] {7, 7, 7, 2});
  static final int MIB = 1024 * 1024;

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(ME));
  final ManagementCanister other = CandidManagementCanister.over(replica.agentFor(OTHER));
  final Principal canister = replica.createCanister(ME);

  static ByteBuffer wasm(int size) {
    return ByteBuffer.wrap(SyntheticWasm.ofSize(size, size));
  }

  static byte[] eopModule() {
    // header, then a custom section named "icp:private enhanced-orthogonal-persistence"
    byte[] name = "icp:private enhanced-orthogonal-persistence".getBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, (byte) (name.length + 1),
        (byte) name.length});
    out.writeBytes(name);
    return out.toByteArray();
  }

  static CanisterRejectException rejected(Runnable call) {
    return assertThrows(CanisterRejectException.class, call::run);
  }

  /** ic.did's canister_status_result: {@code version} counts the canister's changes. */
  long statusVersion() {
    byte[] reply = replica.agentFor(ME).update(Principal.MANAGEMENT_CANISTER, "canister_status",
        org.icupgrade.candid.internal.ManagementCandid.encodeCanisterIdArgs(canister), canister);
    org.icupgrade.candid.internal.Fields f =
        org.icupgrade.candid.internal.Fields.of(reply, "canister_status");
    assertEquals(false, f.bool("ready_for_migration"));
    return f.nat64("version").longValueExact();
  }

  @Test
  void canisterStatus_versionGrowsWithEachChange() {
    long before = statusVersion();
    ic.updateSettings(canister, CanisterSettings.ofControllers(List.of(ME, OTHER)));
    assertTrue(statusVersion() > before, "update_settings changes the canister");
  }

  @Test
  void uploadChunk_overOneMiB_rejected() {
    CanisterRejectException e = rejected(() -> ic.uploadChunk(canister, ByteBuffer.allocate(MIB + 1)));
    assertTrue(e.rejectMessage().contains("at most 1048576"), e.getMessage());
    ic.uploadChunk(canister, ByteBuffer.allocate(MIB));
    assertEquals(1, replica.chunkStore(canister).size());
  }

  @Test
  void uploadChunk_storeFull_rejectedButReuploadIsNoOp() {
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      byte[] c = {(byte) i, (byte) (i >> 8), 1};
      chunks.add(c);
      ic.uploadChunk(canister, ByteBuffer.wrap(c));
    }
    CanisterRejectException full = rejected(() -> ic.uploadChunk(canister, ByteBuffer.wrap(new byte[] {9, 9, 9, 9})));
    assertTrue(full.rejectMessage().contains("full"), full.getMessage());
    Sha256 again = ic.uploadChunk(canister, ByteBuffer.wrap(chunks.get(42)));
    assertEquals(Sha256.of(chunks.get(42)), again);
    assertEquals(100, ic.storedChunks(canister).size());
    ic.clearChunkStore(canister);
    assertTrue(ic.storedChunks(canister).isEmpty());
  }

  @Test
  void ingress_overTwoMiB_rejectedAtTheBoundary() {
    int limit = 2 * MIB;
    // An upload_chunk argument of exactly 2 MiB passes the ingress check (and then fails the
    // 1 MiB chunk rule); one byte more is refused as an ingress message.
    byte[] prefix = ManagementCandid.encodeUploadChunkArgs(canister, ByteBuffer.allocate(0));
    int chunk = limit - prefix.length - 2; // the LEB128 length of the blob grows by 2 bytes
    byte[] exactly = ManagementCandid.encodeUploadChunkArgs(canister, ByteBuffer.allocate(chunk));
    assertEquals(limit, exactly.length);
    CanisterRejectException atLimitReject = rejected(() -> replica.agentFor(ME)
        .update(Principal.MANAGEMENT_CANISTER, "upload_chunk", exactly, canister));
    assertTrue(atLimitReject.rejectMessage().contains("at most 1048576"), atLimitReject.getMessage());
    byte[] over = ManagementCandid.encodeUploadChunkArgs(canister, ByteBuffer.allocate(chunk + 1));
    CanisterRejectException e = rejected(() -> replica.agentFor(ME)
        .update(Principal.MANAGEMENT_CANISTER, "upload_chunk", over, canister));
    assertTrue(e.rejectMessage().contains("too large"), e.getMessage());
    assertEquals(RejectCode.CANISTER_REJECT, e.rejectCode());
  }

  @Test
  void installCode_invalidModules_rejected() throws IOException {
    rejected(() -> ic.installCode(canister, InstallMode.install(),
        ByteBuffer.wrap("not wasm at all".getBytes()), new byte[0]));
    byte[] truncated = java.util.Arrays.copyOf(SyntheticWasm.ofSize(1000, 1), 500);
    CanisterRejectException e = rejected(() -> ic.installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(truncated), new byte[0]));
    assertTrue(e.rejectMessage().contains("could not be decoded"), e.getMessage());
    byte[] garbageGzip = {0x1f, (byte) 0x8b, 0x08, 1, 2, 3, 4, 5};
    rejected(() -> ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(garbageGzip),
        new byte[0]));
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  @Test
  void installCode_gzipModule_hashIsOfCompressedBytes() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(SyntheticWasm.ofSize(10_000, 3));
    }
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(gz.toByteArray()), new byte[0]);
    assertEquals(Optional.of(Sha256.of(gz.toByteArray())), replica.moduleHash(canister));
  }

  @Test
  void installModes_installOnlyOnEmpty_upgradeOnlyOnNonEmpty() {
    rejected(() -> ic.installCode(canister, InstallMode.upgrade(), wasm(100), new byte[0]));
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    CanisterRejectException e = rejected(() ->
        ic.installCode(canister, InstallMode.install(), wasm(200), new byte[0]));
    assertTrue(e.rejectMessage().contains("not empty"), e.getMessage());
    ic.installCode(canister, InstallMode.upgrade(), wasm(200), new byte[0]);
    ic.installCode(canister, InstallMode.reinstall(), wasm(300), new byte[0]);
    assertEquals(Optional.of(Sha256.of(wasm(300))), replica.moduleHash(canister));
  }

  @Test
  void upgrade_enhancedOrthogonalPersistence_needsKeepAndOnlyItMayUseKeep() {
    InstallMode keep = InstallMode.upgrade()
        .withWasmMemoryPersistence(InstallMode.WasmMemoryPersistence.KEEP);
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    CanisterRejectException notEop = rejected(() -> ic.installCode(canister, keep, wasm(200),
        new byte[0]));
    assertTrue(notEop.rejectMessage().contains("only for modules"), notEop.getMessage());
    // From a classic module to an EOP one: there is no EOP memory yet to keep.
    ic.installCode(canister, InstallMode.upgrade(), ByteBuffer.wrap(eopModule()), new byte[0]);
    CanisterRejectException e = rejected(() ->
        ic.installCode(canister, InstallMode.upgrade(), ByteBuffer.wrap(eopModule()), new byte[0]));
    assertTrue(e.rejectMessage().contains("keep"), e.getMessage());
    ic.installCode(canister, keep, ByteBuffer.wrap(eopModule()), new byte[0]);
  }

  @Test
  void nonController_everyManagingCallRejected_nothingChanges() {
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    for (Runnable call : List.<Runnable>of(
        () -> other.canisterStatus(canister),
        () -> other.uploadChunk(canister, ByteBuffer.wrap(new byte[] {1})),
        () -> other.storedChunks(canister),
        () -> other.clearChunkStore(canister),
        () -> other.installCode(canister, InstallMode.reinstall(), wasm(200), new byte[0]),
        () -> other.stopCanister(canister),
        () -> other.updateSettings(canister, CanisterSettings.ofControllers(List.of(OTHER))),
        () -> other.takeCanisterSnapshot(canister, null))) {
      CanisterRejectException e = rejected(call);
      assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
      assertEquals(Optional.of("IC0512"), e.errorCode());
    }
    assertEquals(List.of(ME), replica.controllers(canister));
    assertEquals(Optional.of(Sha256.of(wasm(100))), replica.moduleHash(canister));
    assertEquals(CanisterStatus.RunStatus.RUNNING, replica.runStatus(canister));
  }

  @Test
  void moduleHash_readableByAnyoneIncludingAnonymous() {
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    assertEquals(Optional.of(Sha256.of(wasm(100))),
        replica.agentFor(Principal.ANONYMOUS).moduleHash(canister));
  }

  @Test
  void stopStart_statusFollowsAndStoppedCanisterRefusesCalls() {
    ic.stopCanister(canister);
    assertEquals(CanisterStatus.RunStatus.STOPPED, ic.canisterStatus(canister).status());
    CanisterRejectException e = rejected(() -> replica.agentFor(OTHER).query(canister, "greet",
        new byte[] {'D', 'I', 'D', 'L', 0, 0}));
    assertTrue(e.rejectMessage().contains("stopped"), e.getMessage());
    ic.startCanister(canister);
    assertEquals(CanisterStatus.RunStatus.RUNNING, ic.canisterStatus(canister).status());
  }

  @Test
  void snapshots_atMostTen_replaceAndLoadRestoreModule() {
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    Snapshot first = ic.takeCanisterSnapshot(canister, null);
    for (int i = 1; i < 10; i++) {
      ic.takeCanisterSnapshot(canister, null);
    }
    CanisterRejectException e = rejected(() -> ic.takeCanisterSnapshot(canister, null));
    assertTrue(e.rejectMessage().contains("maximum"), e.getMessage());
    Snapshot replaced = ic.takeCanisterSnapshot(canister, first.id());
    assertEquals(10, ic.listCanisterSnapshots(canister).size());
    assertFalse(ic.listCanisterSnapshots(canister).contains(first));
    ic.installCode(canister, InstallMode.upgrade(), wasm(200), new byte[0]);
    ic.loadCanisterSnapshot(canister, replaced.id());
    assertEquals(Optional.of(Sha256.of(wasm(100))), replica.moduleHash(canister));
    ic.deleteCanisterSnapshot(canister, replaced.id());
    assertEquals(9, ic.listCanisterSnapshots(canister).size());
  }

  @Test
  void updateSettings_controllersReplacedAndLimitedToTen() {
    ic.updateSettings(canister, CanisterSettings.ofControllers(List.of(ME, OTHER)));
    assertEquals(List.of(ME, OTHER), ic.canisterStatus(canister).controllers());
    List<Principal> eleven = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      eleven.add(Principal.fromBytes(new byte[] {(byte) i, 2}));
    }
    rejected(() -> ic.updateSettings(canister, CanisterSettings.ofControllers(eleven)));
    assertEquals(List.of(ME, OTHER), replica.controllers(canister));
  }

  @Test
  void effectiveCanisterId_mismatch_rejected() {
    Principal elsewhere = replica.createCanister(ME);
    CanisterRejectException e = rejected(() -> replica.agentFor(ME).update(
        Principal.MANAGEMENT_CANISTER, "stored_chunks",
        ManagementCandid.encodeCanisterIdArgs(canister), elsewhere));
    assertTrue(e.rejectMessage().contains("effective canister id"), e.getMessage());
  }

  @Test
  void unknownCanister_destinationInvalid() {
    CanisterRejectException e = rejected(() ->
        ic.canisterStatus(Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai")));
    assertEquals(RejectCode.DESTINATION_INVALID, e.rejectCode());
  }

  @Test
  void provisionalCreateCanister_defaultControllerIsCaller() {
    Principal created = ic.provisionalCreateCanisterWithCycles(null, CanisterSettings.empty(),
        null);
    assertEquals(List.of(ME), replica.controllers(created));
  }

  @Test
  void createCanister_viaIngress_rejected() {
    // Spec, "IC method create_canister": only canisters may call it.
    CanisterRejectException e = rejected(() -> ic.createCanister(CanisterSettings.empty()));
    assertTrue(e.rejectMessage().contains("only be called by canisters"), e.getMessage());
  }

  @Test
  void upgrade_enhancedOrthogonalPersistenceWithReplace_accepted() {
    // Spec, formal model, "Code upgrade": an EOP canister needs the option set; replace drops
    // the main memory knowingly, also towards a module without EOP.
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(eopModule()), new byte[0]);
    ic.installCode(canister, InstallMode.upgrade()
        .withWasmMemoryPersistence(InstallMode.WasmMemoryPersistence.REPLACE), wasm(100),
        new byte[0]);
    assertEquals(Optional.of(Sha256.of(wasm(100))), replica.moduleHash(canister));
  }

  @Test
  void loadSnapshot_restoresTheChunkStoreOfTheSnapshot() {
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    Sha256 kept = ic.uploadChunk(canister, ByteBuffer.wrap(new byte[] {1}));
    Snapshot s = ic.takeCanisterSnapshot(canister, null);
    ic.clearChunkStore(canister);
    ic.uploadChunk(canister, ByteBuffer.wrap(new byte[] {2}));
    ic.loadCanisterSnapshot(canister, s.id());
    assertEquals(List.of(kept), ic.storedChunks(canister));
  }

  @Test
  void uninstallCode_emptiesCanisterAndChunkStore_keepsControllersAndSnapshots() {
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    ic.takeCanisterSnapshot(canister, null);
    ic.uploadChunk(canister, ByteBuffer.wrap(new byte[] {1}));
    replica.agentFor(ME).update(Principal.MANAGEMENT_CANISTER, "uninstall_code",
        ManagementCandid.encodeCanisterIdArgs(canister), canister);
    assertEquals(Optional.empty(), replica.moduleHash(canister));
    assertEquals(List.of(), replica.chunkStore(canister));
    assertEquals(List.of(ME), replica.controllers(canister));
    assertEquals(1, ic.listCanisterSnapshots(canister).size());
    // empty again: install is the mode that fits
    ic.installCode(canister, InstallMode.install(), wasm(200), new byte[0]);
  }

  @Test
  void uninstallCode_nonController_rejectedNothingChanges() {
    ic.installCode(canister, InstallMode.install(), wasm(100), new byte[0]);
    CanisterRejectException e = rejected(() -> replica.agentFor(OTHER).update(
        Principal.MANAGEMENT_CANISTER, "uninstall_code",
        ManagementCandid.encodeCanisterIdArgs(canister), canister));
    assertEquals(Optional.of("IC0512"), e.errorCode());
    assertEquals(Optional.of(Sha256.of(wasm(100))), replica.moduleHash(canister));
  }

  @Test
  void deleteCanister_running_rejected_stopped_deleted() {
    byte[] arg = ManagementCandid.encodeCanisterIdArgs(canister);
    CanisterRejectException running = rejected(() -> replica.agentFor(ME).update(
        Principal.MANAGEMENT_CANISTER, "delete_canister", arg, canister));
    assertTrue(running.rejectMessage().contains("stopped"), running.getMessage());
    ic.stopCanister(canister);
    replica.agentFor(ME).update(Principal.MANAGEMENT_CANISTER, "delete_canister", arg, canister);
    assertEquals(RejectCode.DESTINATION_INVALID,
        rejected(() -> ic.canisterStatus(canister)).rejectCode());
  }

  @Test
  void installCode_seventeenIcpCustomSections_rejectedNothingInstalled() {
    org.icupgrade.replica.demo.WasmBuilder w = new org.icupgrade.replica.demo.WasmBuilder();
    for (int i = 0; i < 17; i++) {
      w.custom("icp:public s" + i, new byte[0]);
    }
    CanisterRejectException e = rejected(() -> ic.installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(w.build()), new byte[0]));
    assertEquals(Optional.of("IC0505"), e.errorCode());
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  @Test
  void installCode_largeDebugCustomSection_accepted() {
    // Not an icp: section: outside the 1 MiB custom section budget.
    byte[] module = new org.icupgrade.replica.demo.WasmBuilder()
        .custom(".debug_info", new byte[MIB + MIB / 2]).build();
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(module), new byte[0]);
    assertEquals(Optional.of(Sha256.of(module)), replica.moduleHash(canister));
  }

  @Test
  void takeSnapshot_emptyCanister_rejected() {
    CanisterRejectException e = rejected(() -> ic.takeCanisterSnapshot(canister, null));
    assertTrue(e.rejectMessage().contains("empty"), e.getMessage());
    assertTrue(ic.listCanisterSnapshots(canister).isEmpty());
  }

  @Test
  void updateSettings_controllerListedTwice_keptOnce() {
    ic.updateSettings(canister, CanisterSettings.ofControllers(List.of(ME, OTHER, ME)));
    assertEquals(List.of(ME, OTHER), replica.controllers(canister));
  }

  @Test
  void failNext_forOneCanister_failsOnlyItsCallsBeforeAnyChange() {
    Principal b = replica.createCanister(ME);
    replica.failNext("upload_chunk", canister, 1, () -> new CanisterRejectException(
        RejectCode.SYS_TRANSIENT, "injected", null, Principal.MANAGEMENT_CANISTER,
        "upload_chunk"));
    ic.uploadChunk(b, ByteBuffer.wrap(new byte[] {1}));
    CanisterRejectException e = rejected(() -> ic.uploadChunk(canister,
        ByteBuffer.wrap(new byte[] {1})));
    assertEquals(RejectCode.SYS_TRANSIENT, e.rejectCode());
    assertTrue(replica.chunkStore(canister).isEmpty());
    ic.uploadChunk(canister, ByteBuffer.wrap(new byte[] {1}));
    assertEquals(1, replica.chunkStore(canister).size());
  }
}
