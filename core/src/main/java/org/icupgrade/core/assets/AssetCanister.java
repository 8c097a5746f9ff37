package org.icupgrade.core.assets;

import java.util.List;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * The calls of one asset canister this library makes, typed: a port over the asset canister
 * interface ({@code assetstorage.did} of the DFINITY SDK, also answered by the Motoko
 * {@code http-assets} library). One instance talks to one canister as one caller.
 *
 * <p>Field names follow Java style with the Candid meaning unchanged ({@code content_type} is
 * {@code contentType}). Implementations translate a reject or trap into {@link
 * org.icupgrade.core.CanisterRejectException} and a failure to reach the IC into {@link
 * org.icupgrade.core.TransportException}; they do not retry. Implementations must be thread-safe:
 * the syncer calls {@link #createChunk} and {@link #createChunks} from several threads at once.
 */
public interface AssetCanister {
  /** The canister every call goes to. */
  Principal canisterId();

  /** The principal the calls are made as; it is what {@link #listPermitted} must contain. */
  Principal caller();

  /**
   * {@code api_version} (query): 2 on current DFINITY canisters ({@code create_chunks} and
   * {@code SetAssetContent.last_chunk} exist), 1 for canisters with {@code SetAssetProperties} but
   * no {@code create_chunks}; implementations return 0 when the canister has no such method (the
   * oldest canisters).
   */
  int apiVersion();

  /**
   * {@code list} (query): the assets in key order, from the {@code start}-th, at most
   * {@code length} of them. A canister returns at most 100 entries per call whatever
   * {@code length} says; older canisters ignore {@code start} and {@code length} and return
   * everything, so a caller that pages must cope with a page longer than it asked for.
   *
   * @param start index of the first entry ({@code start: opt nat})
   * @param length the most entries wanted ({@code length: opt nat})
   */
  List<AssetDetails> list(long start, long length);

  /**
   * {@code get} (query): the first chunk of the best encoding of {@code key} among
   * {@code acceptEncodings} (in preference order).
   */
  EncodedAsset get(String key, List<String> acceptEncodings);

  /**
   * {@code get_chunk} (query): chunk {@code index} of one encoding of {@code key}.
   *
   * @param sha256 the encoding's SHA-256 as {@link #get} reported it; the canister refuses the
   *     chunk when the content changed since, so a reader never mixes two versions
   * @return the chunk's bytes
   */
  byte[] getChunk(String key, String contentEncoding, long index, @Nullable Sha256 sha256);

  /** {@code create_batch}: a new batch, kept for 5 minutes after its last chunk. */
  BatchId createBatch();

  /** {@code create_chunk}: uploads one chunk (the content is not retained by the caller). */
  ChunkId createChunk(BatchId batchId, byte[] content);

  /**
   * {@code create_chunks} (API version 2): uploads several chunks in one message.
   *
   * @return their ids, in the order of {@code contents}
   */
  List<ChunkId> createChunks(BatchId batchId, List<byte[]> contents);

  /** {@code commit_batch}: applies the operations in order, all or none. */
  void commitBatch(CommitBatchArguments arguments);

  /**
   * {@code delete_batch}: drops a batch that was created but not committed, with its chunks (API
   * version 1 and later).
   */
  void deleteBatch(BatchId batchId);

  /**
   * {@code delete_asset}, outside any batch: removes {@code key} at once. No error when the key is
   * absent.
   */
  void deleteAsset(String key);

  /** {@code grant_permission}: gives {@code principal} the permission (needs ManagePermissions). */
  void grantPermission(Principal principal, Permission permission);

  /** {@code revoke_permission}: takes the permission from {@code principal}. */
  void revokePermission(Principal principal, Permission permission);

  /** {@code list_permitted}: the principals holding the permission. */
  List<Principal> listPermitted(Permission permission);
}
