package org.icupgrade.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.ic4j.agent.ReplicaResponse;
import org.ic4j.agent.ReplicaTransport;
import org.ic4j.agent.requestid.RequestId;
import org.ic4j.types.Principal;
import org.icupgrade.core.TransportException;

/**
 * ic4j's {@link ReplicaTransport} over the JDK's {@link HttpClient}, so that no HTTP library is
 * needed and the client (proxy, TLS, timeouts, executor) is the caller's to configure. Speaks the
 * HTTP interface of the spec ("HTTPS Interface"): {@code /api/v2/status} and
 * {@code /api/v2/canister/<id>/{query,call,read_state}} with CBOR bodies.
 */
final class JdkHttpTransport implements ReplicaTransport {
  private static final String CBOR = "application/cbor";

  private final HttpClient client;
  private final URI base;
  private final Duration timeout;

  JdkHttpTransport(HttpClient client, URI base, Duration timeout) {
    this.client = client;
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<ReplicaResponse> status() {
    return send(HttpRequest.newBuilder(base.resolve("api/v2/status")).GET(), "status");
  }

  @Override
  public CompletableFuture<ReplicaResponse> query(
      Principal canisterId, byte[] envelope, Map<String, String> headers) {
    return post("query", canisterId, envelope, headers);
  }

  @Override
  public CompletableFuture<ReplicaResponse> call(
      Principal canisterId, byte[] envelope, RequestId requestId, Map<String, String> headers) {
    return post("call", canisterId, envelope, headers);
  }

  @Override
  public CompletableFuture<ReplicaResponse> readState(
      Principal canisterId, byte[] envelope, Map<String, String> headers) {
    return post("read_state", canisterId, envelope, headers);
  }

  private CompletableFuture<ReplicaResponse> post(
      String endpoint, Principal canisterId, byte[] envelope, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(
            base.resolve("api/v2/canister/" + canisterId + "/" + endpoint))
        .header("Content-Type", CBOR)
        .POST(HttpRequest.BodyPublishers.ofByteArray(envelope));
    if (headers != null) {
      headers.forEach(b::header);
    }
    return send(b, endpoint);
  }

  private CompletableFuture<ReplicaResponse> send(HttpRequest.Builder b, String endpoint) {
    return client.sendAsync(b.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray())
        .handle((response, failure) -> {
          if (failure != null) {
            throw new TransportException("could not reach the replica at " + base + " ("
                + endpoint + "): " + failure.getMessage(), true, failure);
          }
          int status = response.statusCode();
          if (status >= 400) {
            // 429 and 5xx may pass; 4xx says the request itself is wrong.
            boolean retryable = status == 429 || status >= 500;
            throw new TransportException("the replica answered " + endpoint + " with HTTP "
                + status + ": " + new String(response.body(),
                java.nio.charset.StandardCharsets.UTF_8), retryable, null);
          }
          ReplicaResponse r = new ReplicaResponse();
          r.payload = response.body();
          Map<String, String> hs = new HashMap<>();
          for (Map.Entry<String, List<String>> e : response.headers().map().entrySet()) {
            hs.put(e.getKey(), String.join(",", e.getValue()));
          }
          r.headers = hs;
          return r;
        });
  }

  @Override
  public void close() {
    // The HttpClient belongs to the caller who passed it in, or is shared; nothing to close.
  }
}
