package org.icupgrade.candid.internal;

import static org.icupgrade.candid.internal.Idl.BLOB;
import static org.icupgrade.candid.internal.Idl.BOOL;
import static org.icupgrade.candid.internal.Idl.INT;
import static org.icupgrade.candid.internal.Idl.NAT;
import static org.icupgrade.candid.internal.Idl.NAT16;
import static org.icupgrade.candid.internal.Idl.NAT64;
import static org.icupgrade.candid.internal.Idl.NULL;
import static org.icupgrade.candid.internal.Idl.PRINCIPAL;
import static org.icupgrade.candid.internal.Idl.TEXT;
import static org.icupgrade.candid.internal.Idl.opt;
import static org.icupgrade.candid.internal.Idl.record;
import static org.icupgrade.candid.internal.Idl.value;
import static org.icupgrade.candid.internal.Idl.variant;
import static org.icupgrade.candid.internal.Idl.vec;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.PropertyUpdate;
import org.jspecify.annotations.Nullable;

/**
 * Candid encoding and decoding of the asset canister methods ({@code assetstorage.did} of the
 * DFINITY SDK, as the certified-assets canister declares it), both directions: the client side
 * ({@link CandidAssetCanister}) and the embedded replica's asset canister use the same types.
 *
 * <p>Errors as in {@link ManagementCandid}: a message that cannot be read as its type throws core's
 * {@link CandidException} naming the message ({@code get reply}, {@code commit_batch argument})
 * and where known the field ({@code operations[2].SetAssetContent.sha256}); encoding a value of
 * ours that does not fit its type throws {@link IllegalArgumentException}.
 */
public final class AssetCandid {
  private AssetCandid() {}

  static final CandidType HEADER_FIELD = record("0", TEXT, "1", TEXT);
  static final CandidType PERMISSION =
      variant("Commit", NULL, "ManagePermissions", NULL, "Prepare", NULL);
  static final CandidType CREATE_ASSET = record(
      "key", TEXT, "content_type", TEXT, "max_age", opt(NAT64),
      "headers", opt(vec(HEADER_FIELD)), "enable_aliasing", opt(BOOL),
      "allow_raw_access", opt(BOOL));
  static final CandidType SET_ASSET_CONTENT = record(
      "key", TEXT, "content_encoding", TEXT, "chunk_ids", vec(NAT),
      "last_chunk", opt(BLOB), "sha256", opt(BLOB));
  static final CandidType UNSET_ASSET_CONTENT = record("key", TEXT, "content_encoding", TEXT);
  static final CandidType DELETE_ASSET = record("key", TEXT);
  static final CandidType CLEAR = record();
  static final CandidType SET_ASSET_PROPERTIES = record(
      "key", TEXT, "max_age", opt(opt(NAT64)), "headers", opt(opt(vec(HEADER_FIELD))),
      "allow_raw_access", opt(opt(BOOL)), "is_aliased", opt(opt(BOOL)));
  static final CandidType OPERATION = variant(
      "CreateAsset", CREATE_ASSET, "SetAssetContent", SET_ASSET_CONTENT,
      "SetAssetProperties", SET_ASSET_PROPERTIES, "UnsetAssetContent", UNSET_ASSET_CONTENT,
      "DeleteAsset", DELETE_ASSET, "Clear", CLEAR);
  static final CandidType COMMIT_BATCH = record("batch_id", NAT, "operations", vec(OPERATION));
  static final CandidType LIST_ARGS = record("start", opt(NAT), "length", opt(NAT));
  static final CandidType ASSET_DETAILS = record(
      "key", TEXT, "content_type", TEXT,
      "encodings", vec(record("content_encoding", TEXT, "sha256", opt(BLOB), "length", NAT,
          "modified", INT)));
  static final CandidType GET_ARGS = record("key", TEXT, "accept_encodings", vec(TEXT));
  static final CandidType ENCODED_ASSET = record(
      "content", BLOB, "content_type", TEXT, "content_encoding", TEXT, "sha256", opt(BLOB),
      "total_length", NAT);
  static final CandidType GET_CHUNK_ARGS = record(
      "key", TEXT, "content_encoding", TEXT, "index", NAT, "sha256", opt(BLOB));
  static final CandidType BATCH_ID_RECORD = record("batch_id", NAT);
  static final CandidType CREATE_CHUNK_ARGS = record("batch_id", NAT, "content", BLOB);
  static final CandidType CREATE_CHUNKS_ARGS = record("batch_id", NAT, "content", vec(BLOB));
  static final CandidType HTTP_REQUEST = record(
      "method", TEXT, "url", TEXT, "headers", vec(HEADER_FIELD), "body", BLOB,
      "certificate_version", opt(NAT16));
  static final CandidType HTTP_RESPONSE = record(
      "status_code", NAT16, "headers", vec(HEADER_FIELD), "body", BLOB,
      "streaming_strategy", opt(variant("Callback", NULL)));

