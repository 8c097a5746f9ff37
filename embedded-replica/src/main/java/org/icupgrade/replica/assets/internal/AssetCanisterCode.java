package org.icupgrade.replica.assets.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.core.CandidException;
import org.icupgrade.replica.internal.ReplicaTime;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.ChunkId;
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
 *
 * <p>Here: the dispatch, the permissions, batches and chunks. Elsewhere: what is stored ({@link
 * AssetStore}), {@code commit_batch} ({@link BatchOperations}), the queries ({@link AssetReads}),
 * and where the two references differ ({@link AssetFlavour}, chosen once at creation).
 */
public final class AssetCanisterCode implements BuiltinCanister {
  /** Both reference canisters keep a batch 300 s past its creation or last chunk. */
  public static final long BATCH_EXPIRY_NANOS = 300_000_000_000L;
  /** The DFINITY canister's {@code list} page size. */
  public static final int LIST_PAGE = 100;

  private final AssetFlavour flavour;
  private final Clock clock;
  private final AssetStore store = new AssetStore();
  private final BatchOperations operations;
  private final AssetReads reads;
  private final Map<Permission, Set<Principal>> permissions = new EnumMap<>(Permission.class);

  /**
   * @param icEnvCookie the {@code ic_env} cookie value the DFINITY flavour sets on {@code .html}
   *     responses, or null for none
   */
  public AssetCanisterCode(AssetCanisterFlavor flavor, Clock clock, @Nullable String icEnvCookie) {
    this(flavor, clock, icEnvCookie, AssetFlavour.of(flavor, icEnvCookie).maxHashedBytesPerCommit());
  }

  /**
   * As {@link #AssetCanisterCode(AssetCanisterFlavor, Clock, String)}, with another bound on the
   * content bytes one {@code commit_batch} may hash (the flavour's own is about 500 MB for
   * DFINITY, none for http-assets), so a test can reach it without uploading that much.
   *
   * @param icEnvCookie the {@code ic_env} cookie value, or null for none
   * @param maxHashedBytesPerCommit beyond this many content bytes a commit traps
   */
  public AssetCanisterCode(
      AssetCanisterFlavor flavor, Clock clock, @Nullable String icEnvCookie,
      long maxHashedBytesPerCommit) {
    this.flavour = AssetFlavour.of(flavor, icEnvCookie);
    this.clock = clock;
    this.operations = new BatchOperations(flavour, this::now, maxHashedBytesPerCommit);
    this.reads = new AssetReads(flavour, store);
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

  private long now() {
    return ReplicaTime.nanos(clock);
  }

  // ---- dispatch ----

  @Override
  public byte[] query(CallContext ctx, String method, byte[] arg) {
    try {
      switch (method) {
        case "api_version":
          return AssetCandid.encodeNat16(flavour.apiVersion());
        case "list":
          return AssetCandid.encodeListResult(reads.list(AssetCandid.decodeListArgs(arg)));
        case "get": {
          Map.Entry<String, List<String>> a = AssetCandid.decodeGetArgs(arg);
          return AssetCandid.encodeGetResult(reads.get(a.getKey(), a.getValue()));
        }
        case "get_chunk":
          return AssetCandid.encodeContentResult(
              reads.getChunk(AssetCandid.decodeGetChunkArgs(arg)));
        case "http_request":
          return AssetCandid.encodeHttpResponse(reads.http(AssetCandid.decodeHttpRequest(arg)));
        default:
          throw AssetRejects.noMethod(ctx, method, true);
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
          operations.commit(store, AssetCandid.decodeCommitBatchArgs(arg));
          return AssetCandid.encodeEmpty();
        case "delete_batch": {
          require(ctx, Permission.PREPARE);
          BigInteger id = AssetCandid.decodeBatchIdRecord(arg).value();
          if (!store.batches.containsKey(id)) {
            throw flavour.fail("delete_batch", "batch not found");
          }
          store.batches.remove(id);
          store.chunks.values().removeIf(c -> c.batchId().equals(id));
          return AssetCandid.encodeEmpty();
        }
        case "delete_asset": {
          require(ctx, Permission.COMMIT);
          String key = AssetCandid.decodeKeyRecord(arg);
          if (!store.assets.containsKey(key)) {
            flavour.deleteAbsent(method, key);
          }
          // A direct delete works in both flavours: it is the http-assets workaround.
          store.assets.remove(key);
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
          flavour.checkPermissionName(p);
          return AssetCandid.encodePrincipals(List.copyOf(permissions.get(p)));
        }
        default:
          throw AssetRejects.noMethod(ctx, method, false);
      }
    } catch (CandidException e) {
      throw decodeError(method, e);
    }
  }

  private Map.Entry<Principal, Permission> permissionArgs(byte[] arg, String field) {
    Map.Entry<Principal, Permission> a = AssetCandid.decodePermissionArgs(arg, field);
    flavour.checkPermissionName(a.getValue());
    return a;
  }

  // ---- errors ----

  private CanisterRejectException decodeError(String method, CandidException e) {
    return AssetRejects.trap(method, "failed to decode call arguments: " + e.getMessage());
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
          "Caller does not have " + flavour.permissionName(needed) + " permission" + hint, null,
          ctx.canisterId(), null);
    }
  }

  private void requireManagerOrController(CallContext ctx) {
    if (!ctx.callerIsController()
        && !permissions.get(Permission.MANAGE_PERMISSIONS).contains(ctx.caller())) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Caller does not have "
          + flavour.permissionName(Permission.MANAGE_PERMISSIONS)
          + " permission and is not a controller.", null, ctx.canisterId(), null);
    }
  }

  // ---- batches and chunks ----

  private BatchId createBatch() {
    // state_machine create_batch: expired batches and their chunks go when the next batch is
    // created; until then an expired batch still takes chunks, which renew it.
    long now = now();
    store.batches.entrySet().removeIf(e -> e.getValue() <= now);
    store.chunks.values().removeIf(c -> !store.batches.containsKey(c.batchId()));
    BigInteger id = store.nextBatch;
    store.nextBatch = store.nextBatch.add(BigInteger.ONE);
    store.batches.put(id, now + BATCH_EXPIRY_NANOS);
    return new BatchId(id);
  }

  private List<ChunkId> createChunks(BatchId batchId, List<byte[]> contents) {
    if (!store.batches.containsKey(batchId.value())) {
      throw flavour.batchNotFound("create_chunk", batchId);
    }
    store.batches.put(batchId.value(), now() + BATCH_EXPIRY_NANOS);
    List<ChunkId> ids = new ArrayList<>(contents.size());
    for (byte[] c : contents) {
      BigInteger id = store.nextChunk;
      store.nextChunk = store.nextChunk.add(BigInteger.ONE);
      store.chunks.put(id, new AssetStore.Chunk(batchId.value(), c));
      ids.add(new ChunkId(id));
    }
    return ids;
  }
}
