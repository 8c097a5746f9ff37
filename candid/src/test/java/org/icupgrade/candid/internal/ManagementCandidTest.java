package org.icupgrade.candid.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ManagementCandidTest {
  @Test
  void uploadChunkArgs_asView_theChunkWhereItLiesInTheArgument() {
    Principal canister = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
    byte[] chunk = new byte[70_000];
    new java.util.SplittableRandom(3).nextBytes(chunk);
    byte[] arg = ManagementCandid.encodeUploadChunkArgs(canister, ByteBuffer.wrap(chunk));
    ManagementArgs.UploadChunkView v = ManagementCandid.decodeUploadChunkArgsAsView(arg);
    assertEquals(canister, v.canisterId());
    assertTrue(v.chunk().source() == arg, "not a view of the argument");
    assertEquals(chunk.length, v.chunk().length());
    assertArrayEquals(chunk, java.util.Arrays.copyOfRange(arg, v.chunk().offset(),
        v.chunk().offset() + v.chunk().length()));
    assertArrayEquals(chunk, v.chunk().copy());
    // The copying decoder agrees.
    assertArrayEquals(chunk, ManagementCandid.decodeUploadChunkArgs(arg).chunk());
  }

  @Test
  void uploadChunkArgs_asView_blobLongerThanTheMessage_refused() {
    Principal canister = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
    byte[] arg = ManagementCandid.encodeUploadChunkArgs(canister, ByteBuffer.wrap(new byte[10]));
    byte[] cut = java.util.Arrays.copyOf(arg, arg.length - 20);
    assertThrows(CandidException.class, () -> ManagementCandid.decodeUploadChunkArgsAsView(cut));
  }

  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal STORE = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");
  static final HexFormat HEX = HexFormat.of();

  static byte[] hex(String spaced) {
    return HEX.parseHex(spaced.replaceAll("\\s+", ""));
  }

  /**
   * {@code upload_chunk(record { canister_id = principal "rrkah-fqaaa-aaaaa-aaaaq-cai"; chunk =
   * blob "\01\02\03" })}, worked out from the Candid specification.
   */
  @Test
  void encodeUploadChunkArgs_handWorkedVector() {
    byte[] expected = hex(""
        + "4449444c"     // magic "DIDL"
        + "02"           // two entries in the type table
        + "6c 02"        // type 0: record (-20) with two fields, in ascending field-hash order:
        + "ed8c8bae04 01" //   idl_hash("chunk") = 1170392685 (LEB128) : type 1
        + "b3c4b1f204 68" //   idl_hash("canister_id") = 1313628723 (LEB128) : principal (-24)
        + "6d 7b"        // type 1: vec (-19) of nat8 (-5), i.e. blob
        + "01 00"        // one argument, of type 0
        + "03 010203"    // chunk: length 3, the bytes
        + "01 0a 00000000000000010101"); // canister_id: reference flag 1, 10 bytes, the id
    byte[] actual = ManagementCandid.encodeUploadChunkArgs(CANISTER, ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertEquals(HEX.formatHex(expected), HEX.formatHex(actual));
    ManagementArgs.UploadChunk decoded = ManagementCandid.decodeUploadChunkArgs(expected);
    assertEquals(CANISTER, decoded.canisterId());
    assertArrayEquals(new byte[] {1, 2, 3}, decoded.chunk());
  }

  /**
   * A 1 MiB chunk, the most {@code upload_chunk} takes, has the layout of the hand-worked vector
   * above with a three-byte length (1048576 = LEB128 80 80 40); the blob comes from the buffer's
   * remaining bytes whatever kind of buffer it is, and the buffer's position is not moved.
   */
  @Test
  void encodeUploadChunkArgs_oneMebibyte_byteExactFromAnyBuffer() {
    int mib = 1 << 20;
    byte[] chunk = new byte[mib];
    for (int i = 0; i < mib; i++) {
      chunk[i] = (byte) (i * 31 + (i >>> 8));
    }
    byte[] head = hex("4449444c 02 6c02 ed8c8bae04 01 b3c4b1f204 68 6d7b 0100 808040");
    byte[] tail = hex("01 0a 00000000000000010101");
    byte[] expected = new byte[head.length + mib + tail.length];
    System.arraycopy(head, 0, expected, 0, head.length);
    System.arraycopy(chunk, 0, expected, head.length, mib);
    System.arraycopy(tail, 0, expected, head.length + mib, tail.length);

    ByteBuffer direct = ByteBuffer.allocateDirect(mib);
    direct.put(chunk).flip();
    byte[] padded = new byte[mib + 10];
    System.arraycopy(chunk, 0, padded, 7, mib);
    ByteBuffer window = ByteBuffer.wrap(padded, 7, mib); // position 7, limit 7 + 1 MiB
    for (ByteBuffer b : List.of(ByteBuffer.wrap(chunk), direct, window,
        ByteBuffer.wrap(chunk).asReadOnlyBuffer(), window.slice())) {
      int position = b.position();
      byte[] actual = ManagementCandid.encodeUploadChunkArgs(CANISTER, b);
      assertEquals(expected.length, actual.length, b.toString());
      assertTrue(java.util.Arrays.equals(expected, actual), "bytes differ for " + b);
      assertEquals(position, b.position(), "the buffer's position is left alone");
      assertEquals(mib, b.remaining());
    }
    ManagementArgs.UploadChunk decoded = ManagementCandid.decodeUploadChunkArgs(expected);
    assertArrayEquals(chunk, decoded.chunk());
  }

  @Test
  void encodeInstallCodeArgs_moduleFromABufferWindow_onlyItsRemainingBytes() {
    byte[] padded = {9, 9, 0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 9};
    ByteBuffer module = ByteBuffer.wrap(padded, 2, 8);
    ManagementArgs.InstallCode d = ManagementCandid.decodeInstallCodeArgs(
        ManagementCandid.encodeInstallCodeArgs(CANISTER, InstallMode.install(), module,
            new byte[] {7}));
    assertArrayEquals(new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0}, d.wasmModule());
    assertEquals(2, module.position());
  }

  /**
   * {@code install_chunked_code} with an upgrade carrying both options and a store canister, worked
   * out from the Candid specification (see {@link #INSTALL_CHUNKED_VECTOR}); the vector is decoded
   * (by ic4j) and the encoder must produce it byte for byte.
   */
  @Test
  void installChunkedCodeArgs_handWorkedVector_decodesAndEncodesIdentically() {
    byte[] expected = hex(INSTALL_CHUNKED_VECTOR);
    InstallChunkedCodeRequest r = ManagementCandid.decodeInstallChunkedCodeArgs(expected);
    assertEquals(CANISTER, r.targetCanister());
    assertEquals(STORE, r.storeCanister().orElseThrow());
    assertEquals(InstallMode.upgrade().withSkipPreUpgrade(true)
        .withWasmMemoryPersistence(InstallMode.WasmMemoryPersistence.KEEP), r.installMode());
    assertEquals(List.of(Sha256.fromBytes(filled(0x11)), Sha256.fromBytes(filled(0x22))),
        r.chunkHashes());
    assertEquals(Sha256.fromBytes(filled(0x33)), r.wasmModuleHash());
    assertArrayEquals(new byte[] {0x44, 0x49, 0x44, 0x4c, 0, 0}, r.arg());
    assertEquals(HEX.formatHex(expected),
        HEX.formatHex(ManagementCandid.encodeInstallChunkedCodeArgs(r)));
  }

  static byte[] filled(int b) {
    byte[] a = new byte[32];
    java.util.Arrays.fill(a, (byte) b);
    return a;
  }

  /**
   * {@code install_chunked_code(record { mode = variant { upgrade = opt record { skip_pre_upgrade =
   * opt true; wasm_memory_persistence = opt variant { keep } } }; target_canister = principal
   * "rrkah-fqaaa-aaaaa-aaaaq-cai"; store_canister = opt principal "ryjl3-tyaaa-aaaaa-aaaba-cai";
   * chunk_hashes_list = vec { record { hash = 0x11 x32 }; record { hash = 0x22 x32 } };
   * wasm_module_hash = 0x33 x32; arg = blob "DIDL\00\00"; sender_canister_version = null })}.
   * Field and tag hashes are idl_hash of the names (LEB128 here), in ascending order.
   */
  static final String INSTALL_CHUNKED_VECTOR = ""
      + "4449444c 0c"                 // DIDL, 12 types
      + "6c07"                        // 0: record, 7 fields
      + "  d6fca702 01"               //    arg (4849238) : 1
      + "  a6bd87b104 01"             //    wasm_module_hash (1176624806) : 1
      + "  e3a683c304 02"             //    mode (1214305123) : 2
      + "  eff5f3f006 08"             //    chunk_hashes_list (1847393007) : 8
      + "  95e8dcba0a 68"             //    target_canister (2807510037) : principal
      + "  8583b6af0b 0a"             //    store_canister (3052241285) : 10
      + "  ca9998b40d 0b"             //    sender_canister_version (3599109322) : 11
      + "6d7b"                        // 1: vec nat8 (blob)
      + "6b03"                        // 2: variant, 3 tags
      + "  c8bb8a70 7f"               //    reinstall (235052488) : null
      + "  9ce9c69906 03"             //    upgrade (1664201884) : 3
      + "  9baaebec08 7f"             //    install (2375734555) : null
      + "6e04"                        // 3: opt 4
      + "6c02"                        // 4: record, 2 fields
      + "  dceaaefa02 05"             //    wasm_memory_persistence (793490780) : 5
      + "  c0a09bde05 07"             //    skip_pre_upgrade (1539756096) : 7
      + "6e06"                        // 5: opt 6
      + "6b02 85a19bb804 7f b490a1d90a 7f" // 6: variant { keep (1191628933); replace (2871543860) }
      + "6e7e"                        // 7: opt bool
      + "6d09"                        // 8: vec 9
      + "6c01 cedfa0a804 01"          // 9: record { hash (1158164430) : blob }
      + "6e68"                        // 10: opt principal
      + "6e78"                        // 11: opt nat64
      + "01 00"                       // one argument of type 0; the record's values in field order:
      + "06 4449444c0000"             // arg: 6 bytes
      + "20" + "33".repeat(32)        // wasm_module_hash: 32 bytes
      + "01 01 01 00 01 01"           // mode: tag 1 (upgrade), opt present, record:
                                      //   wasm_memory_persistence opt present, tag 0 (keep);
                                      //   skip_pre_upgrade opt present, true
      + "02 20" + "11".repeat(32) + "20" + "22".repeat(32) // chunk_hashes_list: 2 records
      + "01 0a 00000000000000010101"  // target_canister
      + "01 01 0a 00000000000000020101" // store_canister: opt present, principal
      + "00";                         // sender_canister_version: opt absent

  static List<InstallMode> modes() {
    return List.of(InstallMode.install(), InstallMode.reinstall(), InstallMode.upgrade(),
        InstallMode.upgrade().withSkipPreUpgrade(false),
        InstallMode.upgrade().withWasmMemoryPersistence(InstallMode.WasmMemoryPersistence.REPLACE),
        InstallMode.upgrade().withSkipPreUpgrade(true)
            .withWasmMemoryPersistence(InstallMode.WasmMemoryPersistence.KEEP));
  }

  @ParameterizedTest
  @MethodSource("modes")
  void installCodeArgs_everyMode_roundTrips(InstallMode mode) {
    byte[] module = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
    ManagementArgs.InstallCode d = ManagementCandid.decodeInstallCodeArgs(
        ManagementCandid.encodeInstallCodeArgs(CANISTER, mode, ByteBuffer.wrap(module), new byte[] {7}));
    assertEquals(mode, d.installMode());
    assertEquals(CANISTER, d.canisterId());
    assertArrayEquals(module, d.wasmModule());
    assertArrayEquals(new byte[] {7}, d.arg());
  }

  @Test
  void installChunkedCodeArgs_withoutStore_roundTrips() {
    InstallChunkedCodeRequest r = new InstallChunkedCodeRequest(InstallMode.install(), CANISTER,
        null, List.of(Sha256.of(new byte[] {1})), Sha256.of(new byte[] {1}), new byte[0]);
    InstallChunkedCodeRequest d = ManagementCandid.decodeInstallChunkedCodeArgs(
        ManagementCandid.encodeInstallChunkedCodeArgs(r));
    assertTrue(d.storeCanister().isEmpty());
    assertEquals(r.chunkHashes(), d.chunkHashes());
    assertEquals(0, d.arg().length);
  }

  @Test
  void settings_allFields_roundTrip() {
    CanisterSettings s = CanisterSettings.builder()
        .controllers(List.of(CANISTER, Principal.ANONYMOUS))
        .computeAllocation(BigInteger.ONE)
        .memoryAllocation(BigInteger.TWO)
        .freezingThreshold(BigInteger.valueOf(3))
        .reservedCyclesLimit(BigInteger.ONE.shiftLeft(70))
        .wasmMemoryLimit(BigInteger.valueOf(5))
        .wasmMemoryThreshold(BigInteger.valueOf(6))
        .logVisibility(org.icupgrade.core.management.LogVisibility.allowedViewers(
            List.of(Principal.ANONYMOUS)))
        .environmentVariables(java.util.Map.of("A", "1"))
        .build();
    ManagementArgs.UpdateSettings d = ManagementCandid.decodeUpdateSettingsArgs(
        ManagementCandid.encodeUpdateSettingsArgs(STORE, s));
    assertEquals(STORE, d.canisterId());
    assertEquals(s, d.settings());
    for (org.icupgrade.core.management.LogVisibility v : List.of(
        org.icupgrade.core.management.LogVisibility.controllers(),
        org.icupgrade.core.management.LogVisibility.everyone())) {
      CanisterSettings one = CanisterSettings.builder().logVisibility(v).build();
      assertEquals(one, ManagementCandid.decodeUpdateSettingsArgs(
          ManagementCandid.encodeUpdateSettingsArgs(STORE, one)).settings());
    }
    assertEquals(CanisterSettings.empty(), ManagementCandid.decodeUpdateSettingsArgs(
        ManagementCandid.encodeUpdateSettingsArgs(STORE, CanisterSettings.empty())).settings());
  }

  @Test
  void createArgs_roundTrip() {
    ManagementArgs.ProvisionalCreate p = ManagementCandid.decodeProvisionalCreateArgs(
        ManagementCandid.encodeProvisionalCreateArgs(BigInteger.TEN,
            CanisterSettings.ofControllers(List.of(CANISTER)), STORE));
    assertEquals(BigInteger.TEN, p.amount());
    assertEquals(STORE, p.specifiedId());
    assertEquals(List.of(CANISTER), p.settings().controllers().orElseThrow());
    ManagementArgs.ProvisionalCreate none = ManagementCandid.decodeProvisionalCreateArgs(
        ManagementCandid.encodeProvisionalCreateArgs(null, null, null));
    assertNull(none.amount());
    assertNull(none.settings());
    assertNull(none.specifiedId());
    assertNull(ManagementCandid.decodeCreateCanisterArgs(
        ManagementCandid.encodeCreateCanisterArgs(null)).settings());
    assertEquals(CANISTER, ManagementCandid.decodeCanisterIdResult(
        ManagementCandid.encodeCanisterIdResult(CANISTER)));
  }

  @Test
  void canisterStatus_carriesTheFieldsOfTodaysIcDid() {
    CanisterStatus s = new CanisterStatus(CanisterStatus.RunStatus.RUNNING, List.of(CANISTER),
        null, BigInteger.ZERO, BigInteger.ONE);
    Fields f = Fields.of(ManagementCandid.encodeCanisterStatusResult(s, 42), "canister_status");
    assertEquals(BigInteger.valueOf(42), f.nat64("version"));
    assertEquals(false, f.bool("ready_for_migration"));
    assertEquals(0, f.get("settings").record().get("environment_variables").vec().size());
  }

  @Test
  void canisterStatus_roundTrips() {
    CanisterStatus s = new CanisterStatus(CanisterStatus.RunStatus.STOPPING,
        List.of(CANISTER, STORE), Sha256.of(new byte[] {9}), BigInteger.valueOf(1234),
        BigInteger.ONE.shiftLeft(65));
    CanisterStatus d = ManagementCandid.decodeCanisterStatusResult(
        ManagementCandid.encodeCanisterStatusResult(s));
    assertEquals(s.status(), d.status());
    assertEquals(s.controllers(), d.controllers());
    assertEquals(s.moduleHash(), d.moduleHash());
    assertEquals(s.memorySize(), d.memorySize());
    assertEquals(s.cycles(), d.cycles());
    assertEquals(Optional.of(BigInteger.ZERO), d.snapshotsSize(), "unknown is sent as none");
  }

  @Test
  void canisterStatus_snapshotsSize_roundTrips() {
    CanisterStatus s = new CanisterStatus(CanisterStatus.RunStatus.RUNNING, List.of(CANISTER),
        null, BigInteger.TEN, BigInteger.ONE, BigInteger.valueOf(123_456));
    CanisterStatus d = ManagementCandid.decodeCanisterStatusResult(
        ManagementCandid.encodeCanisterStatusResult(s));
    assertEquals(Optional.of(BigInteger.valueOf(123_456)), d.snapshotsSize());
    Fields f = Fields.of(ManagementCandid.encodeCanisterStatusResult(s), "canister_status");
    assertEquals(BigInteger.valueOf(123_456),
        f.get("memory_metrics").record().nat("snapshots_size"));
  }

  @Test
  void chunkHashes_roundTrip() {
    List<Sha256> hs = List.of(Sha256.of(new byte[] {1}), Sha256.of(new byte[] {2}));
    assertEquals(hs, ManagementCandid.decodeStoredChunksResult(
        ManagementCandid.encodeStoredChunksResult(hs)));
    assertEquals(List.of(), ManagementCandid.decodeStoredChunksResult(
        ManagementCandid.encodeStoredChunksResult(List.of())));
    assertEquals(hs.get(0), ManagementCandid.decodeUploadChunkResult(
        ManagementCandid.encodeUploadChunkResult(hs.get(0))));
  }

  @Test
  void snapshots_roundTripWithUnsignedNat64() {
    Snapshot big = new Snapshot(SnapshotId.of(new byte[] {1, 2}), -1L, Long.MIN_VALUE);
    Snapshot d = ManagementCandid.decodeSnapshotResult(ManagementCandid.encodeSnapshotResult(big));
    assertEquals(big, d);
    assertEquals("18446744073709551615", Long.toUnsignedString(d.takenAtTimestampNanos()));
    assertEquals(List.of(big), ManagementCandid.decodeListSnapshotsResult(
        ManagementCandid.encodeListSnapshotsResult(List.of(big))));
    ManagementArgs.TakeSnapshot t = ManagementCandid.decodeTakeSnapshotArgs(
        ManagementCandid.encodeTakeSnapshotArgs(CANISTER, SnapshotId.of(new byte[] {5})));
    assertEquals(SnapshotId.of(new byte[] {5}), t.replaceSnapshot());
    assertNull(ManagementCandid.decodeTakeSnapshotArgs(
        ManagementCandid.encodeTakeSnapshotArgs(CANISTER, null)).replaceSnapshot());
    ManagementArgs.SnapshotOf l = ManagementCandid.decodeSnapshotArgs(
        ManagementCandid.encodeLoadSnapshotArgs(CANISTER, SnapshotId.of(new byte[] {6})),
        "load_canister_snapshot");
    assertEquals(SnapshotId.of(new byte[] {6}), l.snapshotId());
    assertEquals(CANISTER, ManagementCandid.decodeSnapshotArgs(
        ManagementCandid.encodeDeleteSnapshotArgs(CANISTER, SnapshotId.of(new byte[] {6})),
        "delete_canister_snapshot").canisterId());
  }

  /** ic4j 0.7.2's encoder sends every payload-less tag as the first one; ours must not. */
  @Test
  void encode_statusVariant_eachTagSurvives() {
    for (CanisterStatus.RunStatus rs : CanisterStatus.RunStatus.values()) {
      CanisterStatus s = new CanisterStatus(rs, List.of(), null, BigInteger.ZERO, BigInteger.ZERO);
      assertEquals(rs, ManagementCandid.decodeCanisterStatusResult(
          ManagementCandid.encodeCanisterStatusResult(s)).status());
    }
  }

  @Test
  void decode_garbage_candidExceptionNamingTheMessage() {
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeUploadChunkArgs(new byte[] {1, 2, 3}));
    assertTrue(e.getMessage().contains("DIDL"), e.getMessage());
    assertEquals(Optional.of("upload_chunk argument"), e.method());
    assertFalse(e.isTransient());
    CandidException wrongShape = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeUploadChunkArgs(ManagementCandid.encodeCanisterIdArgs(CANISTER)));
    assertTrue(wrongShape.getMessage().contains("missing field chunk"), wrongShape.getMessage());
    assertEquals(Optional.of("upload_chunk argument"), wrongShape.method());
    byte[] trailing = java.util.Arrays.copyOf(ManagementCandid.encodeCanisterIdArgs(CANISTER), 40);
    CandidException extra = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeCanisterIdArgs(trailing, "stored_chunks"));
    assertEquals(Optional.of("stored_chunks argument"), extra.method());
  }

  /** A controller that is not a principal: the reply, the field path and the index are named. */
  @Test
  void decodeCanisterStatusResult_controllerNotAPrincipal_namesTheField() {
    CandidType reply = Idl.record(
        "status", Idl.variant("running", Idl.NULL, "stopping", Idl.NULL, "stopped", Idl.NULL),
        "settings", Idl.record("controllers", Idl.vec(Idl.TEXT)),
        "memory_size", Idl.NAT, "cycles", Idl.NAT);
    byte[] candid = Idl.encode(Idl.value(
        "status", Idl.value("running", null),
        "settings", Idl.value("controllers", List.of("aaaaa-aa")),
        "memory_size", BigInteger.ZERO, "cycles", BigInteger.ZERO), reply);
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeCanisterStatusResult(candid));
    assertEquals(Optional.of("canister_status reply"), e.method());
    assertEquals(Optional.of("settings.controllers[0]"), e.field());
    assertEquals("malformed Candid in canister_status reply at settings.controllers[0]:"
        + " expected principal, got text", e.getMessage());
  }

  @Test
  void decodeCanisterStatusResult_unknownStatusOrShortModuleHash_namesTheField() {
    CandidType reply = Idl.record(
        "status", Idl.variant("running", Idl.NULL, "frozen", Idl.NULL),
        "settings", Idl.record("controllers", Idl.vec(Idl.PRINCIPAL)),
        "module_hash", Idl.opt(Idl.BLOB), "memory_size", Idl.NAT, "cycles", Idl.NAT);
    byte[] frozen = Idl.encode(Idl.value("status", Idl.value("frozen", null),
        "settings", Idl.value("controllers", List.of()), "module_hash", Optional.empty(),
        "memory_size", BigInteger.ZERO, "cycles", BigInteger.ZERO), reply);
    CandidException tag = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeCanisterStatusResult(frozen));
    assertEquals(Optional.of("status"), tag.field());
    byte[] shortHash = Idl.encode(Idl.value("status", Idl.value("running", null),
        "settings", Idl.value("controllers", List.of()), "module_hash", Optional.of(new byte[31]),
        "memory_size", BigInteger.ZERO, "cycles", BigInteger.ZERO), reply);
    CandidException hash = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeCanisterStatusResult(shortHash));
    assertEquals(Optional.of("module_hash"), hash.field());
    assertTrue(hash.getMessage().contains("got 31 bytes"), hash.getMessage());
  }

  /** Candid spec, decoding rules, "Options": an opt that does not decode at its type is null. */
  @Test
  void decodeUpdateSettingsArgs_controllersNotAVec_absent() {
    CandidType type = Idl.record("canister_id", Idl.PRINCIPAL,
        "settings", Idl.record("controllers", Idl.opt(Idl.PRINCIPAL)));
    byte[] candid = Idl.encode(Idl.value("canister_id", CANISTER,
        "settings", Idl.value("controllers", Optional.of(CANISTER))), type);
    assertEquals(Optional.empty(),
        ManagementCandid.decodeUpdateSettingsArgs(candid).settings().controllers());
  }

  /**
   * An int where an opt nat is expected: Candid has no int <: nat, so the opt is null (spec,
   * decoding rules, "Options"), and the builder's check for a negative value is not reached.
   */
  @Test
  void decodeUpdateSettingsArgs_negativeAllocation_absentNotTheBuildersCheck() {
    CandidType type = Idl.record("canister_id", Idl.PRINCIPAL,
        "settings", Idl.record("compute_allocation", Idl.opt(Idl.INT)));
    byte[] candid = Idl.encode(Idl.value("canister_id", CANISTER,
        "settings", Idl.value("compute_allocation", Optional.of(BigInteger.valueOf(-1)))), type);
    assertEquals(Optional.empty(),
        ManagementCandid.decodeUpdateSettingsArgs(candid).settings().computeAllocation());
  }

  @Test
  void decodeStoredChunksResult_shortHash_namesTheElement() {
    byte[] candid = Idl.encode(new Object[] {Idl.value("hash", new byte[32]),
        Idl.value("hash", new byte[] {1})}, Idl.vec(ManagementCandid.CHUNK_HASH));
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeStoredChunksResult(candid));
    assertEquals(Optional.of("stored_chunks reply"), e.method());
    assertEquals(Optional.of("[1].hash"), e.field());
  }

  @Test
  void decodeSnapshotResult_timestampNotANat64_namesTheField() {
    CandidType type = Idl.record("id", Idl.BLOB, "taken_at_timestamp", Idl.NAT,
        "total_size", Idl.NAT64);
    byte[] candid = Idl.encode(Idl.value("id", new byte[] {1},
        "taken_at_timestamp", BigInteger.ONE.shiftLeft(64), "total_size", 1L), type);
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeSnapshotResult(candid));
    assertEquals(Optional.of("take_canister_snapshot reply"), e.method());
    assertEquals(Optional.of("taken_at_timestamp"), e.field());
  }

  @Test
  void decodeCanisterIdResult_namesTheMethodItIsGiven() {
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeCanisterIdResult(Idl.empty(),
            "provisional_create_canister_with_cycles"));
    assertEquals(Optional.of("provisional_create_canister_with_cycles reply"), e.method());
  }

  /**
   * A replica newer than our ic.did adds fields (here: a text at the top, one in settings, one in
   * memory_metrics) and may drop ones we do not read; the status still decodes.
   */
  @Test
  void decodeCanisterStatusResult_extraAndMissingFields_readsWhatItModels() {
    CandidType settings = Idl.record(
        "controllers", Idl.vec(Idl.PRINCIPAL),
        "environment_variables", Idl.vec(Idl.record("name", Idl.TEXT, "value", Idl.TEXT)),
        "freezing_threshold", Idl.NAT);
    CandidType reply = Idl.record(
        "status", Idl.variant("running", Idl.NULL, "stopping", Idl.NULL, "stopped", Idl.NULL),
        "settings", settings,
        "module_hash", Idl.opt(Idl.BLOB),
        "memory_size", Idl.NAT,
        "memory_metrics", Idl.record("wasm_memory_size", Idl.NAT, "future_metric", Idl.NAT),
        "cycles", Idl.NAT,
        "ready_for_migration", Idl.BOOL,
        "version", Idl.NAT64);
    byte[] candid = Idl.encode(Idl.value(
        "status", Idl.value("stopped", null),
        "settings", Idl.value(
            "controllers", List.of(CANISTER),
            "environment_variables", List.of(Idl.value("name", "A", "value", "1")),
            "freezing_threshold", BigInteger.TEN),
        "module_hash", Optional.of(filled(0x55)),
        "memory_size", BigInteger.valueOf(4096),
        "memory_metrics", Idl.value("wasm_memory_size", BigInteger.ONE,
            "future_metric", BigInteger.TWO),
        "cycles", BigInteger.ONE.shiftLeft(80),
        "ready_for_migration", true,
        "version", -1L), reply);
    CanisterStatus s = ManagementCandid.decodeCanisterStatusResult(candid);
    assertEquals(CanisterStatus.RunStatus.STOPPED, s.status());
    assertEquals(List.of(CANISTER), s.controllers());
    assertEquals(Sha256.fromBytes(filled(0x55)), s.moduleHash().orElseThrow());
    assertEquals(BigInteger.valueOf(4096), s.memorySize());
    assertEquals(BigInteger.ONE.shiftLeft(80), s.cycles());
  }

  @Test
  void decodeCanisterStatusResult_moduleHashFieldAbsent_noModule() {
    CandidType reply = Idl.record(
        "status", Idl.variant("running", Idl.NULL, "stopping", Idl.NULL, "stopped", Idl.NULL),
        "settings", Idl.record("controllers", Idl.vec(Idl.PRINCIPAL)),
        "memory_size", Idl.NAT, "cycles", Idl.NAT);
    byte[] candid = Idl.encode(Idl.value(
        "status", Idl.value("running", null),
        "settings", Idl.value("controllers", List.of()),
        "memory_size", BigInteger.ZERO, "cycles", BigInteger.ZERO), reply);
    assertTrue(ManagementCandid.decodeCanisterStatusResult(candid).moduleHash().isEmpty());
  }

  /** A canister caller sends sender_canister_version; its nat64 is read past, whatever its value. */
  @ParameterizedTest
  @MethodSource("nat64Boundaries")
  void decodeInstallCodeArgs_senderCanisterVersionAtNat64Boundary_decodes(BigInteger version) {
    CandidType type = Idl.record("mode", ManagementCandid.INSTALL_MODE, "canister_id", Idl.PRINCIPAL,
        "wasm_module", Idl.BLOB, "arg", Idl.BLOB, "sender_canister_version", Idl.opt(Idl.NAT64));
    byte[] candid = Idl.encode(Idl.value("mode", Idl.value("install", null),
        "canister_id", CANISTER, "wasm_module", new byte[] {0, 0x61, 0x73, 0x6d},
        "arg", new byte[0], "sender_canister_version", Optional.of(Idl.nat64(version))), type);
    String hex = HEX.formatHex(candid);
    // The last 8 bytes are the nat64, little-endian: 2^63 is 00..80, 2^64-1 is ff..ff.
    assertEquals(String.format("%016x", version.longValue()),
        HEX.formatHex(reverse(HEX.parseHex(hex.substring(hex.length() - 16)))));
    ManagementArgs.InstallCode d = ManagementCandid.decodeInstallCodeArgs(candid);
    assertEquals(InstallMode.install(), d.installMode());
    assertEquals(CANISTER, d.canisterId());
  }

  static List<BigInteger> nat64Boundaries() {
    BigInteger two63 = BigInteger.ONE.shiftLeft(63);
    return List.of(BigInteger.ZERO, two63.subtract(BigInteger.ONE), two63,
        BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
  }

  static byte[] reverse(byte[] b) {
    byte[] r = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      r[i] = b[b.length - 1 - i];
    }
    return r;
  }

  @ParameterizedTest
  @MethodSource("nat64Boundaries")
  void snapshotResult_nat64Boundaries_roundTripUnsigned(BigInteger n) {
    Snapshot s = new Snapshot(SnapshotId.of(new byte[] {1}), n.longValue(), n.longValue());
    Snapshot d = ManagementCandid.decodeSnapshotResult(ManagementCandid.encodeSnapshotResult(s));
    assertEquals(n.toString(), Long.toUnsignedString(d.takenAtTimestampNanos()));
    assertEquals(n.toString(), Long.toUnsignedString(d.totalSize()));
  }

  @Test
  void decodeEmptyResult_emptyOrLonger_accepted_garbage_rejected() {
    ManagementCandid.decodeEmptyResult(ManagementCandid.encodeEmptyResult(), "start_canister");
    // Subtyping: a reply with a value where () is expected is fine.
    ManagementCandid.decodeEmptyResult(
        ManagementCandid.encodeCanisterIdResult(CANISTER), "start_canister");
    assertEquals("4449444c0000", HEX.formatHex(ManagementCandid.encodeEmptyResult()));
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeEmptyResult(new byte[] {'D', 'I', 'D', 'L', 5},
            "stop_canister"));
    assertEquals(Optional.of("stop_canister reply"), e.method());
    assertTrue(e.getMessage().startsWith("malformed Candid in stop_canister reply: at byte"),
        e.getMessage());
  }

  /** Every prefix of a real install_chunked_code argument is rejected with a clear error. */
  @Test
  void decodeInstallChunkedCodeArgs_everyTruncation_candidException() {
    byte[] full = hex(INSTALL_CHUNKED_VECTOR);
    for (int n = 0; n < full.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(full, n);
      assertThrows(CandidException.class,
          () -> ManagementCandid.decodeInstallChunkedCodeArgs(cut), "prefix " + n);
    }
  }

  @Test
  void decodeInstallChunkedCodeArgs_shortModuleHash_namesTheField() {
    byte[] candid = Idl.encode(Idl.value(
        "mode", Idl.value("install", null), "target_canister", CANISTER,
        "store_canister", Optional.empty(), "chunk_hashes_list", List.of(),
        "wasm_module_hash", new byte[] {1, 2}, "arg", new byte[0],
        "sender_canister_version", Optional.empty()), ManagementCandid.INSTALL_CHUNKED_CODE_ARGS);
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeInstallChunkedCodeArgs(candid));
    assertEquals(Optional.of("install_chunked_code argument"), e.method());
    assertEquals(Optional.of("wasm_module_hash"), e.field());
    assertTrue(e.getMessage().contains("got 2 bytes"), e.getMessage());
  }

  /** Candid spec, decoding rules, "Options": an opt that does not decode at its type is null. */
  @Test
  void decodeInstallCodeArgs_skipPreUpgradeNotABool_absent() {
    CandidType badMode = Idl.variant("install", Idl.NULL, "reinstall", Idl.NULL,
        "upgrade", Idl.opt(Idl.record("skip_pre_upgrade", Idl.opt(Idl.NAT))));
    CandidType type = Idl.record("mode", badMode, "canister_id", Idl.PRINCIPAL,
        "wasm_module", Idl.BLOB, "arg", Idl.BLOB);
    byte[] candid = Idl.encode(Idl.value(
        "mode", Idl.value("upgrade", Optional.of(Idl.value("skip_pre_upgrade",
            Optional.of(BigInteger.ONE)))),
        "canister_id", CANISTER, "wasm_module", new byte[0], "arg", new byte[0]), type);
    InstallMode mode = ManagementCandid.decodeInstallCodeArgs(candid).installMode();
    assertEquals(InstallMode.upgrade(), mode);
    assertEquals(Optional.empty(), mode.skipPreUpgrade());
  }
}
