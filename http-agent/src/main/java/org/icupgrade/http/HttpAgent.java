package org.icupgrade.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IcTimeoutException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RateLimitedException;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.LookupResult;
import org.icupgrade.protocol.RequestId;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Agent} that talks the IC's HTTP interface (spec, "HTTPS Interface") to a real replica
 * (dfx, PocketIC), the embedded replica served over HTTP, or mainnet, signing as an {@link
 * Identity}.
 *
 * <pre>{@code
 * Agent agent = HttpAgent.builder(URI.create("http://127.0.0.1:4943"))
 *     .identity(Identity.dfx("default"))   // ~/.config/dfx/identity/default/identity.pem
 *     .fetchRootKey(true)                  // local replicas only: mainnet's root key is built in
 *     .build();
 * }</pre>
 *
 * <p>An update is sent to {@code /api/v3/canister/<id>/call}, which answers with a certificate
 * of the outcome; a replica without it (HTTP 404 or 405) gets {@code /api/v2/.../call} and then
 * {@code read_state} of {@code request_status} with backoff. The whole call, polling included, has
 * one deadline ({@link Builder#timeout}); an interrupt of the calling thread ends it at once (an
 * {@link IcException}, the thread's interrupt flag set again). A call whose submission failed in
 * transit is sent again as the same signed request: its request id makes the repetition harmless
 * (spec, "Request ids"). Queries go to {@code /api/v2/.../query}.
 *
 * <p>Every certificate is verified against the root key (mainnet's, built in, unless {@link
 * Builder#rootKey} or {@link Builder#fetchRootKey} says otherwise), and its time must be within 5
 * minutes of this machine's clock; a certificate that fails is an {@link IntegrityException},
 * never data. Rejections become {@link HttpRejectException} (a {@link
 * org.icupgrade.core.CanisterRejectException}) with the reject code, message and error code read
 * from the answer's fields. An unknown host, a refused connection, a TLS failure and an HTTP
 * status become {@link TransportException}s that name it (retryable: a refused connection and
 * 5xx); HTTP 429, and 503 with a {@code Retry-After}, a {@link RateLimitedException} carrying the
 * delay the answer asked for (seconds or an HTTP date), thrown without a resend of its own so
 * that the caller's retry policy and rate limiter see it; a deadline passed, an {@link
 * IcTimeoutException}. Keys are never logged nor put in
 * messages.
 */
public final class HttpAgent implements Agent {
  /**
   * The IC mainnet's API boundary nodes. Its root key is built in, so a mainnet agent never needs
   * {@link Builder#fetchRootKey} (which is refused for mainnet hosts).
   */
  public static final URI MAINNET = URI.create("https://icp-api.io");

  /** Spec, "Certification": mainnet's root key, DER-wrapped BLS12-381 G2 public key. */
  static final byte[] MAINNET_ROOT_KEY = HexFormat.of().parseHex(
      "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100814c0e6ec71fab"
      + "583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f913a0c0b2cc5341583"
      + "bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b01291091c5f87b98883463f98091a0"
      + "baaae");

  /** The domains of mainnet's boundary nodes, whose root key is never fetched. */
  static final List<String> MAINNET_DOMAINS = List.of("ic0.app", "icp0.io", "icp-api.io");

  /**
   * Spec, "Request expiry": at most 5 minutes ahead of the replica's time; 4 leave a minute for
   * clocks that differ.
   */
  static final Duration INGRESS_EXPIRY = Duration.ofMinutes(4);

  /** How old (or how far ahead) a certificate's time may be by this machine's clock. */
  static final Duration CERTIFICATE_MAX_AGE = Duration.ofMinutes(5);

  /** Spec, "Authentication": the domain separator of request signatures. */
  private static final byte[] REQUEST_DOMAIN = RequestId.concat(new byte[] {0x0A},
      "ic-request".getBytes(StandardCharsets.US_ASCII));

  /** How often the submission of a call is sent again after a transient failure in transit. */
  private static final int SUBMIT_ATTEMPTS = 4;

  private static final Duration POLL_FIRST = Duration.ofMillis(50);
  private static final Duration POLL_MAX = Duration.ofSeconds(1);

  private final Transport transport;
  private final Identity identity;
  private final Duration timeout;
  private final Clock clock;
  private final CertificateCheck certificates;
  private final byte[] rootKey;
  private final SecureRandom random = new SecureRandom();
  private final @Nullable QuerySignatures queryVerifier;
  private volatile boolean v3Absent;
  /** Canisters' subnets, as {@link #subnetOf} learned them. */
  private final Map<Principal, Principal> subnets = new java.util.concurrent.ConcurrentHashMap<>();

  private HttpAgent(Transport transport, Identity identity, Duration timeout, Clock clock,
      CertificateCheck certificates, byte[] rootKey, boolean verifyQuerySignatures) {
    this.rootKey = rootKey;
    this.queryVerifier = verifyQuerySignatures
        ? new QuerySignatures(this, Identity.selfAuthenticating(rootKey), clock,
            CERTIFICATE_MAX_AGE)
        : null;
    this.transport = transport;
    this.identity = identity;
    this.timeout = timeout;
    this.clock = clock;
    this.certificates = certificates;
  }

  /**
   * A builder for an agent talking to the replica at {@code replicaUrl}.
   *
   * @param replicaUrl the replica's or boundary node's base URL, such as {@link #MAINNET} or
   *     {@code http://127.0.0.1:4943}
   * @return a builder, with the defaults its methods name
   */
  public static Builder builder(URI replicaUrl) {
    return new Builder(replicaUrl);
  }

  /**
   * Reads a PEM identity as dfx writes it; the same as {@link Identity#fromPem}.
   *
   * @param pem the PEM file
   * @return the identity the file holds
   * @throws IdentityException naming the file (never its content) when it cannot be used
   */
  public static Identity readIdentity(Path pem) {
    return Identity.fromPem(pem);
  }

  @Override
  public Principal sender() {
    return identity.sender();
  }

  @Override
  public byte[] query(Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
    long deadline = deadline();
    String what = "query " + method + " on " + canisterId;
    Map<String, Object> content = content("query", canisterId, method, arg);
    // Hashed once: the arg may be large (spec, "Request ids": the id covers every field).
    byte[] requestId = RequestId.of(content);
    Transport.Response r = transport.post("api/v2/canister/" + effectiveCanisterId.toText()
        + "/query", envelope(content, requestId), deadline, what);
    if (r.status() != 200) {
      throw transport.status(r, what);
    }
    Map<String, Object> m = cborMap(r.body(), what);
    Object status = m.get("status");
    if ("replied".equals(status) && m.get("reply") instanceof Map<?, ?> reply
        && reply.get("arg") instanceof byte[] bytes) {
      if (queryVerifier != null) {
        queryVerifier.verify(m, requestId, effectiveCanisterId, deadline, what);
      }
      return bytes;
    }
    if ("rejected".equals(status)) {
      HttpRejectException rejected = reject(m, false, canisterId, method, what);
      if (queryVerifier != null) {
        queryVerifier.verify(m, requestId, effectiveCanisterId, deadline, what);
      }
      throw rejected;
    }
    throw malformed(what, "a query answer with status " + status);
  }

  @Override
  public byte[] update(Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
    long deadline = deadline();
    String what = method + " on " + canisterId;
    Map<String, Object> content = content("call", canisterId, method, arg);
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    content.put("nonce", nonce);
    byte[] requestId = RequestId.of(content);
    byte[] envelope = envelope(content, requestId);
    String canister = "api/v3/canister/" + effectiveCanisterId.toText() + "/call";
    if (!v3Absent) {
      Transport.Response r = submit(canister, envelope, deadline, what);
      if (r.status() == 404 || r.status() == 405) {
        // Spec, "Request: Synchronous call": a replica without /api/v3 answers the v2 way only.
        v3Absent = true;
      } else if (r.status() == 200) {
        Map<String, Object> m = cborMap(r.body(), what);
        Object status = m.get("status");
        if ("replied".equals(status) && m.get("certificate") instanceof byte[] certificate) {
          Certificate c = certificates.check(certificate, effectiveCanisterId);
          Optional<byte[]> reply = outcome(c, requestId, canisterId, method, what);
          if (reply.isPresent()) {
            return reply.get();
          }
          // Certified, but not yet final (received, processing): read it as v2 clients do.
          return poll(requestId, canisterId, method, effectiveCanisterId, deadline, what);
        }
        if ("non_replicated_rejection".equals(status)) {
          throw reject(m, false, canisterId, method, what);
        }
        throw malformed(what, "a v3 call answer with status " + status);
      } else if (r.status() == 202) {
        // Spec: the replica stopped waiting for the outcome; it is read from request_status.
        return poll(requestId, canisterId, method, effectiveCanisterId, deadline, what);
      } else {
        throw transport.status(r, what);
      }
    }
    Transport.Response r = submit(canister.replace("api/v3/", "api/v2/"), envelope, deadline,
        what);
    if (r.status() == 202) {
      return poll(requestId, canisterId, method, effectiveCanisterId, deadline, what);
    }
    if (r.status() == 200 && r.body().length > 0) {
      // Spec, "Request: Call": a call refused before it ran is answered with its reject.
      throw reject(cborMap(r.body(), what), false, canisterId, method, what);
    }
    throw transport.status(r, what);
  }

  /**
   * POSTs a signed call, sending the same bytes again after a transient failure in transit (a
   * refused connection, a 5xx): the same request id makes that idempotent (spec, "Request
   * ids": the IC runs a request at most once). A 429, or a 503 with {@code Retry-After}, is
   * thrown at once as a {@link RateLimitedException}: the caller's retry policy waits as asked.
   */
  private Transport.Response submit(String path, byte[] envelope, long deadline, String what) {
    Duration pause = Duration.ofMillis(100);
    for (int attempt = 1; ; attempt++) {
      IcException failure;
      try {
        Transport.Response r = transport.post(path, envelope, deadline, what);
        if (r.status() != 429 && r.status() < 500) {
          return r;
        }
        failure = transport.status(r, what);
        if (failure instanceof RateLimitedException) {
          // The IC asks the caller to slow down: its retry policy and rate limiter decide when
          // to ask again, not a quick resend from here.
          throw failure;
        }
      } catch (TransportException e) {
        if (e instanceof RateLimitedException) {
          throw e;
        }
        if (!e.isTransient()) {
          throw e;
        }
        failure = e;
      }
      if (attempt >= SUBMIT_ATTEMPTS || System.nanoTime() + pause.toNanos() >= deadline) {
        throw failure;
      }
      sleep(pause, what);
      pause = pause.multipliedBy(2);
    }
  }

  /** Reads {@code request_status/<id>} with backoff until the outcome is known or the deadline. */
  private byte[] poll(byte[] requestId, Principal canisterId, String method, Principal effective,
      long deadline, String what) {
    Duration pause = POLL_FIRST;
    List<List<byte[]>> paths = List.of(List.of(bytes("request_status"), requestId));
    while (true) {
      try {
        Optional<byte[]> reply = outcome(readState(effective, paths, deadline, what), requestId,
            canisterId, method, what);
        if (reply.isPresent()) {
          return reply.get();
        }
      } catch (TransportException e) {
        if (!e.isTransient()) {
          throw e;
        }
        // A read_state may be repeated freely; the next round asks again, no sooner than a
        // refusal's Retry-After.
        if (e instanceof RateLimitedException rl && rl.retryAfter().isPresent()
            && rl.retryAfter().get().compareTo(pause) > 0) {
          pause = rl.retryAfter().get();
        }
      }
      if (System.nanoTime() + pause.toNanos() >= deadline) {
        throw new IcTimeoutException("timeout: no outcome of " + what + " from "
            + transport.host() + " before the call's deadline (" + timeout.toSeconds() + " s);"
            + " it may still execute: check its effect before repeating it", null);
      }
      sleep(pause, what);
      pause = pause.multipliedBy(2).compareTo(POLL_MAX) > 0 ? POLL_MAX : pause.multipliedBy(2);
    }
  }

  /**
   * Spec, "Request status": the reply of a {@code replied} request, a thrown reject for a
   * {@code rejected} one; empty while it is received or processing, or while its status is
   * absent from the certificate (spec, "Request status": a request may not show up yet right
   * after its submission). A status in a pruned part of the tree (spec, "Lookup": unknown) is an
   * integrity error: the replica hid what was asked for.
   */
  private Optional<byte[]> outcome(Certificate c, byte[] id, Principal canisterId,
      String method, String what) {
    byte[] rs = bytes("request_status");
    Optional<byte[]> status = optional(c, List.of(rs, id, bytes("status")), what);
    if (status.isEmpty()) {
      return Optional.empty();
    }
    String s = new String(status.get(), StandardCharsets.UTF_8);
    switch (s) {
      case "replied":
        return Optional.of(optional(c, List.of(rs, id, bytes("reply")), what)
            .orElseThrow(() -> new IntegrityException("the certificate of " + what + " says"
                + " replied but proves its reply absent (spec, \"Request status\")")));
      case "rejected": {
        long code = optional(c, List.of(rs, id, bytes("reject_code")), what)
            .map(HttpAgent::leb128).orElseThrow(() -> new IntegrityException("the certificate"
                + " of " + what + " says rejected but proves its reject_code absent"));
        String message = optional(c, List.of(rs, id, bytes("reject_message")), what)
            .map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
        String errorCode = optional(c, List.of(rs, id, bytes("error_code")), what)
            .map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
        throw rejectOf(code, message, errorCode, true, canisterId, method);
      }
      case "done":
        throw new TransportException(what + ": the replica no longer holds the outcome (request"
            + " status done, its reply pruned); check the call's effect", false, null);
      default:
        return Optional.empty(); // received, processing
    }
  }

  /**
   * Spec, "Lookup": the value at {@code path}, empty when the certificate proves it absent; a
   * path pruned from the tree (unknown) or ending at an inner node (error) is an {@link
   * IntegrityException}, never read as "nothing".
   */
  static Optional<byte[]> optional(Certificate c, List<byte[]> path, String what) {
    LookupResult r = c.lookup(path);
    if (r instanceof LookupResult.Found f) {
      return Optional.of(f.value());
    }
    if (r instanceof LookupResult.Absent) {
      return Optional.empty();
    }
    String shown = pathText(path);
    if (r instanceof LookupResult.Unknown) {
      throw new IntegrityException("the certificate of " + what + " prunes " + shown
          + " (spec, \"Lookup\": unknown): the replica withheld the value it was asked for,"
          + " so neither its presence nor its absence is certified");
    }
    throw new IntegrityException("the certificate of " + what + " has a subtree, not a value,"
        + " at " + shown + " (spec, \"Lookup\": error)");
  }

  private static String pathText(List<byte[]> path) {
    StringBuilder b = new StringBuilder();
    for (byte[] label : path) {
      b.append('/');
      boolean text = label.length > 0;
      for (byte x : label) {
        text &= x >= 0x21 && x < 0x7f;
      }
      b.append(text ? new String(label, StandardCharsets.US_ASCII)
          : HexFormat.of().formatHex(label));
    }
    return b.toString();
  }

  /** Reads {@code /canister/<id>/module_hash} from the certified state tree. */
  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    return canisterState(canisterId, bytes("module_hash")).map(Sha256::fromBytes);
  }

  /**
   * Reads {@code /canister/<id>/metadata/<name>} from the certified state tree, as dfx reads a
   * running canister's metadata. The IC answers the read of a private section by anyone but a
   * controller with HTTP 403: a {@link TransportException} that is not transient.
   */
  @Override
  public Optional<byte[]> metadata(Principal canisterId, String name) {
    Objects.requireNonNull(name, "name");
    return canisterState(canisterId, bytes("metadata"), name.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The canister's subnet, learned from a certificate about it: a read_state of {@code /subnet}
   * sent to the canister (spec, "Request: Read state"; the subnet that holds the canister
   * answers). A certificate signed by a subnet's key carries the delegation naming that subnet,
   * which {@link CertificateCheck} verified to cover the canister (spec, "Delegation"); one
   * signed by the root key alone comes from the root subnet, whose id is the subnet listed there
   * with the root key as its {@code public_key}. The answer is kept for this agent's lifetime.
   *
   * @return the subnet's id; empty when the replica lists no subnet with the root key
   */
  @Override
  public Optional<Principal> subnetOf(Principal canisterId) {
    Objects.requireNonNull(canisterId, "canisterId");
    Principal known = subnets.get(canisterId);
    if (known != null) {
      return Optional.of(known);
    }
    String what = "read_state of subnet for " + canisterId;
    long deadline = deadline();
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("request_type", "read_state");
    content.put("paths", List.of(List.of(bytes("subnet"))));
    content.put("sender", identity.sender().toBytes());
    content.put("ingress_expiry", ingressExpiry());
    Transport.Response r = transport.post("api/v2/canister/" + canisterId.toText()
        + "/read_state", envelope(content, RequestId.of(content)), deadline, what);
    if (r.status() != 200) {
      throw transport.status(r, what);
    }
    if (!(cborMap(r.body(), what).get("certificate") instanceof byte[] raw)) {
      throw malformed(what, "a read_state answer without a certificate");
    }
    certificates.check(raw, canisterId);
    Certificate c = Certificate.decode(raw);
    Optional<Principal> subnet = c.delegationSubnet().or(() -> rootSubnet(c.tree()));
    subnet.ifPresent(s -> subnets.put(canisterId, s));
    return subnet;
  }

  /** The subnet listed under {@code /subnet} whose {@code public_key} is the root key. */
  private Optional<Principal> rootSubnet(HashTree tree) {
    for (Map.Entry<byte[], Object> subnet : children(child(tree.cbor(), bytes("subnet")))) {
      Object key = child(subnet.getValue(), bytes("public_key"));
      if (key instanceof List<?> leaf && leaf.size() == 2 && Long.valueOf(3).equals(leaf.get(0))
          && leaf.get(1) instanceof byte[] der && java.util.Arrays.equals(der, rootKey)) {
        return Optional.of(Principal.fromBytes(subnet.getKey()));
      }
    }
    return Optional.empty();
  }

  /**
   * The labeled children of a tree node in its CBOR form (spec, "Encoding of certificates":
   * 0 empty, 1 fork, 2 labeled, 3 leaf, 4 pruned), forks flattened.
   */
  private static List<Map.Entry<byte[], Object>> children(@Nullable Object node) {
    List<Map.Entry<byte[], Object>> out = new ArrayList<>();
    java.util.ArrayDeque<Object> todo = new java.util.ArrayDeque<>();
    if (node != null) {
      todo.push(node);
    }
    while (!todo.isEmpty()) {
      if (!(todo.pop() instanceof List<?> n) || n.isEmpty()) {
        continue;
      }
      Object tag = n.get(0);
      if (Long.valueOf(1).equals(tag) && n.size() == 3) {
        todo.push(n.get(2));
        todo.push(n.get(1));
      } else if (Long.valueOf(2).equals(tag) && n.size() == 3 && n.get(1) instanceof byte[] l) {
        out.add(Map.entry(l, n.get(2)));
      }
    }
    return out;
  }

  private static @Nullable Object child(@Nullable Object node, byte[] label) {
    for (Map.Entry<byte[], Object> e : children(node)) {
      if (java.util.Arrays.equals(e.getKey(), label)) {
        return e.getValue();
      }
    }
    return null;
  }

  private Optional<byte[]> canisterState(Principal canisterId, byte[]... labels) {
    List<byte[]> path = new ArrayList<>();
    path.add(bytes("canister"));
    path.add(canisterId.toBytes());
    path.addAll(List.of(labels));
    String what = "read_state of " + new String(labels[labels.length - 1], StandardCharsets.UTF_8)
        + " on " + canisterId;
    // Spec, "Canister information": module_hash does not exist for an empty canister, and
    // metadata/<name> not for a missing section; both are then certified absent.
    return optional(readState(canisterId, List.of(path), deadline(), what), path, what);
  }

  /** Spec, "Request: Read state": the verified certificate of {@code paths}. */
  Certificate readState(Principal effective, List<List<byte[]>> paths,
      long deadline, String what) {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("request_type", "read_state");
    content.put("paths", paths);
    content.put("sender", identity.sender().toBytes());
    content.put("ingress_expiry", ingressExpiry());
    Transport.Response r = transport.post("api/v2/canister/" + effective.toText()
        + "/read_state", envelope(content, RequestId.of(content)), deadline, what);
    if (r.status() != 200) {
      throw transport.status(r, what);
    }
    Map<String, Object> m = cborMap(r.body(), what);
    if (!(m.get("certificate") instanceof byte[] certificate)) {
      throw malformed(what, "a read_state answer without a certificate");
    }
    return certificates.check(certificate, effective);
  }

  // ---- envelopes (spec, "Envelope" and "Authentication") ----

  private Map<String, Object> content(String type, Principal canisterId, String method,
      byte[] arg) {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("request_type", type);
    content.put("canister_id", canisterId.toBytes());
    content.put("method_name", Objects.requireNonNull(method, "method"));
    content.put("arg", Objects.requireNonNull(arg, "arg"));
    content.put("sender", identity.sender().toBytes());
    content.put("ingress_expiry", ingressExpiry());
    return content;
  }

  /** Spec, "Request expiry": nanoseconds since the epoch. */
  private long ingressExpiry() {
    Instant at = clock.instant().plus(INGRESS_EXPIRY);
    return at.getEpochSecond() * 1_000_000_000L + at.getNano();
  }

  /**
   * The CBOR envelope {@code {content, sender_pubkey, sender_sig}}; the signature is over {@code
   * "\x0Aic-request" ++ request_id} ({@code requestId}, the content's). The anonymous sender sends the content alone.
   */
  private byte[] envelope(Map<String, Object> content, byte[] requestId) {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("content", content);
    byte[] key = identity.publicKeyDer();
    if (key != null) {
      env.put("sender_pubkey", key);
      env.put("sender_sig", identity.sign(RequestId.concat(REQUEST_DOMAIN, requestId)));
    }
    return Cbor.encode(env);
  }

  // ---- answers ----

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cborMap(byte[] body, String what) {
    Object decoded;
    try {
      decoded = Cbor.decode(body);
    } catch (Cbor.CborException e) {
      throw new TransportException("the answer to " + what + " is not CBOR: " + e.getMessage(),
          false, e);
    }
    if (!(decoded instanceof Map<?, ?> m)) {
      throw malformed(what, "an answer that is not a CBOR map");
    }
    return (Map<String, Object>) m;
  }

  private static TransportException malformed(String what, String detail) {
    return new TransportException("the replica answered " + what + " with " + detail
        + " (spec, \"HTTPS Interface\"); it does not speak the IC interface as this agent does",
        false, null);
  }

  /** A reject read from an answer's {@code reject_code}, {@code reject_message}, {@code error_code}. */
  private static HttpRejectException reject(Map<String, Object> m, boolean certified,
      Principal canisterId, String method, String what) {
    if (!(m.get("reject_code") instanceof Long code)) {
      throw malformed(what, "a reject without a numeric reject_code");
    }
    String message = m.get("reject_message") instanceof String s ? s : "";
    String errorCode = m.get("error_code") instanceof String s ? s : null;
    return rejectOf(code, message, errorCode, certified, canisterId, method);
  }

  private static HttpRejectException rejectOf(long code, String message,
      @Nullable String errorCode, boolean certified, Principal canisterId, String method) {
    RejectCode rc = code > 0 && code < 1000 ? RejectCode.of((int) code) : RejectCode.SYS_FATAL;
    return new HttpRejectException(rc, message,
        errorCode == null || errorCode.isEmpty() ? null : errorCode, certified, canisterId,
        method);
  }

  /** An unsigned LEB128 natural that fits a long (spec, "Certified state tree"). */
  private static long leb128(byte[] b) {
    long v = 0;
    for (int i = 0; i < b.length && i < 9; i++) {
      v |= (long) (b[i] & 0x7f) << (7 * i);
      if ((b[i] & 0x80) == 0) {
        return v;
      }
    }
    throw new IntegrityException("a certified number is not a LEB128 natural of 63 bits");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  private static void sleep(Duration pause, String what) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Transport.interrupted(what, e);
    }
  }

  static boolean isMainnet(URI url) {
    String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
    for (String d : MAINNET_DOMAINS) {
      if (host.equals(d) || host.endsWith("." + d)) {
        return true;
      }
    }
    return false;
  }

  /** The root key certificates are checked with (tests). */
  byte[] rootKey() {
    return rootKey.clone();
  }

  /** Whether updates go to {@code /api/v3} (false once the replica answered it 404 or 405). */
  boolean usesV3() {
    return !v3Absent;
  }

  @Override
  public String toString() {
    return "HttpAgent at " + transport.base() + " as " + identity.sender();
  }

  /** Configures an {@link HttpAgent}. */
  public static final class Builder {
    private final URI replicaUrl;
    private Identity identity = Identity.anonymous();
    private boolean fetchRootKey;
    private byte @Nullable [] rootKey;
    private @Nullable HttpClient httpClient;
    private Duration timeout = Duration.ofMinutes(5);
    private Clock clock = Clock.systemUTC();
    private boolean verifyQuerySignatures = true;

    private Builder(URI replicaUrl) {
      this.replicaUrl = Objects.requireNonNull(replicaUrl, "replicaUrl");
    }

    /**
     * Signs as this identity; anonymous by default.
     *
     * @param identity the identity to sign with, such as {@link Identity#dfx}{@code ("default")}
     * @return this builder
     */
    public Builder identity(Identity identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /**
     * Signs as the identity in this PEM file (see {@link Identity#fromPem}).
     *
     * @param pemFile a PEM file as dfx writes it
     * @return this builder
     * @throws IdentityException when the file is missing, unreadable, encrypted or holds no usable
     *     key
     */
    public Builder identity(Path pemFile) {
      return identity(Identity.fromPem(pemFile));
    }

    /**
     * Fetches the replica's root key from {@code /api/v2/status} at build time: for a local
     * replica, whose key is not mainnet's. Refused for a mainnet host ({@code ic0.app}, {@code
     * icp0.io}, {@code icp-api.io}): a man in the middle could hand over his own key, and
     * mainnet's is built in.
     *
     * @param fetchRootKey true to fetch the root key (a local replica only); false by default
     * @return this builder
     */
    public Builder fetchRootKey(boolean fetchRootKey) {
      this.fetchRootKey = fetchRootKey;
      return this;
    }

    /**
     * The root key certificates are verified with, as the replica prints it (such as the
     * embedded replica's {@code rootKey()}); mainnet's by default.
     *
     * @param derKey the DER-wrapped BLS12-381 public key
     * @return this builder
     */
    public Builder rootKey(byte[] derKey) {
      this.rootKey = Objects.requireNonNull(derKey, "derKey").clone();
      return this;
    }

    /**
     * The JDK HTTP client to use, with its proxy, TLS, HTTP/2 and executor settings. Without
     * one the agent speaks HTTP/1.1 itself over blocking sockets (keep-alive, the JDK's default
     * TLS trust, no proxy, 30 s connect timeout), which costs a fraction of the JDK client's
     * time per call until the JVM has warmed up (see {@code InstallOverHttpBenchmark}).
     *
     * @param httpClient the client, with its proxy, TLS and executor settings
     * @return this builder
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /**
     * The deadline of each call, polling for an update's outcome included; 5 minutes by default.
     *
     * @param timeout how long a call may take
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Whether a query's answer must carry a valid node signature (spec, "Request: Query call":
     * each answer is signed by the node that ran it, over {@code "\x0Bic-response"} and the
     * representation-independent hash of the answer and the request id). On by default: the
     * subnet's node keys are read once by a {@code read_state} of {@code /subnet}, whose
     * certificate is verified, and kept for 5 minutes; an answer signed by no node of the
     * canister's subnet, with a bad or missing signature, or with a stale timestamp is an
     * {@link IntegrityException}.
     *
     * <p><b>Warning:</b> off, a query's answer is whatever the node (or anyone between) sent;
     * turn it off only for a replica that signs nothing, as agent-rs's {@code
     * verify_query_signatures(false)} does.
     *
     * @param verify false to accept unsigned query answers
     * @return this builder
     */
    public Builder verifyQuerySignatures(boolean verify) {
      this.verifyQuerySignatures = verify;
      return this;
    }

    /** The clock for ingress_expiry and certificate times (tests). */
    Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the agent, fetching the root key first when {@link #fetchRootKey} asked for it.
     *
     * @return the agent
     * @throws IcException when the root key was to be fetched from a mainnet host (refused), or
     *     the replica did not give it (a {@link TransportException} naming why)
     */
    public HttpAgent build() {
      if (fetchRootKey && isMainnet(replicaUrl)) {
        throw new IcException("refused to fetch the root key from " + replicaUrl.getHost()
            + ", a mainnet host: a man in the middle could hand over his own key. Mainnet's root"
            + " key is built in: drop fetchRootKey(true)");
      }
      Transport transport = new Transport(httpClient, replicaUrl, clock);
      byte[] key = rootKey != null ? rootKey : MAINNET_ROOT_KEY;
      if (fetchRootKey && rootKey == null) {
        key = fetchRootKey(transport, System.nanoTime() + timeout.toNanos());
      }
      CertificateCheck check;
      try {
        check = new CertificateVerifier(key, clock, CERTIFICATE_MAX_AGE);
      } catch (org.icupgrade.protocol.Bls12381.BlsException e) {
        throw new IcException("the root key " + (fetchRootKey && rootKey == null
            ? "that " + replicaUrl + " announced" : "given") + " is unusable: "
            + e.getMessage(), e);
      }
      return new HttpAgent(transport, identity, timeout, clock, check, key,
          verifyQuerySignatures);
    }

    /** Spec, "Overview of canister calling": the {@code root_key} of {@code /api/v2/status}. */
    private static byte[] fetchRootKey(Transport transport, long deadline) {
      String what = "the root key (GET /api/v2/status)";
      Transport.Response r = transport.get("api/v2/status", deadline, what);
      if (r.status() != 200) {
        throw transport.status(r, what);
      }
      if (!(cborMap(r.body(), what).get("root_key") instanceof byte[] key)) {
        throw malformed(what, "a status without root_key");
      }
      return key;
    }
  }
}
