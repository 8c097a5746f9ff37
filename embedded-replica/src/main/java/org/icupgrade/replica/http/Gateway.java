package org.icupgrade.replica.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.candid.internal.Decoded;
import org.icupgrade.candid.internal.Fields;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.replica.EmbeddedReplica;

/**
 * The local HTTP gateway of {@link ReplicaHttpServer}: a browser's request to
 * {@code http://<canister-id>.localhost:<port>/…} (or
 * {@code http://127.0.0.1:<port>/…?canisterId=<id>}) becomes the canister's
 * {@code http_request} query, and its {@code HttpResponse} becomes the HTTP response, as the
 * HTTP Gateway Protocol Specification says ("Canister HTTP Interface").
 *
 * <p>Followed: {@code upgrade = opt true} makes the gateway call {@code http_request_update} and
 * answer with that reply instead (spec, "Upgrade to update calls"). Not followed, each said in
 * the answer: a {@code streaming_strategy} is answered 502, since this gateway does not call the
 * streaming callback (spec, "Response streaming"); response certification ({@code
 * IC-Certificate} headers) is passed on and not verified (spec, "Response Verification"), as a
 * local development gateway may.
 */
final class Gateway {
  /**
   * Response headers the JDK's server writes itself; a canister's value would be a second one.
   * Spec, "Canister HTTP Interface": the gateway frames the body, the canister does not.
   */
  private static final Set<String> FRAMING =
      Set.of("content-length", "transfer-encoding", "connection");

  private final EmbeddedReplica replica;

  Gateway(EmbeddedReplica replica) {
    this.replica = replica;
  }

  void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Optional<String> named = canisterIdOf(ex);
      if (named.isEmpty()) {
        text(ex, 400, "This is the embedded replica's HTTP gateway. Name a canister: open"
            + " http://<canister-id>.localhost:" + ex.getLocalAddress().getPort() + "/ or add"
            + " ?canisterId=<canister-id> to the URL. The IC's HTTP interface is under /api/.");
        return;
      }
      Principal id;
      try {
        id = Principal.fromText(named.get());
      } catch (RuntimeException e) {
        text(ex, 400, "\"" + named.get() + "\" is not a canister id (a principal in its text"
            + " form, such as rrkah-fqaaa-aaaaa-aaaaq-cai).");
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(ReplicaHttpServer.MAX_BODY + 1);
      }
      if (body.length > ReplicaHttpServer.MAX_BODY) {
        text(ex, 413, "request body over " + ReplicaHttpServer.MAX_BODY + " bytes (spec,"
            + " \"Resource limits\": an ingress message is at most 2 MiB)");
        return;
      }
      List<HeaderField> headers = new ArrayList<>();
      ex.getRequestHeaders().forEach((name, values) -> values.forEach(
          v -> headers.add(new HeaderField(name.toLowerCase(Locale.ROOT), v))));
      URI uri = ex.getRequestURI();
      String url = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      AssetCandid.HttpRequest request =
          new AssetCandid.HttpRequest(ex.getRequestMethod(), url, headers, body);
      try {
        Answer a = call(id, "http_request", AssetCandid.encodeHttpRequest(request), true);
        if (a.upgrade()) {
          // Spec, "Upgrade to update calls": the same request, as an update, without
          // certificate_version (HttpUpdateRequest has no such field).
          a = call(id, "http_request_update", AssetCandid.encodeHttpRequest(
              new AssetCandid.HttpRequest(request.method(), url, headers, body, null)), false);
        }
        if (a.streaming()) {
          text(ex, 502, "Canister " + id + " answered " + url + " with a streaming callback;"
              + " the embedded replica's gateway does not follow streaming callbacks (HTTP"
              + " Gateway spec, \"Response streaming\"). Return the whole body in the"
              + " HttpResponse.");
          return;
        }
        send(ex, a.response(), "HEAD".equals(ex.getRequestMethod()));
      } catch (CanisterRejectException e) {
        if (e.rejectCode() == RejectCode.DESTINATION_INVALID) {
          text(ex, 404, "There is no canister " + id + " on this replica (" + e.rejectMessage()
              + "). Check the canister id in the URL.");
        } else {
          text(ex, 502, "Canister " + id + " rejected its http_request for " + url + ": "
              + e.rejectMessage() + " (reject code " + e.rejectCode().code()
              + e.errorCode().map(c -> ", " + c).orElse("") + "). A canister served by the"
              + " gateway must implement http_request (HTTP Gateway spec, \"Canister HTTP"
              + " Interface\").");
        }
      } catch (CandidException e) {
        text(ex, 502, "Canister " + id + " answered its http_request with something that is not"
            + " an HttpResponse: " + e.getMessage());
      } catch (IcException e) {
        text(ex, 503, "The replica could not run the canister's http_request: " + e.getMessage());
      }
    } catch (RuntimeException e) {
      text(ex, 500, "internal error in the embedded replica's gateway: " + e);
    }
  }

  /** A canister's reply to {@code http_request} or {@code http_request_update}. */
  private record Answer(AssetCandid.HttpResponse response, boolean upgrade, boolean streaming) {}

  private Answer call(Principal id, String method, byte[] arg, boolean query) {
    byte[] reply = query
        ? replica.agentFor(Principal.ANONYMOUS).query(id, method, arg, id)
        : replica.agentFor(Principal.ANONYMOUS).update(id, method, arg, id);
    AssetCandid.HttpResponse response = AssetCandid.decodeHttpResponse(reply);
    Fields f = Fields.of(reply, method + " reply");
    boolean upgrade = query && f.opt("upgrade", Decoded::bool).orElse(false);
    boolean streaming = f.opt("streaming_strategy").isPresent();
    return new Answer(response, upgrade, streaming);
  }

  /**
   * The canister a request names: the first label of a {@code Host} ending in {@code .localhost}
   * (the spec's "Canister resolution" by host name, with {@code localhost} as the domain), else
   * the {@code canisterId} query parameter.
   */
  static Optional<String> canisterIdOf(HttpExchange ex) {
    String host = ex.getRequestHeaders().getFirst("Host");
    if (host == null) {
      URI u = ex.getRequestURI();
      host = u.getHost();
    }
    if (host != null) {
      String h = host.toLowerCase(Locale.ROOT);
      int colon = h.lastIndexOf(':');
      if (colon >= 0 && h.indexOf(']') < colon) {
        h = h.substring(0, colon);
      }
      if (h.endsWith(".localhost")) {
        String label = h.substring(0, h.length() - ".localhost".length());
        int dot = label.lastIndexOf('.');
        return Optional.of(dot < 0 ? label : label.substring(dot + 1));
      }
    }
    String query = ex.getRequestURI().getRawQuery();
    if (query != null) {
      for (String kv : query.split("&")) {
        if (kv.startsWith("canisterId=")) {
          return Optional.of(URLDecoder.decode(kv.substring("canisterId=".length()),
              StandardCharsets.UTF_8));
        }
      }
    }
    return Optional.empty();
  }

  private static void send(HttpExchange ex, AssetCandid.HttpResponse r, boolean head)
      throws IOException {
    for (HeaderField h : r.headers()) {
      if (!FRAMING.contains(h.name().toLowerCase(Locale.ROOT))) {
        ex.getResponseHeaders().add(h.name(), h.value());
      }
    }
    byte[] body = r.body();
    if (head) {
      ex.sendResponseHeaders(r.statusCode(), -1);
      return;
    }
    ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void text(HttpExchange ex, int code, String message) throws IOException {
    byte[] b = message.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }
}
