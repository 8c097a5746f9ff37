package org.icupgrade.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.junit.jupiter.api.Test;

class CertificateTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Bls12381 ROOT = Bls12381.generate(RANDOM);
  private static final Bls12381 SUBNET = Bls12381.generate(RANDOM);
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05.123456789Z");
  private static final Duration MAX_AGE = Duration.ofMinutes(5);
  private static final Principal CANISTER = Principal.fromBytes(HEX.parseHex("00000000002000050101"));
  private static final Principal SUBNET_ID = Principal.fromBytes(HEX.parseHex("d77b2a2f7199b9a8aec93fe6fb588661358cf12223e9a3af7b4ebac402"));

  /**
   * Mainnet (root key below), from the agent-js bls-verify tests, which took it from agent-rs: a
   * request_status certificate with a delegation to subnet d77b2a2f... covering canister ids
   * 00000000002000000101 ..= 00000000002fffff0101.
   */
  private static final String MAINNET_CERTIFICATE =
      "d9d9f7a364747265658301830182045820250f5e26868d9c1ea7ab29cbe9c15bf1c47c0d7605e803e39e375a7fe09c6ebb830183024e726571756573745f7374617475738301820458204b268227774ec77ff2b37ecb12157329d54cf376694bdd59ded7803efd82386f83025820edad510eaaa08ed2acd4781324e6446269da6753ec17760f206bbe81c465ff528301830183024b72656a6563745f636f64658203410383024e72656a6563745f6d6573736167658203584443616e69737465722069766733372d71696161612d61616161622d61616167612d63616920686173206e6f20757064617465206d6574686f64202772656769737465722783024673746174757382034872656a65637465648204582097232f31f6ab7ca4fe53eb6568fc3e02bc22fe94ab31d010e5fb3c642301f1608301820458203a48d1fc213d49307103104f7d72c2b5930edba8787b90631f343b3aa68a5f0a83024474696d65820349e2dc939091c696eb16697369676e6174757265583089a2be21b5fa8ac9fab1527e041327ce899d7da971436a1f2165393947b4d942365bfe5488710e61a619ba48388a21b16a64656c65676174696f6ea2697375626e65745f6964581dd77b2a2f7199b9a8aec93fe6fb588661358cf12223e9a3af7b4ebac4026b6365727469666963617465590231d9d9f7a26474726565830182045820ae023f28c3b9d966c8fb09f9ed755c828aadb5152e00aaf700b18c9c067294b483018302467375626e6574830182045820e83bb025f6574c8f31233dc0fe289ff546dfa1e49bd6116dd6e8896d90a4946e830182045820e782619092d69d5bebf0924138bd4116b0156b5a95e25c358ea8cf7e7161a661830183018204582062513fa926c9a9ef803ac284d620f303189588e1d3904349ab63b6470856fc4883018204582060e9a344ced2c9c4a96a0197fd585f2d259dbd193e4eada56239cac26087f9c58302581dd77b2a2f7199b9a8aec93fe6fb588661358cf12223e9a3af7b4ebac402830183024f63616e69737465725f72616e6765738203581bd9d9f781824a000000000020000001014a00000000002fffff010183024a7075626c69635f6b657982035885308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c050302010361009933e1f89e8a3c4d7fdcccdbd518089e2bd4d8180a261f18d9c247a52768ebce98dc7328a39814a8f911086a1dd50cbe015e2a53b7bf78b55288893daa15c346640e8831d72a12bdedd979d28470c34823b8d1c3f4795d9c3984a247132e94fe82045820996f17bb926be3315745dea7282005a793b58e76afeb5d43d1a28ce29d2d158583024474696d6582034995b8aac0e4eda2ea16697369676e61747572655830ace9fcdd9bc977e05d6328f889dc4e7c99114c737a494653cb27a1f55c06f4555e0f160980af5ead098acc195010b2f7";

  private static final String MAINNET_ROOT_KEY =
      "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100814c0e6ec71fab583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f913a0c0b2cc5341583bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b01291091c5f87b98883463f98091a0baaae";

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static HashTree tree(Instant time, Map<byte[], HashTree> extra) {
    Map<byte[], HashTree> top = new LinkedHashMap<>(extra);
    top.put(b("time"), HashTree.leaf(RequestId.leb128(BigInteger.valueOf(nanos(time)))));
    return HashTree.node(top);
  }

  private static HashTree canisterTree(Instant time) {
    return tree(time, Map.of(b("canister"), HashTree.node(Map.of(CANISTER.toBytes(),
        HashTree.node(Map.of(b("certified_data"), HashTree.leaf(b("hello"))))))));
  }

  private static byte[] certificate(HashTree tree, Bls12381 key, Object delegation) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tree", tree.cbor());
    m.put("signature", key.sign(Certificate.signedMessage(tree)));
    if (delegation != null) {
      m.put("delegation", delegation);
    }
    return Cbor.encode(m);
  }

  private static Map<String, Object> delegation(Bls12381 signer, byte[] subnetKeyDer,
      List<Object> ranges) {
    HashTree subnet = HashTree.node(Map.of(SUBNET_ID.toBytes(), HashTree.node(Map.of(
        b("public_key"), HashTree.leaf(subnetKeyDer),
        b("canister_ranges"), HashTree.leaf(Cbor.encode(ranges))))));
    byte[] inner = certificate(tree(NOW.minus(Duration.ofDays(3)), Map.of(b("subnet"), subnet)),
        signer, null);
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("subnet_id", SUBNET_ID.toBytes());
    d.put("certificate", inner);
    return d;
  }

  /**
   * A delegation whose certificate scopes the subnet as the newer IC does (spec, "Canister
   * ranges"): shards at {@code /canister_ranges/<subnet>/<start>}, each a CBOR list of ranges,
   * and, when {@code flat} is given, the older {@code /subnet/<id>/canister_ranges} beside them.
   */
  private static Map<String, Object> shardedDelegation(Map<String, List<Object>> shards,
      List<Object> flat) {
    Map<byte[], HashTree> subnetFields = new LinkedHashMap<>();
    subnetFields.put(b("public_key"), HashTree.leaf(SUBNET.publicKeyDer()));
    if (flat != null) {
      subnetFields.put(b("canister_ranges"), HashTree.leaf(Cbor.encode(flat)));
    }
    Map<byte[], HashTree> shardTree = new LinkedHashMap<>();
    shards.forEach((start, ranges) ->
        shardTree.put(HEX.parseHex(start), HashTree.leaf(Cbor.encode(ranges))));
    Map<byte[], HashTree> top = new LinkedHashMap<>();
    top.put(b("subnet"), HashTree.node(Map.of(SUBNET_ID.toBytes(), HashTree.node(subnetFields))));
    top.put(b("canister_ranges"), HashTree.node(Map.of(SUBNET_ID.toBytes(),
        HashTree.node(shardTree))));
    byte[] inner = certificate(tree(NOW.minus(Duration.ofDays(3)), top), ROOT, null);
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("subnet_id", SUBNET_ID.toBytes());
    d.put("certificate", inner);
    return d;
  }

  private static List<Object> ranges(String... lowHigh) {
    List<Object> ranges = new ArrayList<>();
    for (int i = 0; i < lowHigh.length; i += 2) {
      ranges.add(List.of(HEX.parseHex(lowHigh[i]), HEX.parseHex(lowHigh[i + 1])));
    }
    return ranges;
  }

  private static Certificate delegated(Map<String, Object> delegation) {
    return Certificate.decode(certificate(canisterTree(NOW), SUBNET, delegation));
  }

  @Test
  void verify_shardedRangesHoldingTheCanisterInTheSecondShard_passes() {
    Map<String, List<Object>> shards = new LinkedHashMap<>();
    shards.put("00000000001000000101", ranges("00000000001000000101", "00000000001fffff0101"));
    shards.put("00000000002000000101", ranges("00000000002000000101", "00000000002000040101",
        "00000000002000050101", "00000000002000060101"));
    Certificate c = delegated(shardedDelegation(shards, null));
    assertDoesNotThrow(() -> c.verify(ROOT.publicKeyDer(), CANISTER, NOW, MAX_AGE));
  }

  @Test
  void verify_shardedRangesWithoutTheCanister_certificateException() {
    Map<String, List<Object>> shards = new LinkedHashMap<>();
    shards.put("00000000001000000101", ranges("00000000001000000101", "00000000001fffff0101"));
    shards.put("00000000002000060101", ranges("00000000002000060101", "00000000002fffff0101"));
    CertificateException e = refused(certificate(canisterTree(NOW), SUBNET,
        shardedDelegation(shards, null)));
    assertTrue(e.getMessage().contains("canister ranges"), e.getMessage());
  }

  /** When both forms are certified the sharded one rules: the flat one may be stale. */
  @Test
  void verify_shardedTreePresent_flatRangesIgnored() {
    Map<String, List<Object>> shards = new LinkedHashMap<>();
    shards.put("00000000003000000101", ranges("00000000003000000101", "00000000003fffff0101"));
    CertificateException e = refused(certificate(canisterTree(NOW), SUBNET,
        shardedDelegation(shards, ranges("00", "ff"))));
    assertTrue(e.getMessage().contains("canister ranges"), e.getMessage());
  }

  @Test
  void verify_onlyFlatRanges_readThere() {
    Certificate c = delegated(delegation(ROOT, SUBNET.publicKeyDer(),
        ranges("00000000002000000101", "00000000002fffff0101")));
    assertDoesNotThrow(() -> c.verify(ROOT.publicKeyDer(), CANISTER, NOW, MAX_AGE));
  }

  @Test
  void verify_delegationWithNeitherRangesForm_certificateExceptionNamingBoth() {
    HashTree subnet = HashTree.node(Map.of(SUBNET_ID.toBytes(), HashTree.node(Map.of(
        b("public_key"), HashTree.leaf(SUBNET.publicKeyDer())))));
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("subnet_id", SUBNET_ID.toBytes());
    d.put("certificate", certificate(tree(NOW, Map.of(b("subnet"), subnet)), ROOT, null));
    CertificateException e = refused(certificate(canisterTree(NOW), SUBNET, d));
    assertTrue(e.getMessage().contains("neither /canister_ranges/"), e.getMessage());
  }

  private static List<Object> range(String low, String high) {
    List<Object> ranges = new ArrayList<>();
    ranges.add(List.of(HEX.parseHex(low), HEX.parseHex(high)));
    return ranges;
  }

  private static CertificateException refused(byte[] cert) {
    return assertThrows(CertificateException.class,
        () -> Certificate.decode(cert).verify(ROOT.publicKeyDer(), CANISTER, NOW, MAX_AGE));
  }

  @Test
  void verify_signedByRootKey_passesAndLooksUp() {
    Certificate c = Certificate.decode(certificate(canisterTree(NOW), ROOT, null));
    c.verify(ROOT.publicKeyDer(), CANISTER, NOW, MAX_AGE);
    assertArrayEquals(b("hello"),
        c.lookup("canister", CANISTER.toBytes(), "certified_data").found().orElseThrow());
    assertEquals(NOW, c.time());
    assertTrue(c.delegationSubnet().isEmpty());
    assertEquals(LookupResult.ABSENT, c.lookup("canister", CANISTER.toBytes(), "module_hash"));
  }

  @Test
  void verify_tamperedTree_certificateException() {
    Map<String, Object> m = new LinkedHashMap<>();
    HashTree signed = canisterTree(NOW);
    m.put("tree", tree(NOW, Map.of(b("canister"), HashTree.node(Map.of(CANISTER.toBytes(),
        HashTree.node(Map.of(b("certified_data"), HashTree.leaf(b("hellO"))))))))
        .cbor());
    m.put("signature", ROOT.sign(Certificate.signedMessage(signed)));
    CertificateException e = refused(Cbor.encode(m));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    assertTrue(e instanceof IntegrityException);
  }

  @Test
  void verify_otherKey_certificateException() {
    CertificateException e = refused(certificate(canisterTree(NOW), Bls12381.generate(RANDOM),
        null));
    assertTrue(e.getMessage().contains("root key"), e.getMessage());
  }

  @Test
  void verify_staleOrFutureTime_certificateException() {
    CertificateException e = refused(certificate(canisterTree(NOW.minus(Duration.ofMinutes(6))),
        ROOT, null));
    assertTrue(e.getMessage().contains("time"), e.getMessage());
    refused(certificate(canisterTree(NOW.plus(Duration.ofMinutes(6))), ROOT, null));
    assertDoesNotThrow(() -> Certificate.decode(certificate(
        canisterTree(NOW.minus(Duration.ofMinutes(4))), ROOT, null))
        .verify(ROOT.publicKeyDer(), CANISTER, NOW, MAX_AGE));
  }

  @Test
  void verify_noTime_certificateException() {
    HashTree t = HashTree.node(Map.of(b("canister"), HashTree.leaf(b("x"))));
    CertificateException e = refused(certificate(t, ROOT, null));
    assertTrue(e.getMessage().contains("/time"), e.getMessage());
  }

  @Test
  void verify_delegationCoveringTheCanister_passes() {
    byte[] cert = certificate(canisterTree(NOW), SUBNET,
        delegation(ROOT, SUBNET.publicKeyDer(), range("00000000002000000101", "00000000002fffff0101")));
    Certificate c = Certificate.decode(cert);
    c.verify(ROOT.publicKeyDer(), CANISTER, NOW, MAX_AGE);
    assertEquals(SUBNET_ID, c.delegationSubnet().orElseThrow());
  }

  @Test
  void verify_delegationNotCoveringTheCanister_certificateException() {
    CertificateException e = refused(certificate(canisterTree(NOW), SUBNET,
        delegation(ROOT, SUBNET.publicKeyDer(), range("00000000003000000101", "00000000003fffff0101"))));
    assertTrue(e.getMessage().contains("canister ranges"), e.getMessage());
  }

  @Test
  void verify_delegationSignedByOtherKey_certificateException() {
    Bls12381 other = Bls12381.generate(RANDOM);
    CertificateException e = refused(certificate(canisterTree(NOW), SUBNET,
        delegation(other, SUBNET.publicKeyDer(), range("00", "ff"))));
    assertTrue(e.getMessage().contains("delegation certificate"), e.getMessage());
  }

  @Test
  void verify_signedByRootInsteadOfTheDelegatedSubnetKey_certificateException() {
    CertificateException e = refused(certificate(canisterTree(NOW), ROOT,
        delegation(ROOT, SUBNET.publicKeyDer(), range("00", "ff"))));
    assertTrue(e.getMessage().contains("subnet"), e.getMessage());
  }

  @Test
  void verify_delegationWithoutPublicKeyOrWithBadKey_certificateException() {
    CertificateException e = refused(certificate(canisterTree(NOW), SUBNET,
        delegation(ROOT, b("not a key"), range("00", "ff"))));
    assertTrue(e.getMessage().contains("public_key"), e.getMessage());
    HashTree noKey = tree(NOW, Map.of(b("subnet"), HashTree.node(Map.of(SUBNET_ID.toBytes(),
        HashTree.node(Map.of(b("canister_ranges"), HashTree.leaf(Cbor.encode(range("00", "ff")))))))));
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("subnet_id", SUBNET_ID.toBytes());
    d.put("certificate", certificate(noKey, ROOT, null));
    e = refused(certificate(canisterTree(NOW), SUBNET, d));
    assertTrue(e.getMessage().contains("public_key"), e.getMessage());
  }

  @Test
  void decode_nestedDelegation_malformed() {
    Map<String, Object> inner = delegation(ROOT, SUBNET.publicKeyDer(), range("00", "ff"));
    Map<String, Object> outer = new LinkedHashMap<>();
    outer.put("subnet_id", SUBNET_ID.toBytes());
    outer.put("certificate", certificate(canisterTree(NOW), SUBNET, inner));
    byte[] cert = certificate(canisterTree(NOW), SUBNET, outer);
    MalformedCertificateException e = assertThrows(MalformedCertificateException.class,
        () -> Certificate.decode(cert));
    assertTrue(e.getMessage().contains("one level"), e.getMessage());
  }

  @Test
  void decode_malformedShapes_malformedCertificateException() {
    List<Object> bad = new ArrayList<>();
    bad.add(List.of(1L, "x"));
    bad.add(List.of(9L));
    bad.add(List.of(2L, "label", List.of(0L)));
    bad.add(List.of(3L, 5L));
    bad.add(List.of(4L, new byte[31]));
    bad.add(List.of(1L, List.of(0L)));
    bad.add("tree");
    bad.add(List.of());
    for (Object tree : bad) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("tree", tree);
      m.put("signature", new byte[48]);
      assertThrows(MalformedCertificateException.class, () -> Certificate.decode(Cbor.encode(m)),
          "tree " + tree);
    }
    assertThrows(MalformedCertificateException.class,
        () -> Certificate.decode(Cbor.encode(List.of(1L))));
    assertThrows(MalformedCertificateException.class,
        () -> Certificate.decode(Cbor.encode(Map.of("tree", List.of(0L)))));
    assertThrows(MalformedCertificateException.class,
        () -> Certificate.decode(Cbor.encode(Map.of("tree", List.of(0L), "signature", "sig"))));
    assertThrows(MalformedCertificateException.class, () -> Certificate.decode(Cbor.encode(
        Map.of("tree", List.of(0L), "signature", new byte[48], "delegation", "d"))));
    assertThrows(MalformedCertificateException.class,
        () -> Certificate.decode(new byte[] {(byte) 0xff}));
  }

  @Test
  void hashTreeFromCbor_deepNesting_malformed() {
    Object t = List.of(0L);
    for (int i = 0; i < HashTree.MAX_DEPTH + 2; i++) {
      t = List.of(2L, b("a"), t);
    }
    Object deep = t;
    assertThrows(MalformedCertificateException.class, () -> HashTree.fromCbor(deep));
  }

  @Test
  void decode_randomMutations_onlyIcExceptions() {
    byte[] valid = certificate(canisterTree(NOW), SUBNET,
        delegation(ROOT, SUBNET.publicKeyDer(), range("00", "ff")));
    Random random = new Random(42);
    for (int i = 0; i < 2000; i++) {
      byte[] m = valid.clone();
      for (int k = 0; k <= random.nextInt(3); k++) {
        m[random.nextInt(m.length)] = (byte) random.nextInt(256);
      }
      try {
        Certificate.decode(m).time();
      } catch (IcException e) {
        // Expected for most mutations; anything else (ClassCastException...) fails the test.
      }
    }
  }

  @Test
  void verify_mainnetCertificateWithDelegation_passesAgainstTheMainnetRootKey() {
    Certificate c = Certificate.decode(HEX.parseHex(MAINNET_CERTIFICATE));
    byte[] rootKey = HEX.parseHex(MAINNET_ROOT_KEY);
    Instant time = c.time();
    for (String id : List.of("00000000002000000101", "000000000020000c0101", "00000000002fffff0101")) {
      c.verify(rootKey, Principal.fromBytes(HEX.parseHex(id)), time.plusSeconds(30), MAX_AGE);
    }
    CertificateException e = assertThrows(CertificateException.class, () -> c.verify(rootKey,
        Principal.fromBytes(HEX.parseHex("00000000003000020101")), time, MAX_AGE));
    assertTrue(e.getMessage().contains("canister ranges"), e.getMessage());
    assertThrows(CertificateException.class, () -> c.verify(rootKey,
        Principal.fromBytes(HEX.parseHex("00000000002000000101")), time.plus(Duration.ofDays(1)),
        MAX_AGE));
    assertThrows(CertificateException.class, () -> c.verify(ROOT.publicKeyDer(),
        Principal.fromBytes(HEX.parseHex("00000000002000000101")), time, MAX_AGE));
    assertArrayEquals(b("rejected"), c.lookup("request_status",
        HEX.parseHex("edad510eaaa08ed2acd4781324e6446269da6753ec17760f206bbe81c465ff52"), "status")
        .found().orElseThrow());
    // The mainnet tree prunes every other request: another id there is unknown, not absent.
    assertEquals(LookupResult.UNKNOWN, c.lookup("request_status", new byte[32], "status"));
  }

  @Test
  void verify_agentJsBlsVector_helloVerifiesHalloDoesNot() {
    // agent-js bls-verify test vector ("verify"): a G2 key, a G1 signature of "hello".
    byte[] pk = HEX.parseHex("a7623a93cdb56c4d23d99c14216afaab3dfd6d4f9eb3db23d038280b6d5cb2caaee2a19dd92c9df7001d"
        + "ede23bf036bc0f33982dfb41e8fa9b8e96b5dc3e83d55ca4dd146c7eb2e8b6859cb5a5db815db86810b8"
        + "d12cee1588b5dbf34a4dc9a5");
    byte[] sig = HEX.parseHex(
        "b89e13a212c830586eaa9ad53946cd968718ebecc27eda849d9232673dcd4f440e8b5df39bf14a88048c15e16cbcaabe");
    assertTrue(Bls12381.verify(pk, b("hello"), sig));
    assertFalse(Bls12381.verify(pk, b("hallo"), sig));
  }
}
