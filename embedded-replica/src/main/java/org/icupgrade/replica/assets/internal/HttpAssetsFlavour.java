package org.icupgrade.replica.assets.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.replica.assets.internal.AssetStore.Asset;
import org.jspecify.annotations.Nullable;

/**
 * The Motoko http-assets 0.2.0 library ({@code BaseAssets/lib.mo}, {@code AssetUtils}, {@code
 * FileSystem}): failures are {@code #err} results that its actor turns into rejects with the
 * library's messages, and {@code commit_batch} has two defects (see {@link #applyAll}).
 */
final class HttpAssetsFlavour implements AssetFlavour {
  private static final String DEFAULT_FALLBACK = "/index.html";

  /**
   * BaseAssets/lib.mo api_version() = 1, although it has create_chunks: its
   * SetAssetContentArguments has no last_chunk, which is what version 2 promises.
   */
  @Override
  public int apiVersion() {
    return 1;
  }

  /** http-assets 0.2.0 names the third permission {@code Manage}, not {@code ManagePermissions}. */
  @Override
  public void checkPermissionName(Permission p) {
    if (p == Permission.MANAGE_PERMISSIONS) {
      throw new CandidException(null, "permission", "unknown variant tag ManagePermissions:"
          + " http-assets 0.2.0's Permission is variant { Commit; Manage; Prepare }", null);
    }
  }

  @Override
  public String permissionName(Permission p) {
    return p == Permission.MANAGE_PERMISSIONS ? "#Manage" : "#" + p.candidName();
  }

  /**
   * list({}): the paging fields are dropped and every asset comes back (here in key order; the
   * library's own order is its directory walk).
   */
  @Override
  public long listStart(long[] startLength) {
    return 0;
  }

  @Override
  public long listLimit(long[] startLength) {
    return Long.MAX_VALUE;
  }

  // ---- failures: #err, which the actor throws as Error.reject ----

  @Override
  public CanisterRejectException fail(String method, String message) {
    return AssetRejects.reject(method, message);
  }

  @Override
  public CanisterRejectException chunkIndexOutOfBounds(String method) {
    return fail(method, "Chunk index out of bounds.");
  }

  @Override
  public CanisterRejectException assetNotFound(String method, String key) {
    return fail(method, "Asset not found: " + key);
  }

  @Override
  public CanisterRejectException assetExists(String method, String key) {
    return fail(method, "Asset already exists with path: " + key);
  }

  @Override
  public CanisterRejectException batchNotFound(String method, BatchId id) {
    return fail(method, "Batch not found: " + id);
  }

  @Override
  public CanisterRejectException encodingNotFound(String method, String key, String encoding) {
    return fail(method, "Encoding " + encoding + " not found for " + key);
  }

  @Override
  public CanisterRejectException noAcceptedEncoding(
      String method, String key, List<String> accepted) {
    return fail(method, "No matching encoding found for " + accepted + " in " + key);
  }

  @Override
  public CanisterRejectException sha256Mismatch(
      String method, String key, Sha256 given, Sha256 actual) {
    return fail(method, "Sha256 hash mismatch: provided " + given.hex() + ", computed "
        + actual.hex() + " for " + key);
  }

  // ---- batches and commit_batch ----

  /** FileSystem.remove_asset answers #err for an absent key, directly and in a commit. */
  @Override
  public void deleteAbsent(String method, String key) {
    throw assetNotFound(method, key);
  }

  @Override
  public void unsetAbsentEncoding(String method, String key, String encoding) {
    throw encodingNotFound(method, key, encoding);
  }

  /** Ids keep counting after a clear. */
  @Override
  public void clear(AssetStore work) {
    work.clear();
  }

