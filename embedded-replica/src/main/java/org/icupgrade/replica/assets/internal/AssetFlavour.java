package org.icupgrade.replica.assets.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.core.assets.Permission;
import org.jspecify.annotations.Nullable;

/**
 * Where the two reference asset canisters differ: one implementation per {@link
 * AssetCanisterFlavor}, {@link DfinityFlavour} and {@link HttpAssetsFlavour}, chosen once when
 * the canister is created. The common code asks the flavour and never tests which one it has.
 */
interface AssetFlavour {
  /**
   * @param icEnvCookie the {@code ic_env} cookie value the DFINITY flavour sets on {@code .html}
   *     responses, or null for none
   */
  static AssetFlavour of(AssetCanisterFlavor flavor, @Nullable String icEnvCookie) {
    switch (flavor) {
      case DFINITY:
        return new DfinityFlavour(icEnvCookie);
      case HTTP_ASSETS_0_2:
        return new HttpAssetsFlavour();
      default:
        throw new IllegalArgumentException(flavor.name());
    }
  }

  // ---- the interface ----

  /** What {@code api_version} answers. */
  int apiVersion();

  /** Refuses, as a decoding failure (a {@code CandidException}), a permission it lacks. */
  void checkPermissionName(Permission p);

  /** The permission as the canister names it in its errors. */
  String permissionName(Permission p);

  /** Where {@code list} starts, given the request's {@code start} and {@code length} (-1: none). */
  long listStart(long[] startLength);

  /** How many entries {@code list} returns at most, given {@code start} and {@code length}. */
  long listLimit(long[] startLength);

  // ---- failures ----

  /** How the canister reports a failed operation. */
  CanisterRejectException fail(String method, String message);

  CanisterRejectException assetNotFound(String method, String key);

  CanisterRejectException assetExists(String method, String key);

  CanisterRejectException batchNotFound(String method, BatchId id);

  CanisterRejectException encodingNotFound(String method, String key, String encoding);

  /** {@code get}: none of the accepted encodings is stored. */
  CanisterRejectException noAcceptedEncoding(String method, String key, List<String> accepted);

  CanisterRejectException chunkIndexOutOfBounds(String method);

  CanisterRejectException sha256Mismatch(String method, String key, Sha256 given, Sha256 actual);

  // ---- batches and commit_batch ----

  /** What deleting {@code key} does when the store does not hold it. */
  void deleteAbsent(String method, String key);

  /** What unsetting an encoding the asset does not have does. */
  void unsetAbsentEncoding(String method, String key, String encoding);

  /** The {@code Clear} operation on a commit's working copy. */
  void clear(AssetStore work);

  /**
   * Applies a commit's operations to {@code work} (see {@link BatchOperations#apply}); the
   * common code then drops the batch and publishes {@code work}.
   */
  void applyAll(AssetStore work, List<BatchOperation> operations, BatchOperations apply);

  /**
   * The {@code last_chunk} of a {@code SetAssetContent}, if the canister takes one; refuses an
   * encoding without content where the canister does.
   */
  Optional<byte[]> lastChunk(BatchOperation.SetAssetContent s, String method);

  /**
   * The most content bytes one {@code commit_batch} may refer to (its {@code SetAssetContent}
   * chunks and {@code last_chunk}s) before the message runs out of instructions; {@link
   * Long#MAX_VALUE} where it is not modelled.
   */
  default long maxHashedBytesPerCommit() {
    return Long.MAX_VALUE;
  }

  /** A chunk that a {@code SetAssetContent} names, taken from the working copy's chunks. */
  AssetStore.Chunk takeChunk(AssetStore work, ChunkId id, String method);

  // ---- reads ----

  /** Whether an asset whose {@code is_aliased} is unset serves its aliases. */
  boolean aliasedByDefault();

  /** Whether {@code get_chunk} must be given the encoding's SHA-256. */
  boolean chunkNeedsSha256();

  /** The asset that serves a path with no asset of its own in {@code http_request}. */
  @Nullable String fallback(String path, Map<String, AssetStore.Asset> assets);

  /** {@code http_request}'s answer when there is nothing to serve at {@code path}. */
  AssetCandid.HttpResponse httpNotFound(String path);

  /** {@code http_request}'s answer when the asset has none of the encodings it can serve. */
  AssetCandid.HttpResponse httpNoEncoding(String path);

  /** The encodings to serve, in the order to try them, for a request with these headers. */
  List<String> wantedEncodings(List<HeaderField> requestHeaders);

  /** Adds the headers that tell the response's encoding. */
  void encodingHeaders(List<HeaderField> headers, String encoding);

  /** Adds the headers that come after the asset's own, for the asset at {@code key}. */
  void trailingHeaders(List<HeaderField> headers, String key);
}
