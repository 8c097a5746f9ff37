package org.icupgrade.protocol;

import static org.icupgrade.protocol.HashTreeLookupTest.FULL_EXAMPLE;
import static org.icupgrade.protocol.HashTreeLookupTest.PRUNED_EXAMPLE;
import static org.icupgrade.protocol.HashTreeLookupTest.b;
import static org.icupgrade.protocol.HashTreeLookupTest.decode;
import static org.icupgrade.protocol.HashTreeLookupTest.path;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Spec, "Certification" (its "Example" tree, from {@link HashTreeLookupTest}): a witness (the state tree pruned to the paths asked for) keeps the root
 * hash and answers every asked path as the whole tree does, proving absence where it must.
 */
class HashTreeWitnessTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void theSpecsExample_prunesToTheSpecsWitness() {
    HashTree full = decode(FULL_EXAMPLE);
    HashTree w = full.witness(List.of(path("a", "y"), path("ax"), path("d")));
    // Cbor.encode starts with the self-describing tag (d9d9f7), the spec's example without it.
    assertEquals("d9d9f7" + PRUNED_EXAMPLE, HEX.formatHex(Cbor.encode(w.cbor())));
    assertArrayEquals(full.digest(), w.digest());
    assertEquals(new LookupResult.Found(b("world")), w.lookup(path("a", "y")));
    assertEquals(LookupResult.ABSENT, w.lookup(path("ax")));
    assertEquals(LookupResult.UNKNOWN, w.lookup(path("a", "x")));
    assertEquals(LookupResult.UNKNOWN, w.lookup(path("c")));
  }

  @Test
  void aPathAskedForWhole_keepsItsSubtree_andNothingAsked_prunesAll() {
    HashTree full = decode(FULL_EXAMPLE);
    HashTree a = full.witness(List.of(path("a")));
    assertEquals(new LookupResult.Found(b("hello")), a.lookup(path("a", "x")));
    assertEquals(new LookupResult.Found(b("world")), a.lookup(path("a", "y")));
    assertEquals(LookupResult.UNKNOWN, a.lookup(path("b")));
    HashTree none = full.witness(List.of());
    assertInstanceOf(HashTree.class, none);
    assertEquals(LookupResult.UNKNOWN, none.lookup(path("a", "x")));
    assertArrayEquals(full.digest(), none.digest());
  }

  /** Absence at each end and between labels, at the root and one level down. */
  @Test
  void absentPaths_areProvenAbsent_atEveryPosition() {
    HashTree full = decode(FULL_EXAMPLE);
    for (List<byte[]> p : List.of(path("0"), path("aa"), path("bz"), path("z"), path("a", "a"),
        path("a", "xx"), path("a", "z"), path("b", "x"))) {
      HashTree w = full.witness(List.of(p));
      assertEquals(full.lookup(p), w.lookup(p), new String(p.get(p.size() - 1)));
      assertArrayEquals(full.digest(), w.digest());
    }
  }

  /**
   * Random trees of canister-like paths: for random asked sets, the witness has the root hash,
   * answers each asked path as the tree does, and answers any other path the same or Unknown.
   */
  @Test
  void randomTrees_witnessesAgreeWithTheTree() {
    Random r = new Random(7);
    for (int round = 0; round < 200; round++) {
      Map<byte[], HashTree> canisters = new LinkedHashMap<>();
      int n = r.nextInt(12);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String id = "c" + r.nextInt(40);
        ids.add(id);
        Map<byte[], HashTree> fields = new LinkedHashMap<>();
        fields.put(b("module_hash"), HashTree.leaf(b("h" + i)));
        if (r.nextBoolean()) {
          fields.put(b("controllers"), HashTree.leaf(b("ctl" + i)));
        }
        canisters.put(b(id), HashTree.node(fields));
      }
      HashTree full = HashTree.node(Map.of(b("canister"), HashTree.node(canisters),
          b("time"), HashTree.leaf(b("t"))));
      List<List<byte[]>> asked = new ArrayList<>();
      for (int k = r.nextInt(4); k > 0; k--) {
        String id = r.nextBoolean() && !ids.isEmpty() ? ids.get(r.nextInt(ids.size()))
            : "c" + r.nextInt(40);
        asked.add(path("canister", id, r.nextBoolean() ? "module_hash" : "controllers"));
      }
      if (r.nextBoolean()) {
        asked.add(path("time"));
      }
      HashTree w = full.witness(asked);
      assertArrayEquals(full.digest(), w.digest());
      for (List<byte[]> p : asked) {
        assertEquals(full.lookup(p), w.lookup(p));
      }
      for (int i = 0; i < 40; i++) {
        List<byte[]> other = path("canister", "c" + i, "module_hash");
        LookupResult got = w.lookup(other);
        assertTrue(got.equals(full.lookup(other)) || got.equals(LookupResult.UNKNOWN));
      }
    }
  }
}