  /**
   * {@code AssetUtils.commit_batch}: operations grouped by key run against a temporary store
   * holding copies of the keys the batch touches; the temporary store is then merged into the
   * main one. Two defects follow (IC-NOTES): a {@code DeleteAsset} only removes the copy, so the
   * merge leaves the asset in place; and the merge's {@code insert_asset} over an existing key
   * with content that is not aliased fails {@code assert asset.is_aliased == ?true} in {@code
   * Certs.remove_encoding_certificate}, trapping the whole commit.
   */
  @Override
  public void applyAll(AssetStore work, List<BatchOperation> operations, BatchOperations apply) {
    Map<String, Asset> tmp = new TreeMap<>(FrontendRelease.KEY_ORDER);
    Map<String, List<BatchOperation>> groups = new LinkedHashMap<>();
    for (BatchOperation op : operations) {
      if (op instanceof BatchOperation.Clear) {
        // Clear runs at once on the main store and drops the groups collected so far.
        clear(work);
        groups.clear();
        continue;
      }
      groups.computeIfAbsent(op.key().orElseThrow(), k -> new ArrayList<>()).add(op);
    }
    for (String key : groups.keySet()) {
      Asset prev = work.assets.get(key);
      if (prev != null) {
        tmp.put(key, prev);
      }
    }
    for (List<BatchOperation> group : groups.values()) {
      for (BatchOperation op : group) {
        apply.apply(work, tmp, op);
      }
    }
    for (Map.Entry<String, Asset> e : tmp.entrySet()) {
      Asset prev = work.assets.get(e.getKey());
      if (prev != null && !prev.encodings().isEmpty() && !Boolean.TRUE.equals(prev.isAliased())) {
        throw AssetRejects.trap("commit_batch", "assertion failed at Certs.mo:"
            + " assert asset.is_aliased == ?true (merging " + e.getKey()
            + " over the stored asset)");
      }
      work.assets.put(e.getKey(), e.getValue());
    }
  }

  /** SetAssetContentArguments has no last_chunk: Candid drops the field. */
  @Override
  public Optional<byte[]> lastChunk(BatchOperation.SetAssetContent s, String method) {
    return Optional.empty();
  }

  /** The library reads the chunk and leaves it to the batch. */
  @Override
  public AssetStore.Chunk takeChunk(AssetStore work, ChunkId id, String method) {
    AssetStore.Chunk c = work.chunks.get(id.value());
    if (c == null) {
      throw fail(method, "Chunk with id " + id.value() + " not found.");
    }
    return c;
  }

  // ---- reads ----

  /** Only an asset whose enable_aliasing was true serves its aliases. */
  @Override
  public boolean aliasedByDefault() {
    return false;
  }

  /** The hash is checked only when given. */
  @Override
  public boolean chunkNeedsSha256() {
    return false;
  }

  /** get_fallback_asset: the nearest /index.html up the directory tree. */
  @Override
  public @Nullable String fallback(String path, Map<String, Asset> assets) {
    String dir = path;
    while (!dir.isEmpty()) {
      dir = dir.substring(0, dir.lastIndexOf('/'));
      String candidate = dir + DEFAULT_FALLBACK;
      if (assets.containsKey(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  @Override
  public AssetCandid.HttpResponse httpNotFound(String path) {
    throw assetNotFound("http_request", path);
  }

  @Override
  public AssetCandid.HttpResponse httpNoEncoding(String path) {
    throw fail("http_request", "No encoding found for \"" + path + "\"");
  }

  /**
   * The request's {@code content-encoding} header, not {@code Accept-Encoding} (defaulting to
   * identity), so a browser gets identity whenever it is stored.
   */
  @Override
  public List<String> wantedEncodings(List<HeaderField> requestHeaders) {
    List<String> wanted = AssetReads.headerTokens(requestHeaders, "content-encoding");
    if (wanted.isEmpty()) {
      wanted.add("identity");
    }
    wanted.sort(Comparator.comparingInt(n -> {
      int i = AssetReads.ENCODING_ORDER.indexOf(n);
      return i < 0 ? Integer.MAX_VALUE : i;
    }));
    return wanted;
  }

  /** {@code content-encoding} always, and {@code vary: accept-encoding}. */
  @Override
  public void encodingHeaders(List<HeaderField> headers, String encoding) {
    headers.add(new HeaderField("content-encoding", encoding));
    headers.add(new HeaderField("vary", "accept-encoding"));
  }

  /** No cookie. */
  @Override
  public void trailingHeaders(List<HeaderField> headers, String key) {}
}
