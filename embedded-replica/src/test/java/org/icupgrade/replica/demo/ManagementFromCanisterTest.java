package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.InterCanisterCallTest.relay;
import static org.icupgrade.replica.demo.InterCanisterCallTest.relayArg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.junit.jupiter.api.Test;

/**
 * The management canister's rules for a canister calling about itself (spec, formal model,
 * "Upload Chunk", "Clear chunk store", "List stored chunks", "Canister status", "Install chunked
 * code": the canister itself may, without being its own controller) and for canister-only
 * methods.
 */
class ManagementFromCanisterTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final ManagementCanister ic = CandidManagementCanister.over(agent);
  /** A relay canister controlled by ME only: it is not its own controller. */
  final Principal relay = replica.createCanister(ME);

  ManagementFromCanisterTest() {
    ic.installCode(relay, InstallMode.install(), ByteBuffer.wrap(relay()), NONE);
  }

  byte[] viaRelay(String method, byte[] arg) {
    return agent.update(relay, "relay", relayArg(Principal.MANAGEMENT_CANISTER, method, arg));
  }

  @Test
  void uploadChunk_byTheCanisterItself_stored() {
    byte[] chunk = {1, 2, 3};
    Sha256 hash = ManagementCandid.decodeUploadChunkResult(viaRelay("upload_chunk",
        ManagementCandid.encodeUploadChunkArgs(relay, ByteBuffer.wrap(chunk))));
    assertEquals(Sha256.of(chunk), hash);
    assertEquals(List.of(hash), ManagementCandid.decodeStoredChunksResult(
        viaRelay("stored_chunks", ManagementCandid.encodeCanisterIdArgs(relay))));
    viaRelay("clear_chunk_store", ManagementCandid.encodeCanisterIdArgs(relay));
    assertEquals(List.of(), replica.chunkStore(relay));
  }

  @Test
  void canisterStatus_byTheCanisterItself_answered() {
    CanisterStatus status = ManagementCandid.decodeCanisterStatusResult(
        viaRelay("canister_status", ManagementCandid.encodeCanisterIdArgs(relay)));
    assertEquals(List.of(ME), status.controllers());
  }

  @Test
  void uploadChunk_toAnotherCanisterItDoesNotControl_rejected() {
    Principal other = replica.createCanister(ME);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> viaRelay("upload_chunk", ManagementCandid.encodeUploadChunkArgs(other,
            ByteBuffer.wrap(new byte[] {1}))));
    assertTrue(e.rejectMessage().contains("Only controllers"), e.getMessage());
    assertEquals(List.of(), replica.chunkStore(other));
  }

  @Test
  void installChunkedCode_storeCanisterIsTheCaller_installsIntoTargetItControls() {
    Principal target = replica.createCanister(ME);
    ic.updateSettings(target, CanisterSettings.ofControllers(List.of(ME, relay)));
    byte[] module = SyntheticWasm.ofSize(3000, 7);
    Sha256 hash = ManagementCandid.decodeUploadChunkResult(viaRelay("upload_chunk",
        ManagementCandid.encodeUploadChunkArgs(relay, ByteBuffer.wrap(module))));
    viaRelay("install_chunked_code", ManagementCandid.encodeInstallChunkedCodeArgs(
        new InstallChunkedCodeRequest(InstallMode.install(), target, relay, List.of(hash),
            Sha256.of(module), NONE)));
    assertEquals(Optional.of(Sha256.of(module)), replica.moduleHash(target));
  }

  @Test
  void installChunkedCode_storeCanisterCallerWithoutControlOfTarget_rejected() {
    Principal target = replica.createCanister(ME);
    byte[] module = SyntheticWasm.ofSize(3000, 7);
    Sha256 hash = ManagementCandid.decodeUploadChunkResult(viaRelay("upload_chunk",
        ManagementCandid.encodeUploadChunkArgs(relay, ByteBuffer.wrap(module))));
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> viaRelay("install_chunked_code", ManagementCandid.encodeInstallChunkedCodeArgs(
            new InstallChunkedCodeRequest(InstallMode.install(), target, relay, List.of(hash),
                Sha256.of(module), NONE))));
    assertTrue(e.rejectMessage().contains("Only controllers"), e.getMessage());
    assertEquals(Optional.empty(), replica.moduleHash(target));
  }

  @Test
  void createCanister_fromACanister_createdWithTheCanisterAsController() {
    Principal created = ManagementCandid.decodeCanisterIdResult(viaRelay("create_canister",
        ManagementCandid.encodeCreateCanisterArgs(null)));
    assertEquals(List.of(relay), replica.controllers(created));
  }
}
