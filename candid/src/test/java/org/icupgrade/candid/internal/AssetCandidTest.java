package org.icupgrade.candid.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The asset canister's Candid, both directions: every method's arguments and results. */
class AssetCandidTest {
  static final HexFormat HEX = HexFormat.of();
  static final Principal ALICE = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Sha256 DIGEST = Sha256.of("content".getBytes(StandardCharsets.UTF_8));

  static byte[] hex(String spaced) {
    return HEX.parseHex(spaced.replaceAll("\\s+", ""));
  }

  /**
   * {@code commit_batch(record { batch_id = 7; operations = vec { SetAssetProperties { key = "/a";
   * headers = opt null; is_aliased = opt opt true }; DeleteAsset { key = "/a" }; SetAssetContent {
   * key = "/a"; content_encoding = "gzip"; chunk_ids = vec { 1; 200 }; last_chunk = opt blob
   * "\01\02" }; Clear } })}, worked out by hand from the Candid specification ("Binary format")
   * and {@code assetstorage.did}. Types are numbered outermost first, a record's or variant's
   * fields in ascending order of their hash, each distinct type once.
   */
  static final String COMMIT_BATCH_VECTOR = ""
      + "4449444c" // magic "DIDL"
      + "14" // 20 types in the table
      // 0: record { batch_id (1309252224) : nat; operations (2553486956) : 1 }
      + "6c 02 80b5a6f004 7d ecbcccc109 01"
      // 1: vec 2
      + "6d 02"
      // 2: variant BatchOperationKind, tags by hash: SetAssetProperties (749874337) : 3,
      //    CreateAsset (870791476) : 12, UnsetAssetContent (1780851090) : 13,
      //    DeleteAsset (2590061989) : 14, SetAssetContent (3104523211) : 15, Clear (3683180909) : 19
      + "6b 06 a1d9c8e502 03 b4f29c9f03 0c 92c396d106 0d a5eb84d309 0e cb87adc80b 0f edc2a3dc0d 13"
      // 3: SetAssetPropertiesArguments: key (5343647) : text; headers (1661489734) : 4;
      //    is_aliased (2154487130) : 8; allow_raw_access (3021287825) : 8; max_age (3563873892) : 10
      + "6c 05 9f93c602 71 c6a4a19806 04 dabaab8308 08 91e3d4a00b 08 e4ccb1a30d 0a"
      + "6e 05" // 4: opt 5
      + "6e 06" // 5: opt 6
      + "6d 07" // 6: vec 7
      + "6c 02 00 71 01 71" // 7: HeaderField = record { 0 : text; 1 : text }
      + "6e 09" // 8: opt 9
      + "6e 7e" // 9: opt bool
      + "6e 0b" // 10: opt 11
      + "6e 78" // 11: opt nat64
      // 12: CreateAssetArguments: key : text; content_type (1400566464) : text; headers : 5;
      //     allow_raw_access : 9; max_age : 11; enable_aliasing (3801740750) : 9
      + "6c 06 9f93c602 71 c0e5eb9b05 71 c6a4a19806 05 91e3d4a00b 09 e4ccb1a30d 0b ceebe7940e 09"
      // 13: UnsetAssetContentArguments: key : text; content_encoding (3425830873) : text
      + "6c 02 9f93c602 71 d98fc8e10c 71"
      + "6c 01 9f93c602 71" // 14: DeleteAssetArguments: key : text
      // 15: SetAssetContentArguments: key : text; sha256 (486188135) : 16;
      //     chunk_ids (2808498726) : 18; content_encoding : text; last_chunk (3622861956) : 16
      + "6c 05 9f93c602 71 e7c8eae701 10 a69499bb0a 12 d98fc8e10c 71 84f9c1bf0d 10"
      + "6e 11" // 16: opt 17
      + "6d 7b" // 17: blob (vec nat8)
      + "6d 7d" // 18: vec nat
      + "6c 00" // 19: ClearArguments = record {}
      + "01 00" // one argument, of type 0
      + "07" // batch_id = 7
      + "04" // four operations
      // SetAssetProperties (tag 0): key "/a"; headers = opt null (clear); is_aliased = opt opt
      // true (set); allow_raw_access = null (keep); max_age = null (keep)
      + "00 02 2f61 01 00 01 01 01 00 00"
      + "03 02 2f61" // DeleteAsset (tag 3): key "/a"
      // SetAssetContent (tag 4): key "/a"; sha256 = null; chunk_ids = [1, 200];
      // content_encoding "gzip"; last_chunk = opt blob "\01\02"
      + "04 02 2f61 00 02 01 c801 04 677a6970 01 02 0102"
      + "05"; // Clear (tag 5), an empty record

