package org.icupgrade.core.management;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * The management canister {@code aaaaa-aa} as typed Java calls, one method per {@code ic.did}
 * method this library uses. Calls are made as the underlying agent's sender; each is routed with
 * the canister it is about as the effective canister id.
 *
 * <p>Rejections throw {@link org.icupgrade.core.CanisterRejectException}. The implementation over
 * any {@link org.icupgrade.core.agent.Agent} is {@code CandidManagementCanister}, in the {@code
 * candid} module.
 */
public interface ManagementCanister {
  /** {@code create_canister}: a new empty canister; returns its id. */
  Principal createCanister(CanisterSettings settings);

  /**
   * {@code provisional_create_canister_with_cycles}: a new canister with cycles (local replicas and
   * test networks only); {@code specifiedId} asks for a particular id.
   */
  Principal provisionalCreateCanisterWithCycles(
      @Nullable BigInteger amount, CanisterSettings settings, @Nullable Principal specifiedId);

  /** {@code update_settings}: changes the fields set in {@code settings}. */
  void updateSettings(Principal canisterId, CanisterSettings settings);

  /** {@code canister_status}: controllers only. */
  CanisterStatus canisterStatus(Principal canisterId);

  /** {@code install_code}: the whole module in one message. */
  void installCode(Principal canisterId, InstallMode mode, ByteBuffer wasmModule, byte[] arg);

  /** {@code upload_chunk}: stores one chunk of at most 1 MiB, returns its hash. */
  Sha256 uploadChunk(Principal canisterId, ByteBuffer chunk);

  /** {@code stored_chunks}: the hashes of the chunks in the canister's chunk store. */
  List<Sha256> storedChunks(Principal canisterId);

  /** {@code clear_chunk_store}. */
  void clearChunkStore(Principal canisterId);

  /** {@code install_chunked_code}. */
  void installChunkedCode(InstallChunkedCodeRequest request);

  /** {@code start_canister}. */
  void startCanister(Principal canisterId);

  /** {@code stop_canister}. */
  void stopCanister(Principal canisterId);

  /** {@code take_canister_snapshot}, replacing {@code replaceSnapshot} when given. */
  Snapshot takeCanisterSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot);

  /** {@code load_canister_snapshot}. */
  void loadCanisterSnapshot(Principal canisterId, SnapshotId snapshotId);

  /** {@code list_canister_snapshots}. */
  List<Snapshot> listCanisterSnapshots(Principal canisterId);

  /** {@code delete_canister_snapshot}. */
  void deleteCanisterSnapshot(Principal canisterId, SnapshotId snapshotId);

  /**
   * The installed module's hash from the certified state tree ({@code read_state}); anyone may read
   * it. Empty when the canister has no code.
   */
  Optional<Sha256> moduleHash(Principal canisterId);

  /**
   * A custom section of the installed module from the certified state tree ({@code read_state}
   * of {@code /canister/<id>/metadata/<name>}), as {@link org.icupgrade.core.agent.Agent#metadata}
   * describes: {@code name} without the {@code icp:public } / {@code icp:private } prefix; private
   * sections for controllers only. Like {@link #moduleHash}, not a call to the management canister
   * but a read the port passes through, so that code holding only the port (the installer) can
   * decide an upgrade's options the way dfx does.
   *
   * <p>The default implementation throws {@link UnsupportedOperationException}, for ports written
   * before this method existed.
   *
   * @param canisterId the canister
   * @param name the section's name, without the visibility prefix
   * @return the section's content; empty when the module has no such section or no module is
   *     installed
   * @throws org.icupgrade.core.IcException when the read fails or is refused
   * @throws UnsupportedOperationException when this port cannot read metadata
   */
  default Optional<byte[]> metadata(Principal canisterId, String name) {
    throw new UnsupportedOperationException(
        getClass().getName() + " does not read canister metadata");
  }
}
