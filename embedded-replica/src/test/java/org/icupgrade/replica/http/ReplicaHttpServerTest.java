package org.icupgrade.replica.http;

import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.CertificateException;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.LookupResult;
import org.icupgrade.protocol.RequestId;
import org.icupgrade.protocol.Secp256k1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A hand-written IC HTTP client (java.net.http and CBOR) against the served replica. */
class ReplicaHttpServerTest {
  private static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3});

  private EmbeddedReplica replica;
  private ReplicaHttpServer server;
  private Principal canister;
  private final AtomicInteger counter = new AtomicInteger();
  private final HttpClient http = HttpClient.newHttpClient();
  private KeyPair key;
  private Principal me;

  @BeforeEach
  void setUp() throws Exception {
    replica = EmbeddedReplica.start();
    canister = replica.createBuiltinCanister(new BuiltinCanister() {
      @Override
      public byte[] query(CallContext ctx, String method, byte[] arg) {
        if (method.equals("whoami")) {
          return ctx.caller().toBytes();
        }
        if (method.equals("echo")) {
          return arg;
        }
        throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "no " + method, "IC0536",
            ctx.canisterId(), method);
      }

      @Override
      public byte[] update(CallContext ctx, String method, byte[] arg) {
        if (method.equals("bump")) {
          return new byte[] {(byte) counter.incrementAndGet()};
        }
        throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "refused " + method,
            "IC0503", ctx.canisterId(), method);
      }
    }, OWNER);
    server = replica.serveHttp(0);
    key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    me = Principal.fromBytes(Envelopes.selfAuthenticating(key.getPublic().getEncoded()));
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  // ---- the client ----

  private static long expiry(Duration fromNow) {
    Instant t = Instant.now().plus(fromNow);
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private Map<String, Object> content(String type, Principal sender, String method, byte[] arg) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("request_type", type);
    c.put("sender", sender.toBytes());
    c.put("ingress_expiry", expiry(Duration.ofMinutes(3)));
    if (method != null) {
      c.put("canister_id", canister.toBytes());
      c.put("method_name", method);
      c.put("arg", arg);
    }
    return c;
  }

  private byte[] signed(Map<String, Object> content) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(key.getPrivate());
    s.update(RequestId.concat(Envelopes.REQUEST_DOMAIN, RequestId.of(content)));
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("content", content);
    env.put("sender_pubkey", key.getPublic().getEncoded());
    env.put("sender_sig", s.sign());
    return Cbor.encode(env);
  }

  private static byte[] anonymous(Map<String, Object> content) {
    return Cbor.encode(Map.of("content", content));
  }

  private HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.url() + path))
        .header("Content-Type", "application/cbor")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private String api(String version, String op) {
    return "/api/" + version + "/canister/" + canister.toText() + "/" + op;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(byte[] cbor) {
    return (Map<String, Object>) Cbor.decode(cbor);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private HashTree certifiedTree(byte[] certificate) {
    assertTrue(server.verifiesCertificate(certificate), "the certificate's signature holds");
    return HashTree.fromCbor(map(certificate).get("tree"));
  }

  // ---- tests ----

  @Test
  void status_announcesTheRootKey() throws Exception {
    HttpResponse<byte[]> r = http.send(
        HttpRequest.newBuilder(URI.create(server.url() + "/api/v2/status")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    Map<String, Object> status = map(r.body());
    byte[] rootKey = (byte[]) status.get("root_key");
    assertArrayEquals(server.rootKey(), rootKey);
    assertEquals(133, rootKey.length, "DER prefix and a 96-byte G2 point");
    assertEquals("healthy", status.get("replica_health_status"));
  }

  @Test
  void anonymousQuery_replies() throws Exception {
    HttpResponse<byte[]> r = post(api("v2", "query"),
        anonymous(content("query", Principal.ANONYMOUS, "whoami", new byte[0])));
    assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    Map<String, Object> m = map(r.body());
    assertEquals("replied", m.get("status"));
    @SuppressWarnings("unchecked")
    Map<String, Object> reply = (Map<String, Object>) m.get("reply");
    assertArrayEquals(Principal.ANONYMOUS.toBytes(), (byte[]) reply.get("arg"));
  }

  @Test
  void signedQuery_seesTheSelfAuthenticatingSender() throws Exception {
    HttpResponse<byte[]> r = post(api("v2", "query"),
        signed(content("query", me, "whoami", new byte[0])));
    @SuppressWarnings("unchecked")
    Map<String, Object> reply = (Map<String, Object>) map(r.body()).get("reply");
    assertArrayEquals(me.toBytes(), (byte[]) reply.get("arg"));
  }

  /**
   * Spec, "Request: Query call": the answer's node signature verifies, under the key the state
   * tree publishes at /subnet/<subnet_id>/node/<node_id>/public_key, over "\x0Bic-response" and
   * the hash of the answer's fields, timestamp and request id; the subnet's ranges hold the
   * canister.
   */
  @Test
  void query_answerSignedByTheNodeKeyPublishedUnderSubnet() throws Exception {
    Map<String, Object> q = content("query", me, "whoami", new byte[0]);
    Map<String, Object> m = map(post(api("v2", "query"), signed(q)).body());
    Map<?, ?> sig = (Map<?, ?>) ((List<?>) m.get("signatures")).get(0);
    assertArrayEquals(server.nodeId().toBytes(), (byte[]) sig.get("identity"));

    Map<String, Object> rs = content("read_state", me, null, null);
    rs.put("paths", List.of(List.of(b("subnet"))));
    HashTree tree = certifiedTree(
        (byte[]) map(post(api("v2", "read_state"), signed(rs)).body()).get("certificate"));
    byte[] subnet = Envelopes.selfAuthenticating(server.rootKey());
    assertArrayEquals(server.rootKey(), tree.lookup(List.of(b("subnet"), subnet,
        b("public_key"))).found().orElseThrow());
    assertTrue(Certificate.inCanisterRanges(tree, Principal.fromBytes(subnet), canister));
    byte[] nodeKey = tree.lookup(List.of(b("subnet"), subnet, b("node"),
        (byte[]) sig.get("identity"), b("public_key"))).found().orElseThrow();

    Map<String, Object> signedFields = new LinkedHashMap<>();
    signedFields.put("status", "replied");
    signedFields.put("reply", m.get("reply"));
    signedFields.put("timestamp", sig.get("timestamp"));
    signedFields.put("request_id", RequestId.of(q));
    Signature v = Signature.getInstance("Ed25519");
    v.initVerify(java.security.KeyFactory.getInstance("Ed25519")
        .generatePublic(new java.security.spec.X509EncodedKeySpec(nodeKey)));
    v.update(RequestId.concat(HashTree.domainSep("ic-response"),
        RequestId.hashOfMap(signedFields)));
    assertTrue(v.verify((byte[]) sig.get("signature")));
    signedFields.put("reply", Map.of("arg", b("forged")));
    v.update(RequestId.concat(HashTree.domainSep("ic-response"),
        RequestId.hashOfMap(signedFields)));
    assertFalse(v.verify((byte[]) sig.get("signature")));
  }

  @Test
  void queryReject_carriesCodeMessageAndErrorCode() throws Exception {
    Map<String, Object> m = map(post(api("v2", "query"),
        anonymous(content("query", Principal.ANONYMOUS, "nope", new byte[0]))).body());
    assertEquals("rejected", m.get("status"));
    assertEquals(4L, m.get("reject_code"));
    assertEquals("no nope", m.get("reject_message"));
    assertEquals("IC0536", m.get("error_code"));
  }

  @Test
  void signedCallV2_thenReadStatePolling_replies() throws Exception {
    Map<String, Object> call = content("call", me, "bump", new byte[] {9});
    HttpResponse<byte[]> r = post(api("v2", "call"), signed(call));
    assertEquals(202, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    byte[] id = RequestId.of(call);
    // Resubmission of the same request id does not run the call again.
    assertEquals(202, post(api("v2", "call"), signed(call)).statusCode());
    assertEquals(1, counter.get());
    assertEquals(me, replica.calls("bump").get(0).caller());

    Map<String, Object> rs = content("read_state", me, null, null);
    rs.put("paths", List.of(List.of(b("request_status"), id), List.of(b("time"))));
    HttpResponse<byte[]> answer = post(api("v2", "read_state"), signed(rs));
    assertEquals(200, answer.statusCode(), () -> new String(answer.body(), StandardCharsets.UTF_8));
    HashTree tree = certifiedTree((byte[]) map(answer.body()).get("certificate"));
    assertArrayEquals(b("replied"),
        tree.lookup(List.of(b("request_status"), id, b("status"))).found().orElseThrow());
    assertArrayEquals(new byte[] {1},
        tree.lookup(List.of(b("request_status"), id, b("reply"))).found().orElseThrow());
    assertTrue(tree.lookup(List.of(b("time"))).found().isPresent());
  }

  /**
   * Spec, "Request status": a status is kept until its request expires, then forgotten (the
   * next call clears it), so the kept statuses stay as many as five minutes of calls.
   */
  @Test
  void requestStatus_isForgottenOnceTheRequestExpired() throws Exception {
    server.close();
    ManualClock clock = ManualClock.at(Instant.now());
    server = ReplicaHttpServer.start(replica, 0, clock);
    Function<Map<String, Object>, Map<String, Object>> expiring = c -> {
      Instant t = clock.instant().plus(Duration.ofMinutes(3));
      c.put("ingress_expiry", t.getEpochSecond() * 1_000_000_000L + t.getNano());
      return c;
    };
    Map<String, Object> call = expiring.apply(content("call", me, "bump", new byte[0]));
    assertEquals(202, post(api("v2", "call"), signed(call)).statusCode());
    byte[] id = RequestId.of(call);
    Map<String, Object> rs = expiring.apply(content("read_state", me, null, null));
    rs.put("paths", List.of(List.of(b("request_status"), id, b("status"))));
    assertArrayEquals(b("replied"), certifiedTree((byte[]) map(post(api("v2", "read_state"),
        signed(rs)).body()).get("certificate")).lookup(
            List.of(b("request_status"), id, b("status"))).found().orElseThrow());
    clock.advance(Duration.ofMinutes(4));
    assertEquals(202, post(api("v2", "call"),
        signed(expiring.apply(content("call", me, "bump", new byte[] {1})))).statusCode());
    Map<String, Object> again = expiring.apply(content("read_state", me, null, null));
    again.put("paths", List.of(List.of(b("request_status"), id, b("status"))));
    assertEquals(LookupResult.ABSENT, certifiedTree((byte[]) map(post(api("v2", "read_state"),
        signed(again)).body()).get("certificate")).lookup(
            List.of(b("request_status"), id, b("status"))));
  }

  @Test
  void readState_ofAnotherSendersRequest_isForbidden() throws Exception {
    Map<String, Object> call = content("call", me, "bump", new byte[0]);
    post(api("v2", "call"), signed(call));
    Map<String, Object> rs = content("read_state", Principal.ANONYMOUS, null, null);
    rs.put("paths", List.of(List.of(b("request_status"), RequestId.of(call))));
    assertEquals(403, post(api("v2", "read_state"), anonymous(rs)).statusCode());
  }

  @Test
  void rejectedCallV3_certifiesTheReject() throws Exception {
    Map<String, Object> call = content("call", me, "other", new byte[0]);
    HttpResponse<byte[]> r = post(api("v3", "call"), signed(call));
    assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    Map<String, Object> m = map(r.body());
    assertEquals("replied", m.get("status"));
    HashTree tree = certifiedTree((byte[]) m.get("certificate"));
    byte[] id = RequestId.of(call);
    assertArrayEquals(b("rejected"),
        tree.lookup(List.of(b("request_status"), id, b("status"))).found().orElseThrow());
    assertArrayEquals(new byte[] {4},
        tree.lookup(List.of(b("request_status"), id, b("reject_code"))).found().orElseThrow());
    assertArrayEquals(b("IC0503"),
        tree.lookup(List.of(b("request_status"), id, b("error_code"))).found().orElseThrow());
  }

  @Test
  void signedCallV3_answersWithTheReplyCertified() throws Exception {
    Map<String, Object> call = content("call", me, "bump", new byte[0]);
    Map<String, Object> m = map(post(api("v3", "call"), signed(call)).body());
    HashTree tree = certifiedTree((byte[]) m.get("certificate"));
    assertArrayEquals(new byte[] {1}, tree.lookup(
        List.of(b("request_status"), RequestId.of(call), b("reply"))).found().orElseThrow());
  }

  @Test
  void certificates_verifyAsAClientVerifiesThem_againstTheAnnouncedRootKey() throws Exception {
    byte[] rootKey = (byte[]) map(http.send(
        HttpRequest.newBuilder(URI.create(server.url() + "/api/v2/status")).build(),
        HttpResponse.BodyHandlers.ofByteArray()).body()).get("root_key");
    Map<String, Object> call = content("call", me, "bump", new byte[0]);
    byte[] v3 = (byte[]) map(post(api("v3", "call"), signed(call)).body()).get("certificate");
    Certificate c = Certificate.decode(v3);
    c.verify(rootKey, canister, Instant.now(), Duration.ofMinutes(5));
    assertArrayEquals(new byte[] {1}, c.lookup(
        List.of(b("request_status"), RequestId.of(call), b("reply"))).found().orElseThrow());
    Map<String, Object> read = content("read_state", me, null, null);
    read.put("paths", List.of(List.of(b("time"))));
    byte[] rs = (byte[]) map(post(api("v2", "read_state"), signed(read)).body())
        .get("certificate");
    Certificate.decode(rs).verify(rootKey, canister, Instant.now(), Duration.ofMinutes(5));
    CertificateException e = assertThrows(CertificateException.class, () -> c.verify(
        Bls12381.generate().publicKeyDer(), canister, Instant.now(), Duration.ofMinutes(5)));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }

  @Test
  void readState_canisterModuleHashAndControllers() throws Exception {
    Map<String, Object> rs = content("read_state", Principal.ANONYMOUS, null, null);
    rs.put("paths", List.of(List.of(b("canister"), canister.toBytes(), b("controllers")),
        List.of(b("canister"), canister.toBytes(), b("module_hash"))));
    HashTree tree = certifiedTree(
        (byte[]) map(post(api("v2", "read_state"), anonymous(rs)).body()).get("certificate"));
    Object controllers = Cbor.decode(tree.lookup(
        List.of(b("canister"), canister.toBytes(), b("controllers"))).found().orElseThrow());
    assertEquals(1, ((List<?>) controllers).size());
    assertArrayEquals(OWNER.toBytes(), (byte[]) ((List<?>) controllers).get(0));
    assertEquals(replica.moduleHash(canister).isPresent(), tree.lookup(
        List.of(b("canister"), canister.toBytes(), b("module_hash"))).found().isPresent());
  }

  /**
   * Spec, "Request: Read state": the certificate is the state tree pruned to the paths asked
   * for; another canister, the subnet and other requests' statuses are pruned hashes (Unknown),
   * and an asked path that is not there is proven absent.
   */
  @Test
  void readState_revealsWhatWasAsked_theRestPruned_absenceProven() throws Exception {
    Principal other = replica.createCanister(OWNER);
    Map<String, Object> call = content("call", me, "bump", new byte[0]);
    assertEquals(202, post(api("v2", "call"), signed(call)).statusCode());
    byte[] requestId = RequestId.of(call);
    Map<String, Object> rs = content("read_state", Principal.ANONYMOUS, null, null);
    rs.put("paths", List.of(List.of(b("canister"), canister.toBytes(), b("controllers")),
        List.of(b("canister"), canister.toBytes(), b("metadata"), b("candid:service"))));
    HashTree tree = certifiedTree(
        (byte[]) map(post(api("v2", "read_state"), anonymous(rs)).body()).get("certificate"));
    assertTrue(tree.lookup(List.of(b("canister"), canister.toBytes(), b("controllers")))
        .found().isPresent());
    assertTrue(tree.lookup(List.of(b("time"))).found().isPresent());
    assertEquals(LookupResult.ABSENT, tree.lookup(List.of(b("canister"), canister.toBytes(),
        b("metadata"), b("candid:service"))));
    assertEquals(LookupResult.UNKNOWN,
        tree.lookup(List.of(b("canister"), other.toBytes(), b("controllers"))));
    assertEquals(LookupResult.UNKNOWN,
        tree.lookup(List.of(b("request_status"), requestId, b("status"))));
    assertEquals(LookupResult.UNKNOWN, tree.lookup(List.of(b("subnet"),
        replica.subnetId().toBytes(), b("public_key"))));
    // The sender reads its request's status from the same tree.
    Map<String, Object> mine = content("read_state", me, null, null);
    mine.put("paths", List.of(List.of(b("request_status"), requestId)));
    HashTree status = certifiedTree(
        (byte[]) map(post(api("v2", "read_state"), signed(mine)).body()).get("certificate"));
    assertArrayEquals(b("replied"),
        status.lookup(List.of(b("request_status"), requestId, b("status"))).found()
            .orElseThrow());
    assertEquals(LookupResult.UNKNOWN,
        status.lookup(List.of(b("canister"), canister.toBytes(), b("controllers"))));
  }

  @Test
  void readState_ofAnotherCanistersPath_isRefused() throws Exception {
    Map<String, Object> rs = content("read_state", Principal.ANONYMOUS, null, null);
    rs.put("paths", List.of(List.of(b("canister"), new byte[] {9, 9}, b("controllers"))));
    assertEquals(400, post(api("v2", "read_state"), anonymous(rs)).statusCode());
  }

  @Test
  void badSignature_isRefused() throws Exception {
    byte[] env = signed(content("call", me, "bump", new byte[0]));
    Map<String, Object> m = map(env);
    byte[] sig = (byte[]) m.get("sender_sig");
    sig[5] ^= 1;
    HttpResponse<byte[]> r = post(api("v2", "call"), Cbor.encode(m));
    assertEquals(400, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("sender_sig"));
    assertEquals(0, counter.get());
  }

  @Test
  void senderNotDerivedFromTheKey_isRefused() throws Exception {
    HttpResponse<byte[]> r = post(api("v2", "call"),
        signed(content("call", OWNER, "bump", new byte[0])));
    assertEquals(400, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("self-authenticating"));
  }

  @Test
  void anonymousWithASignature_isRefused() throws Exception {
    HttpResponse<byte[]> r = post(api("v2", "call"),
        signed(content("call", Principal.ANONYMOUS, "bump", new byte[0])));
    assertEquals(400, r.statusCode());
  }

  @Test
  void expiredOrFarFutureIngressExpiry_isRefused() throws Exception {
    Map<String, Object> old = content("call", me, "bump", new byte[0]);
    old.put("ingress_expiry", expiry(Duration.ofSeconds(-1)));
    HttpResponse<byte[]> r = post(api("v2", "call"), signed(old));
    assertEquals(400, r.statusCode());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("in the past"));
    Map<String, Object> far = content("call", me, "bump", new byte[0]);
    far.put("ingress_expiry", expiry(Duration.ofMinutes(6)));
    assertEquals(400, post(api("v2", "call"), signed(far)).statusCode());
    far.put("ingress_expiry", new BigInteger("18446744073709551615"));
    assertEquals(400, post(api("v2", "call"), signed(far)).statusCode());
    assertEquals(0, counter.get());
  }

  /** A secp256k1 signer for the test: {@code r ++ s} over SHA-256, as the spec says. */
  private static byte[] secpSign(BigInteger d, byte[] message) {
    BigInteger e = new BigInteger(1, RequestId.sha256(message));
    java.security.SecureRandom random = new java.security.SecureRandom();
    while (true) {
      BigInteger k = new BigInteger(256, random).mod(Secp256k1.N);
      if (k.signum() == 0) {
        continue;
      }
      BigInteger r = Secp256k1.multiply(Secp256k1.G, k).x().mod(Secp256k1.N);
      BigInteger s = k.modInverse(Secp256k1.N).multiply(e.add(r.multiply(d))).mod(Secp256k1.N);
      if (r.signum() != 0 && s.signum() != 0) {
        return RequestId.concat(fixed(r), fixed(s));
      }
    }
  }

  private static byte[] fixed(BigInteger v) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, 32 - n, n);
    return out;
  }

  private HttpResponse<byte[]> secpCall(boolean tamper) throws Exception {
    BigInteger d = new BigInteger("1234567890abcdef1234567890abcdef1234567890abcdef", 16);
    Secp256k1.Point q = Secp256k1.multiply(Secp256k1.G, d);
    byte[] pk = RequestId.concat(Envelopes.SECP256K1_DER_PREFIX, new byte[] {4}, fixed(q.x()),
        fixed(q.y()));
    Map<String, Object> c = content("call",
        Principal.fromBytes(Envelopes.selfAuthenticating(pk)), "bump", new byte[0]);
    byte[] sig = secpSign(d, RequestId.concat(Envelopes.REQUEST_DOMAIN, RequestId.of(c)));
    if (tamper) {
      sig[40] ^= 1;
    }
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("content", c);
    env.put("sender_pubkey", pk);
    env.put("sender_sig", sig);
    return post(api("v2", "call"), Cbor.encode(env));
  }

  @Test
  void secp256k1SignedCall_isAccepted_andATamperedOneRefused() throws Exception {
    HttpResponse<byte[]> bad = secpCall(true);
    assertEquals(400, bad.statusCode());
    assertTrue(new String(bad.body(), StandardCharsets.UTF_8).contains("sender_sig"));
    assertEquals(0, counter.get());
    HttpResponse<byte[]> ok = secpCall(false);
    assertEquals(202, ok.statusCode(), () -> new String(ok.body(), StandardCharsets.UTF_8));
    assertEquals(1, counter.get());
  }

  @Test
  void secp256k1_doubleOfTheGenerator_isTheKnownPoint() {
    // 2G on secp256k1, as published (e.g. the SEC 2 test vectors' d = 2 public key).
    Secp256k1.Point twoG = Secp256k1.multiply(Secp256k1.G, BigInteger.TWO);
    assertEquals("c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5",
        twoG.x().toString(16));
    assertEquals("1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a",
        twoG.y().toString(16));
    assertTrue(twoG.onCurve());
    assertEquals(null, Secp256k1.multiply(Secp256k1.G, Secp256k1.N), "n G is the infinity");
  }

  @Test
  void hostileCbor_isAnswered400Quickly() {
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      byte[] deep = new byte[1_000_000];
      Arrays.fill(deep, (byte) 0x81);
      assertEquals(400, post(api("v2", "call"), deep).statusCode());
      assertEquals(400,
          post(api("v2", "call"), HexFormat.of().parseHex("5bffffffffffffffff00")).statusCode());
      assertEquals(400,
          post(api("v2", "query"), HexFormat.of().parseHex("9b000000010000000000")).statusCode());
      assertEquals(413, post(api("v2", "call"),
          new byte[ReplicaHttpServer.MAX_BODY + 10]).statusCode());
      // The server still answers afterwards.
      assertEquals(200, post(api("v2", "query"),
          anonymous(content("query", Principal.ANONYMOUS, "echo", new byte[] {7}))).statusCode());
    });
  }

  @Test
  void scriptedFaultBeforeTheCall_isA503_andTheSameRequestMaySucceedLater() throws Exception {
    replica.fault(org.icupgrade.replica.Fault.on("bump").failBefore(
        () -> new org.icupgrade.core.TransportException("connection reset", true, null)));
    byte[] env = signed(content("call", me, "bump", new byte[0]));
    assertEquals(503, post(api("v2", "call"), env).statusCode());
    assertEquals(0, counter.get());
    assertEquals(1, replica.calls("bump").size(), "the HTTP call went through the router");
    assertEquals(202, post(api("v2", "call"), env).statusCode());
    assertEquals(1, counter.get());
  }

  @Test
  void certificate_ofATamperedTree_doesNotVerify() throws Exception {
    Map<String, Object> call = content("call", me, "bump", new byte[0]);
    byte[] cert = (byte[]) map(post(api("v3", "call"), signed(call)).body()).get("certificate");
    Map<String, Object> c = map(cert);
    c.put("tree", HashTree.leaf(b("forged")).cbor());
    assertFalse(server.verifiesCertificate(Cbor.encode(c)));
    assertThrows(CertificateException.class, () -> Certificate.decode(Cbor.encode(c))
        .verify(server.rootKey(), canister, Instant.now(), Duration.ofMinutes(5)));
  }
}