  static CommitBatchArguments vectorArguments() {
    return CommitBatchArguments.of(BatchId.of(7), List.of(
        BatchOperation.SetAssetProperties.of("/a", PropertyUpdate.keep(), PropertyUpdate.clear(),
            PropertyUpdate.keep(), PropertyUpdate.set(true)),
        new BatchOperation.DeleteAsset("/a"),
        BatchOperation.SetAssetContent.of("/a", "gzip", List.of(ChunkId.of(1), ChunkId.of(200)),
            new byte[] {1, 2}, null),
        new BatchOperation.Clear()));
  }

  @Test
  void encodeCommitBatchArgs_handWorkedVector_byteExact() {
    assertEquals(HEX.formatHex(hex(COMMIT_BATCH_VECTOR)),
        HEX.formatHex(AssetCandid.encodeCommitBatchArgs(vectorArguments())));
  }

  @Test
  void decodeCommitBatchArgs_handWorkedVector_everyFieldRead() {
    assertEquals(vectorArguments(), AssetCandid.decodeCommitBatchArgs(hex(COMMIT_BATCH_VECTOR)));
  }

  @Test
  void commitBatchArgs_everyOperationKindWithEveryOption_roundTrips() {
    CommitBatchArguments args = CommitBatchArguments.of(
        new BatchId(BigInteger.ONE.shiftLeft(70)), List.of(
            BatchOperation.CreateAsset.builder("/index.html", "text/html").maxAge(3600)
                .headers(List.of(new HeaderField("X-Frame-Options", "DENY")))
                .enableAliasing(true).allowRawAccess(false).build(),
            BatchOperation.CreateAsset.of("/plain.txt", "text/plain"),
            BatchOperation.SetAssetContent.of("/index.html", "identity",
                List.of(ChunkId.of(3)), null, DIGEST),
            BatchOperation.SetAssetContent.of("/index.html", "gzip", List.of(),
                new byte[] {0x1f, (byte) 0x8b}, DIGEST),
            new BatchOperation.UnsetAssetContent("/index.html", "br"),
            new BatchOperation.DeleteAsset("/old.js"),
            new BatchOperation.Clear(),
            BatchOperation.SetAssetProperties.of("/index.html", PropertyUpdate.set(60L),
                PropertyUpdate.set(List.of(new HeaderField("a", "b"))),
                PropertyUpdate.set(true), PropertyUpdate.clear()),
            BatchOperation.SetAssetProperties.of("/x", PropertyUpdate.clear(),
                PropertyUpdate.keep(), PropertyUpdate.clear(), PropertyUpdate.keep())));
    assertEquals(args, AssetCandid.decodeCommitBatchArgs(AssetCandid.encodeCommitBatchArgs(args)));
  }

  @Test
  void apiVersion_nat16_roundTrips() {
    assertEquals(2, AssetCandid.decodeNat16(AssetCandid.encodeNat16(2)));
    assertEquals("4449444c00017a0200", HEX.formatHex(AssetCandid.encodeNat16(2)));
  }

  @Test
  void listArgsAndResult_roundTrip() {
    long[] args = AssetCandid.decodeListArgs(AssetCandid.encodeListArgs(200, 100));
    assertEquals(200, args[0]);
    assertEquals(100, args[1]);
    List<AssetDetails> page = List.of(
        AssetDetails.of("/a.js", "text/javascript", List.of(
            AssetEncodingDetails.of("gzip", DIGEST, 10, 1_700_000_000_000_000_000L),
            AssetEncodingDetails.of("identity", null, 0, 0))),
        AssetDetails.of("/empty", "application/octet-stream", List.of()));
    assertEquals(page, AssetCandid.decodeListResult(AssetCandid.encodeListResult(page)));
  }