  // ---- small shapes ----

  public static byte[] encodeEmpty() {
    return Idl.empty();
  }

  public static byte[] encodeEmptyRecord() {
    return Idl.encode(value(), record());
  }

  public static byte[] encodeNat16(int v) {
    return Idl.encode(v, NAT16);
  }

  /** The reply of {@code api_version}. */
  public static int decodeNat16(byte[] candid) {
    return Idl.decodeFirst(candid, "api_version reply").nat16();
  }

  // ---- list ----

  public static byte[] encodeListArgs(long start, long length) {
    return Idl.encode(value("start", Optional.of(BigInteger.valueOf(start)),
        "length", Optional.of(BigInteger.valueOf(length))), LIST_ARGS);
  }

  /** {@code [start, length]}; absent fields are 0 and unlimited (-1). */
  public static long[] decodeListArgs(byte[] candid) {
    String method = "list argument";
    List<@Nullable Object> args = Idl.decode(candid, method);
    if (args.isEmpty()) {
      return new long[] {0, -1};
    }
    Fields f = Decoded.of(args.get(0), method).record();
    return new long[] {
      f.opt("start", Decoded::natLong).orElse(0L),
      f.opt("length", Decoded::natLong).orElse(-1L)};
  }

  public static byte[] encodeListResult(List<AssetDetails> assets) {
    Object[] items = new Object[assets.size()];
    for (int i = 0; i < items.length; i++) {
      AssetDetails a = assets.get(i);
      Object[] encs = new Object[a.encodings().size()];
      for (int j = 0; j < encs.length; j++) {
        AssetEncodingDetails e = a.encodings().get(j);
        encs[j] = value("content_encoding", e.contentEncoding(),
            "sha256", Idl.opt(e.sha256().map(Sha256::toBytes).orElse(null)),
            "length", BigInteger.valueOf(e.length()),
            "modified", BigInteger.valueOf(e.modifiedNanos()));
      }
      items[i] = value("key", a.key(), "content_type", a.contentType(), "encodings", encs);
    }
    return Idl.encode(items, vec(ASSET_DETAILS));
  }

  /** The length is a nat this library holds in a long, so never negative: core's one check. */
  public static List<AssetDetails> decodeListResult(byte[] candid) {
    List<AssetDetails> out = new ArrayList<>();
    for (Decoded o : Idl.decodeFirst(candid, "list reply").vec()) {
      Fields f = o.record();
      List<AssetEncodingDetails> encs = new ArrayList<>();
      for (Decoded e : f.vec("encodings")) {
        Fields ef = e.record();
        encs.add(AssetEncodingDetails.of(ef.text("content_encoding"),
            ef.opt("sha256", Decoded::sha256).orElse(null),
            ef.natLong("length"), ef.get("modified").integerLong()));
      }
      out.add(AssetDetails.of(f.text("key"), f.text("content_type"), encs));
    }
    return out;
  }

  // ---- get / get_chunk ----

  public static byte[] encodeGetArgs(String key, List<String> acceptEncodings) {
    return Idl.encode(value("key", key, "accept_encodings", acceptEncodings), GET_ARGS);
  }

  /** {@code (key, accept_encodings)}. */
  public static Map.Entry<String, List<String>> decodeGetArgs(byte[] candid) {
    Fields f = Fields.of(candid, "get argument");
    List<String> enc = new ArrayList<>();
    for (Decoded o : f.vec("accept_encodings")) {
      enc.add(o.text());
    }
    return Map.entry(f.text("key"), enc);
  }

