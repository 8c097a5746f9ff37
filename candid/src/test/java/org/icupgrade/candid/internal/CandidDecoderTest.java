package org.icupgrade.candid.internal;

import static org.icupgrade.candid.internal.Idl.BLOB;
import static org.icupgrade.candid.internal.Idl.BOOL;
import static org.icupgrade.candid.internal.Idl.INT;
import static org.icupgrade.candid.internal.Idl.NAT;
import static org.icupgrade.candid.internal.Idl.NAT64;
import static org.icupgrade.candid.internal.Idl.NULL;
import static org.icupgrade.candid.internal.Idl.PRINCIPAL;
import static org.icupgrade.candid.internal.Idl.TEXT;
import static org.icupgrade.candid.internal.Idl.opt;
import static org.icupgrade.candid.internal.Idl.record;
import static org.icupgrade.candid.internal.Idl.value;
import static org.icupgrade.candid.internal.Idl.variant;
import static org.icupgrade.candid.internal.Idl.vec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLValue;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CandidDecoderTest {
  static final HexFormat HEX = HexFormat.of();
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);
  static final BigInteger TWO_64_MINUS_1 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  static final CandidType SAMPLE = record(
      "n", NAT, "i", INT, "t", TEXT, "b", BOOL, "p", PRINCIPAL, "blob", BLOB,
      "o", opt(NAT64), "v", vec(record("x", NAT)),
      "tag", variant("a", NULL, "b", TEXT, "c", NULL));

  static Map<String, Object> sample() {
    return value(
        "n", BigInteger.ONE.shiftLeft(100),
        "i", BigInteger.valueOf(-129),
        "t", "grüße",
        "b", true,
        "p", CANISTER,
        "blob", new byte[] {0, (byte) 0xFF},
        "o", Optional.of(-1L),
        "v", List.of(value("x", BigInteger.ZERO), value("x", BigInteger.valueOf(300))),
        "tag", value("c", null));
  }

  static byte[] hex(String spaced) {
    return HEX.parseHex(spaced.replaceAll("\\s+", ""));
  }

  @Test
  void decode_encodedSample_everyValueBack() {
    Fields f = Fields.of(Idl.encode(sample(), SAMPLE), "sample");
    assertEquals(BigInteger.ONE.shiftLeft(100), f.nat("n"));
    assertEquals(BigInteger.valueOf(-129), f.integer("i"));
    assertEquals("grüße", f.text("t"));
    assertTrue(f.bool("b"));
    assertEquals(CANISTER, f.principal("p"));
    assertArrayEquals(new byte[] {0, (byte) 0xFF}, f.blob("blob"));
    assertEquals(TWO_64_MINUS_1, f.opt("o").orElseThrow().nat64());
    List<Decoded> v = f.vec("v");
    assertEquals(BigInteger.valueOf(300), v.get(1).record().nat("x"));
    assertEquals("c", f.variant("tag", "a", "b", "c"));
  }

  /** ic4j-candid, an independent implementation, reads what our encoder writes. */
  @Test
  void encode_sample_ic4jReadsIt() {
    IDLArgs args = IDLArgs.fromBytes(Idl.encode(sample(), SAMPLE));
    List<IDLValue> values = args.getArgs();
    assertEquals(1, values.size());
    Map<?, ?> rec = (Map<?, ?>) values.get(0).getValue();
    assertEquals(9, rec.size());
    assertTrue(rec.values().contains("grüße"), rec.toString());
    assertTrue(rec.values().contains(BigInteger.ONE.shiftLeft(100)), rec.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "9223372036854775807", "9223372036854775808",
      "18446744073709551615"})
  void nat64_boundaries_roundTripUnsigned(String unsigned) {
    BigInteger n = new BigInteger(unsigned);
    byte[] encoded = Idl.encode(Idl.nat64(n), NAT64);
    // DIDL, empty type table, one argument of type nat64 (-8 = 0x78), then 8 bytes little-endian.
    byte[] le = new byte[8];
    for (int i = 0; i < 8; i++) {
      le[i] = n.shiftRight(8 * i).byteValue();
    }
    assertEquals("4449444c000178" + HEX.formatHex(le), HEX.formatHex(encoded));
    assertEquals(n, Idl.decodeFirst(encoded, "nat64").nat64());
  }

  @Test
  void nat64_twoTo63AndMax_haveTheExpectedBytes() {
    assertEquals("4449444c000178" + "0000000000000080",
        HEX.formatHex(Idl.encode(Idl.nat64(TWO_63), NAT64)));
    assertEquals("4449444c000178" + "ffffffffffffffff",
        HEX.formatHex(Idl.encode(Idl.nat64(TWO_64_MINUS_1), NAT64)));
  }

  @Test
  void nat64_outOfRange_rejected() {
    assertThrows(IllegalArgumentException.class, () -> Idl.nat64(TWO_64_MINUS_1.add(BigInteger.ONE)));
    assertThrows(IllegalArgumentException.class, () -> Idl.nat64(BigInteger.valueOf(-1)));
  }

  /** Eleven bytes that claim a 1 GiB blob: ic4j-candid 0.7.2 throws OutOfMemoryError here. */
  @Test
  void decode_blobClaimingOneGibibyte_candidExceptionWithoutAllocating() {
    byte[] claim = hex("4449444c 016d7b 0100 8080808004 010203");
    CandidException e = assertThrows(CandidException.class, () -> Idl.decode(claim, "m reply"));
    assertTrue(e.getMessage().contains("1073741824"), e.getMessage());
    assertEquals(Optional.of("m reply"), e.method());
    assertFalse(e.isTransient());
  }

  @Test
  void decode_vecOfNullWithHugeCount_rejected() {
    // vec null takes no bytes per element; the count alone must be bounded.
    assertThrows(CandidException.class,
        () -> Idl.decode(hex("4449444c 016d7f 0100 ffffffff0f")));
  }

  @Test
  void decode_recursiveRecordWithoutEnd_rejectedNotStackOverflow() {
    // type 0 = record { 0 : type 0 }: a value would nest forever.
    assertThrows(CandidException.class,
        () -> Idl.decode(hex("4449444c 016c010000 0100")));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",                                 // nothing
      "4449444d0000",                     // wrong magic
      "4449444c000102",                   // bool 2
      "4449444c00017e",                   // bool missing
      "4449444c016e7e01000201",           // opt flag 2
      "4449444c0000ff",                   // trailing byte
      "4449444c016c0201710071010000",     // record field ids not increasing
      "4449444c000105",                   // argument type 5 not in the (empty) table
      "4449444c000171 02c328",            // text that is not UTF-8
      "4449444c000168 00",                // opaque principal reference
      "4449444c000168 011e" + "00",       // principal of 30 bytes
      "4449444c01 6b01007f 0100 05",      // variant tag 5 of 1
      "4449444c00016f",                   // a value of type empty (-17)
      "4449444c01 55 0100",               // unknown type opcode -43
      "4449444c000178 ffffffff",          // nat64 cut short
      "4449444c00017d 80808080",          // nat without its last byte
      "4449444c00017c 80",                // int without its last byte
      "4449444c 01 ecffffff6f00 0100",    // record {} under opcode -2^32 - 20 (-20 as an int)
      "4449444c 01 6c01 0071 0100 05"})   // text of 5 bytes, none there
  void decode_malformed_candidExceptionNamingTheMethod(String bytes) {
    CandidException e =
        assertThrows(CandidException.class, () -> Idl.decode(hex(bytes), "probe argument"));
    assertEquals(Optional.of("probe argument"), e.method());
    assertTrue(e.getMessage().startsWith("malformed Candid in probe argument"), e.getMessage());
    assertTrue(e.getMessage().contains(": at byte "), e.getMessage());
  }

  @Test
  void decode_everyTruncationOfASample_candidException() {
    byte[] full = Idl.encode(sample(), SAMPLE);
    for (int n = 0; n < full.length; n++) {
      byte[] cut = Arrays.copyOf(full, n);
      assertThrows(CandidException.class, () -> Idl.decode(cut), "prefix " + n);
    }
  }

  /** Reading a value as a type it does not have names the message and the field path. */
  @Test
  void fields_wrongTypeOrMissing_candidExceptionNamingMethodAndField() {
    Fields f = Fields.of(Idl.encode(sample(), SAMPLE), "sample reply");
    CandidException wrong = assertThrows(CandidException.class, () -> f.principal("t"));
    assertEquals(Optional.of("sample reply"), wrong.method());
    assertEquals(Optional.of("t"), wrong.field());
    assertTrue(wrong.getMessage().contains("expected principal, got text"), wrong.getMessage());
    CandidException nested =
        assertThrows(CandidException.class, () -> f.vec("v").get(1).record().text("x"));
    assertEquals(Optional.of("v[1].x"), nested.field());
    CandidException missing = assertThrows(CandidException.class, () -> f.record("v"));
    assertEquals(Optional.of("v"), missing.field());
    CandidException absent = assertThrows(CandidException.class, () -> f.nat("absent"));
    assertEquals(Optional.empty(), absent.field(), "the record itself lacks it");
    assertTrue(absent.getMessage().contains("missing field absent"), absent.getMessage());
    CandidException tag =
        assertThrows(CandidException.class, () -> f.variant("tag", "a", "b"));
    assertEquals(Optional.of("tag"), tag.field());
    assertTrue(tag.getMessage().contains("unknown variant tag 99"), tag.getMessage());
  }

  @Test
  void numbers_outOfRangeOrNegative_candidExceptionNotArithmetic() {
    Fields f = Fields.of(Idl.encode(sample(), SAMPLE), "sample reply");
    CandidException big = assertThrows(CandidException.class, () -> f.natLong("n"));
    assertEquals(Optional.of("n"), big.field());
    assertTrue(big.getMessage().contains("out of range"), big.getMessage());
    assertThrows(CandidException.class, () -> f.natInt("n"));
    assertThrows(CandidException.class, () -> f.nat64("n"));
    CandidException negative = assertThrows(CandidException.class, () -> f.nat("i"));
    assertTrue(negative.getMessage().contains("negative"), negative.getMessage());
    // nat64 2^64 - 1 is a nat, but not one this library holds in a long.
    assertEquals(TWO_64_MINUS_1, f.opt("o").orElseThrow().nat());
    assertThrows(CandidException.class, () -> f.opt("o").orElseThrow().natLong());
    assertEquals(-1L, f.opt("o").orElseThrow().nat64Bits());
    assertEquals(-129L, f.get("i").integerLong());
  }

  @Test
  void decodeFirst_noValue_candidException() {
    CandidException e =
        assertThrows(CandidException.class, () -> Idl.decodeFirst(Idl.empty(), "get reply"));
    assertEquals(Optional.of("get reply"), e.method());
  }

  /** Encoding a value that does not fit its type is the caller's bug: IllegalArgumentException. */
  @Test
  void encode_valueNotFittingItsType_illegalArgument() {
    assertThrows(IllegalArgumentException.class,
        () -> Idl.encode(BigInteger.valueOf(-1), NAT));
    assertThrows(IllegalArgumentException.class,
        () -> Idl.encode(value("n", BigInteger.ONE), record("n", NAT, "m", NAT)));
    assertThrows(IllegalArgumentException.class, () -> Idl.encode("text", NAT));
    assertThrows(IllegalArgumentException.class,
        () -> Idl.encode(value("d", null), variant("a", NULL, "b", NULL)));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 65536, 70000})
  void encode_nat16OutOfRange_illegalArgumentNotTruncated(int v) {
    assertThrows(IllegalArgumentException.class, () -> AssetCandid.encodeNat16(v));
  }

  @Test
  void encode_fixedWidthNatsAtTheirBounds_roundTrip() {
    assertEquals(65535, AssetCandid.decodeNat16(AssetCandid.encodeNat16(65535)));
    assertEquals("4449444c00017bff", HEX.formatHex(Idl.encode(255, Idl.NAT8)));
    assertEquals("4449444c000179ffffffff", HEX.formatHex(Idl.encode(0xFFFF_FFFFL, Idl.NAT32)));
    assertThrows(IllegalArgumentException.class, () -> Idl.encode(256, Idl.NAT8));
    assertThrows(IllegalArgumentException.class, () -> Idl.encode(1L << 32, Idl.NAT32));
    assertThrows(IllegalArgumentException.class, () -> Idl.encode(1.5, Idl.NAT32));
  }

  @Test
  void fieldsOpt_valueOfInnerType_isSome() {
    // Candid's opt coercion: a sender may give a plain nat where the receiver expects opt nat.
    Fields f = Fields.of(
        Idl.encode(value("amount", BigInteger.TEN), record("amount", NAT)), "r");
    assertEquals(Optional.of(BigInteger.TEN), f.opt("amount").map(Decoded::nat));
    assertEquals(Optional.empty(), f.opt("absent"));
  }

  @Test
  void hash_knownNames_matchTheSpec() {
    // idl_hash of a one-letter name is its code; a tuple index is the id itself; canister_id as in
    // the hand-worked upload_chunk vector.
    assertEquals(97, Idl.hash("a"));
    assertEquals(1, Idl.hash("1"));
    assertEquals(1313628723L, Idl.hash("canister_id"));
  }

  @Test
  void decode_recordReferringToItselfTwiceInsideEmptyVector_linearNotExponential() {
    // The 16-byte reply of the hostile-input report: record { 0 : self; 1 : self } inside an empty
    // vector. Deciding whether its elements take bytes once walked 2^32 paths (over 60 s).
    byte[] reply = hex("4449444c026c02000001006d00010100");
    List<@Nullable Object> decoded = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(2), () -> Idl.decode(reply));
    assertEquals(List.of(List.of()), decoded);
  }

  @Test
  void decode_longChainOfNestedRecordsInVector_decidedQuickly() {
    // 20,000 records each holding the next, the last holding a nat: all wide, so a vector of them
    // claiming more elements than bytes remain is refused at once.
    StringBuilder types = new StringBuilder();
    int n = 20_000;
    for (int i = 0; i < n - 1; i++) {
      types.append("6c01").append("00").append(leb(i + 1));
    }
    types.append("6c01007d").append("6d").append(leb(0));
    byte[] msg = hex("4449444c" + leb(n + 1) + types + "01" + leb(n) + "ffffffff0f");
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(2),
        () -> assertThrows(CandidException.class, () -> Idl.decode(msg)));
  }

  static String leb(long v) {
    StringBuilder sb = new StringBuilder();
    do {
      int b = (int) (v & 0x7f);
      v >>>= 7;
      sb.append(String.format("%02x", v == 0 ? b : b | 0x80));
    } while (v != 0);
    return sb.toString();
  }
}
