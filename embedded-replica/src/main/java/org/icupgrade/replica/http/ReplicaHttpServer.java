package org.icupgrade.replica.http;

import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.RequestId;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.replica.EmbeddedReplica;

/**
 * An {@link EmbeddedReplica} served over the IC's HTTP interface (spec, "HTTPS Interface") on a
 * local port: {@code GET /api/v2/status}, {@code POST /api/v2/canister/<id>/query}, {@code
 * /api/v2/canister/<id>/call} (202, then {@code read_state}), {@code /api/v3/canister/<id>/call}
 * (synchronous, answering with a certificate) and {@code /api/v2/canister/<id>/read_state}
 * ({@code time}, {@code request_status}, {@code canister/<id>/module_hash}, {@code controllers},
 * {@code metadata/<name>}, {@code subnet}). Query answers carry the signature of the replica's
 * one node, an Ed25519 key made per server, published under {@code /subnet/<subnet_id>/node}.
 *
 * <p>Every other path is a local HTTP gateway: {@code http://<canister-id>.localhost:<port>/…}
 * (or {@code …?canisterId=<id>} on 127.0.0.1) is answered by the canister's {@code http_request}
 * query ({@code http_request_update} when it asks for the upgrade), as the HTTP Gateway Protocol
 * Specification says; streaming callbacks are answered 502 and response certification is not
 * verified.
 *
 * <p>Calls go to the replica as {@code replica.agentFor(sender)} calls do, so its rules, scripted
 * faults and the record of calls apply. Envelopes are checked as the spec's "Authentication"
 * says: anonymous, Ed25519, ECDSA P-256 and secp256k1 senders; delegations are refused with a
 * 400 saying so. Certificates are signed with the replica's BLS12-381 key ({@link
 * EmbeddedReplica#rootKey}, announced by {@code /api/v2/status}): a client verifies them as it
 * verifies mainnet's, against this root key instead of mainnet's.
 *
 * <p>Close it to free the port.
 */
public final class ReplicaHttpServer implements AutoCloseable {
  /** The largest request body read: the 2 MiB ingress limit and room for the envelope. */
  static final int MAX_BODY = 3 * 1024 * 1024;

  private static final String CBOR = "application/cbor";

  private final EmbeddedReplica replica;
  private final Clock clock;
  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, CompletableFuture<Status>> requests = new ConcurrentHashMap<>();
  /** Each completed request's subtree of the state tree, made once (its reply hashed once). */
  private final Map<String, HashTree> statusTrees = new ConcurrentHashMap<>();
  /** Each known request's ingress_expiry (nanoseconds), after which it is forgotten. */
  private final Map<String, Long> expiries = new ConcurrentHashMap<>();
  private final NodeKey node = new NodeKey();
  private volatile boolean serveV3 = true;

  /** The outcome of a call, as {@code request_status/<id>} certifies it. */
  private record Status(
      Principal sender, boolean replied, byte[] reply, int rejectCode, String rejectMessage,
      String errorCode) {}

  static {
    // The JDK's HTTP server writes a response's headers and body separately and leaves Nagle's
    // algorithm on unless sun.net.httpserver.nodelay is set (read once, when its configuration
    // class loads): the body then waits for the client's delayed ACK, about 40 ms per answer on
    // Linux. Measured on 127.0.0.1 here: 52 ms per small POST without it, 12 ms with it under
    // load. A user's own setting wins; so does a JDK HTTP server started earlier in the JVM.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private ReplicaHttpServer(EmbeddedReplica replica, Clock clock, InetSocketAddress address)
      throws IOException {
    this.replica = replica;
    this.clock = clock;
    this.server = HttpServer.create(address, 0);
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "embedded-replica-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/api/", this::handle);
    // Everything else is the local HTTP gateway for canisters' http_request (see Gateway).
    server.createContext("/", new Gateway(replica)::handle);
    server.start();
  }

