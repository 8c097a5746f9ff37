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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.candid.internal.CandidType;
import org.icupgrade.candid.internal.Fields;
import org.icupgrade.candid.internal.Idl;
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

  public static int decodeNat16(byte[] candid) {
    return Fields.natOf(Idl.decodeFirst(candid, "nat16"), "nat16").intValueExact();
  }

  // ---- list ----

  public static byte[] encodeListArgs(long start, long length) {
    return Idl.encode(value("start", Optional.of(BigInteger.valueOf(start)),
        "length", Optional.of(BigInteger.valueOf(length))), LIST_ARGS);
  }

  /** {@code [start, length]}; absent fields are 0 and unlimited (-1). */
  public static long[] decodeListArgs(byte[] candid) {
    List<Object> args = Idl.decode(candid);
    if (args.isEmpty()) {
      return new long[] {0, -1};
    }
    Fields f = Fields.of(args.get(0), "list_args");
    return new long[] {
      f.opt("start").map(v -> Fields.natOf(v, "start").longValueExact()).orElse(0L),
      f.opt("length").map(v -> Fields.natOf(v, "length").longValueExact()).orElse(-1L)};
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

  public static List<AssetDetails> decodeListResult(byte[] candid) {
    List<AssetDetails> out = new ArrayList<>();
    for (Object o : Fields.vecOf(Idl.decodeFirst(candid, "list"), "list_result")) {
      Fields f = Fields.of(o, "asset_details");
      List<AssetEncodingDetails> encs = new ArrayList<>();
      for (Object e : f.vec("encodings")) {
        Fields ef = Fields.of(e, "asset_encoding_details");
        encs.add(AssetEncodingDetails.of(ef.text("content_encoding"),
            ef.opt("sha256").map(b -> Sha256.fromBytes(Fields.blobOf(b, "sha256"))).orElse(null),
            ef.nat("length").longValueExact(), ef.nat("modified").longValue()));
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
    Fields f = Fields.of(Idl.decodeFirst(candid, "get"), "get_args");
    List<String> enc = new ArrayList<>();
    for (Object o : f.vec("accept_encodings")) {
      enc.add((String) o);
    }
    return Map.entry(f.text("key"), enc);
  }

  public static byte[] encodeGetResult(EncodedAsset a) {
    return Idl.encode(value("content", a.content(), "content_type", a.contentType(),
        "content_encoding", a.contentEncoding(),
        "sha256", Idl.opt(a.sha256().map(Sha256::toBytes).orElse(null)),
        "total_length", BigInteger.valueOf(a.totalLength())), ENCODED_ASSET);
  }

  public static EncodedAsset decodeGetResult(byte[] candid) {
    Fields f = Fields.of(Idl.decodeFirst(candid, "get"), "get_result");
    return EncodedAsset.of(f.blob("content"), f.text("content_type"), f.text("content_encoding"),
        f.opt("sha256").map(b -> Sha256.fromBytes(Fields.blobOf(b, "sha256"))).orElse(null),
        f.nat("total_length").longValueExact());
  }

  /** The arguments of {@code get_chunk}. */
  public record GetChunkArgs(String key, String contentEncoding, long index, @Nullable Sha256 sha256) {}

  public static byte[] encodeGetChunkArgs(GetChunkArgs a) {
    return Idl.encode(value("key", a.key(), "content_encoding", a.contentEncoding(),
        "index", BigInteger.valueOf(a.index()),
        "sha256", Idl.opt(a.sha256() == null ? null : a.sha256().toBytes())), GET_CHUNK_ARGS);
  }

  public static GetChunkArgs decodeGetChunkArgs(byte[] candid) {
    Fields f = Fields.of(Idl.decodeFirst(candid, "get_chunk"), "get_chunk_args");
    return new GetChunkArgs(f.text("key"), f.text("content_encoding"),
        f.nat("index").longValueExact(),
        f.opt("sha256").map(b -> Sha256.fromBytes(Fields.blobOf(b, "sha256"))).orElse(null));
  }

  public static byte[] encodeContentResult(byte[] content) {
    return Idl.encode(value("content", content), record("content", BLOB));
  }

  public static byte[] decodeContentResult(byte[] candid) {
    return Fields.of(Idl.decodeFirst(candid, "get_chunk"), "get_chunk_result").blob("content");
  }

  // ---- batches and chunks ----

  public static byte[] encodeBatchIdRecord(BatchId id) {
    return Idl.encode(value("batch_id", id.value()), BATCH_ID_RECORD);
  }

  public static BatchId decodeBatchIdRecord(byte[] candid) {
    return new BatchId(Fields.of(Idl.decodeFirst(candid, "batch_id"), "batch").nat("batch_id"));
  }

  public static byte[] encodeCreateChunkArgs(BatchId batchId, byte[] content) {
    return Idl.encode(value("batch_id", batchId.value(), "content", content), CREATE_CHUNK_ARGS);
  }

  /** {@code (batch_id, content)}. */
  public static Map.Entry<BatchId, byte[]> decodeCreateChunkArgs(byte[] candid) {
    Fields f = Fields.of(Idl.decodeFirst(candid, "create_chunk"), "create_chunk_args");
    return Map.entry(new BatchId(f.nat("batch_id")), f.blob("content"));
  }

  public static byte[] encodeCreateChunkResult(ChunkId id) {
    return Idl.encode(value("chunk_id", id.value()), record("chunk_id", NAT));
  }

  public static ChunkId decodeCreateChunkResult(byte[] candid) {
    return new ChunkId(Fields.of(Idl.decodeFirst(candid, "create_chunk"), "create_chunk_result")
        .nat("chunk_id"));
  }

  public static byte[] encodeCreateChunksArgs(BatchId batchId, List<byte[]> contents) {
    return Idl.encode(value("batch_id", batchId.value(), "content", contents), CREATE_CHUNKS_ARGS);
  }

  public static Map.Entry<BatchId, List<byte[]>> decodeCreateChunksArgs(byte[] candid) {
    Fields f = Fields.of(Idl.decodeFirst(candid, "create_chunks"), "create_chunks_args");
    List<byte[]> contents = new ArrayList<>();
    for (Object o : f.vec("content")) {
      contents.add(Fields.blobOf(o, "content[]"));
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
    for (Object o : Fields.of(Idl.decodeFirst(candid, "create_chunks"), "create_chunks_result")
        .vec("chunk_ids")) {
      out.add(new ChunkId(Fields.natOf(o, "chunk_ids[]")));
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
    Fields f = Fields.of(Idl.decodeFirst(candid, "commit_batch"), "commit_batch_args");
    List<BatchOperation> ops = new ArrayList<>();
    for (Object o : f.vec("operations")) {
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

  private static List<HeaderField> headersOf(Object o) {
    List<HeaderField> out = new ArrayList<>();
    for (Object h : Fields.vecOf(o, "headers")) {
      Fields f = Fields.of(h, "header_field");
      out.add(new HeaderField(f.text("0"), f.text("1")));
    }
    return out;
  }

  private static BatchOperation operationOf(Object o) {
    String tag = Fields.tagOf(o, "batch_operation", "CreateAsset", "SetAssetContent",
        "SetAssetProperties", "UnsetAssetContent", "DeleteAsset", "Clear");
    Object payload = Fields.of(o, "batch_operation").payload();
    switch (tag) {
      case "CreateAsset": {
        Fields f = Fields.of(payload, "CreateAsset");
        BatchOperation.CreateAsset.Builder b =
            BatchOperation.CreateAsset.builder(f.text("key"), f.text("content_type"));
        f.opt("max_age").ifPresent(v -> b.maxAge(Fields.nat64Of(v, "max_age").longValue()));
        f.opt("headers").ifPresent(v -> b.headers(headersOf(v)));
        f.opt("enable_aliasing").ifPresent(v -> b.enableAliasing((Boolean) v));
        f.opt("allow_raw_access").ifPresent(v -> b.allowRawAccess((Boolean) v));
        return b.build();
      }
      case "SetAssetContent": {
        Fields f = Fields.of(payload, "SetAssetContent");
        List<ChunkId> ids = new ArrayList<>();
        for (Object id : f.vec("chunk_ids")) {
          ids.add(new ChunkId(Fields.natOf(id, "chunk_ids[]")));
        }
        return BatchOperation.SetAssetContent.of(f.text("key"), f.text("content_encoding"), ids,
            f.opt("last_chunk").map(b -> Fields.blobOf(b, "last_chunk")).orElse(null),
            f.opt("sha256").map(b -> Sha256.fromBytes(Fields.blobOf(b, "sha256"))).orElse(null));
      }
      case "UnsetAssetContent": {
        Fields f = Fields.of(payload, "UnsetAssetContent");
        return new BatchOperation.UnsetAssetContent(f.text("key"), f.text("content_encoding"));
      }
      case "DeleteAsset":
        return new BatchOperation.DeleteAsset(Fields.of(payload, "DeleteAsset").text("key"));
      case "Clear":
        return new BatchOperation.Clear();
      default: {
        Fields f = Fields.of(payload, "SetAssetProperties");
        return BatchOperation.SetAssetProperties.of(f.text("key"),
            updateOf(f.opt("max_age"), v -> Fields.nat64Of(v, "max_age").longValue()),
            updateOf(f.opt("headers"), AssetCandid::headersOf),
            updateOf(f.opt("allow_raw_access"), v -> (Boolean) v),
            updateOf(f.opt("is_aliased"), v -> (Boolean) v));
      }
    }
  }

  private static <T> PropertyUpdate<T> updateOf(
      Optional<Object> outer, java.util.function.Function<Object, T> read) {
    if (outer.isEmpty()) {
      return PropertyUpdate.keep();
    }
    Object inner = outer.get();
    if (inner instanceof Optional<?> o) {
      return o.isPresent() ? PropertyUpdate.set(read.apply(o.get())) : PropertyUpdate.clear();
    }
    return PropertyUpdate.set(read.apply(inner));
  }

  // ---- delete / permissions ----

  public static byte[] encodeKeyRecord(String key) {
    return Idl.encode(value("key", key), DELETE_ASSET);
  }

  public static String decodeKeyRecord(byte[] candid) {
    return Fields.of(Idl.decodeFirst(candid, "key"), "key_args").text("key");
  }

  /** grant_permission uses {@code to_principal}, revoke_permission {@code of_principal}. */
  public static byte[] encodePermissionArgs(String principalField, Principal p, Permission perm) {
    return Idl.encode(value(principalField, p, "permission", value(perm.candidName(), null)),
        record(principalField, PRINCIPAL, "permission", PERMISSION));
  }

  public static Map.Entry<Principal, Permission> decodePermissionArgs(
      byte[] candid, String principalField) {
    Fields f = Fields.of(Idl.decodeFirst(candid, "permission"), "permission_args");
    return Map.entry(f.principal(principalField), permissionOf(f));
  }

  public static byte[] encodeListPermittedArgs(Permission perm) {
    return Idl.encode(value("permission", value(perm.candidName(), null)),
        record("permission", PERMISSION));
  }

  public static Permission decodeListPermittedArgs(byte[] candid) {
    return permissionOf(Fields.of(Idl.decodeFirst(candid, "list_permitted"), "list_permitted"));
  }

  private static Permission permissionOf(Fields f) {
    String tag = f.variant("permission", "Commit", "ManagePermissions", "Prepare");
    for (Permission p : Permission.values()) {
      if (p.candidName().equals(tag)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown permission " + tag);
  }

  public static byte[] encodePrincipals(List<Principal> ps) {
    return Idl.encode(new ArrayList<Object>(ps), vec(PRINCIPAL));
  }

  public static List<Principal> decodePrincipals(byte[] candid) {
    List<Principal> out = new ArrayList<>();
    for (Object o : Fields.vecOf(Idl.decodeFirst(candid, "list_permitted"), "principals")) {
      out.add(Fields.principalOf(o, "principal"));
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
    Fields f = Fields.of(Idl.decodeFirst(candid, "http_request"), "http_request");
    return new HttpRequest(f.text("method"), f.text("url"), headersOf(f.vec("headers")),
        f.blob("body"), f.opt("certificate_version")
            .map(v -> Fields.natOf(v, "certificate_version").intValueExact()).orElse(null));
  }

  public static byte[] encodeHttpResponse(HttpResponse r) {
    return Idl.encode(value("status_code", r.statusCode(), "headers", headersValue(r.headers()),
        "body", r.body(), "streaming_strategy", Optional.empty()), HTTP_RESPONSE);
  }

  public static HttpResponse decodeHttpResponse(byte[] candid) {
    Fields f = Fields.of(Idl.decodeFirst(candid, "http_request"), "http_response");
    return new HttpResponse(f.nat("status_code").intValueExact(), headersOf(f.vec("headers")),
        f.blob("body"));
  }
}
