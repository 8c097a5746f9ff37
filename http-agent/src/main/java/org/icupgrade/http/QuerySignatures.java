package org.icupgrade.http;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.RequestId;
import org.jspecify.annotations.Nullable;

/**
 * Checks the node signatures of query answers (spec, "Request: Query call", {@code
 * verify_response}): each signature must be by a node of the subnet whose canister ranges hold
 * the effective canister, over {@code "\x0Bic-response" ++ hash_of_map(answer fields, timestamp,
 * request_id)}, with a timestamp within the certificate tolerance of this machine's clock.
 *
 * <p>Node keys come from a {@code read_state} of {@code /subnet} at the effective canister (a
 * separate request, its certificate verified as any other): {@code
 * /subnet/<subnet_id>/node/<node_id>/public_key}, DER Ed25519 keys. The subnet is the
 * delegation's, or with no delegation the root subnet, whose id is the self-authenticating
 * principal of the root key. A subnet's certificate is kept for {@link #maxAge} and read again
 * once when a signature names a node it does not list (a node may have joined).
 */
final class QuerySignatures {
  /** Spec, "Request: Query call": the domain separator of a node's response signature. */
  private static final byte[] RESPONSE_DOMAIN = HashTree.domainSep("ic-response");

  private final HttpAgent agent;
  private final Principal rootSubnet;
  private final Clock clock;
  private final Duration maxAge;
  private final Map<Principal, Subnet> subnets = new ConcurrentHashMap<>();

  /** A subnet's verified {@code /subnet} certificate and where its ranges are certified. */
  private record Subnet(Principal id, Certificate certificate, HashTree scope, Instant read) {}

  QuerySignatures(HttpAgent agent, Principal rootSubnet, Clock clock, Duration maxAge) {
    this.agent = agent;
    this.rootSubnet = rootSubnet;
    this.clock = clock;
    this.maxAge = maxAge;
  }

  /**
   * Verifies the signatures of a query answer {@code answer} (its decoded CBOR map) to the
   * request whose id is {@code requestId}.
   *
   * @throws IntegrityException if a signature is missing, stale, by an unknown node or wrong
   */
  void verify(Map<String, Object> answer, byte[] requestId, Principal effective, long deadline,
      String what) {
    if (!(answer.get("signatures") instanceof List<?> signatures) || signatures.isEmpty()) {
      throw new IntegrityException("the answer to " + what + " carries no node signature (spec,"
          + " \"Request: Query call\": every answer is signed by the node that ran it); refused"
          + " as unverifiable. A replica that signs nothing needs"
          + " HttpAgent.Builder.verifyQuerySignatures(false)");
    }
    Instant now = clock.instant();
    for (Object o : signatures) {
      BigInteger timestamp = o instanceof Map<?, ?> m ? nat(m.get("timestamp")) : null;
      if (!(o instanceof Map<?, ?> sig) || !(sig.get("signature") instanceof byte[] signature)
          || !(sig.get("identity") instanceof byte[] identity) || timestamp == null
          || identity.length > Principal.MAX_LENGTH) {
        throw new IntegrityException("a node signature of the answer to " + what + " is not"
            + " {timestamp: nat, signature: blob, identity: principal}");
      }
      Instant signedAt = instant(timestamp);
      if (signedAt.isBefore(now.minus(maxAge)) || signedAt.isAfter(now.plus(maxAge))) {
        throw new IntegrityException("the node signature of the answer to " + what + " is dated "
            + signedAt + ", more than " + maxAge + " from now (" + now + "): a replayed or"
            + " stale answer");
      }
      Principal node = Principal.fromBytes(identity);
      byte[] key = nodeKey(effective, node, deadline, what);
      byte[] message = RequestId.concat(RESPONSE_DOMAIN,
          RequestId.hashOfMap(signedFields(answer, timestamp, requestId, what)));
      if (!Ed25519.verify(key, message, signature)) {
        throw new IntegrityException("the node signature of the answer to " + what + " does not"
            + " verify against node " + node + "'s key: the answer was altered after the node"
            + " signed it, or another key signed it");
      }
    }
  }