  @Test
  void listArgs_emptyRecordAsOldCanistersTakeIt_startZeroNoLimit() {
    long[] args = AssetCandid.decodeListArgs(AssetCandid.encodeEmptyRecord());
    assertEquals(0, args[0]);
    assertEquals(-1, args[1]);
  }

  @Test
  void getArgsAndResult_roundTrip() {
    Map.Entry<String, List<String>> args = AssetCandid.decodeGetArgs(
        AssetCandid.encodeGetArgs("/index.html", List.of("gzip", "identity")));
    assertEquals("/index.html", args.getKey());
    assertEquals(List.of("gzip", "identity"), args.getValue());
    EncodedAsset a = EncodedAsset.of(new byte[] {1, 2, 3}, "text/html", "gzip", DIGEST, 10);
    EncodedAsset back = AssetCandid.decodeGetResult(AssetCandid.encodeGetResult(a));
    assertArrayEquals(a.content(), back.content());
    assertEquals("text/html", back.contentType());
    assertEquals("gzip", back.contentEncoding());
    assertEquals(DIGEST, back.sha256().orElseThrow());
    assertEquals(10, back.totalLength());
  }

  @Test
  void getChunkArgsAndResult_roundTrip() {
    AssetCandid.GetChunkArgs args = new AssetCandid.GetChunkArgs("/big.bin", "identity", 3, DIGEST);
    assertEquals(args, AssetCandid.decodeGetChunkArgs(AssetCandid.encodeGetChunkArgs(args)));
    AssetCandid.GetChunkArgs noHash = new AssetCandid.GetChunkArgs("/b", "gzip", 0, null);
    assertNull(AssetCandid.decodeGetChunkArgs(AssetCandid.encodeGetChunkArgs(noHash)).sha256());
    assertArrayEquals(new byte[] {9, 8},
        AssetCandid.decodeContentResult(AssetCandid.encodeContentResult(new byte[] {9, 8})));
  }

  @Test
  void createBatchAndChunks_argsAndResults_roundTrip() {
    BatchId batch = BatchId.of(12);
    assertEquals(batch, AssetCandid.decodeBatchIdRecord(AssetCandid.encodeBatchIdRecord(batch)));
    Map.Entry<BatchId, byte[]> chunk = AssetCandid.decodeCreateChunkArgs(
        AssetCandid.encodeCreateChunkArgs(batch, new byte[] {4, 5}));
    assertEquals(batch, chunk.getKey());
    assertArrayEquals(new byte[] {4, 5}, chunk.getValue());
    assertEquals(ChunkId.of(99), AssetCandid.decodeCreateChunkResult(
        AssetCandid.encodeCreateChunkResult(ChunkId.of(99))));
    Map.Entry<BatchId, List<byte[]>> chunks = AssetCandid.decodeCreateChunksArgs(
        AssetCandid.encodeCreateChunksArgs(batch, List.of(new byte[] {1}, new byte[0])));
    assertEquals(batch, chunks.getKey());
    assertEquals(2, chunks.getValue().size());
    assertArrayEquals(new byte[] {1}, chunks.getValue().get(0));
    assertArrayEquals(new byte[0], chunks.getValue().get(1));
    List<ChunkId> ids = List.of(ChunkId.of(1), ChunkId.of(300));
    assertEquals(ids, AssetCandid.decodeCreateChunksResult(
        AssetCandid.encodeCreateChunksResult(ids)));
  }

  @Test
  void deleteAssetArgs_roundTrip() {
    assertEquals("/gone.css", AssetCandid.decodeKeyRecord(AssetCandid.encodeKeyRecord("/gone.css")));
  }

