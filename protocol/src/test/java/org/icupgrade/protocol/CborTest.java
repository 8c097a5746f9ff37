package org.icupgrade.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CborTest {
  @Test
  void encode_envelopeWithLargeBlobAndNonAsciiText_decodesToTheSameValues() {
    byte[] blob = new byte[(1 << 20) + 3];
    blob[0] = 7;
    blob[blob.length - 1] = 9;
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("arg", blob);
    content.put("method_name", "h\u00e9llo \u4e16\u754c");
    content.put("ingress_expiry", 1L << 40);
    content.put("negative", -500L);
    content.put("paths", List.of(List.of(new byte[0], new byte[300]), List.of()));
    content.put("flag", true);
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("content", content);
    byte[] encoded = Cbor.encode(env);
    @SuppressWarnings("unchecked")
    Map<String, Object> back = (Map<String, Object>) ((Map<String, Object>) Cbor.decode(encoded))
        .get("content");
    assertArrayEquals(blob, (byte[]) back.get("arg"));
    assertEquals("h\u00e9llo \u4e16\u754c", back.get("method_name"));
    assertEquals(1L << 40, back.get("ingress_expiry"));
    assertEquals(-500L, back.get("negative"));
    assertEquals(true, back.get("flag"));
    assertEquals(2, ((List<?>) back.get("paths")).size());
    assertArrayEquals(new byte[300], (byte[]) ((List<?>) ((List<?>) back.get("paths")).get(0))
        .get(1));
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void decode_rfc8949AppendixAExamples() {
    assertEquals(1000L, Cbor.decode(hex("1903e8")));
    assertEquals(-1000L, Cbor.decode(hex("3903e7")));
    assertEquals(new BigInteger("18446744073709551615"), Cbor.decode(hex("1bffffffffffffffff")));
    assertEquals("IETF", Cbor.decode(hex("6449455446")));
    assertEquals(List.of(1L, List.of(2L, 3L), List.of(4L, 5L)),
        Cbor.decode(hex("8301820203820405")));
    assertEquals(List.of(1L, List.of(2L, 3L), List.of(4L, 5L)),
        Cbor.decode(hex("9f018202039f0405ffff")));
    assertEquals(Map.of("a", 1L, "b", List.of(2L, 3L)), Cbor.decode(hex("a26161016162820203")));
    assertEquals(Map.of("a", 1L), Cbor.decode(hex("bf6161 01ff".replace(" ", ""))));
    assertArrayEquals(hex("0102030405"), (byte[]) Cbor.decode(hex("5f42010243030405ff")));
    assertEquals("x", Cbor.decode(hex("d9d9f76178")));
  }

  @Test
  void encode_isTaggedAndRoundTrips() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", 1_685_570_400_000_000_000L);
    m.put("b", hex("00ff"));
    m.put("l", List.of("a", -5L, new BigInteger("18446744073709551615")));
    byte[] enc = Cbor.encode(m);
    assertArrayEquals(hex("d9d9f7"), java.util.Arrays.copyOf(enc, 3));
    @SuppressWarnings("unchecked")
    Map<String, Object> back = (Map<String, Object>) Cbor.decode(enc);
    assertEquals(m.get("n"), back.get("n"));
    assertArrayEquals(hex("00ff"), (byte[]) back.get("b"));
    assertEquals(m.get("l"), back.get("l"));
  }

  @Test
  void hostileInput_refusedWithoutAllocating() {
    byte[] deep = new byte[100_000];
    java.util.Arrays.fill(deep, (byte) 0x81);
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(deep));
    // A byte string and an array each declaring 2^64-1 and 2^32 items in a few bytes.
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("5bffffffffffffffff00")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("9b000000010000000000")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("bbffffffffffffffff")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("9f01")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("c11a514b67b0")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("a2616101616102")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("62c328")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(hex("0101")));
    assertThrows(Cbor.CborException.class, () -> Cbor.decode(new byte[0]));
  }

  @Test
  void requestId_matchesTheSpecExample() {
    // Spec, "Request ids": the example request and its id.
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("request_type", "call");
    content.put("sender", hex("04"));
    content.put("ingress_expiry", 1_685_570_400_000_000_000L);
    content.put("canister_id", hex("00000000000004D2"));
    content.put("method_name", "hello");
    content.put("arg", hex("4449444c00fd2a"));
    assertEquals("1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101",
        HexFormat.of().formatHex(RequestId.of(content)));
  }

  @Test
  void hashTree_digestOfALeafUnderALabel_followsTheDomainSeparators() {
    HashTree t = HashTree.labeled("a".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        HashTree.leaf(hex("01")));
    byte[] leaf = RequestId.sha256(HashTree.domainSep("ic-hashtree-leaf"), hex("01"));
    byte[] expected = RequestId.sha256(HashTree.domainSep("ic-hashtree-labeled"),
        "a".getBytes(java.nio.charset.StandardCharsets.UTF_8), leaf);
    assertArrayEquals(expected, t.digest());
    assertArrayEquals(t.digest(), HashTree.fromCbor(Cbor.decode(Cbor.encode(t.cbor()))).digest());
    assertArrayEquals(hex("01"),
        t.lookup(List.of("a".getBytes(java.nio.charset.StandardCharsets.UTF_8))).found().orElseThrow());
  }
}