  public static byte[] encodeGetResult(EncodedAsset a) {
    return Idl.encode(value("content", a.content(), "content_type", a.contentType(),
        "content_encoding", a.contentEncoding(),
        "sha256", Idl.opt(a.sha256().map(Sha256::toBytes).orElse(null)),
        "total_length", BigInteger.valueOf(a.totalLength())), ENCODED_ASSET);
  }

  /** A {@code total_length} under the content's length is refused (core's check) at that field. */
  public static EncodedAsset decodeGetResult(byte[] candid) {
    Fields f = Fields.of(candid, "get reply");
    byte[] content = f.blob("content");
    String contentType = f.text("content_type");
    String contentEncoding = f.text("content_encoding");
    Sha256 sha256 = f.opt("sha256", Decoded::sha256).orElse(null);
    Decoded total = f.get("total_length");
    long totalLength = total.natLong();
    return total.build(
        () -> EncodedAsset.of(content, contentType, contentEncoding, sha256, totalLength));
  }

  /** The arguments of {@code get_chunk}. */
  public record GetChunkArgs(String key, String contentEncoding, long index, @Nullable Sha256 sha256) {}

  public static byte[] encodeGetChunkArgs(GetChunkArgs a) {
    return Idl.encode(value("key", a.key(), "content_encoding", a.contentEncoding(),
        "index", BigInteger.valueOf(a.index()),
        "sha256", Idl.opt(a.sha256() == null ? null : a.sha256().toBytes())), GET_CHUNK_ARGS);
  }

  public static GetChunkArgs decodeGetChunkArgs(byte[] candid) {
    Fields f = Fields.of(candid, "get_chunk argument");
    return new GetChunkArgs(f.text("key"), f.text("content_encoding"), f.natLong("index"),
        f.opt("sha256", Decoded::sha256).orElse(null));
  }

  public static byte[] encodeContentResult(byte[] content) {
    return Idl.encode(value("content", content), record("content", BLOB));
  }

  /** The reply of {@code get_chunk}. */
  public static byte[] decodeContentResult(byte[] candid) {
    return Fields.of(candid, "get_chunk reply").blob("content");
  }

  // ---- batches and chunks ----

  public static byte[] encodeBatchIdRecord(BatchId id) {
    return Idl.encode(value("batch_id", id.value()), BATCH_ID_RECORD);
  }

  /** The argument of {@code delete_batch}. */
  public static BatchId decodeBatchIdRecord(byte[] candid) {
    return new BatchId(Fields.of(candid, "delete_batch argument").nat("batch_id"));
  }

  /** The reply of {@code create_batch}, the same {@code record { batch_id : nat }}. */
  public static BatchId decodeCreateBatchResult(byte[] candid) {
    return new BatchId(Fields.of(candid, "create_batch reply").nat("batch_id"));
  }

  public static byte[] encodeCreateChunkArgs(BatchId batchId, byte[] content) {
    return Idl.encode(value("batch_id", batchId.value(), "content", content), CREATE_CHUNK_ARGS);
  }

  /** {@code (batch_id, content)}. */
  public static Map.Entry<BatchId, byte[]> decodeCreateChunkArgs(byte[] candid) {
    Fields f = Fields.of(candid, "create_chunk argument");
    return Map.entry(new BatchId(f.nat("batch_id")), f.blob("content"));
  }

  public static byte[] encodeCreateChunkResult(ChunkId id) {
    return Idl.encode(value("chunk_id", id.value()), record("chunk_id", NAT));
  }

  public static ChunkId decodeCreateChunkResult(byte[] candid) {
    return new ChunkId(Fields.of(candid, "create_chunk reply").nat("chunk_id"));
  }

  public static byte[] encodeCreateChunksArgs(BatchId batchId, List<byte[]> contents) {
    return Idl.encode(value("batch_id", batchId.value(), "content", contents), CREATE_CHUNKS_ARGS);
  }