  /** Spec, "Request: Query call": the fields a node signs, replied or rejected. */
  private static Map<String, Object> signedFields(Map<String, Object> answer,
      BigInteger timestamp, byte[] requestId, String what) {
    Map<String, Object> m = new LinkedHashMap<>();
    Object status = answer.get("status");
    m.put("status", status);
    if ("replied".equals(status)) {
      m.put("reply", answer.get("reply"));
    } else {
      m.put("reject_code", answer.get("reject_code"));
      m.put("reject_message", answer.get("reject_message"));
      if (answer.get("error_code") != null) {
        m.put("error_code", answer.get("error_code"));
      }
    }
    m.put("timestamp", timestamp);
    m.put("request_id", requestId);
    try {
      RequestId.hashOfMap(m);
    } catch (IllegalArgumentException e) {
      throw new IntegrityException("the answer to " + what + " has fields that cannot be hashed"
          + " as signed (" + e.getMessage() + ")");
    }
    return m;
  }

  /** The node's key, from the cached subnet certificate or a fresh one. */
  private byte[] nodeKey(Principal effective, Principal node, long deadline, String what) {
    Subnet s = cached(effective);
    Optional<byte[]> der = s == null ? Optional.empty() : nodeKeyIn(s, node, what);
    if (der.isEmpty()) {
      s = read(effective, deadline, what);
      der = nodeKeyIn(s, node, what);
    }
    byte[] key = der.orElseThrow(() -> new IntegrityException("the answer to " + what
        + " is signed by node " + node + ", which the certified state tree does not list in"
        + " the canister's subnet: refused"));
    try {
      return Ed25519.fromDer(key);
    } catch (IllegalArgumentException e) {
      throw new IntegrityException("node " + node + "'s certified public key is not a DER"
          + " Ed25519 key (spec, \"Subnet information\")");
    }
  }

  private static Optional<byte[]> nodeKeyIn(Subnet s, Principal node, String what) {
    // Spec, "Subnet information": /subnet/<subnet_id>/node/<node_id>/public_key.
    return HttpAgent.optional(s.certificate(), List.of(bytes("subnet"), s.id().toBytes(),
        bytes("node"), node.toBytes(), bytes("public_key")), what);
  }

  private @Nullable Subnet cached(Principal effective) {
    Instant now = clock.instant();
    for (Subnet s : subnets.values()) {
      if (now.isBefore(s.read().plus(maxAge))
          && Certificate.inCanisterRanges(s.scope(), s.id(), effective)) {
        return s;
      }
    }
    return null;
  }

  private Subnet read(Principal effective, long deadline, String what) {
    String reading = "read_state of /subnet (node keys for " + what + ")";
    Certificate c = agent.readState(effective, List.of(List.of(bytes("subnet"))), deadline,
        reading);
    Principal id = c.delegationSubnet().orElse(rootSubnet);
    HashTree scope = c.delegationTree().orElse(c.tree());
    // Spec, verify_response: the effective canister inside the subnet's certified ranges.
    if (!Certificate.inCanisterRanges(scope, id, effective)) {
      throw new IntegrityException("the certified canister ranges of subnet " + id
          + " do not hold " + effective + ": its nodes may not answer for that canister");
    }
    Subnet s = new Subnet(id, c, scope, clock.instant());
    subnets.put(id, s);
    return s;
  }

  private static @Nullable BigInteger nat(@Nullable Object o) {
    if (o instanceof Long l && l >= 0) {
      return BigInteger.valueOf(l);
    }
    return o instanceof BigInteger b && b.signum() >= 0 ? b : null;
  }

  private static Instant instant(BigInteger nanos) {
    BigInteger[] s = nanos.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
    if (s[0].bitLength() > 62) {
      return Instant.MAX;
    }
    return Instant.ofEpochSecond(s[0].longValue(), s[1].longValue());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Forgets every cached subnet (tests). */
  void clear() {
    subnets.clear();
  }

  @Override
  public String toString() {
    return "QuerySignatures (" + subnets.size() + " subnets known) " + Arrays.toString(
        subnets.keySet().toArray());
  }
}