  /**
   * Serves {@code replica} on 127.0.0.1:{@code port} ({@code 0}: a free port), with {@code clock}
   * as the time for {@code ingress_expiry} checks and certificates.
   *
   * @param replica the replica
   * @param port the port, or 0 for any free port
   * @param clock the replica's clock
   * @return the running server
   * @throws IcException if the port cannot be bound
   */
  public static ReplicaHttpServer start(EmbeddedReplica replica, int port, Clock clock) {
    Objects.requireNonNull(replica, "replica");
    Objects.requireNonNull(clock, "clock");
    try {
      return new ReplicaHttpServer(replica, clock,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new IcException("cannot serve the embedded replica on 127.0.0.1:" + port + ": "
          + e.getMessage() + "; choose another port, or 0 for a free one", e);
    }
  }

  /**
   * The base URL, e.g. {@code http://127.0.0.1:4943}.
   *
   * @return the URL
   */
  public URI url() {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  /**
   * The DER root key that {@code /api/v2/status} announces: the replica's ({@link
   * EmbeddedReplica#rootKey}).
   *
   * @return the key's bytes
   */
  public byte[] rootKey() {
    return replica.rootKey();
  }

  /**
   * Whether {@code /api/v3/canister/<id>/call} is served (it is by default). Off, it answers 404
   * as a replica from before the synchronous call does, so clients fall back to {@code
   * /api/v2/.../call} and {@code read_state} polling (spec, "Request: Synchronous call").
   *
   * @param serve false to answer v3 calls with 404
   * @return this server
   */
  public ReplicaHttpServer serveV3(boolean serve) {
    this.serveV3 = serve;
    return this;
  }

  /** Stops serving and frees the port. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /**
   * Whether {@code certificate} decodes and carries the replica's BLS signature of its tree
   * (tests only; clients use {@link Certificate#verify}).
   */
  boolean verifiesCertificate(byte[] certificate) {
    try {
      Certificate c = Certificate.decode(certificate);
      return c.delegationSubnet().isEmpty() && Bls12381.verify(Bls12381.derUnwrap(rootKey()),
          Certificate.signedMessage(c.tree()), c.signature());
    } catch (IcException e) {
      return false;
    }
  }

  // ---- dispatch ----

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String[] p = ex.getRequestURI().getPath().split("/");
      // ["", "api", "v2", "canister", "<id>", "<op>"]
      if (p.length == 4 && p[3].equals("status")) {
        if (!p[2].equals("v2") || !"GET".equals(ex.getRequestMethod())) {
          send(ex, 404, "text/plain", bytes("not found: try GET /api/v2/status"));
          return;
        }
        send(ex, 200, CBOR, status());
        return;
      }
      if (p.length != 6 || !p[3].equals("canister") || !"POST".equals(ex.getRequestMethod())) {
        send(ex, 404, "text/plain", bytes("not found: " + ex.getRequestURI().getPath()
            + " (spec, \"HTTPS Interface\": POST /api/v2/canister/<id>/{query,call,read_state},"
            + " /api/v3/canister/<id>/call, GET /api/v2/status)"));
        return;
      }
      try {
        Principal effective = principal(p[4], "the effective canister id in the URL");
        byte[] body = body(ex);
        Object decoded = Cbor.decode(body);
        long now = nowNanos();
        String route = p[2] + "/" + p[5];
        byte[] answer;
        int code = 200;
        switch (route) {
          case "v2/query" -> answer = query(Envelopes.check(decoded, "query", now), effective);
          case "v2/call" -> {
            call(Envelopes.check(decoded, "call", now), effective);
            answer = new byte[0];
            code = 202;
          }
          case "v3/call" -> {
            if (!serveV3) {
              send(ex, 404, "text/plain", bytes("no endpoint " + ex.getRequestURI().getPath()
                  + " (this replica serves /api/v2/canister/<id>/call only)"));
              return;
            }
            answer = callSync(Envelopes.check(decoded, "call", now), effective);
          }
          case "v2/read_state" ->
              answer = readState(Envelopes.check(decoded, "read_state", now), effective);
          default -> {
            send(ex, 404, "text/plain", bytes("no endpoint " + ex.getRequestURI().getPath()));
            return;
          }
        }
        send(ex, code, answer.length == 0 ? "text/plain" : CBOR, answer);
      } catch (Envelopes.Refused e) {
        send(ex, e.status, "text/plain", bytes(e.getMessage()));
      } catch (Cbor.CborException e) {
        send(ex, 400, "text/plain", bytes(e.getMessage()));
      } catch (BodyTooLarge e) {
        send(ex, 413, "text/plain", bytes(e.getMessage()));
      } catch (IcException e) {
        // A scripted fault (a transport failure, a lost reply): the replica is unavailable.
        send(ex, 503, "text/plain", bytes(String.valueOf(e.getMessage())));
      } catch (RuntimeException e) {
        send(ex, 500, "text/plain", bytes("internal error: " + e));
      }
    }
  }