  public static Map.Entry<BatchId, List<byte[]>> decodeCreateChunksArgs(byte[] candid) {
    Fields f = Fields.of(candid, "create_chunks argument");
    List<byte[]> contents = new ArrayList<>();
    for (Decoded o : f.vec("content")) {
      contents.add(o.blob());
    }
    return Map.entry(new BatchId(f.nat("batch_id")), contents);
  }

  public static byte[] encodeCreateChunksResult(List<ChunkId> ids) {
    List<Object> vs = new ArrayList<>();
    ids.forEach(i -> vs.add(i.value()));
    return Idl.encode(value("chunk_ids", vs), record("chunk_ids", vec(NAT)));
  }

  public static List<ChunkId> decodeCreateChunksResult(byte[] candid) {
    List<ChunkId> out = new ArrayList<>();
    for (Decoded o : Fields.of(candid, "create_chunks reply").vec("chunk_ids")) {
      out.add(new ChunkId(o.nat()));
    }
    return out;
  }

  // ---- commit_batch ----

  public static byte[] encodeCommitBatchArgs(CommitBatchArguments args) {
    List<Object> ops = new ArrayList<>();
    for (BatchOperation op : args.operations()) {
      ops.add(operationValue(op));
    }
    return Idl.encode(value("batch_id", args.batchId().value(), "operations", ops), COMMIT_BATCH);
  }

  public static CommitBatchArguments decodeCommitBatchArgs(byte[] candid) {
    Fields f = Fields.of(candid, "commit_batch argument");
    List<BatchOperation> ops = new ArrayList<>();
    for (Decoded o : f.vec("operations")) {
      ops.add(operationOf(o));
    }
    return CommitBatchArguments.of(new BatchId(f.nat("batch_id")), ops);
  }

  private static Map<String, @Nullable Object> operationValue(BatchOperation op) {
    if (op instanceof BatchOperation.CreateAsset c) {
      return value("CreateAsset", value("key", c.assetKey(), "content_type", c.contentType(),
          "max_age", Idl.opt(c.maxAge().orElse(null)),
          "headers", Idl.opt(c.headers().map(AssetCandid::headersValue).orElse(null)),
          "enable_aliasing", Idl.opt(c.enableAliasing().orElse(null)),
          "allow_raw_access", Idl.opt(c.allowRawAccess().orElse(null))));
    }
    if (op instanceof BatchOperation.SetAssetContent s) {
      List<Object> ids = new ArrayList<>();
      s.chunkIds().forEach(i -> ids.add(i.value()));
      return value("SetAssetContent", value("key", s.assetKey(),
          "content_encoding", s.contentEncoding(), "chunk_ids", ids,
          "last_chunk", Idl.opt(s.lastChunk().orElse(null)),
          "sha256", Idl.opt(s.sha256().map(Sha256::toBytes).orElse(null))));
    }
    if (op instanceof BatchOperation.UnsetAssetContent u) {
      return value("UnsetAssetContent", value("key", u.assetKey(),
          "content_encoding", u.contentEncoding()));
    }
    if (op instanceof BatchOperation.DeleteAsset d) {
      return value("DeleteAsset", value("key", d.assetKey()));
    }
    if (op instanceof BatchOperation.Clear) {
      return value("Clear", value());
    }
    BatchOperation.SetAssetProperties p = (BatchOperation.SetAssetProperties) op;
    return value("SetAssetProperties", value("key", p.assetKey(),
        "max_age", update(p.maxAge()),
        "headers", update(p.headers().isChange()
            ? (p.headers().value().isPresent()
                ? PropertyUpdate.set(headersValue(p.headers().value().get()))
                : PropertyUpdate.clear())
            : PropertyUpdate.keep()),
        "allow_raw_access", update(p.allowRawAccess()),
        "is_aliased", update(p.isAliased())));
  }

  /** {@code opt opt T}: absent keeps, {@code opt null} clears, {@code opt opt v} sets. */
  private static Optional<Object> update(PropertyUpdate<?> u) {
    if (!u.isChange()) {
      return Optional.empty();
    }
    return Optional.of(Idl.opt(u.value().orElse(null)));
  }

  private static List<Object> headersValue(List<HeaderField> headers) {
    List<Object> out = new ArrayList<>();
    for (HeaderField h : headers) {
      out.add(value("0", h.name(), "1", h.value()));
    }
    return out;
  }

