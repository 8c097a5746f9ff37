package org.icupgrade.candid.management;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.CandidException;
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
import org.icupgrade.candid.internal.ManagementCandid;

/**
 * The {@link ManagementCanister} port over any {@link Agent}: every call is an update call to
 * {@code aaaaa-aa} with the Candid encoding of {@link ManagementCandid}, routed with the canister
 * it is about as the effective canister id (interface spec, "Effective canister id"): the
 * {@code canister_id} argument, {@code target_canister} for {@code install_chunked_code}.
 * {@code canister_status} and {@code stored_chunks} are update calls too, as dfx makes them
 * ({@code ic.did} declares neither as a query).
 * {@link #moduleHash} is the agent's certified read of the state tree, open to anyone.
 *
 * <p>A reply that is not the Candid its method returns throws core's {@link CandidException}
 * (an {@code IcException}, never transient) naming the method and the field, such as
 * {@code canister_status reply} at {@code settings.controllers}; the agent's own failures pass
 * through as the agent raised them.
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

  /**
   * The management canister as seen by {@code agent}'s sender.
   *
   * @param agent the transport, and the identity the calls are sent as
   * @return the management canister's calls, Candid-encoded over {@code agent}
   */
  public static ManagementCanister over(Agent agent) {
    return new CandidManagementCanister(agent);
  }

  private byte[] call(String method, byte[] arg, Principal effectiveCanisterId) {
    return agent.update(Principal.MANAGEMENT_CANISTER, method, arg, effectiveCanisterId);
  }

  /** A call whose reply is {@code ()}: the reply is still checked to be Candid. */
  private void callForNothing(String method, byte[] arg, Principal effectiveCanisterId) {
    ManagementCandid.decodeEmptyResult(call(method, arg, effectiveCanisterId), method);
  }

  /**
   * <b>Warning:</b> the interface spec ("IC method create_canister") says this method cannot be
   * called by ingress messages, so a real replica rejects it from an HTTP agent; it is here for
   * agents that act as a canister (the embedded replica's inter-canister path) and for
   * completeness. The call still needs an effective canister id, and none names a canister yet: the
   * sender's own principal is used, as for {@code provisional_create_canister_with_cycles}.
   */
  @Override
  public Principal createCanister(CanisterSettings settings) {
    return ManagementCandid.decodeCanisterIdResult(call("create_canister",
        ManagementCandid.encodeCreateCanisterArgs(settings), agent.sender()), "create_canister");
  }

  /**
   * The effective canister id is {@code specifiedId} when given (the call must reach the subnet
   * whose range holds it), otherwise the sender's principal: the spec ("Effective canister id")
   * accepts any principal for this method.
   */
  @Override
  public Principal provisionalCreateCanisterWithCycles(
      @Nullable BigInteger amount, CanisterSettings settings, @Nullable Principal specifiedId) {
    String method = "provisional_create_canister_with_cycles";
    return ManagementCandid.decodeCanisterIdResult(call(method,
        ManagementCandid.encodeProvisionalCreateArgs(amount, settings, specifiedId),
        specifiedId != null ? specifiedId : agent.sender()), method);
  }

  @Override
  public void updateSettings(Principal canisterId, CanisterSettings settings) {
    callForNothing("update_settings",
        ManagementCandid.encodeUpdateSettingsArgs(canisterId, settings),
        canisterId);
  }

  @Override
  public CanisterStatus canisterStatus(Principal canisterId) {
    return ManagementCandid.decodeCanisterStatusResult(call("canister_status",
        ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId));
  }

  @Override
  public void installCode(
      Principal canisterId, InstallMode mode, ByteBuffer wasmModule, byte[] arg) {
    callForNothing("install_code",
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
    callForNothing("clear_chunk_store", ManagementCandid.encodeCanisterIdArgs(canisterId),
        canisterId);
  }

  @Override
  public void installChunkedCode(InstallChunkedCodeRequest request) {
    callForNothing("install_chunked_code", ManagementCandid.encodeInstallChunkedCodeArgs(request),
        request.targetCanister());
  }

  @Override
  public void startCanister(Principal canisterId) {
    callForNothing("start_canister", ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId);
  }

  @Override
  public void stopCanister(Principal canisterId) {
    callForNothing("stop_canister", ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId);
  }

  @Override
  public Snapshot takeCanisterSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot) {
    return ManagementCandid.decodeSnapshotResult(call("take_canister_snapshot",
        ManagementCandid.encodeTakeSnapshotArgs(canisterId, replaceSnapshot), canisterId));
  }

  @Override
  public void loadCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    callForNothing("load_canister_snapshot",
        ManagementCandid.encodeLoadSnapshotArgs(canisterId, snapshotId), canisterId);
  }

  @Override
  public List<Snapshot> listCanisterSnapshots(Principal canisterId) {
    return ManagementCandid.decodeListSnapshotsResult(call("list_canister_snapshots",
        ManagementCandid.encodeCanisterIdArgs(canisterId), canisterId));
  }

  @Override
  public void deleteCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    callForNothing("delete_canister_snapshot",
        ManagementCandid.encodeDeleteSnapshotArgs(canisterId, snapshotId), canisterId);
  }

  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    return agent.moduleHash(canisterId);
  }

  /** The agent's certified read of {@code /canister/<id>/metadata/<name>}. */
  @Override
  public Optional<byte[]> metadata(Principal canisterId, String name) {
    return agent.metadata(canisterId, name);
  }
}
