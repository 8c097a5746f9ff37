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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLValue;
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
    Fields f = Fields.of(Idl.decodeFirst(Idl.encode(sample(), SAMPLE), "sample"), "sample");
    assertEquals(BigInteger.ONE.shiftLeft(100), f.nat("n"));
    assertEquals(BigInteger.valueOf(-129), f.nat("i"));
    assertEquals("grüße", f.text("t"));
    assertTrue(f.bool("b"));
    assertEquals(CANISTER, f.principal("p"));
    assertArrayEquals(new byte[] {0, (byte) 0xFF}, f.blob("blob"));
    assertEquals(TWO_64_MINUS_1, Fields.nat64Of(f.opt("o").orElseThrow(), "o"));
    List<Object> v = f.vec("v");
    assertEquals(BigInteger.valueOf(300), Fields.of(v.get(1), "v[1]").nat("x"));
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
    assertEquals(n, Fields.nat64Of(Idl.decodeFirst(encoded, "nat64"), "nat64"));
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
  void decode_blobClaimingOneGibibyte_illegalArgumentWithoutAllocating() {
    byte[] claim = hex("4449444c 016d7b 0100 8080808004 010203");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Idl.decode(claim));
    assertTrue(e.getMessage().contains("1073741824"), e.getMessage());
  }

  @Test
  void decode_vecOfNullWithHugeCount_rejected() {
    // vec null takes no bytes per element; the count alone must be bounded.
    assertThrows(IllegalArgumentException.class,
        () -> Idl.decode(hex("4449444c 016d7f 0100 ffffffff0f")));
  }

  @Test
  void decode_recursiveRecordWithoutEnd_rejectedNotStackOverflow() {
    // type 0 = record { 0 : type 0 }: a value would nest forever.
    assertThrows(IllegalArgumentException.class,
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
      "4449444c00017d 80808080"})         // nat without its last byte
  void decode_malformed_illegalArgument(String bytes) {
    assertThrows(IllegalArgumentException.class, () -> Idl.decode(hex(bytes)));
  }

  @Test
  void decode_everyTruncationOfASample_illegalArgument() {
    byte[] full = Idl.encode(sample(), SAMPLE);
    for (int n = 0; n < full.length; n++) {
      byte[] cut = Arrays.copyOf(full, n);
      assertThrows(IllegalArgumentException.class, () -> Idl.decode(cut), "prefix " + n);
    }
  }

  @Test
  void fieldsOpt_valueOfInnerType_isSome() {
    // Candid's opt coercion: a sender may give a plain nat where the receiver expects opt nat.
    Fields f = Fields.of(Idl.decodeFirst(
        Idl.encode(value("amount", BigInteger.TEN), record("amount", NAT)), "r"), "r");
    assertEquals(Optional.of(BigInteger.TEN), f.opt("amount"));
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
}