  private static final class BodyTooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTooLarge(String m) {
      super(m);
    }
  }

  private static byte[] body(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      String declared = ex.getRequestHeaders().getFirst("Content-Length");
      long length = -1;
      try {
        length = declared == null ? -1 : Long.parseLong(declared.strip());
      } catch (NumberFormatException e) {
        // the JDK's server refused it already; read as if undeclared
      }
      if (length >= 0 && length <= MAX_BODY) {
        // Read into an array of the declared size: one copy, not 8 KiB pieces joined.
        byte[] b = new byte[(int) length];
        if (in.readNBytes(b, 0, b.length) < b.length) {
          throw new Envelopes.Refused("the request body ended before its Content-Length");
        }
        return b;
      }
      byte[] b = in.readNBytes(MAX_BODY + 1);
      if (b.length > MAX_BODY) {
        throw new BodyTooLarge("request body over " + MAX_BODY + " bytes (spec, \"Resource"
            + " limits\": an ingress message is at most 2 MiB)");
      }
      return b;
    }
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private long nowNanos() {
    Instant t = clock.instant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static Principal principal(String text, String what) {
    try {
      return Principal.fromText(text);
    } catch (RuntimeException e) {
      throw new Envelopes.Refused(what + " is not a principal: " + text);
    }
  }

  private static Principal principalField(Map<String, Object> content, String field) {
    try {
      return Principal.fromBytes(Envelopes.bytes(content, field));
    } catch (Envelopes.Refused e) {
      throw e;
    } catch (RuntimeException e) {
      throw new Envelopes.Refused("content." + field + " is not a principal");
    }
  }

  // ---- endpoints ----

  /**
   * The replica's one node (spec, "Request: Query call": the node that runs a query signs its
   * answer with its Ed25519 key, published at {@code /subnet/<subnet_id>/node/<node_id>/public_key}).
   */
  private static final class NodeKey {
    /** Spec, "Request: Query call": the domain separator of a response signature. */
    private static final byte[] RESPONSE_DOMAIN = HashTree.domainSep("ic-response");

    private final java.security.KeyPair keys;
    private final byte[] publicKeyDer;
    private final Principal id;

    NodeKey() {
      try {
        keys = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException("the JDK has no Ed25519", e);
      }
      // The JDK's X.509 form of an Ed25519 key is the RFC 8410 DER the spec names.
      publicKeyDer = keys.getPublic().getEncoded();
      id = Principal.fromBytes(Envelopes.selfAuthenticating(publicKeyDer));
    }

    /**
     * Spec, "Request: Query call": {@code {timestamp, signature, identity}}, the signature over
     * {@code "\x0Bic-response" ++ hash_of_map(answer fields, timestamp, request_id)}.
     */
    Map<String, Object> sign(Map<String, Object> answer, long timestamp, byte[] requestId) {
      Map<String, Object> signed = new LinkedHashMap<>(answer);
      signed.put("timestamp", timestamp);
      signed.put("request_id", requestId);
      byte[] signature;
      try {
        java.security.Signature s = java.security.Signature.getInstance("Ed25519");
        s.initSign(keys.getPrivate());
        s.update(RequestId.concat(RESPONSE_DOMAIN, RequestId.hashOfMap(signed)));
        signature = s.sign();
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException("Ed25519 signing failed", e);
      }
      Map<String, Object> sig = new LinkedHashMap<>();
      sig.put("timestamp", timestamp);
      sig.put("signature", signature);
      sig.put("identity", id.toBytes());
      return sig;
    }
  }

  /**
   * The replica's subnet: one subnet holding every canister, its key the root key (no
   * delegation, as on a local replica), so its id is the self-authenticating principal of the
   * root key, as the IC's root subnet's is (spec, "Request: Query call", {@code RootSubnetId}).
   */
  private Principal subnetId() {
    return replica.subnetId();
  }

  /** The node id that signs query answers (tests). */
  Principal nodeId() {
    return node.id;
  }

  /**
   * Spec, "Subnet information": {@code /subnet/<subnet_id>/public_key}, {@code
   * canister_ranges} and {@code node/<node_id>/public_key}.
   */
  private HashTree subnetTree() {
    // Every principal up to 29 bytes of 0xff: the one subnet holds every canister.
    byte[] highest = new byte[Principal.MAX_LENGTH];
    java.util.Arrays.fill(highest, (byte) 0xff);
    List<Object> ranges = List.of(List.of(new byte[0], highest));
    HashTree nodeKey = HashTree.node(Map.of(bytesOf("public_key"),
        HashTree.leaf(node.publicKeyDer)));
    return HashTree.node(Map.of(subnetId().toBytes(), HashTree.node(Map.of(
        bytesOf("public_key"), HashTree.leaf(replica.rootKey()),
        bytesOf("canister_ranges"), HashTree.leaf(Cbor.encode(ranges)),
        bytesOf("node"), HashTree.node(Map.of(node.id.toBytes(), nodeKey))))));
  }

  /** Spec, "Overview of canister calling", {@code /api/v2/status}. */
  private byte[] status() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ic_api_version", "0.18.0");
    m.put("impl_version", "icupgrade-embedded-replica");
    m.put("root_key", replica.rootKey());
    m.put("replica_health_status", "healthy");
    m.put("certified_height", 1L);
    return Cbor.encode(m);
  }

  /** Spec, "Request: Query call": {@code {status: "replied", reply: {arg}}} or a reject. */
  private byte[] query(Envelopes.Checked req, Principal effective) {
    Map<String, Object> c = req.content();
    Principal canister = principalField(c, "canister_id");
    String method = Envelopes.text(c, "method_name");
    byte[] arg = Envelopes.bytes(c, "arg");
    Map<String, Object> m = new LinkedHashMap<>();
    try {
      byte[] reply = replica.agentFor(req.sender()).query(canister, method, arg, effective);
      m.put("status", "replied");
      m.put("reply", Map.of("arg", reply));
    } catch (CanisterRejectException e) {
      m.put("status", "rejected");
      m.put("reject_code", (long) e.rejectCode().code());
      m.put("reject_message", e.rejectMessage());
      m.put("error_code", e.errorCode().orElse(""));
    }
    m.put("signatures", List.of(node.sign(m, nowNanos(), req.requestId())));
    return Cbor.encode(m);
  }

  /**
   * Spec, "Request: Call": the call runs at once on the replica; its outcome is kept under its
   * request id. A request id already known is not run again (spec, "Request ids": a request is
   * identified by its id, and the IC ignores the resubmission of a known one).
   */
  private Status call(Envelopes.Checked req, Principal effective) {
    String key = HexFormat.of().formatHex(req.requestId());
    CompletableFuture<Status> mine = new CompletableFuture<>();
    forgetExpired(nowNanos());
    CompletableFuture<Status> known = requests.putIfAbsent(key, mine);
    if (known == null) {
      Object expiry = req.content().get("ingress_expiry");
      expiries.put(key, expiry instanceof Long l ? l : Long.MAX_VALUE);
    }
    if (known != null) {
      try {
        return known.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    try {
      Map<String, Object> c = req.content();
      Principal canister = principalField(c, "canister_id");
      String method = Envelopes.text(c, "method_name");
      byte[] arg = Envelopes.bytes(c, "arg");
      Agent agent = replica.agentFor(req.sender());
      Status s;
      try {
        s = new Status(req.sender(), true, agent.update(canister, method, arg, effective), 0, "",
            "");
      } catch (CanisterRejectException e) {
        s = new Status(req.sender(), false, new byte[0], e.rejectCode().code(),
            e.rejectMessage(), e.errorCode().orElse(""));
      }
      mine.complete(s);
      return s;
    } catch (RuntimeException e) {
      // Not run, or its answer lost (a scripted fault): the request may be sent again.
      requests.remove(key, mine);
      expiries.remove(key);
      mine.completeExceptionally(e);
      throw e;
    }
  }

  /**
   * Forgets the requests whose {@code ingress_expiry} has passed (plus the clock drift this
   * replica allows), so that the statuses kept, and the state tree, stay as large as five
   * minutes of calls. Spec, "Request status": the IC keeps a status at least until the request
   * expires, and then may drop it; the request cannot be submitted again by then (its expiry is
   * refused), so forgetting it cannot run it twice.
   */
  private void forgetExpired(long now) {
    long before = now - Envelopes.DRIFT.toNanos();
    expiries.forEach((id, expiry) -> {
      if (expiry < before) {
        expiries.remove(id);
        requests.remove(id);
        statusTrees.remove(id);
      }
    });
  }

  /**
   * Spec, "Request: Synchronous call" ({@code /api/v3/.../call}): {@code {status: "replied",
   * certificate}}, the certificate holding {@code request_status/<id>} and {@code time}.
   */
  private byte[] callSync(Envelopes.Checked req, Principal effective) {
    call(req, effective);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "replied");
    m.put("certificate", replica.stateCertificate(nowNanos(),
        List.of(List.of(bytesOf("request_status"), req.requestId())), serverTrees()));
    return Cbor.encode(m);
  }

  /**
   * Spec, "Request: Read state": {@code {certificate}} for the requested paths (and {@code
   * time}). Paths under {@code canister/<id>} must name the effective canister id; {@code
   * request_status/<id>} is readable by the request's sender only.
   */
  private byte[] readState(Envelopes.Checked req, Principal effective) {
    if (!(req.content().get("paths") instanceof List<?> paths)) {
      throw new Envelopes.Refused("content.paths is missing or not an array of paths");
    }
    List<List<byte[]>> asked = new ArrayList<>();
    for (Object o : paths) {
      List<byte[]> path = path(o);
      if (path.isEmpty()) {
        throw new Envelopes.Refused("an empty path");
      }
      String first = new String(path.get(0), StandardCharsets.UTF_8);
      switch (first) {
        case "time", "subnet" -> { }
        case "request_status" -> {
          if (path.size() < 2) {
            throw new Envelopes.Refused("request_status needs a request id");
          }
          CompletableFuture<Status> f = requests.get(HexFormat.of().formatHex(path.get(1)));
          Status s = f == null ? null : f.getNow(null);
          if (s != null && !s.sender().equals(req.sender())) {
            throw new Envelopes.Refused(403, "request_status/" + HexFormat.of()
                .formatHex(path.get(1)) + " is readable by the request's sender only (spec,"
                + " \"Request: Read state\")");
          }
        }
        case "canister" -> checkCanisterPath(path, effective, req.sender());
        default -> throw new Envelopes.Refused("read_state of path " + first
            + " is not supported by the embedded replica (supported: time, request_status,"
            + " canister/<id>/{module_hash,controllers,metadata/<name>}, subnet)");
      }
      asked.add(path);
    }
    // Spec, "Request: Read state": the certificate reveals the paths asked for (and /time),
    // everything else of the state tree pruned.
    return Cbor.encode(Map.of("certificate",
        replica.stateCertificate(nowNanos(), asked, serverTrees())));
  }

  /**
   * Refuses a {@code canister/<id>/...} path that the sender may not read: another canister's
   * than the effective one, a field the replica does not keep, a private metadata section read
   * by someone who is not a controller.
   */
  private void checkCanisterPath(List<byte[]> path, Principal effective, Principal sender) {
    if (path.size() < 3) {
      throw new Envelopes.Refused("a canister path is canister/<id>/<field>");
    }
    Principal id;
    try {
      id = Principal.fromBytes(path.get(1));
    } catch (RuntimeException e) {
      throw new Envelopes.Refused("canister/<id>: the id is not a principal");
    }
    if (!id.equals(effective)) {
      throw new Envelopes.Refused("read_state of canister/" + id + " must be sent to that"
          + " canister's URL, not " + effective + " (spec, \"Request: Read state\", effective"
          + " canister id)");
    }
    String field = new String(path.get(2), StandardCharsets.UTF_8);
    switch (field) {
      case "module_hash", "controllers", "certified_data" -> { }
      case "metadata" -> {
        if (path.size() != 4) {
          throw new Envelopes.Refused("a metadata path is canister/<id>/metadata/<name>");
        }
        String name = new String(path.get(3), StandardCharsets.UTF_8);
        try {
          existing(() -> replica.agentFor(sender).metadata(id, name));
        } catch (IcException e) {
          throw new Envelopes.Refused(403, String.valueOf(e.getMessage()));
        }
      }
      default -> throw new Envelopes.Refused("read_state of canister/<id>/" + field
          + " is not supported (supported: module_hash, controllers, certified_data,"
          + " metadata/<name>)");
    }
  }

  /** The value, or empty when the canister does not exist (the path is then absent). */
  private static <T> Optional<T> existing(java.util.function.Supplier<Optional<T>> read) {
    try {
      return read.get();
    } catch (CanisterRejectException e) {
      return Optional.empty();
    }
  }

  private static List<byte[]> path(Object o) {
    if (!(o instanceof List<?> l)) {
      throw new Envelopes.Refused("a path is not an array of labels");
    }
    List<byte[]> out = new ArrayList<>();
    for (Object label : l) {
      if (!(label instanceof byte[] b)) {
        throw new Envelopes.Refused("a path label is not a blob");
      }
      out.add(b);
    }
    return out;
  }

  // ---- what this server adds to the replica's state tree ----

  private static byte[] bytesOf(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The subtrees this server keeps: {@code request_status} of the calls it ran, and {@code subnet}. */
  private Map<String, HashTree> serverTrees() {
    Map<byte[], HashTree> statuses = new LinkedHashMap<>();
    requests.forEach((id, f) -> {
      // Only calls that ran: one still running has no status yet, a failed one is forgotten.
      if (f.isDone() && !f.isCompletedExceptionally()) {
        statuses.put(HexFormat.of().parseHex(id),
            statusTrees.computeIfAbsent(id, k -> requestStatus(f.join())));
      }
    });
    return Map.of("request_status", HashTree.node(statuses), "subnet", subnetTree());
  }

  /** Spec, "Certified state tree", "Request status": one request's subtree. */
  private static HashTree requestStatus(Status s) {
    Map<byte[], HashTree> m = new LinkedHashMap<>();
    if (s.replied()) {
      m.put(bytesOf("status"), HashTree.leaf(bytesOf("replied")));
      m.put(bytesOf("reply"), HashTree.leaf(s.reply()));
    } else {
      m.put(bytesOf("status"), HashTree.leaf(bytesOf("rejected")));
      m.put(bytesOf("reject_code"),
          HashTree.leaf(RequestId.leb128(BigInteger.valueOf(s.rejectCode()))));
      m.put(bytesOf("reject_message"), HashTree.leaf(bytesOf(s.rejectMessage())));
      if (!s.errorCode().isEmpty()) {
        m.put(bytesOf("error_code"), HashTree.leaf(bytesOf(s.errorCode())));
      }
    }
    return HashTree.node(m);
  }

  @Override
  public String toString() {
    return "ReplicaHttpServer at " + url() + " (root key "
        + HexFormat.of().formatHex(replica.rootKey()) + ")";
  }
}
