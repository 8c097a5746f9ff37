package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.RequestId;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpAgent#subnetOf}: a read_state of {@code /subnet} sent to the canister, answered by a
 * server with hand-built certificates: a delegation names the subnet; without one, the subnet
 * listed with the root key as its key is the root subnet.
 */
class SubnetOfTest {
  static final Bls12381 ROOT = Bls12381.generate();
  static final Bls12381 SUBNET = Bls12381.generate();
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal ROOT_SUBNET = Principal.fromBytes(new byte[] {0x0a, 0x01, 0x02});
  static final Principal APP_SUBNET = Principal.fromBytes(new byte[] {0x0b, 0x01, 0x02});
  static final Principal OTHER_SUBNET = Principal.fromBytes(new byte[] {0x0c, 0x01, 0x02});

  final AtomicInteger readStates = new AtomicInteger();
  final AtomicReference<String> path = new AtomicReference<>();
  @Nullable HttpServer server;

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static HashTree tree(Map<byte[], HashTree> extra) {
    Map<byte[], HashTree> top = new LinkedHashMap<>(extra);
    long now = Instant.now().toEpochMilli() * 1_000_000L;
    top.put(b("time"), HashTree.leaf(RequestId.leb128(BigInteger.valueOf(now))));
    return HashTree.node(top);
  }

  static HashTree subnetEntry(byte[] keyDer, @Nullable List<Object> ranges) {
    Map<byte[], HashTree> m = new LinkedHashMap<>();
    m.put(b("public_key"), HashTree.leaf(keyDer));
    if (ranges != null) {
      m.put(b("canister_ranges"), HashTree.leaf(Cbor.encode(ranges)));
    }
    return HashTree.node(m);
  }

  static byte[] certificate(HashTree tree, Bls12381 key, @Nullable Map<String, Object> delegation) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tree", tree.cbor());
    m.put("signature", key.sign(Certificate.signedMessage(tree)));
    if (delegation != null) {
      m.put("delegation", delegation);
    }
    return Cbor.encode(m);
  }

  static List<Object> allCanisters() {
    List<Object> ranges = new ArrayList<>();
    ranges.add(List.of(new byte[0], HexFormat.of().parseHex("ffffffffffffffffff")));
    return ranges;
  }

  /** A server answering every read_state with {@code certificate}. */
  URI serving(byte[] certificate) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/api/", ex -> {
      readStates.incrementAndGet();
      path.set(ex.getRequestURI().getPath());
      ex.getRequestBody().readAllBytes();
      byte[] body = Cbor.encode(Map.of("certificate", certificate));
      ex.getResponseHeaders().set("Content-Type", "application/cbor");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    s.start();
    server = s;
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  HttpAgent agent(URI url) {
    return HttpAgent.builder(url).rootKey(ROOT.publicKeyDer()).timeout(Duration.ofSeconds(10))
        .build();
  }

  @Test
  void subnetOf_noDelegation_theSubnetWithTheRootKey_askedOnce() throws IOException {
    Map<byte[], HashTree> subnets = new LinkedHashMap<>();
    subnets.put(OTHER_SUBNET.toBytes(), subnetEntry(SUBNET.publicKeyDer(), null));
    subnets.put(ROOT_SUBNET.toBytes(), subnetEntry(ROOT.publicKeyDer(), allCanisters()));
    HttpAgent agent = agent(serving(certificate(
        tree(Map.of(b("subnet"), HashTree.node(subnets))), ROOT, null)));

    assertEquals(Optional.of(ROOT_SUBNET), agent.subnetOf(CANISTER));
    assertEquals(Optional.of(ROOT_SUBNET), agent.subnetOf(CANISTER));
    assertEquals(1, readStates.get(), "kept after the first answer");
    assertEquals("/api/v2/canister/" + CANISTER + "/read_state", path.get());
  }

  @Test
  void subnetOf_delegation_theDelegatedSubnet() throws IOException {
    HashTree inner = tree(Map.of(b("subnet"), HashTree.node(Map.of(APP_SUBNET.toBytes(),
        subnetEntry(SUBNET.publicKeyDer(), allCanisters())))));
    Map<String, Object> delegation = new LinkedHashMap<>();
    delegation.put("subnet_id", APP_SUBNET.toBytes());
    delegation.put("certificate", certificate(inner, ROOT, null));
    HashTree outer = tree(Map.of(b("subnet"), HashTree.node(Map.of(APP_SUBNET.toBytes(),
        subnetEntry(SUBNET.publicKeyDer(), allCanisters())))));
    HttpAgent agent = agent(serving(certificate(outer, SUBNET, delegation)));

    assertEquals(Optional.of(APP_SUBNET), agent.subnetOf(CANISTER));
  }

  @Test
  void subnetOf_noSubnetWithTheRootKeyListed_unknown() throws IOException {
    HttpAgent agent = agent(serving(certificate(tree(Map.of(b("subnet"), HashTree.node(Map.of(
        OTHER_SUBNET.toBytes(), subnetEntry(SUBNET.publicKeyDer(), null))))), ROOT, null)));
    assertEquals(Optional.empty(), agent.subnetOf(CANISTER));
  }

  @Test
  void subnetOf_certificateNotByTheRootKey_integrityError_notAnAnswer() throws IOException {
    HttpAgent agent = agent(serving(certificate(tree(Map.of(b("subnet"), HashTree.node(Map.of(
        ROOT_SUBNET.toBytes(), subnetEntry(ROOT.publicKeyDer(), null))))), SUBNET, null)));
    assertThrows(IntegrityException.class, () -> agent.subnetOf(CANISTER));
  }
}
