package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.RequestId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HttpAgent's certificate check over real HTTP, against a peer on 127.0.0.1 that answers every v3
 * call with a certificate it signs itself with BLS12-381: honest, signed by another key, tampered
 * after signing, or stale.
 */
class CertifiedAnswersTest {
  private static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  private static final byte[] DIDL = {'D', 'I', 'D', 'L', 0, 0};
  private static final byte[] REPLY = {'D', 'I', 'D', 'L', 0, 1, 0x7e, 1};
  private static final Bls12381 ROOT = Bls12381.fromSecretKey(new byte[] {
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

  private HttpServer server;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The state tree certifying {@code reply} for request {@code id} at {@code time}. */
  static HashTree tree(byte[] id, byte[] reply, Instant time) {
    Map<byte[], HashTree> request = new LinkedHashMap<>();
    request.put(bytes("status"), HashTree.leaf(bytes("replied")));
    request.put(bytes("reply"), HashTree.leaf(reply));
    Map<byte[], HashTree> root = new LinkedHashMap<>();
    root.put(bytes("request_status"), HashTree.node(Map.of(id, HashTree.node(request))));
    long nanos = time.getEpochSecond() * 1_000_000_000L + time.getNano();
    root.put(bytes("time"), HashTree.leaf(RequestId.leb128(BigInteger.valueOf(nanos))));
    return HashTree.node(root);
  }

  /**
   * Serves v3 calls: {@code certify} turns the request id into the certificate's {tree,
   * signature}.
   */
  private URI serve(Function<byte[], Map<String, Object>> certify) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v3/canister/", ex -> {
      Map<?, ?> envelope = (Map<?, ?>) Cbor.decode(ex.getRequestBody().readAllBytes());
      @SuppressWarnings("unchecked")
      byte[] id = RequestId.of((Map<String, ?>) envelope.get("content"));
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("status", "replied");
      answer.put("certificate", Cbor.encode(certify.apply(id)));
      byte[] body = Cbor.encode(answer);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static Map<String, Object> certificate(HashTree signed, HashTree sent, Bls12381 key) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("tree", sent.cbor());
    c.put("signature", key.sign(Certificate.signedMessage(signed)));
    return c;
  }

  private static HttpAgent agent(URI url) {
    return HttpAgent.builder(url).identity(HttpAgentOverHttpTest.ed25519())
        .rootKey(ROOT.publicKeyDer()).timeout(Duration.ofSeconds(20)).build();
  }

  @Test
  void update_certificateSignedByTheRootKey_replyAccepted() throws IOException {
    URI url = serve(id -> {
      HashTree t = tree(id, REPLY, Instant.now());
      return certificate(t, t, ROOT);
    });
    assertArrayEquals(REPLY, agent(url).update(CANISTER, "set", DIDL));
  }

  @Test
  void update_certificateSignedWithAnotherKey_integrityErrorNotData() throws IOException {
    Bls12381 other = Bls12381.generate();
    URI url = serve(id -> {
      HashTree t = tree(id, REPLY, Instant.now());
      return certificate(t, t, other);
    });
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).update(CANISTER, "set", DIDL));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }

  @Test
  void update_treeTamperedAfterSigning_integrityErrorNotData() throws IOException {
    URI url = serve(id -> {
      Instant now = Instant.now();
      return certificate(tree(id, REPLY, now), tree(id, new byte[] {'D', 'I', 'D', 'L', 0, 0},
          now), ROOT);
    });
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).update(CANISTER, "set", DIDL));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }

  @Test
  void update_staleCertificate_integrityErrorNotData() throws IOException {
    URI url = serve(id -> {
      HashTree t = tree(id, REPLY, Instant.now().minus(Duration.ofMinutes(10)));
      return certificate(t, t, ROOT);
    });
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).update(CANISTER, "set", DIDL));
    assertTrue(e.getMessage().contains("stale"), e.getMessage());
  }

  /** Without rootKey or fetchRootKey the agent trusts mainnet's key only. */
  @Test
  void update_localCertificateWithMainnetsKey_refused() throws IOException {
    URI url = serve(id -> {
      HashTree t = tree(id, REPLY, Instant.now());
      return certificate(t, t, ROOT);
    });
    HttpAgent agent = HttpAgent.builder(url).timeout(Duration.ofSeconds(20)).build();
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent.update(CANISTER, "set", DIDL));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }
  /**
   * Spec, "Request: Synchronous call": a v3 call may answer 202 when the replica stops waiting;
   * the outcome is then read from request_status, whose certificate is checked too.
   */
  @Test
  void update_v3Answers202_outcomeReadFromReadState() throws IOException {
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v3/canister/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(202, -1);
      ex.close();
    });
    server.createContext("/api/v2/canister/", ex -> {
      Map<?, ?> envelope = (Map<?, ?>) Cbor.decode(ex.getRequestBody().readAllBytes());
      Map<?, ?> content = (Map<?, ?>) envelope.get("content");
      java.util.List<?> path = (java.util.List<?>) ((java.util.List<?>) content.get("paths")).get(0);
      byte[] id = (byte[]) path.get(1);
      Map<byte[], HashTree> root = new LinkedHashMap<>();
      Instant now = Instant.now();
      long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
      root.put(bytes("time"), HashTree.leaf(RequestId.leb128(BigInteger.valueOf(nanos))));
      HashTree t = reads.incrementAndGet() < 3
          ? HashTree.node(Map.of(bytes("request_status"), HashTree.node(Map.of(id,
              HashTree.node(Map.of(bytes("status"), HashTree.leaf(bytes("processing")))))),
              bytes("time"), root.get(bytes("time"))))
          : tree(id, REPLY, now);
      byte[] body = Cbor.encode(Map.of("certificate", Cbor.encode(certificate(t, t, ROOT))));
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    assertArrayEquals(REPLY, agent(url).update(CANISTER, "set", DIDL));
    assertTrue(reads.get() >= 3, "polled until replied: " + reads.get());
  }

  private static HashTree timeLeaf(Instant now) {
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    return HashTree.leaf(RequestId.leb128(BigInteger.valueOf(nanos)));
  }

  /**
   * A v3 call answered 202, then read_state answers: {@code states} gives the tree of each read
   * in turn (the request id passed in), the last one repeated.
   */
  private URI pollingServer(java.util.List<Function<byte[], HashTree>> states,
      java.util.concurrent.atomic.AtomicInteger reads) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v3/canister/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(202, -1);
      ex.close();
    });
    server.createContext("/api/v2/canister/", ex -> {
      Map<?, ?> envelope = (Map<?, ?>) Cbor.decode(ex.getRequestBody().readAllBytes());
      Map<?, ?> content = (Map<?, ?>) envelope.get("content");
      java.util.List<?> path = (java.util.List<?>) ((java.util.List<?>) content.get("paths")).get(0);
      int n = Math.min(reads.getAndIncrement(), states.size() - 1);
      HashTree t = states.get(n).apply((byte[]) path.get(1));
      byte[] body = Cbor.encode(Map.of("certificate", Cbor.encode(certificate(t, t, ROOT))));
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Spec, "Request status": right after submission a request may not show up yet. */
  @Test
  void update_requestStatusProvenAbsent_keepsPollingUntilReplied() throws IOException {
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    Function<byte[], HashTree> absent = id -> HashTree.node(Map.of(bytes("time"),
        timeLeaf(Instant.now())));
    URI url = pollingServer(java.util.List.of(absent, absent,
        id -> tree(id, REPLY, Instant.now())), reads);
    assertArrayEquals(REPLY, agent(url).update(CANISTER, "set", DIDL));
    assertTrue(reads.get() >= 3, "polled past the absent status: " + reads.get());
  }

  /** Spec, "Lookup": a pruned request_status is unknown, not absent; the replica hid it. */
  @Test
  void update_requestStatusPruned_integrityErrorNotPolledForever() throws IOException {
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    URI url = pollingServer(java.util.List.of(id -> HashTree.node(Map.of(
        bytes("request_status"), HashTree.pruned(tree(id, REPLY, Instant.now()).digest()),
        bytes("time"), timeLeaf(Instant.now())))), reads);
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).update(CANISTER, "set", DIDL));
    assertTrue(e.getMessage().contains("prunes /request_status/"), e.getMessage());
    assertEquals(1, reads.get());
  }

  /** read_state answers with {@code tree}, whatever was asked. */
  private URI readStateServer(HashTree tree) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v2/canister/", ex -> {
      ex.getRequestBody().readAllBytes();
      byte[] body = Cbor.encode(Map.of("certificate", Cbor.encode(certificate(tree, tree, ROOT))));
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static HashTree canisterTree(HashTree fields) {
    return HashTree.node(Map.of(bytes("canister"), HashTree.node(Map.of(CANISTER.toBytes(),
        fields)), bytes("time"), timeLeaf(Instant.now())));
  }

  @Test
  void moduleHash_found_theCertifiedHash() throws IOException {
    byte[] hash = new byte[32];
    hash[0] = 7;
    URI url = readStateServer(canisterTree(HashTree.node(Map.of(bytes("module_hash"),
        HashTree.leaf(hash)))));
    assertArrayEquals(hash, agent(url).moduleHash(CANISTER).orElseThrow().toBytes());
  }

  /** Spec, "Canister information": an empty canister has no module_hash; proven absent. */
  @Test
  void moduleHash_provenAbsent_noModule() throws IOException {
    URI url = readStateServer(canisterTree(HashTree.node(Map.of(bytes("controllers"),
        HashTree.leaf(Cbor.encode(java.util.List.of(CANISTER.toBytes())))))));
    assertTrue(agent(url).moduleHash(CANISTER).isEmpty());
  }

  @Test
  void moduleHash_pruned_integrityErrorNotNoModule() throws IOException {
    URI url = readStateServer(canisterTree(HashTree.pruned(new byte[32])));
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).moduleHash(CANISTER));
    assertTrue(e.getMessage().contains("unknown"), e.getMessage());
  }

  @Test
  void moduleHash_pathEndsAtASubtree_integrityError() throws IOException {
    URI url = readStateServer(canisterTree(HashTree.node(Map.of(bytes("module_hash"),
        HashTree.node(Map.of(bytes("x"), HashTree.leaf(new byte[1])))))));
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).moduleHash(CANISTER));
    assertTrue(e.getMessage().contains("error"), e.getMessage());
  }

  private static final Bls12381 SUBNET = Bls12381.fromSecretKey(new byte[] {
      9, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 33});
  private static final Principal SUBNET_ID = Principal.fromBytes(new byte[] {5, 5, 5, 2});

  /**
   * Spec, "Delegation": the root key's certificate of subnet {@link #SUBNET_ID}'s key, its scope
   * given as the newer IC does, by shards at /canister_ranges/<subnet>/<start>.
   */
  private static Map<String, Object> shardedDelegation(byte[] low, byte[] high) {
    Map<byte[], HashTree> top = new LinkedHashMap<>();
    top.put(bytes("subnet"), HashTree.node(Map.of(SUBNET_ID.toBytes(), HashTree.node(Map.of(
        bytes("public_key"), HashTree.leaf(SUBNET.publicKeyDer()))))));
    top.put(bytes("canister_ranges"), HashTree.node(Map.of(SUBNET_ID.toBytes(), HashTree.node(
        Map.of(low, HashTree.leaf(Cbor.encode(java.util.List.of(java.util.List.of(low, high)))))))));
    top.put(bytes("time"), timeLeaf(Instant.now().minus(Duration.ofDays(2))));
    HashTree t = HashTree.node(top);
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("subnet_id", SUBNET_ID.toBytes());
    d.put("certificate", Cbor.encode(certificate(t, t, ROOT)));
    return d;
  }

  @Test
  void update_certificateOfADelegatedSubnetWithShardedRanges_accepted() throws IOException {
    byte[] id = CANISTER.toBytes();
    URI url = serve(rid -> {
      HashTree t = tree(rid, REPLY, Instant.now());
      Map<String, Object> c = certificate(t, t, SUBNET);
      c.put("delegation", shardedDelegation(id, id));
      return c;
    });
    assertArrayEquals(REPLY, agent(url).update(CANISTER, "set", DIDL));
  }

  @Test
  void update_delegatedSubnetWhoseShardsDoNotHoldTheCanister_integrityError()
      throws IOException {
    URI url = serve(rid -> {
      HashTree t = tree(rid, REPLY, Instant.now());
      Map<String, Object> c = certificate(t, t, SUBNET);
      c.put("delegation", shardedDelegation(new byte[] {0, 0, 0, 0, 0, 0x30, 0, 0, 1, 1},
          new byte[] {0, 0, 0, 0, 0, 0x3f, (byte) 0xff, (byte) 0xff, 1, 1}));
      return c;
    });
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).update(CANISTER, "set", DIDL));
    assertTrue(e.getMessage().contains("canister ranges"), e.getMessage());
  }

  /**
   * A delegated subnet's node answers queries (spec, "Request: Query call"): {@code /query} is
   * signed with a node key, and read_state of /subnet answers a certificate signed by the subnet
   * key with a delegation, listing the node under {@code nodeSubnet}.
   */
  private URI delegatedQueryServer(Principal nodeSubnet) throws Exception {
    java.security.KeyPair node = java.security.KeyPairGenerator.getInstance("Ed25519")
        .generateKeyPair();
    byte[] nodeId = Identity.selfAuthenticating(node.getPublic().getEncoded()).toBytes();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v2/canister/", ex -> {
      Map<?, ?> envelope = (Map<?, ?>) Cbor.decode(ex.getRequestBody().readAllBytes());
      @SuppressWarnings("unchecked")
      Map<String, Object> content = (Map<String, Object>) envelope.get("content");
      byte[] body;
      if (ex.getRequestURI().getPath().endsWith("/query")) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", "replied");
        answer.put("reply", Map.of("arg", REPLY));
        Instant now = Instant.now();
        long ts = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        Map<String, Object> signed = new LinkedHashMap<>(answer);
        signed.put("timestamp", ts);
        signed.put("request_id", RequestId.of(content));
        byte[] sig;
        try {
          java.security.Signature s = java.security.Signature.getInstance("Ed25519");
          s.initSign(node.getPrivate());
          s.update(RequestId.concat(HashTree.domainSep("ic-response"),
              RequestId.hashOfMap(signed)));
          sig = s.sign();
        } catch (java.security.GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
        answer.put("signatures", java.util.List.of(Map.of("timestamp", ts, "signature", sig,
            "identity", nodeId)));
        body = Cbor.encode(answer);
      } else {
        HashTree key = HashTree.node(Map.of(bytes("public_key"),
            HashTree.leaf(node.getPublic().getEncoded())));
        HashTree nodes = HashTree.node(Map.of(bytes("node"), HashTree.node(Map.of(nodeId, key))));
        HashTree t = HashTree.node(Map.of(
            bytes("subnet"), HashTree.node(Map.of(nodeSubnet.toBytes(), nodes)),
            bytes("time"), timeLeaf(Instant.now())));
        Map<String, Object> c = certificate(t, t, SUBNET);
        c.put("delegation", shardedDelegation(CANISTER.toBytes(), CANISTER.toBytes()));
        body = Cbor.encode(Map.of("certificate", Cbor.encode(c)));
      }
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  void query_signedByANodeOfTheDelegatedSubnet_accepted() throws Exception {
    URI url = delegatedQueryServer(SUBNET_ID);
    assertArrayEquals(REPLY, agent(url).query(CANISTER, "get", DIDL));
  }

  /** The node is listed, but under another subnet than the delegation's: not the canister's. */
  @Test
  void query_signedByANodeListedUnderAnotherSubnet_refused() throws Exception {
    URI url = delegatedQueryServer(Principal.fromBytes(new byte[] {6, 6, 6, 2}));
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent(url).query(CANISTER, "get", DIDL));
    assertTrue(e.getMessage().contains("does not list"), e.getMessage());
  }
}