  @ParameterizedTest
  @EnumSource(Permission.class)
  void permissionArgs_grantRevokeList_roundTrip(Permission p) {
    Map.Entry<Principal, Permission> grant = AssetCandid.decodePermissionArgs(
        AssetCandid.encodePermissionArgs("to_principal", ALICE, p), "to_principal");
    assertEquals(Map.entry(ALICE, p), grant);
    Map.Entry<Principal, Permission> revoke = AssetCandid.decodePermissionArgs(
        AssetCandid.encodePermissionArgs("of_principal", ALICE, p), "of_principal");
    assertEquals(Map.entry(ALICE, p), revoke);
    assertEquals(p, AssetCandid.decodeListPermittedArgs(AssetCandid.encodeListPermittedArgs(p)));
  }

  @Test
  void grantArgs_readWithTheRevokeFieldName_refused() {
    byte[] grant = AssetCandid.encodePermissionArgs("to_principal", ALICE, Permission.COMMIT);
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodePermissionArgs(grant, "of_principal"));
    assertEquals(Optional.of("revoke_permission argument"), e.method());
    assertTrue(e.getMessage().contains("missing field of_principal"), e.getMessage());
  }

  @Test
  void permissionArgs_unknownTag_candidExceptionAtPermission() {
    CandidType wrong = Idl.record("permission", Idl.variant("Commit", Idl.NULL, "Manage", Idl.NULL));
    byte[] candid = Idl.encode(Idl.value("permission", Idl.value("Manage", null)), wrong);
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeListPermittedArgs(candid));
    assertEquals(Optional.of("list_permitted argument"), e.method());
    assertEquals(Optional.of("permission"), e.field());
    assertTrue(e.getMessage().contains("unknown variant tag"), e.getMessage());
  }

  /** Each operation's failure names its index and kind; core's own checks become CandidException. */
  @Test
  void decodeCommitBatchArgs_invalidOperations_candidExceptionNamingTheOperation() {
    CandidType setContent = Idl.record("key", Idl.TEXT, "content_encoding", Idl.TEXT,
        "chunk_ids", Idl.vec(Idl.NAT));
    CandidType createAsset = Idl.record("key", Idl.TEXT, "content_type", Idl.TEXT,
        "max_age", Idl.opt(Idl.NAT64), "enable_aliasing", Idl.opt(Idl.NAT));
    CandidType type = Idl.record("batch_id", Idl.NAT, "operations", Idl.vec(
        Idl.variant("SetAssetContent", setContent, "CreateAsset", createAsset)));
    byte[] noContent = Idl.encode(Idl.value("batch_id", BigInteger.ONE, "operations", List.of(
        Idl.value("CreateAsset", Idl.value("key", "/a", "content_type", "text/plain",
            "max_age", Optional.empty(), "enable_aliasing", Optional.empty())),
        Idl.value("SetAssetContent", Idl.value("key", "/a", "content_encoding", "identity",
            "chunk_ids", List.of()))
    )), type);
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeCommitBatchArgs(noContent));
    assertEquals(Optional.of("commit_batch argument"), e.method());
    assertEquals(Optional.of("operations[1].SetAssetContent"), e.field());
    assertTrue(e.getMessage().contains("at least one chunk id"), e.getMessage());
    assertTrue(e.getCause() instanceof IllegalArgumentException, "core's check is the cause");

    byte[] maxAge = Idl.encode(Idl.value("batch_id", BigInteger.ONE, "operations", List.of(
        Idl.value("CreateAsset", Idl.value("key", "/a", "content_type", "text/plain",
            "max_age", Optional.of(Long.MIN_VALUE), "enable_aliasing", Optional.empty())))),
        type);
    CandidException age = assertThrows(CandidException.class,
        () -> AssetCandid.decodeCommitBatchArgs(maxAge));
    assertEquals(Optional.of("operations[0].CreateAsset.max_age"), age.field());
    assertTrue(age.getMessage().contains("9223372036854775808"), age.getMessage());

    byte[] aliasing = Idl.encode(Idl.value("batch_id", BigInteger.ONE, "operations", List.of(
        Idl.value("CreateAsset", Idl.value("key", "/a", "content_type", "text/plain",
            "max_age", Optional.empty(), "enable_aliasing", Optional.of(BigInteger.ONE))))),
        type);
    // An opt of another type is null (Candid spec, decoding rules, "Options"), not an error.
    BatchOperation.CreateAsset create = (BatchOperation.CreateAsset)
        AssetCandid.decodeCommitBatchArgs(aliasing).operations().get(0);
    assertEquals(Optional.empty(), create.enableAliasing());
  }

  @Test
  void decodeGetArgs_encodingNotText_candidExceptionNotClassCast() {
    byte[] candid = Idl.encode(Idl.value("key", "/", "accept_encodings", List.of(BigInteger.ONE)),
        Idl.record("key", Idl.TEXT, "accept_encodings", Idl.vec(Idl.NAT)));
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeGetArgs(candid));
    assertEquals(Optional.of("get argument"), e.method());
    assertEquals(Optional.of("accept_encodings[0]"), e.field());
  }

  @Test
  void decodeGetResult_totalLengthUnderTheContent_candidExceptionAtTotalLength() {
    byte[] candid = AssetCandid.encodeGetResult(
        EncodedAsset.of(new byte[] {1, 2, 3}, "text/plain", "identity", null, 3));
    byte[] shorter = Idl.encode(Idl.value("content", new byte[] {1, 2, 3},
        "content_type", "text/plain", "content_encoding", "identity", "sha256", Optional.empty(),
        "total_length", BigInteger.TWO), AssetCandid.ENCODED_ASSET);
    assertEquals(3, AssetCandid.decodeGetResult(candid).totalLength());
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeGetResult(shorter));
    assertEquals(Optional.of("get reply"), e.method());
    assertEquals(Optional.of("total_length"), e.field());
  }

  @Test
  void decodeListResult_lengthBeyondALong_candidExceptionNotArithmetic() {
    byte[] candid = Idl.encode(new Object[] {Idl.value("key", "/a", "content_type", "x",
        "encodings", List.of(Idl.value("content_encoding", "identity", "sha256", Optional.empty(),
            "length", BigInteger.ONE.shiftLeft(63), "modified", BigInteger.ZERO)))},
        Idl.vec(AssetCandid.ASSET_DETAILS));
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeListResult(candid));
    assertEquals(Optional.of("list reply"), e.method());
    assertEquals(Optional.of("[0].encodings[0].length"), e.field());
  }

  @Test
  void decodeNat16_notANumber_candidExceptionNamingApiVersion() {
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeNat16(Idl.encode("2", Idl.TEXT)));
    assertEquals(Optional.of("api_version reply"), e.method());
  }

  @Test
  void listPermittedResult_roundTrips() {
    List<Principal> ps = List.of(ALICE, Principal.ANONYMOUS);
    assertEquals(ps, AssetCandid.decodePrincipals(AssetCandid.encodePrincipals(ps)));
    assertEquals(List.of(), AssetCandid.decodePrincipals(AssetCandid.encodePrincipals(List.of())));
  }

  @Test
  void httpRequestAndResponse_roundTrip() {
    AssetCandid.HttpRequest req = new AssetCandid.HttpRequest("GET", "/index.html?x=1",
        List.of(new HeaderField("Accept-Encoding", "gzip, br")), new byte[0]);
    AssetCandid.HttpRequest back =
        AssetCandid.decodeHttpRequest(AssetCandid.encodeHttpRequest(req));
    assertEquals("GET", back.method());
    assertEquals("/index.html?x=1", back.url());
    assertEquals(req.headers(), back.headers());
    assertEquals(2, back.certificateVersion());
    AssetCandid.HttpRequest v1 = new AssetCandid.HttpRequest("GET", "/", List.of(),
        new byte[0], null);
    assertNull(AssetCandid.decodeHttpRequest(AssetCandid.encodeHttpRequest(v1))
        .certificateVersion());
    AssetCandid.HttpResponse res = new AssetCandid.HttpResponse(404,
        List.of(new HeaderField("Content-Type", "text/plain")), new byte[] {'n', 'o'});
    AssetCandid.HttpResponse resBack =
        AssetCandid.decodeHttpResponse(AssetCandid.encodeHttpResponse(res));
    assertEquals(404, resBack.statusCode());
    assertEquals("text/plain", resBack.header("content-type").orElseThrow());
    assertArrayEquals(new byte[] {'n', 'o'}, resBack.body());
  }
}
