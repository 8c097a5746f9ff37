package org.icupgrade.candid.assets;

import java.util.List;
import java.util.Objects;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.Permission;
import org.jspecify.annotations.Nullable;
import org.icupgrade.candid.internal.AssetCandid;

/**
 * The {@link AssetCanister} port over any {@link Agent}, with the Candid of {@link AssetCandid}.
 * {@code api_version}, {@code list}, {@code get} and {@code get_chunk} are query calls, as both
 * {@code assetstorage.did} and http-assets 0.2.0 declare them; {@code list_permitted} is an update
 * call because both declare it without {@code query}, and the IC refuses a query call to an update
 * method.
 *
 * <p>A reply that is not the Candid its method returns throws core's {@link CandidException}
 * (an {@code IcException}, never transient) naming the method and the field.
 */
public final class CandidAssetCanister implements AssetCanister {
  private final Agent agent;
  private final Principal canisterId;

  private CandidAssetCanister(Agent agent, Principal canisterId) {
    this.agent = Objects.requireNonNull(agent, "agent");
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
  }

  /**
   * The asset canister {@code canisterId} as seen by {@code agent}'s sender.
   *
   * @param agent the transport, and the identity the calls are sent as
   * @param canisterId the asset canister
   * @return the asset canister's calls, Candid-encoded over {@code agent}
   */
  public static AssetCanister over(Agent agent, Principal canisterId) {
    return new CandidAssetCanister(agent, canisterId);
  }

  private byte[] query(String method, byte[] arg) {
    return agent.query(canisterId, method, arg);
  }

  private byte[] update(String method, byte[] arg) {
    return agent.update(canisterId, method, arg);
  }

  @Override
  public Principal canisterId() {
    return canisterId;
  }

  @Override
  public Principal caller() {
    return agent.sender();
  }

  /** 0 when the canister has no {@code api_version} method (the oldest asset canisters). */
  @Override
  public int apiVersion() {
    try {
      return AssetCandid.decodeNat16(query("api_version", AssetCandid.encodeEmpty()));
    } catch (CanisterRejectException e) {
      if (e.rejectCode() == RejectCode.CANISTER_ERROR || e.rejectCode() == RejectCode.DESTINATION_INVALID) {
        if (e.rejectMessage().contains("api_version")) {
          return 0;
        }
      }
      throw e;
    }
  }

  @Override
  public List<AssetDetails> list(long start, long length) {
    return AssetCandid.decodeListResult(query("list", AssetCandid.encodeListArgs(start, length)));
  }

  @Override
  public EncodedAsset get(String key, List<String> acceptEncodings) {
    return AssetCandid.decodeGetResult(query("get", AssetCandid.encodeGetArgs(key, acceptEncodings)));
  }

  @Override
  public byte[] getChunk(String key, String contentEncoding, long index, @Nullable Sha256 sha256) {
    return AssetCandid.decodeContentResult(query("get_chunk", AssetCandid.encodeGetChunkArgs(
        new AssetCandid.GetChunkArgs(key, contentEncoding, index, sha256))));
  }

  @Override
  public BatchId createBatch() {
    return AssetCandid.decodeCreateBatchResult(
        update("create_batch", AssetCandid.encodeEmptyRecord()));
  }

  @Override
  public ChunkId createChunk(BatchId batchId, byte[] content) {
    return AssetCandid.decodeCreateChunkResult(
        update("create_chunk", AssetCandid.encodeCreateChunkArgs(batchId, content)));
  }

  @Override
  public List<ChunkId> createChunks(BatchId batchId, List<byte[]> contents) {
    return AssetCandid.decodeCreateChunksResult(
        update("create_chunks", AssetCandid.encodeCreateChunksArgs(batchId, contents)));
  }

  @Override
  public void commitBatch(CommitBatchArguments arguments) {
    update("commit_batch", AssetCandid.encodeCommitBatchArgs(arguments));
  }

  @Override
  public void deleteBatch(BatchId batchId) {
    update("delete_batch", AssetCandid.encodeBatchIdRecord(batchId));
  }

  @Override
  public void deleteAsset(String key) {
    update("delete_asset", AssetCandid.encodeKeyRecord(key));
  }

  @Override
  public void grantPermission(Principal principal, Permission permission) {
    update("grant_permission",
        AssetCandid.encodePermissionArgs("to_principal", principal, permission));
  }

  @Override
  public void revokePermission(Principal principal, Permission permission) {
    update("revoke_permission",
        AssetCandid.encodePermissionArgs("of_principal", principal, permission));
  }

  @Override
  public List<Principal> listPermitted(Permission permission) {
    return AssetCandid.decodePrincipals(
        update("list_permitted", AssetCandid.encodeListPermittedArgs(permission)));
  }
}
