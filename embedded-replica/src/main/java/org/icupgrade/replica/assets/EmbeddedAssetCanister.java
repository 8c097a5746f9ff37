package org.icupgrade.replica.assets;

import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.icupgrade.candid.assets.AssetCandid;
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
import org.icupgrade.replica.EmbeddedReplica;
import org.jspecify.annotations.Nullable;

/**
 * An asset canister written in Java, hosted by the {@link EmbeddedReplica}: the
 * {@code assetstorage.did} interface with the reference canister's rules (permissions
 * {@code Commit}, {@code Prepare}, {@code ManagePermissions}, where being a controller does not
 * make one a committer; batches that expire 300 s after their last chunk; every commit
 * operation; {@code SetAssetContent}'s SHA-256 check; {@code CreateAsset} of an existing key
 * refused; {@code list} in pages of at most 100, sorted by key), and {@code http_request} so that a
 * test can fetch a page as a browser would.
 *
 * <p>In the {@link AssetCanisterFlavor#HTTP_ASSETS_0_2} flavour it behaves like the Motoko
 * http-assets 0.2.0 library, defects included (IC-NOTES, seed 004): {@code DeleteAsset} inside
 * {@code commit_batch} leaves the asset in place, and {@code CreateAsset} or
 * {@code SetAssetContent} of a key already stored (not aliased) traps, failing the commit.
 *
 * <p>A commit is all or nothing: a failing operation rolls the whole call back, as a trap does.
 */
public final class EmbeddedAssetCanister implements BuiltinCanister {
  /** Batches expire this long after their creation or last chunk (reference state machine). */
  public static final Duration BATCH_EXPIRY = Duration.ofSeconds(300);
  /** {@code list} returns at most this many entries per call. */
  public static final int LIST_PAGE = 100;

  private final AssetCanisterFlavor flavor;
  private final Clock clock;
  private Map<String, Asset> assets = new TreeMap<>(FrontendRelease.KEY_ORDER);
  private final Map<Permission, Set<Principal>> permissions = new EnumMap<>(Permission.class);
  private final Map<BigInteger, Instant> batches = new HashMap<>();
  private Map<BigInteger, Chunk> chunks = new HashMap<>();
  private BigInteger nextBatch = BigInteger.ONE;
  private BigInteger nextChunk = BigInteger.ONE;

  private record Chunk(BigInteger batchId, byte[] content) {}

  private record Encoding(byte[] content, Sha256 sha256, long modified) {}

  private record Asset(
      String contentType, @Nullable Long maxAge, @Nullable List<HeaderField> headers,
      boolean aliased, boolean rawAccess, Map<String, Encoding> encodings) {
    Asset withEncodings(Map<String, Encoding> e) {
      return new Asset(contentType, maxAge, headers, aliased, rawAccess, e);
    }
  }

  public EmbeddedAssetCanister(AssetCanisterFlavor flavor, Clock clock) {
    this.flavor = flavor;
    this.clock = clock;
    for (Permission p : Permission.values()) {
      permissions.put(p, new LinkedHashSet<>());
    }
  }

  /** Creates an asset canister of {@code flavor} on {@code replica}, with these controllers. */
  public static Principal create(
      EmbeddedReplica replica, AssetCanisterFlavor flavor, Clock clock, Principal... controllers) {
    return replica.createBuiltinCanister(new EmbeddedAssetCanister(flavor, clock), controllers);
  }

  /** As {@link #create(EmbeddedReplica, AssetCanisterFlavor, Clock, Principal...)}, system clock. */
  public static Principal create(
      EmbeddedReplica replica, AssetCanisterFlavor flavor, Principal... controllers) {
    return create(replica, flavor, Clock.systemUTC(), controllers);
  }

  // ---- dispatch ----

  @Override
  public byte[] query(CallContext ctx, String method, byte[] arg) {
    try {
      switch (method) {
        case "api_version":
          // http-assets 0.2.0 has SetAssetProperties and the permission calls but neither
          // create_chunks nor last_chunk: the shape of version 1.
          return AssetCandid.encodeNat16(flavor == AssetCanisterFlavor.DFINITY ? 2 : 1);
        case "list":
          return AssetCandid.encodeListResult(list(AssetCandid.decodeListArgs(arg)));
        case "get": {
          Map.Entry<String, List<String>> a = AssetCandid.decodeGetArgs(arg);
          return AssetCandid.encodeGetResult(get(a.getKey(), a.getValue()));
        }
        case "get_chunk":
          return AssetCandid.encodeContentResult(getChunk(AssetCandid.decodeGetChunkArgs(arg)));
        case "list_permitted":
          return AssetCandid.encodePrincipals(
              List.copyOf(permissions.get(AssetCandid.decodeListPermittedArgs(arg))));
        case "http_request":
          return AssetCandid.encodeHttpResponse(http(AssetCandid.decodeHttpRequest(arg)));
        default:
          return update(ctx, method, arg, true);
      }
    } catch (IllegalArgumentException e) {
      throw trap(method, "could not decode the argument: " + e.getMessage());
    }
  }