  private static List<HeaderField> headersOf(Decoded d) {
    List<HeaderField> out = new ArrayList<>();
    for (Decoded h : d.vec()) {
      Fields f = h.record();
      out.add(new HeaderField(f.text("0"), f.text("1")));
    }
    return out;
  }

  /**
   * {@code max_age} is a nat64 this library holds in a long: one from 2^63 is refused here, not
   * by the builder's check for a negative value.
   */
  private static BatchOperation operationOf(Decoded o) {
    Decoded.Variant v = o.variant("CreateAsset", "SetAssetContent", "SetAssetProperties",
        "UnsetAssetContent", "DeleteAsset", "Clear");
    Decoded payload = v.payload();
    switch (v.tag()) {
      case "CreateAsset": {
        Fields f = payload.record();
        BatchOperation.CreateAsset.Builder b =
            BatchOperation.CreateAsset.builder(f.text("key"), f.text("content_type"));
        f.opt("max_age", Decoded::natLong).ifPresent(b::maxAge);
        f.opt("headers", AssetCandid::headersOf).ifPresent(b::headers);
        f.opt("enable_aliasing", Decoded::bool).ifPresent(b::enableAliasing);
        f.opt("allow_raw_access", Decoded::bool).ifPresent(b::allowRawAccess);
        return b.build();
      }
      case "SetAssetContent": {
        Fields f = payload.record();
        List<ChunkId> ids = new ArrayList<>();
        for (Decoded id : f.vec("chunk_ids")) {
          ids.add(new ChunkId(id.nat()));
        }
        String key = f.text("key");
        String encoding = f.text("content_encoding");
        byte[] lastChunk = f.opt("last_chunk", Decoded::blob).orElse(null);
        Sha256 sha256 = f.opt("sha256", Decoded::sha256).orElse(null);
        // Core refuses an encoding with neither chunk ids nor a last chunk.
        return payload.build(
            () -> BatchOperation.SetAssetContent.of(key, encoding, ids, lastChunk, sha256));
      }
      case "UnsetAssetContent": {
        Fields f = payload.record();
        return new BatchOperation.UnsetAssetContent(f.text("key"), f.text("content_encoding"));
      }
      case "DeleteAsset":
        return new BatchOperation.DeleteAsset(payload.record().text("key"));
      case "Clear":
        return new BatchOperation.Clear();
      default: {
        Fields f = payload.record();
        return BatchOperation.SetAssetProperties.of(f.text("key"),
            updateOf(f, "max_age", Decoded::natLong),
            updateOf(f, "headers", AssetCandid::headersOf),
            updateOf(f, "allow_raw_access", Decoded::bool),
            updateOf(f, "is_aliased", Decoded::bool));
      }
    }
  }

  /**
   * {@code opt opt T}: absent keeps, {@code opt null} clears, {@code opt opt v} sets. A value that
   * does not decode at {@code T} makes the inner {@code opt} null (Candid spec, decoding rules,
   * "Options"), so {@code opt opt} of another type clears.
   */
  private static <T> PropertyUpdate<T> updateOf(
      Fields f, String name, java.util.function.Function<Decoded, T> read) {
    Optional<Optional<T>> outer = f.opt(name, d -> d.opt(read));
    if (outer.isEmpty()) {
      return PropertyUpdate.keep();
    }
    Optional<T> inner = outer.get();
    return inner.isPresent() ? PropertyUpdate.set(inner.get()) : PropertyUpdate.clear();
  }

  // ---- delete / permissions ----

  public static byte[] encodeKeyRecord(String key) {
    return Idl.encode(value("key", key), DELETE_ASSET);
  }

  /** The argument of {@code delete_asset}. */
  public static String decodeKeyRecord(byte[] candid) {
    return Fields.of(candid, "delete_asset argument").text("key");
  }

  /** grant_permission uses {@code to_principal}, revoke_permission {@code of_principal}. */
  public static byte[] encodePermissionArgs(String principalField, Principal p, Permission perm) {
    return Idl.encode(value(principalField, p, "permission", value(perm.candidName(), null)),
        record(principalField, PRINCIPAL, "permission", PERMISSION));
  }

