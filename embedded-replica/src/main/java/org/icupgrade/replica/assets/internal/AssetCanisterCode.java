package org.icupgrade.replica.assets.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.replica.BuiltinCanister;
import org.jspecify.annotations.Nullable;

/**
 * The code of the built-in asset canister: the state machine of the DFINITY certified-assets
 * canister ({@code ic-certified-assets}, {@code state_machine}) or of the Motoko http-assets 0.2.0
 * library, behind the {@code assetstorage.did} interface. Written from reading both; see {@code
 * EmbeddedAssetCanister} for what is modelled and what is not.
 *
 * <p>Every update either completes or throws before changing anything (the replica's contract for
 * built-in canisters, which is how the IC treats a trap): checks come first, and {@code
 * commit_batch} works on copies that it publishes only at the end.
 */
public final class AssetCanisterCode implements BuiltinCanister {
  /** Both reference canisters keep a batch 300 s past its creation or last chunk. */
  public static final long BATCH_EXPIRY_NANOS = 300_000_000_000L;
  /** The DFINITY canister's {@code list} page size. */
  public static final int LIST_PAGE = 100;

  private static final String DEFAULT_FALLBACK = "/index.html";
  private static final List<String> ENCODING_ORDER =
      List.of("identity", "gzip", "compress", "deflate", "br");

  private final AssetCanisterFlavor flavor;
  private final Clock clock;
  private final @Nullable String icEnvCookie;

  private Map<String, Asset> assets = new TreeMap<>(FrontendRelease.KEY_ORDER);
  private Map<BigInteger, Chunk> chunks = new HashMap<>();
  private Map<BigInteger, Long> batches = new HashMap<>();
  private BigInteger nextBatch = BigInteger.ONE;
  private BigInteger nextChunk = BigInteger.ONE;
  private final Map<Permission, Set<Principal>> permissions = new EnumMap<>(Permission.class);

  private record Chunk(BigInteger batchId, byte[] content) {}

