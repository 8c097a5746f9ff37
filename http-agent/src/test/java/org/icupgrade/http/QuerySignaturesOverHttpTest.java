package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Query answers' node signatures (spec, "Request: Query call") checked by HttpAgent over real
 * HTTP: the embedded replica signs with its node key, and a man in the middle on 127.0.0.1 passes
 * its answers on, or alters them after they were signed.
 */
class QuerySignaturesOverHttpTest {
  private static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3});
  private static final byte[] ARG = {'D', 'I', 'D', 'L', 0, 1, 0x71, 3, 'a', 'b', 'c'};

  private ReplicaHttpServer replicaServer;
  private HttpServer proxy;
  private Principal canister;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicInteger subnetReads = new AtomicInteger();
  /** What the man in the middle does to each query answer (decoded CBOR). */
  private volatile UnaryOperator<Map<String, Object>> tamper = m -> m;

  @BeforeEach
  void setUp() throws IOException {
    EmbeddedReplica replica = EmbeddedReplica.start();
    canister = replica.createBuiltinCanister(new BuiltinCanister() {
      @Override
      public byte[] query(CallContext ctx, String method, byte[] arg) {
        if (method.equals("echo")) {
          return arg;
        }
        throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "no query " + method,
            "IC0536", ctx.canisterId(), method);
      }

      @Override
      public byte[] update(CallContext ctx, String method, byte[] arg) {
        return arg;
      }
    }, OWNER);
    replicaServer = replica.serveHttp(0);
    proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext("/", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      String path = ex.getRequestURI().getPath();
      HttpRequest.Builder forward = HttpRequest.newBuilder(
          URI.create(replicaServer.url() + ex.getRequestURI().toString()));
      if ("POST".equals(ex.getRequestMethod())) {
        forward.POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Type", "application/cbor");
        if (path.endsWith("/read_state") && readsSubnet(body)) {
          subnetReads.incrementAndGet();
        }
      }
      HttpResponse<byte[]> r;
      try {
        r = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      byte[] answer = r.body();
      if (path.endsWith("/query") && r.statusCode() == 200) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) Cbor.decode(answer));
        answer = Cbor.encode(tamper.apply(m));
      }
      ex.sendResponseHeaders(r.statusCode(), answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        ex.getResponseBody().write(answer);
      }
      ex.close();
    });
    proxy.start();
  }

  @AfterEach
  void tearDown() {
    proxy.stop(0);
    replicaServer.close();
  }

  private static boolean readsSubnet(byte[] body) {
    Map<?, ?> content = (Map<?, ?>) ((Map<?, ?>) Cbor.decode(body)).get("content");
    for (Object p : (List<?>) content.get("paths")) {
      if (new String((byte[]) ((List<?>) p).get(0), java.nio.charset.StandardCharsets.US_ASCII)
          .equals("subnet")) {
        return true;
      }
    }
    return false;
  }

  private HttpAgent agent() {
    return HttpAgent.builder(URI.create("http://127.0.0.1:" + proxy.getAddress().getPort()))
        .identity(HttpAgentOverHttpTest.ed25519()).rootKey(replicaServer.rootKey())
        .timeout(Duration.ofSeconds(20)).build();
  }

  @Test
  void query_signedByTheReplicasNode_acceptedAndNodeKeysReadOnce() {
    HttpAgent agent = agent();
    assertArrayEquals(ARG, agent.query(canister, "echo", ARG));
    assertArrayEquals(new byte[] {'D', 'I', 'D', 'L', 0, 0},
        agent.query(canister, "echo", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
    assertEquals(1, subnetReads.get(), "the subnet's node keys are cached");
  }

  @Test
  void query_rejectSignedByTheNode_typedReject() {
    HttpRejectException e = assertThrows(HttpRejectException.class,
        () -> agent().query(canister, "nope", ARG));
    assertEquals(RejectCode.CANISTER_REJECT, e.rejectCode());
  }

  @Test
  void query_replyAlteredAfterSigning_integrityErrorNotData() {
    tamper = m -> {
      m.put("reply", Map.of("arg", new byte[] {'D', 'I', 'D', 'L', 0, 1, 0x71, 3, 'x', 'y', 'z'}));
      return m;
    };
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent().query(canister, "echo", ARG));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }

  @Test
  void query_rejectAlteredAfterSigning_integrityError() {
    tamper = m -> {
      m.put("reject_message", "all is well");
      return m;
    };
    assertThrows(IntegrityException.class, () -> agent().query(canister, "nope", ARG));
  }

  @Test
  @SuppressWarnings("unchecked")
  void query_signedByANodeTheSubnetDoesNotList_refusedAfterOneFreshRead() {
    tamper = m -> {
      Map<String, Object> sig = new LinkedHashMap<>(
          (Map<String, Object>) ((List<?>) m.get("signatures")).get(0));
      sig.put("identity", HttpAgentOverHttpTest.ed25519().sender().toBytes());
      m.put("signatures", List.of(sig));
      return m;
    };
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent().query(canister, "echo", ARG));
    assertTrue(e.getMessage().contains("does not list"), e.getMessage());
    assertEquals(1, subnetReads.get());
  }

  @Test
  void query_signaturesStripped_refused() {
    tamper = m -> {
      m.remove("signatures");
      return m;
    };
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> agent().query(canister, "echo", ARG));
    assertTrue(e.getMessage().contains("no node signature"), e.getMessage());
  }

  @Test
  void query_verificationOff_alteredReplyPassesUnchecked() {
    byte[] forged = {'D', 'I', 'D', 'L', 0, 1, 0x71, 3, 'x', 'y', 'z'};
    tamper = m -> {
      m.put("reply", Map.of("arg", forged));
      m.remove("signatures");
      return m;
    };
    HttpAgent unchecked = HttpAgent.builder(
        URI.create("http://127.0.0.1:" + proxy.getAddress().getPort()))
        .rootKey(replicaServer.rootKey()).verifyQuerySignatures(false)
        .timeout(Duration.ofSeconds(20)).build();
    assertArrayEquals(forged, unchecked.query(canister, "echo", ARG));
    assertEquals(0, subnetReads.get());
  }
}