  @Override
  public byte[] update(CallContext ctx, String method, byte[] arg) {
    return update(ctx, method, arg, false);
  }

  private byte[] update(CallContext ctx, String method, byte[] arg, boolean asQuery) {
    if (asQuery) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + ctx.canisterId()
          + " has no query method '" + method + "'", "IC0536", ctx.canisterId(), method);
    }
    try {
      switch (method) {
        case "api_version":
        case "list":
        case "get":
        case "get_chunk":
        case "list_permitted":
        case "http_request":
          return query(ctx, method, arg);
        case "create_batch":
          require(ctx, method, Permission.COMMIT, Permission.PREPARE);
          return AssetCandid.encodeBatchIdRecord(createBatch());
        case "create_chunk": {
          require(ctx, method, Permission.COMMIT, Permission.PREPARE);
          Map.Entry<BatchId, byte[]> a = AssetCandid.decodeCreateChunkArgs(arg);
          return AssetCandid.encodeCreateChunkResult(createChunks(a.getKey(), List.of(a.getValue()))
              .get(0));
        }
        case "create_chunks": {
          if (flavor != AssetCanisterFlavor.DFINITY) {
            throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister "
                + ctx.canisterId() + " has no update method 'create_chunks'", "IC0536",
                ctx.canisterId(), method);
          }
          require(ctx, method, Permission.COMMIT, Permission.PREPARE);
          Map.Entry<BatchId, List<byte[]>> a = AssetCandid.decodeCreateChunksArgs(arg);
          return AssetCandid.encodeCreateChunksResult(createChunks(a.getKey(), a.getValue()));
        }
        case "commit_batch":
          require(ctx, method, Permission.COMMIT);
          commit(AssetCandid.decodeCommitBatchArgs(arg));
          return AssetCandid.encodeEmpty();
        case "delete_batch": {
          require(ctx, method, Permission.COMMIT, Permission.PREPARE);
          BigInteger id = AssetCandid.decodeBatchIdRecord(arg).value();
          batches.remove(id);
          chunks.values().removeIf(c -> c.batchId().equals(id));
          return AssetCandid.encodeEmpty();
        }
        case "delete_asset":
          require(ctx, method, Permission.COMMIT);
          // A direct delete works in both flavours: it is the http-assets workaround.
          assets.remove(AssetCandid.decodeKeyRecord(arg));
          return AssetCandid.encodeEmpty();
        case "grant_permission": {
          Map.Entry<Principal, Permission> a =
              AssetCandid.decodePermissionArgs(arg, "to_principal");
          requireManager(ctx, method);
          permissions.get(a.getValue()).add(a.getKey());
          return AssetCandid.encodeEmpty();
        }
        case "revoke_permission": {
          Map.Entry<Principal, Permission> a =
              AssetCandid.decodePermissionArgs(arg, "of_principal");
          // Anyone may give up their own permission; taking another's needs ManagePermissions
          // or control of the canister (reference state machine, revoke_permission).
          if (!a.getKey().equals(ctx.caller())) {
            requireManager(ctx, method);
          }
          permissions.get(a.getValue()).remove(a.getKey());
          return AssetCandid.encodeEmpty();
        }
        default:
          throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister "
              + ctx.canisterId() + " has no update method '" + method + "'", "IC0536",
              ctx.canisterId(), method);
      }
    } catch (IllegalArgumentException e) {
      throw trap(method, "could not decode the argument: " + e.getMessage());
    }
  }

  private void require(CallContext ctx, String method, Permission... any) {
    for (Permission p : any) {
      if (permissions.get(p).contains(ctx.caller())) {
        return;
      }
    }
    throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Caller " + ctx.caller()
        + " does not have permission " + any[0].candidName() + " to call " + method
        + (ctx.callerIsController() ? " (being a controller is not enough: grant it)" : ""),
        null, ctx.canisterId(), method);
  }

  private void requireManager(CallContext ctx, String method) {
    if (!ctx.callerIsController()
        && !permissions.get(Permission.MANAGE_PERMISSIONS).contains(ctx.caller())) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Caller " + ctx.caller()
          + " may not call " + method + ": controllers and ManagePermissions holders only",
          null, ctx.canisterId(), method);
    }
  }

  private static CanisterRejectException trap(String method, String message) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR,
        "Canister called `ic0.trap` with message: " + message, "IC0503", null, method);
  }

  // ---- batches ----

  private void expire() {
    Instant now = clock.instant();
    batches.entrySet().removeIf(e -> {
      boolean expired = !now.isBefore(e.getValue());
      if (expired) {
        BigInteger id = e.getKey();
        chunks.values().removeIf(c -> c.batchId().equals(id));
      }
      return expired;
    });
  }

  private BatchId createBatch() {
    expire();
    BigInteger id = nextBatch;
    nextBatch = nextBatch.add(BigInteger.ONE);
    batches.put(id, clock.instant().plus(BATCH_EXPIRY));
    return new BatchId(id);
  }

  private List<ChunkId> createChunks(BatchId batchId, List<byte[]> contents) {
    expire();
    if (!batches.containsKey(batchId.value())) {
      throw trap("create_chunk", "batch " + batchId + " not found (expired or committed)");
    }
    batches.put(batchId.value(), clock.instant().plus(BATCH_EXPIRY));
    List<ChunkId> ids = new ArrayList<>();
    for (byte[] c : contents) {
      BigInteger id = nextChunk;
      nextChunk = nextChunk.add(BigInteger.ONE);
      chunks.put(id, new Chunk(batchId.value(), c));
      ids.add(new ChunkId(id));
    }
    return ids;
  }

  // ---- commit ----

  private void commit(CommitBatchArguments args) {
    // All or nothing: work on copies, publish only when every operation succeeded.
    Map<String, Asset> before = assets;
    Map<String, Asset> work = new TreeMap<>(FrontendRelease.KEY_ORDER);
    work.putAll(assets);
    Map<BigInteger, Chunk> chunksWork = new HashMap<>(chunks);
    // http-assets stages the batch in a temporary store merged at the end; keys that were in
    // the main store before the commit are what its merge trips over.
    long now = clock.millis() * 1_000_000L;
    for (BatchOperation op : args.operations()) {
      if (op instanceof BatchOperation.CreateAsset c) {
        if (work.containsKey(c.assetKey())
            || (flavor == AssetCanisterFlavor.HTTP_ASSETS_0_2 && before.containsKey(c.assetKey())
                && !before.get(c.assetKey()).aliased())) {
          if (flavor == AssetCanisterFlavor.HTTP_ASSETS_0_2) {
            throw trap("commit_batch", "assertion failed at Certs.mo: is_aliased == ?true for "
                + c.assetKey());
          }
          throw trap("commit_batch", "asset " + c.assetKey() + " already exists");
        }
        work.put(c.assetKey(), new Asset(c.contentType(), c.maxAge().orElse(null),
            c.headers().orElse(null), c.enableAliasing().orElse(false),
            c.allowRawAccess().orElse(false), new LinkedHashMap<>()));
      } else if (op instanceof BatchOperation.SetAssetContent s) {
        Asset a = work.get(s.assetKey());
        if (a == null) {
          throw trap("commit_batch", "asset " + s.assetKey() + " not found");
        }
        if (flavor == AssetCanisterFlavor.HTTP_ASSETS_0_2 && before.containsKey(s.assetKey())
            && !before.get(s.assetKey()).aliased()) {
          throw trap("commit_batch", "assertion failed at Certs.mo: is_aliased == ?true for "
              + s.assetKey());
        }
        java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
        for (ChunkId id : s.chunkIds()) {
          Chunk c = chunksWork.remove(id.value());
          if (c == null) {
            throw trap("commit_batch", "chunk " + id + " not found");
          }
          content.writeBytes(c.content());
        }
        s.lastChunk().ifPresent(content::writeBytes);
        byte[] bytes = content.toByteArray();
        Sha256 actual = Sha256.of(bytes);
        if (s.sha256().isPresent() && !s.sha256().get().equals(actual)) {
          throw trap("commit_batch", "sha256 mismatch for " + s.assetKey() + " ("
              + s.contentEncoding() + "): given " + s.sha256().get() + ", content hashes to "
              + actual);
        }
        Map<String, Encoding> encs = new LinkedHashMap<>(a.encodings());
        encs.put(s.contentEncoding(), new Encoding(bytes, actual, now));
        work.put(s.assetKey(), a.withEncodings(encs));
      } else if (op instanceof BatchOperation.UnsetAssetContent u) {
        Asset a = work.get(u.assetKey());
        if (a == null) {
          throw trap("commit_batch", "asset " + u.assetKey() + " not found");
        }
        Map<String, Encoding> encs = new LinkedHashMap<>(a.encodings());
        encs.remove(u.contentEncoding());
        work.put(u.assetKey(), a.withEncodings(encs));
      } else if (op instanceof BatchOperation.DeleteAsset d) {
        if (flavor == AssetCanisterFlavor.DFINITY) {
          work.remove(d.assetKey());
        }
        // http-assets 0.2.0: the delete only touches the staging store, the asset stays.
      } else if (op instanceof BatchOperation.Clear) {
        work.clear();
      } else if (op instanceof BatchOperation.SetAssetProperties p) {
        Asset a = work.get(p.assetKey());
        if (a == null) {
          throw trap("commit_batch", "asset " + p.assetKey() + " not found");
        }
        work.put(p.assetKey(), new Asset(a.contentType(),
            p.maxAge().isChange() ? p.maxAge().value().orElse(null) : a.maxAge(),
            p.headers().isChange() ? p.headers().value().orElse(null) : a.headers(),
            p.isAliased().isChange() ? p.isAliased().value().orElse(false) : a.aliased(),
            p.allowRawAccess().isChange() ? p.allowRawAccess().value().orElse(false)
                : a.rawAccess(), a.encodings()));
      }
    }
    assets = work;
    chunks = chunksWork;
    batches.remove(args.batchId().value());
  }

  // ---- reads ----

  private List<AssetDetails> list(long[] startLength) {
    long start = startLength[0];
    long length = startLength[1] < 0 ? LIST_PAGE : Math.min(LIST_PAGE, startLength[1]);
    List<AssetDetails> out = new ArrayList<>();
    long i = 0;
    for (Map.Entry<String, Asset> e : assets.entrySet()) {
      if (i++ < start) {
        continue;
      }
      if (out.size() >= length) {
        break;
      }
      List<AssetEncodingDetails> encs = new ArrayList<>();
      e.getValue().encodings().forEach((name, enc) -> encs.add(AssetEncodingDetails.of(
          name, enc.sha256(), enc.content().length, enc.modified())));
      out.add(AssetDetails.of(e.getKey(), e.getValue().contentType(), encs));
    }
    return out;
  }

  private EncodedAsset get(String key, List<String> acceptEncodings) {
    Asset a = assets.get(key);
    if (a == null) {
      throw trap("get", "asset " + key + " not found");
    }
    for (String enc : acceptEncodings) {
      Encoding e = a.encodings().get(enc);
      if (e != null) {
        return EncodedAsset.of(e.content(), a.contentType(), enc, e.sha256(), e.content().length);
      }
    }
    throw trap("get", "no such encoding of " + key + " among " + acceptEncodings);
  }

  private byte[] getChunk(AssetCandid.GetChunkArgs a) {
    Asset asset = assets.get(a.key());
    Encoding e = asset == null ? null : asset.encodings().get(a.contentEncoding());
    if (e == null) {
      throw trap("get_chunk", "no " + a.contentEncoding() + " encoding of " + a.key());
    }
    if (a.sha256() != null && !a.sha256().equals(e.sha256())) {
      throw trap("get_chunk", "sha256 mismatch: the content of " + a.key() + " changed");
    }
    if (a.index() != 0) {
      throw trap("get_chunk", "chunk index out of bounds: " + a.index());
    }
    return e.content();
  }

  private AssetCandid.HttpResponse http(AssetCandid.HttpRequest r) {
    String path = r.url();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    path = URLDecoder.decode(path, StandardCharsets.UTF_8);
    List<String> candidates = path.endsWith("/")
        ? List.of(path + "index.html") : List.of(path, path + "/index.html");
    boolean gzipOk = r.headers().stream().anyMatch(h -> h.name().equalsIgnoreCase("accept-encoding")
        && h.value().toLowerCase(Locale.ROOT).contains("gzip"));
    for (String key : candidates) {
      Asset a = assets.get(key);
      if (a == null) {
        continue;
      }
      String enc = gzipOk && a.encodings().containsKey("gzip") ? "gzip" : "identity";
      Encoding e = a.encodings().get(enc);
      if (e == null) {
        continue;
      }
      List<HeaderField> headers = new ArrayList<>();
      headers.add(new HeaderField("Content-Type", a.contentType()));
      if (!enc.equals("identity")) {
        headers.add(new HeaderField("Content-Encoding", enc));
      }
      if (a.headers() != null) {
        headers.addAll(a.headers());
      }
      if (flavor == AssetCanisterFlavor.DFINITY && key.endsWith(".html")) {
        // IC-NOTES: the asset canister adds this cookie to every .html it serves.
        headers.add(new HeaderField("Set-Cookie", "ic_env=" + "mainnet" + "; Path=/; SameSite=Lax"));
      }
      return new AssetCandid.HttpResponse(200, headers, e.content());
    }
    return new AssetCandid.HttpResponse(404, List.of(new HeaderField("Content-Type",
        "text/plain")), ("not found: " + path).getBytes(StandardCharsets.UTF_8));
  }
}
