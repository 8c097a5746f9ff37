package org.icupgrade.candid.management;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ManagementCanister} port over any {@link Agent}: every call is an update call to
 * {@code aaaaa-aa} with the Candid encoding of {@link ManagementCandid}, routed with the canister
 * it is about as the effective canister id (interface spec, "Effective canister id").
 *
 * <pre>{@code
 * ManagementCanister ic = CandidManagementCanister.over(agent);
 * }</pre>
 */
public final class CandidManagementCanister implements ManagementCanister {
  private final Agent agent;

  private CandidManagementCanister(Agent agent) {
    this.agent = Objects.requireNonNull(agent, "agent");
  }

  /** The management canister as seen by {@code agent}'s sender. */
  public static ManagementCanister over(Agent agent) {
    return new CandidManagementCanister(agent);
  }

  private byte[] call(String method, byte[] arg, Principal effectiveCanisterId) {
    return agent.update(Principal.MANAGEMENT_CANISTER, method, arg, effectiveCanisterId);
  }

  /**
   * {@code create_canister} is for canisters; an ingress message needs an effective canister id,
   * which the spec lets be any principal for this method: the sender's own is used.
   */
  @Override
  public Principal createCanister(CanisterSettings settings) {
    return ManagementCandid.decodeCanisterIdResult(call("create_canister",
        ManagementCandid.encodeCreateCanisterArgs(settings), agent.sender()));
  }

  @Override
  public Principal provisionalCreateCanisterWithCycles(
      @Nullable BigInteger amount, CanisterSettings settings, @Nullable Principal specifiedId) {
    return ManagementCandid.decodeCanisterIdResult(call("provisional_create_canister_with_cycles",
        ManagementCandid.encodeProvisionalCreateArgs(amount, settings, specifiedId),
        specifiedId != null ? specifiedId : agent.sender()));
  }

  @Override
  public void updateSettings(Principal canisterId, CanisterSettings settings) {
    call("update_settings", ManagementCandid.encodeUpdateSettingsArgs(canisterId, settings),
        canisterId);
  }

  @Override
  public CanisterStatus canisterStatus(Principal canisterId) {
    return ManagementCandid.decodeCanisterStatusResult(call("canister_status",
        ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId));
  }

  @Override
  public void installCode(Principal canisterId, InstallMode mode, ByteBuffer wasmModule, byte[] arg) {
    call("install_code",
        ManagementCandid.encodeInstallCodeArgs(canisterId, mode, wasmModule, arg), canisterId);
  }

  @Override
  public Sha256 uploadChunk(Principal canisterId, ByteBuffer chunk) {
    return ManagementCandid.decodeUploadChunkResult(call("upload_chunk",
        ManagementCandid.encodeUploadChunkArgs(canisterId, chunk), canisterId));
  }

  @Override
  public List<Sha256> storedChunks(Principal canisterId) {
    return ManagementCandid.decodeStoredChunksResult(call("stored_chunks",
        ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId));
  }

  @Override
  public void clearChunkStore(Principal canisterId) {
    call("clear_chunk_store", ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId);
  }

  @Override
  public void installChunkedCode(InstallChunkedCodeRequest request) {
    call("install_chunked_code", ManagementCandid.encodeInstallChunkedCodeArgs(request),
        request.targetCanister());
  }

  @Override
  public void startCanister(Principal canisterId) {
    call("start_canister", ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId);
  }

  @Override
  public void stopCanister(Principal canisterId) {
    call("stop_canister", ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId);
  }

  @Override
  public Snapshot takeCanisterSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot) {
    return ManagementCandid.decodeSnapshotResult(call("take_canister_snapshot",
        ManagementCandid.encodeTakeSnapshotArgs(canisterId, replaceSnapshot), canisterId));
  }

  @Override
  public void loadCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    call("load_canister_snapshot",
        ManagementCandid.encodeLoadSnapshotArgs(canisterId, snapshotId), canisterId);
  }

  @Override
  public List<Snapshot> listCanisterSnapshots(Principal canisterId) {
    return ManagementCandid.decodeListSnapshotsResult(call("list_canister_snapshots",
        ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId));
  }

  @Override
  public void deleteCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    call("delete_canister_snapshot",
        ManagementCandid.encodeDeleteSnapshotArgs(canisterId, snapshotId), canisterId);
  }

  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    return agent.moduleHash(canisterId);
  }
}
