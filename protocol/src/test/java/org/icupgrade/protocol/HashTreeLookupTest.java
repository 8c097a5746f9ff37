package org.icupgrade.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Spec, "Certification", "Lookup": found, absent, unknown and error told apart, on the spec's own
 * example (the pruned tree of "Example", with its CBOR and root hash) and on hand-built trees.
 */
class HashTreeLookupTest {
  private static final HexFormat HEX = HexFormat.of();

  /** Spec, "Example": the tree pruned to /a/y, /ax and /d. */
  static final String PRUNED_EXAMPLE = "83018301830241618301820458201b4feff9bef8131788b0c9"
      + "dc6dbad6e81e524249c879e9f10f71ce3749f5a63883024179820345776f726c6483024162820458207b32"
      + "ac0c6ba8ce35ac82c255fc7906f7fc130dab2a090f80fe12f9c2cae83ba6830182045820ec8324b8a1f1ac"
      + "16bd2e806edba78006479c9877fed4eb464a25485465af601d830241648203476d6f726e696e67";

  /** Spec, "Example": the unpruned tree. */
  static final String FULL_EXAMPLE = "8301830183024161830183018302417882034568656c6c6f8100"
      + "83024179820345776f726c6483024162820344676f6f648301830241638100830241648203476d6f726e69"
      + "6e67";

  private static final String ROOT_HASH =
      "eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0";

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static List<byte[]> path(String... labels) {
    List<byte[]> p = new ArrayList<>();
    for (String l : labels) {
      p.add(b(l));
    }
    return p;
  }

  static HashTree decode(String hex) {
    return HashTree.fromCbor(Cbor.decode(HEX.parseHex(hex)));
  }

  @Test
  void lookup_specExamplePrunedTree_outcomesAsTheSpecLists() {
    HashTree t = decode(PRUNED_EXAMPLE);
    assertEquals(ROOT_HASH, HEX.formatHex(t.digest()));
    assertEquals(LookupResult.UNKNOWN, t.lookup(path("a", "a")));
    assertEquals(new LookupResult.Found(b("world")), t.lookup(path("a", "y")));
    assertEquals(LookupResult.ABSENT, t.lookup(path("aa")));
    assertEquals(LookupResult.ABSENT, t.lookup(path("ax")));
    assertEquals(LookupResult.UNKNOWN, t.lookup(path("b")));
    assertEquals(LookupResult.UNKNOWN, t.lookup(path("bb")));
    assertEquals(new LookupResult.Found(b("morning")), t.lookup(path("d")));
    assertEquals(LookupResult.ABSENT, t.lookup(path("e")));
  }

  @Test
  void lookup_specExampleFullTree_sameHashAndEmptyLabelAbsent() {
    HashTree t = decode(FULL_EXAMPLE);
    assertEquals(ROOT_HASH, HEX.formatHex(t.digest()));
    assertEquals(new LookupResult.Found(b("hello")), t.lookup(path("a", "x")));
    assertEquals(new LookupResult.Found(b("good")), t.lookup(path("b")));
    // "c" labels Empty: lookup_path([], Empty) = Absent.
    assertEquals(LookupResult.ABSENT, t.lookup(path("c")));
    assertEquals(LookupResult.ABSENT, t.lookup(path("bb")));
  }

  @Test
  void lookup_pathEndingAtAnInnerNode_error() {
    HashTree t = decode(FULL_EXAMPLE);
    assertEquals(LookupResult.ERROR, t.lookup(path("a")));
    assertEquals(LookupResult.ERROR, t.lookup(List.of()));
  }

  @Test
  void lookup_pathRunningThroughALeaf_absent() {
    HashTree t = decode(FULL_EXAMPLE);
    // find_label(l, [Leaf _]) = Absent.
    assertEquals(LookupResult.ABSENT, t.lookup(path("b", "x")));
  }

  @Test
  void lookup_prunedRoot_unknown() {
    HashTree t = HashTree.pruned(decode(FULL_EXAMPLE).digest());
    assertEquals(LookupResult.UNKNOWN, t.lookup(path("a", "x")));
    assertEquals(LookupResult.UNKNOWN, t.lookup(List.of()));
  }

  /** A pruned node between two labels hides whatever lies between them. */
  @Test
  void lookup_labelBetweenALabelAndAPrunedNode_unknown() {
    HashTree t = HashTree.fork(HashTree.labeled(b("a"), HashTree.leaf(b("1"))),
        HashTree.fork(HashTree.pruned(new byte[32]), HashTree.labeled(b("m"), HashTree.leaf(b("2")))));
    assertEquals(LookupResult.UNKNOWN, t.lookup(path("c")));
    assertEquals(LookupResult.ABSENT, t.lookup(path("0")));
    assertEquals(LookupResult.ABSENT, t.lookup(path("z")));
    assertEquals(new LookupResult.Found(b("2")), t.lookup(path("m")));
  }

  @Test
  void lookup_emptyTree_absent() {
    assertEquals(LookupResult.ABSENT, HashTree.empty().lookup(path("x")));
  }

  @Test
  void lookupAll_prefixWithSeveralLeaves_valuesInLabelOrder() {
    HashTree t = HashTree.node(Map.of(b("shards"), HashTree.node(Map.of(
        b("2"), HashTree.leaf(b("two")), b("1"), HashTree.leaf(b("one")),
        b("3"), HashTree.node(Map.of(b("deep"), HashTree.leaf(b("three"))))))));
    List<byte[]> all = t.lookupAll(path("shards"));
    assertEquals(3, all.size());
    assertArrayEquals(b("one"), all.get(0));
    assertArrayEquals(b("two"), all.get(1));
    assertArrayEquals(b("three"), all.get(2));
    assertTrue(t.contains(path("shards")));
    assertFalse(t.contains(path("other")));
    assertTrue(t.lookupAll(path("other")).isEmpty());
  }

  @Test
  void lookupAll_prunedPrefix_nothing() {
    HashTree t = HashTree.labeled(b("shards"), HashTree.pruned(new byte[32]));
    assertTrue(t.lookupAll(path("shards", "1")).isEmpty());
    assertFalse(t.contains(path("shards", "1")));
  }

  @Test
  void found_valueCopiedInAndOut() {
    byte[] v = b("v");
    LookupResult.Found f = new LookupResult.Found(v);
    v[0] = 'x';
    f.value()[0] = 'y';
    assertArrayEquals(b("v"), f.value());
    assertArrayEquals(b("v"), f.found().orElseThrow());
    assertTrue(LookupResult.UNKNOWN.found().isEmpty());
  }
}
