package org.icupgrade.replica.assets.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.core.assets.Permission;
import org.jspecify.annotations.Nullable;

/**
 * The DFINITY certified-assets canister ({@code ic-certified-assets}: {@code lib.rs}, {@code
 * state_machine}): failures trap with short messages, batch operations behave as specified.
 */
final class DfinityFlavour implements AssetFlavour {
  private static final String DEFAULT_FALLBACK = "/index.html";

  /**
   * What one {@code commit_batch} can hash: state_machine commit_batch (before the self-calling
   * canister of dfinity/sdk#4450) runs every operation in one message and set_asset_content
   * SHA-256-hashes all of an encoding's chunks there. Interface spec, "Resource limits": an
   * update message has 40 billion instructions; ic-asset's sync.rs measured about 80 instructions
   * per hashed byte, so about 500 MB (it kept its own commits under 100 MB).
   */
  static final long MAX_HASHED_BYTES_PER_COMMIT = 500_000_000L;

  private final @Nullable String icEnvCookie;

  /** @param icEnvCookie the {@code ic_env} cookie value for {@code .html} responses, or null */
  DfinityFlavour(@Nullable String icEnvCookie) {
    this.icEnvCookie = icEnvCookie;
  }

  /** lib.rs api_version() = 2. */
  @Override
  public int apiVersion() {
    return 2;
  }

  @Override
  public void checkPermissionName(Permission p) {
    // Commit, Prepare and ManagePermissions all decode.
  }

  @Override
  public String permissionName(Permission p) {
    return p.candidName();
  }

  /** list(ListRequest): sorted by key, from start, at most {@link AssetCanisterCode#LIST_PAGE}. */
  @Override
  public long listStart(long[] startLength) {
    return startLength[0];
  }

  @Override
  public long listLimit(long[] startLength) {
    return startLength[1] < 0 ? AssetCanisterCode.LIST_PAGE
        : Math.min(AssetCanisterCode.LIST_PAGE, startLength[1]);
  }

  // ---- failures: the canister traps with the message ----

  @Override
  public CanisterRejectException fail(String method, String message) {
    return AssetRejects.trap(method, message);
  }

  @Override
  public CanisterRejectException assetNotFound(String method, String key) {
    return fail(method, "asset not found");
  }

  @Override
  public CanisterRejectException assetExists(String method, String key) {
    return fail(method, "asset already exists");
  }

  @Override
  public CanisterRejectException batchNotFound(String method, BatchId id) {
    return fail(method, "batch not found");
  }

  @Override
  public CanisterRejectException encodingNotFound(String method, String key, String encoding) {
    return fail(method, "no such encoding");
  }

  @Override
  public CanisterRejectException noAcceptedEncoding(
      String method, String key, List<String> accepted) {
    return fail(method, "no such encoding");
  }

  @Override
  public CanisterRejectException chunkIndexOutOfBounds(String method) {
    return fail(method, "chunk index out of bounds");
  }

  @Override
  public CanisterRejectException sha256Mismatch(
      String method, String key, Sha256 given, Sha256 actual) {
    return fail(method, "sha256 mismatch");
  }

  // ---- batches and commit_batch ----

  @Override
  public long maxHashedBytesPerCommit() {
    return MAX_HASHED_BYTES_PER_COMMIT;
  }

  /** Deleting a key that is not there does nothing. */
  @Override
  public void deleteAbsent(String method, String key) {}

  /** Unsetting an encoding that is not there does nothing. */
  @Override
  public void unsetAbsentEncoding(String method, String key, String encoding) {}

  /** state_machine clear(): ids start again at 1. */
  @Override
  public void clear(AssetStore work) {
    work.clear();
    work.nextBatch = BigInteger.ONE;
    work.nextChunk = BigInteger.ONE;
  }

  /** state_machine commit_batch: the operations in order on the one store. */
  @Override
  public void applyAll(AssetStore work, List<BatchOperation> operations, BatchOperations apply) {
    for (BatchOperation op : operations) {
      apply.apply(work, work.assets, op);
    }
  }

  @Override
  public Optional<byte[]> lastChunk(BatchOperation.SetAssetContent s, String method) {
    if (s.chunkIds().isEmpty() && s.lastChunk().isEmpty()) {
      throw fail(method, "encoding must have at least one chunk or contain last_chunk");
    }
    return s.lastChunk();
  }

  /** The canister consumes the chunk, and panics on a missing one. */
  @Override
  public AssetStore.Chunk takeChunk(AssetStore work, ChunkId id, String method) {
    AssetStore.Chunk c = work.chunks.remove(id.value());
    if (c == null) {
      throw AssetRejects.trap(method, "chunk not found");
    }
    return c;
  }

  // ---- reads ----

  /** Assets serve their aliases unless is_aliased is false. */
  @Override
  public boolean aliasedByDefault() {
    return true;
  }

  /** The canister insists on the hash, so a reader cannot mix two versions' chunks. */
  @Override
  public boolean chunkNeedsSha256() {
    return true;
  }

  /** FALLBACK_FILE: /index.html for every path with no asset. */
  @Override
  public @Nullable String fallback(String path, Map<String, AssetStore.Asset> assets) {
    return assets.containsKey(DEFAULT_FALLBACK) ? DEFAULT_FALLBACK : null;
  }

  @Override
  public AssetCandid.HttpResponse httpNotFound(String path) {
    return new AssetCandid.HttpResponse(404, List.of(new HeaderField("content-type",
        "text/plain")), "Not found".getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public AssetCandid.HttpResponse httpNoEncoding(String path) {
    return new AssetCandid.HttpResponse(404, List.of(), new byte[0]);
  }

  /** The stored encodings the client lists in {@code Accept-Encoding}, in its order. */
  @Override
  public List<String> wantedEncodings(List<HeaderField> requestHeaders) {
    return AssetReads.headerTokens(requestHeaders, "accept-encoding");
  }

  /** {@code content-encoding} for every encoding but identity. */
  @Override
  public void encodingHeaders(List<HeaderField> headers, String encoding) {
    if (!encoding.equals("identity")) {
      headers.add(new HeaderField("content-encoding", encoding));
    }
  }

  @Override
  public void trailingHeaders(List<HeaderField> headers, String key) {
    if (icEnvCookie != null && key.endsWith(".html")) {
      // IC-NOTES and cookies.rs: every .html asset carries the canister environment cookie.
      headers.add(new HeaderField("Set-Cookie", "ic_env=" + icEnvCookie));
    }
  }
}