  /** One encoding: the content as it was uploaded, chunk by chunk (what get_chunk serves). */
  private record Encoding(List<byte[]> chunks, long length, Sha256 sha256, long modifiedNanos) {
    byte[] whole() {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) length);
      chunks.forEach(out::writeBytes);
      return out.toByteArray();
    }
  }

  private record Asset(
      String contentType, Map<String, Encoding> encodings, @Nullable Long maxAge,
      @Nullable List<HeaderField> headers, @Nullable Boolean isAliased,
      @Nullable Boolean allowRawAccess) {
    Asset withEncodings(Map<String, Encoding> e) {
      return new Asset(contentType, Map.copyOf(e), maxAge, headers, isAliased, allowRawAccess);
    }
  }

  /**
   * @param icEnvCookie the {@code ic_env} cookie value the DFINITY flavour sets on {@code .html}
   *     responses, or null for none
   */
  public AssetCanisterCode(AssetCanisterFlavor flavor, Clock clock, @Nullable String icEnvCookie) {
    this.flavor = flavor;
    this.clock = clock;
    this.icEnvCookie = icEnvCookie;
    for (Permission p : Permission.values()) {
      permissions.put(p, new LinkedHashSet<>());
    }
  }

  /** The {@code ic_env} cookie value of the DFINITY canister for a replica with this root key. */
  public static String icEnvCookie(byte[] rootKey) {
    // canister_env.rs: url-encoded "ic_root_key=<hex>" followed by "&PUBLIC_*" variables (the
    // embedded replica has none); cookies.rs appends "; SameSite=Lax".
    String value = "ic_root_key=" + HexFormat.of().formatHex(rootKey);
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8) + "; SameSite=Lax";
  }

  private boolean dfinity() {
    return flavor == AssetCanisterFlavor.DFINITY;
  }

  private long now() {
    Instant t = clock.instant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  // ---- dispatch ----

  @Override
  public byte[] query(CallContext ctx, String method, byte[] arg) {
    try {
      switch (method) {
        case "api_version":
          // DFINITY: lib.rs api_version() = 2. http-assets 0.2.0: BaseAssets/lib.mo
          // api_version() = 1, although it has create_chunks: its SetAssetContentArguments has
          // no last_chunk, which is what version 2 promises.
          return AssetCandid.encodeNat16(dfinity() ? 2 : 1);
        case "list":
          return AssetCandid.encodeListResult(list(AssetCandid.decodeListArgs(arg)));
        case "get": {
          Map.Entry<String, List<String>> a = AssetCandid.decodeGetArgs(arg);
          return AssetCandid.encodeGetResult(get(a.getKey(), a.getValue()));
        }
        case "get_chunk":
          return AssetCandid.encodeContentResult(getChunk(AssetCandid.decodeGetChunkArgs(arg)));
        case "http_request":
          return AssetCandid.encodeHttpResponse(http(AssetCandid.decodeHttpRequest(arg)));
        default:
          throw noMethod(ctx, method, true);
      }
    } catch (CandidException e) {
      throw decodeError(method, e);
    }
  }

  @Override
  public byte[] update(CallContext ctx, String method, byte[] arg) {
    try {
      switch (method) {
        case "api_version":
        case "list":
        case "get":
        case "get_chunk":
        case "http_request":
          // Interface spec, "Query call": a query method may also be called as an update.
          return query(ctx, method, arg);
        case "create_batch":
          require(ctx, Permission.PREPARE);
          return AssetCandid.encodeBatchIdRecord(createBatch());
        case "create_chunk": {
          require(ctx, Permission.PREPARE);
          Map.Entry<BatchId, byte[]> a = AssetCandid.decodeCreateChunkArgs(arg);
          return AssetCandid.encodeCreateChunkResult(
              createChunks(a.getKey(), List.of(a.getValue())).get(0));
        }
        case "create_chunks": {
          require(ctx, Permission.PREPARE);
          Map.Entry<BatchId, List<byte[]>> a = AssetCandid.decodeCreateChunksArgs(arg);
          return AssetCandid.encodeCreateChunksResult(createChunks(a.getKey(), a.getValue()));
        }
        case "commit_batch":
          require(ctx, Permission.COMMIT);
          commit(AssetCandid.decodeCommitBatchArgs(arg));
          return AssetCandid.encodeEmpty();
        case "delete_batch": {
          require(ctx, Permission.PREPARE);
          BigInteger id = AssetCandid.decodeBatchIdRecord(arg).value();
          if (!batches.containsKey(id)) {
            throw fail("delete_batch", "batch not found");
          }
          batches.remove(id);
          chunks.values().removeIf(c -> c.batchId().equals(id));
          return AssetCandid.encodeEmpty();
        }
        case "delete_asset": {
          require(ctx, Permission.COMMIT);
          String key = AssetCandid.decodeKeyRecord(arg);
          if (!dfinity() && !assets.containsKey(key)) {
            // http-assets FileSystem.remove_asset answers #err for an absent key.
            throw fail(method, "Asset not found: " + key);
          }
          // A direct delete works in both flavours: it is the http-assets workaround.
          assets.remove(key);
          return AssetCandid.encodeEmpty();
        }
        case "grant_permission": {
          Map.Entry<Principal, Permission> a = permissionArgs(arg, "to_principal");
          requireManagerOrController(ctx);
          permissions.get(a.getValue()).add(a.getKey());
          return AssetCandid.encodeEmpty();
        }
        case "revoke_permission": {
          Map.Entry<Principal, Permission> a = permissionArgs(arg, "of_principal");
          // Giving up one's own permission needs nothing more (lib.rs revoke_permission; in
          // http-assets revoking a permission one lacks is a no-op); taking another's needs
          // ManagePermissions or control of the canister.
          if (!a.getKey().equals(ctx.caller())) {
            requireManagerOrController(ctx);
          }
          permissions.get(a.getValue()).remove(a.getKey());
          return AssetCandid.encodeEmpty();
        }
        case "list_permitted": {
          Permission p = AssetCandid.decodeListPermittedArgs(arg);
          checkPermissionName(p);
          return AssetCandid.encodePrincipals(List.copyOf(permissions.get(p)));
        }
        default:
          throw noMethod(ctx, method, false);
      }
    } catch (CandidException e) {
      throw decodeError(method, e);
    }
  }

  private Map.Entry<Principal, Permission> permissionArgs(byte[] arg, String field) {
    Map.Entry<Principal, Permission> a = AssetCandid.decodePermissionArgs(arg, field);
    checkPermissionName(a.getValue());
    return a;
  }

  /** http-assets 0.2.0 names the third permission {@code Manage}, not {@code ManagePermissions}. */
  private void checkPermissionName(Permission p) {
    if (!dfinity() && p == Permission.MANAGE_PERMISSIONS) {
      throw new CandidException(null, "permission", "unknown variant tag ManagePermissions:"
          + " http-assets 0.2.0's Permission is variant { Commit; Manage; Prepare }", null);
    }
  }

  // ---- errors, as each canister produces them ----

  private static CanisterRejectException noMethod(CallContext ctx, String method, boolean query) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + ctx.canisterId()
        + " has no " + (query ? "query" : "update") + " method '" + method + "'", "IC0536",
        ctx.canisterId(), method);
  }

  private CanisterRejectException decodeError(String method, CandidException e) {
    return trap(method, "failed to decode call arguments: " + e.getMessage());
  }

  /** A trap (Rust {@code trap(&msg)}, Motoko {@code assert} or {@code Debug.trap}). */
  private static CanisterRejectException trap(String method, String message) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR,
        "Canister called `ic0.trap` with message: " + message, "IC0503", null, method);
  }

  /**
   * How each canister reports a failed operation: the DFINITY canister traps with the message;
   * http-assets returns {@code #err} and its actor throws {@code Error.reject} (a canister reject).
   */
  private CanisterRejectException fail(String method, String message) {
    if (dfinity()) {
      return trap(method, message);
    }
    return new CanisterRejectException(RejectCode.CANISTER_REJECT, message, null, null, method);
  }

  // ---- permissions ----

  /** {@code can(permission)}: holding it, or holding Commit where Prepare is asked. */
  private void require(CallContext ctx, Permission needed) {
    Principal caller = ctx.caller();
    boolean ok = permissions.get(needed).contains(caller)
        || (needed == Permission.PREPARE && permissions.get(Permission.COMMIT).contains(caller));
    if (!ok) {
      // Both canisters check the permission lists only: control of the canister is not enough.
      String hint = ctx.callerIsController()
          ? " (the caller is a controller, which does not grant it: grant_permission first)" : "";
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT,
          "Caller does not have " + (dfinity() ? needed.candidName() : "#" + needed.candidName())
              + " permission" + hint, null, ctx.canisterId(), null);
    }
  }

  private void requireManagerOrController(CallContext ctx) {
    if (!ctx.callerIsController()
        && !permissions.get(Permission.MANAGE_PERMISSIONS).contains(ctx.caller())) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Caller does not have "
          + (dfinity() ? "ManagePermissions" : "#Manage") + " permission and is not a controller.",
          null, ctx.canisterId(), null);
    }
  }

  // ---- batches and chunks ----

  private BatchId createBatch() {
    // state_machine create_batch: expired batches and their chunks go when the next batch is
    // created; until then an expired batch still takes chunks, which renew it.
    long now = now();
    batches.entrySet().removeIf(e -> e.getValue() <= now);
    chunks.values().removeIf(c -> !batches.containsKey(c.batchId()));
    BigInteger id = nextBatch;
    nextBatch = nextBatch.add(BigInteger.ONE);
    batches.put(id, now + BATCH_EXPIRY_NANOS);
    return new BatchId(id);
  }

  private List<ChunkId> createChunks(BatchId batchId, List<byte[]> contents) {
    if (!batches.containsKey(batchId.value())) {
      throw fail("create_chunk", dfinity() ? "batch not found" : "Batch not found: " + batchId);
    }
    batches.put(batchId.value(), now() + BATCH_EXPIRY_NANOS);
    List<ChunkId> ids = new ArrayList<>(contents.size());
    for (byte[] c : contents) {
      BigInteger id = nextChunk;
      nextChunk = nextChunk.add(BigInteger.ONE);
      chunks.put(id, new Chunk(batchId.value(), c));
      ids.add(new ChunkId(id));
    }
    return ids;
  }

  // ---- commit_batch ----

  /** The state a commit works on; published only when every operation succeeded. */
  private final class Work {
    Map<String, Asset> assets;
    Map<BigInteger, Chunk> chunks;
    Map<BigInteger, Long> batches;
    BigInteger nextBatch;
    BigInteger nextChunk;

    Work(Map<String, Asset> assets) {
      this.assets = assets;
      this.chunks = new HashMap<>(AssetCanisterCode.this.chunks);
      this.batches = new HashMap<>(AssetCanisterCode.this.batches);
      this.nextBatch = AssetCanisterCode.this.nextBatch;
      this.nextChunk = AssetCanisterCode.this.nextChunk;
    }

    void clear() {
      assets.clear();
      chunks.clear();
      batches.clear();
      if (dfinity()) {
        // state_machine clear(): ids start again at 1. http-assets keeps counting.
        nextBatch = BigInteger.ONE;
        nextChunk = BigInteger.ONE;
      }
    }

    void publish() {
      AssetCanisterCode.this.chunks = chunks;
      AssetCanisterCode.this.batches = batches;
      AssetCanisterCode.this.nextBatch = nextBatch;
      AssetCanisterCode.this.nextChunk = nextChunk;
    }
  }

  private void commit(CommitBatchArguments args) {
    if (dfinity()) {
      commitDfinity(args);
    } else {
      commitHttpAssets(args);
    }
  }

  /** state_machine commit_batch: the operations in order on the one store. */
  private void commitDfinity(CommitBatchArguments args) {
    Work w = new Work(new TreeMap<>(assets));
    for (BatchOperation op : args.operations()) {
      apply(w, w.assets, op);
    }
    // The batch goes whether or not it existed (commit_batch does not look it up); its unused
    // chunks stay until the next create_batch sweeps chunks without a batch.
    w.batches.remove(args.batchId().value());
    assets = w.assets;
    w.publish();
  }

  /**
   * http-assets 0.2.0 {@code AssetUtils.commit_batch}: operations grouped by key run against a
   * temporary store holding copies of the keys the batch touches; the temporary store is then
   * merged into the main one. Two defects follow (IC-NOTES): a {@code DeleteAsset} only removes
   * the copy, so the merge leaves the asset in place; and the merge's {@code insert_asset} over an
   * existing key with content that is not aliased fails {@code assert asset.is_aliased == ?true}
   * in {@code Certs.remove_encoding_certificate}, trapping the whole commit.
   */
  private void commitHttpAssets(CommitBatchArguments args) {
    Work w = new Work(new TreeMap<>(assets));
    Map<String, Asset> tmp = new TreeMap<>(FrontendRelease.KEY_ORDER);
    Map<String, List<BatchOperation>> groups = new LinkedHashMap<>();
    for (BatchOperation op : args.operations()) {
      if (op instanceof BatchOperation.Clear) {
        // Clear runs at once on the main store and drops the groups collected so far.
        w.clear();
        groups.clear();
        continue;
      }
      groups.computeIfAbsent(op.key().orElseThrow(), k -> new ArrayList<>()).add(op);
    }
    for (String key : groups.keySet()) {
      Asset prev = w.assets.get(key);
      if (prev != null) {
        tmp.put(key, prev);
      }
    }
    for (List<BatchOperation> group : groups.values()) {
      for (BatchOperation op : group) {
        apply(w, tmp, op);
      }
    }
    for (Map.Entry<String, Asset> e : tmp.entrySet()) {
      Asset prev = w.assets.get(e.getKey());
      if (prev != null && !prev.encodings().isEmpty() && !Boolean.TRUE.equals(prev.isAliased())) {
        throw trap("commit_batch", "assertion failed at Certs.mo:"
            + " assert asset.is_aliased == ?true (merging " + e.getKey()
            + " over the stored asset)");
      }
      w.assets.put(e.getKey(), e.getValue());
    }
    w.batches.remove(args.batchId().value());
    assets = w.assets;
    w.publish();
  }

  private void apply(Work w, Map<String, Asset> store, BatchOperation op) {
    String m = "commit_batch";
    if (op instanceof BatchOperation.CreateAsset c) {
      if (store.containsKey(c.assetKey())) {
        throw fail(m, dfinity() ? "asset already exists"
            : "Asset already exists with path: " + c.assetKey());
      }
      store.put(c.assetKey(), new Asset(c.contentType(), Map.of(), c.maxAge().orElse(null),
          c.headers().orElse(null), c.enableAliasing().orElse(null),
          c.allowRawAccess().orElse(null)));
    } else if (op instanceof BatchOperation.SetAssetContent s) {
      setContent(w, store, s);
    } else if (op instanceof BatchOperation.UnsetAssetContent u) {
      Asset a = existing(store, u.assetKey());
      Map<String, Encoding> encs = new HashMap<>(a.encodings());
      if (encs.remove(u.contentEncoding()) == null && !dfinity()) {
        throw fail(m, "Encoding " + u.contentEncoding() + " not found for " + u.assetKey());
      }
      store.put(u.assetKey(), a.withEncodings(encs));
    } else if (op instanceof BatchOperation.DeleteAsset d) {
      if (!dfinity() && !store.containsKey(d.assetKey())) {
        throw fail(m, "Asset not found: " + d.assetKey());
      }
      store.remove(d.assetKey());
    } else if (op instanceof BatchOperation.Clear) {
      w.clear();
    } else if (op instanceof BatchOperation.SetAssetProperties p) {
      Asset a = existing(store, p.assetKey());
      store.put(p.assetKey(), new Asset(a.contentType(), a.encodings(),
          p.maxAge().isChange() ? p.maxAge().value().orElse(null) : a.maxAge(),
          p.headers().isChange() ? p.headers().value().orElse(null) : a.headers(),
          p.isAliased().isChange() ? p.isAliased().value().orElse(null) : a.isAliased(),
          p.allowRawAccess().isChange() ? p.allowRawAccess().value().orElse(null)
              : a.allowRawAccess()));
    }
  }

  private Asset existing(Map<String, Asset> store, String key) {
    Asset a = store.get(key);
    if (a == null) {
      throw fail("commit_batch", dfinity() ? "asset not found" : "Asset not found: " + key);
    }
    return a;
  }

  private void setContent(Work w, Map<String, Asset> store, BatchOperation.SetAssetContent s) {
    String m = "commit_batch";
    // http-assets 0.2.0's SetAssetContentArguments has no last_chunk: Candid drops the field.
    boolean lastChunk = dfinity() && s.lastChunk().isPresent();
    if (s.chunkIds().isEmpty() && !lastChunk && dfinity()) {
      throw fail(m, "encoding must have at least one chunk or contain last_chunk");
    }
    Asset a = existing(store, s.assetKey());
    List<byte[]> content = new ArrayList<>();
    for (ChunkId id : s.chunkIds()) {
      // The DFINITY canister consumes the chunk (and panics on a missing one); http-assets
      // reads it and leaves it to the batch.
      Chunk c = dfinity() ? w.chunks.remove(id.value()) : w.chunks.get(id.value());
      if (c == null) {
        throw dfinity() ? trap(m, "chunk not found")
            : fail(m, "Chunk with id " + id.value() + " not found.");
      }
      content.add(c.content());
    }
    if (lastChunk) {
      content.add(s.lastChunk().orElseThrow());
    }
    java.security.MessageDigest md = Sha256.newDigest();
    long length = 0;
    for (byte[] c : content) {
      md.update(c);
      length += c.length;
    }
    Sha256 actual = Sha256.fromBytes(md.digest());
    if (s.sha256().isPresent() && !s.sha256().get().equals(actual)) {
      throw fail(m, dfinity() ? "sha256 mismatch"
          : "Sha256 hash mismatch: provided " + s.sha256().get().hex() + ", computed "
              + actual.hex() + " for " + s.assetKey());
    }
    if (content.isEmpty()) {
      content.add(new byte[0]);
    }
    Map<String, Encoding> encs = new HashMap<>(a.encodings());
    encs.put(s.contentEncoding(), new Encoding(List.copyOf(content), length, actual, now()));
    store.put(s.assetKey(), a.withEncodings(encs));
  }

  // ---- reads ----

  private List<AssetDetails> list(long[] startLength) {
    List<AssetDetails> out = new ArrayList<>();
    // DFINITY list(ListRequest): sorted by key, from start, at most 100. http-assets 0.2.0 takes
    // list({}): the paging fields are dropped and every asset comes back (here in key order; the
    // library's own order is its directory walk).
    long start = dfinity() ? startLength[0] : 0;
    long limit = !dfinity() ? Long.MAX_VALUE
        : startLength[1] < 0 ? LIST_PAGE : Math.min(LIST_PAGE, startLength[1]);
    long i = 0;
    for (Map.Entry<String, Asset> e : assets.entrySet()) {
      if (i++ < start) {
        continue;
      }
      if (out.size() >= limit) {
        break;
      }
      List<AssetEncodingDetails> encs = new ArrayList<>();
      new TreeMap<>(e.getValue().encodings()).forEach((name, enc) -> encs.add(
          AssetEncodingDetails.of(name, enc.sha256(), enc.length(), enc.modifiedNanos())));
      out.add(AssetDetails.of(e.getKey(), e.getValue().contentType(), encs));
    }
    return out;
  }

  /** The asset at {@code key}, or the one {@code key} is an alias of (state_machine get_asset). */
  private @Nullable Asset lookup(String key) {
    String resolved = resolve(key);
    return resolved == null ? null : assets.get(resolved);
  }

  /** The stored key that serves {@code key}: itself, or the asset it is an alias of. */
  private @Nullable String resolve(String key) {
    if (assets.containsKey(key)) {
      return key;
    }
    for (String alias : aliasesOf(key)) {
      Asset target = assets.get(alias);
      if (target != null) {
        // DFINITY aliases by default; http-assets only when enable_aliasing was true.
        boolean aliased = target.isAliased() == null ? dfinity() : target.isAliased();
        return aliased ? alias : null;
      }
    }
    return null;
  }

  /** {@code /a} may be served by {@code /a.html} or {@code /a/index.html}; {@code /a/} by the latter. */
  private static List<String> aliasesOf(String key) {
    if (key.endsWith("/")) {
      return List.of(key + "index.html");
    }
    if (!key.endsWith(".html")) {
      return List.of(key + ".html", key + "/index.html");
    }
    return List.of();
  }

  private EncodedAsset get(String key, List<String> acceptEncodings) {
    Asset a = lookup(key);
    if (a == null) {
      throw fail("get", dfinity() ? "asset not found" : "Asset not found: " + key);
    }
    for (String name : acceptEncodings) {
      Encoding e = a.encodings().get(name);
      if (e != null) {
        return EncodedAsset.of(e.chunks().get(0), a.contentType(), name, e.sha256(), e.length());
      }
    }
    throw fail("get", dfinity() ? "no such encoding"
        : "No matching encoding found for " + acceptEncodings + " in " + key);
  }

  private byte[] getChunk(AssetCandid.GetChunkArgs args) {
    Asset a = lookup(args.key());
    if (a == null) {
      throw fail("get_chunk", dfinity() ? "asset not found" : "Asset not found: " + args.key());
    }
    Encoding e = a.encodings().get(args.contentEncoding());
    if (e == null) {
      throw fail("get_chunk", dfinity() ? "no such encoding"
          : "Encoding " + args.contentEncoding() + " not found for " + args.key());
    }
    // The DFINITY canister insists on the hash, so a reader cannot mix two versions' chunks;
    // http-assets checks it only when given.
    if (args.sha256() == null && dfinity()) {
      throw fail("get_chunk", "sha256 required");
    }
    if (args.sha256() != null && !args.sha256().equals(e.sha256())) {
      throw fail("get_chunk", "sha256 mismatch");
    }
    if (args.index() < 0 || args.index() >= e.chunks().size()) {
      throw fail("get_chunk", dfinity() ? "chunk index out of bounds"
          : "Chunk index out of bounds.");
    }
    return e.chunks().get((int) args.index());
  }

  // ---- http_request ----

  private AssetCandid.HttpResponse http(AssetCandid.HttpRequest r) {
    String path = r.url();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    try {
      path = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return new AssetCandid.HttpResponse(400, List.of(),
          ("failed to decode path '" + path + "': " + e.getMessage())
              .getBytes(StandardCharsets.UTF_8));
    }
    String key = resolve(path);
    Asset a = key == null ? null : assets.get(key);
    if (a == null) {
      // Single-page apps: a path with no asset is answered with /index.html (FALLBACK_FILE in the
      // DFINITY canister; get_fallback_asset in http-assets, which looks up the directory tree).
      key = fallbackFor(path);
      a = key == null ? null : assets.get(key);
    }
    if (a == null || key == null) {
      if (!dfinity()) {
        throw fail("http_request", "Asset not found: " + path);
      }
      return new AssetCandid.HttpResponse(404, List.of(new HeaderField("content-type",
          "text/plain")), "Not found".getBytes(StandardCharsets.UTF_8));
    }
    String name = chooseEncoding(a, r.headers());
    if (name == null) {
      if (!dfinity()) {
        throw fail("http_request", "No encoding found for \"" + path + "\"");
      }
      return new AssetCandid.HttpResponse(404, List.of(), new byte[0]);
    }
    Encoding e = a.encodings().get(name);
    List<HeaderField> headers = new ArrayList<>();
    headers.add(new HeaderField("content-type", a.contentType()));
    if (a.maxAge() != null) {
      headers.add(new HeaderField("cache-control", "max-age=" + a.maxAge()));
    }
    if (!dfinity() || !name.equals("identity")) {
      headers.add(new HeaderField("content-encoding", name));
    }
    if (!dfinity()) {
      headers.add(new HeaderField("vary", "accept-encoding"));
    }
    headers.add(new HeaderField("etag", "\"" + e.sha256().hex() + "\""));
    if (a.headers() != null) {
      headers.addAll(a.headers());
    }
    if (dfinity() && icEnvCookie != null && key.endsWith(".html")) {
      // IC-NOTES and cookies.rs: every .html asset carries the canister environment cookie.
      headers.add(new HeaderField("Set-Cookie", "ic_env=" + icEnvCookie));
    }
    // The body is the whole encoding: the replica has no HTTP gateway to follow the streaming
    // callback, so this answers as the gateway would after assembling the chunks.
    return new AssetCandid.HttpResponse(200, headers, e.whole());
  }

  private @Nullable String fallbackFor(String path) {
    if (dfinity()) {
      return assets.containsKey(DEFAULT_FALLBACK) ? DEFAULT_FALLBACK : null;
    }
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

  /**
   * DFINITY: the first stored encoding the client lists in {@code Accept-Encoding}, else
   * identity. http-assets 0.2.0 reads the request's {@code content-encoding} header instead
   * (defaulting to identity), so a browser gets identity whenever it is stored.
   */
  private @Nullable String chooseEncoding(Asset a, List<HeaderField> headers) {
    List<String> wanted = new ArrayList<>();
    String header = dfinity() ? "accept-encoding" : "content-encoding";
    for (HeaderField h : headers) {
      if (h.name().toLowerCase(Locale.ROOT).equals(header)) {
        for (String v : h.value().split(",")) {
          String token = v.trim();
          int semi = token.indexOf(';');
          wanted.add(semi < 0 ? token : token.substring(0, semi).trim());
        }
      }
    }
    if (wanted.isEmpty() && !dfinity()) {
      wanted.add("identity");
    }
    if (!dfinity()) {
      wanted.sort(java.util.Comparator.comparingInt(n -> {
        int i = ENCODING_ORDER.indexOf(n);
        return i < 0 ? Integer.MAX_VALUE : i;
      }));
    }
    for (String n : wanted) {
      if (a.encodings().containsKey(n)) {
        return n;
      }
    }
    for (String n : ENCODING_ORDER) {
      if (a.encodings().containsKey(n)) {
        return n;
      }
    }
    return null;
  }
}