  /**
   * The argument of {@code grant_permission} ({@code to_principal}) or {@code revoke_permission}
   * ({@code of_principal}).
   */
  public static Map.Entry<Principal, Permission> decodePermissionArgs(
      byte[] candid, String principalField) {
    String method = switch (principalField) {
      case "to_principal" -> "grant_permission argument";
      case "of_principal" -> "revoke_permission argument";
      default -> "permission argument";
    };
    Fields f = Fields.of(candid, method);
    return Map.entry(f.principal(principalField), permissionOf(f));
  }

  public static byte[] encodeListPermittedArgs(Permission perm) {
    return Idl.encode(value("permission", value(perm.candidName(), null)),
        record("permission", PERMISSION));
  }

  public static Permission decodeListPermittedArgs(byte[] candid) {
    return permissionOf(Fields.of(candid, "list_permitted argument"));
  }

  private static final Permission[] PERMISSIONS = Permission.values();
  private static final String[] PERMISSION_TAGS =
      Arrays.stream(PERMISSIONS).map(Permission::candidName).toArray(String[]::new);

  /** A tag that names no {@link Permission} is a CandidException at {@code permission}. */
  private static Permission permissionOf(Fields f) {
    String tag = f.variant("permission", PERMISSION_TAGS);
    return PERMISSIONS[Arrays.asList(PERMISSION_TAGS).indexOf(tag)];
  }

  public static byte[] encodePrincipals(List<Principal> ps) {
    return Idl.encode(new ArrayList<Object>(ps), vec(PRINCIPAL));
  }

  public static List<Principal> decodePrincipals(byte[] candid) {
    List<Principal> out = new ArrayList<>();
    for (Decoded o : Idl.decodeFirst(candid, "list_permitted reply").vec()) {
      out.add(o.principal());
    }
    return out;
  }

  // ---- http_request ----

  /**
   * An HTTP request as the HTTP gateway hands it to the canister.
   *
   * @param certificateVersion {@code certificate_version}: the response certification version the
   *     gateway verifies; gateways send 2, and the newest DFINITY canisters refuse anything else
   */
  public record HttpRequest(
      String method, String url, List<HeaderField> headers, byte[] body,
      @Nullable Integer certificateVersion) {
    /** A request as current HTTP gateways send it ({@code certificate_version = opt 2}). */
    public HttpRequest(String method, String url, List<HeaderField> headers, byte[] body) {
      this(method, url, headers, body, 2);
    }
  }

  /** An HTTP response as the canister returns it (streaming is not used by this binding). */
  public record HttpResponse(int statusCode, List<HeaderField> headers, byte[] body) {
    /** The first header called {@code name}, compared without case, as HTTP does. */
    public Optional<String> header(String name) {
      for (HeaderField h : headers) {
        if (h.name().equalsIgnoreCase(name)) {
          return Optional.of(h.value());
        }
      }
      return Optional.empty();
    }
  }

  public static byte[] encodeHttpRequest(HttpRequest r) {
    return Idl.encode(value("method", r.method(), "url", r.url(),
        "headers", headersValue(r.headers()), "body", r.body(),
        "certificate_version", Optional.ofNullable(r.certificateVersion())), HTTP_REQUEST);
  }

  public static HttpRequest decodeHttpRequest(byte[] candid) {
    Fields f = Fields.of(candid, "http_request argument");
    return new HttpRequest(f.text("method"), f.text("url"), headersOf(f.get("headers")),
        f.blob("body"), f.opt("certificate_version", Decoded::nat16).orElse(null));
  }

  public static byte[] encodeHttpResponse(HttpResponse r) {
    return Idl.encode(value("status_code", r.statusCode(), "headers", headersValue(r.headers()),
        "body", r.body(), "streaming_strategy", Optional.empty()), HTTP_RESPONSE);
  }

  public static HttpResponse decodeHttpResponse(byte[] candid) {
    Fields f = Fields.of(candid, "http_request reply");
    return new HttpResponse(f.nat16("status_code"), headersOf(f.get("headers")),
        f.blob("body"));
  }
}
