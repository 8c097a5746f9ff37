package org.icupgrade.replica.http;

import static org.icupgrade.candid.internal.Idl.BLOB;
import static org.icupgrade.candid.internal.Idl.BOOL;
import static org.icupgrade.candid.internal.Idl.NAT16;
import static org.icupgrade.candid.internal.Idl.TEXT;
import static org.icupgrade.candid.internal.Idl.opt;
import static org.icupgrade.candid.internal.Idl.record;
import static org.icupgrade.candid.internal.Idl.value;
import static org.icupgrade.candid.internal.Idl.variant;
import static org.icupgrade.candid.internal.Idl.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.candid.internal.CandidType;
import org.icupgrade.candid.internal.Idl;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.assets.EmbeddedAssetCanister;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served replica as a local HTTP gateway, driven with the JDK's HttpClient. Requests by host
 * name ({@code <id>.localhost}) go through the server as an HTTP proxy, so that the client sends
 * that Host without a resolver for {@code *.localhost} (browsers resolve it themselves).
 */
class GatewayTest {
  private static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 9});
  private static final CandidType HEADER = record("0", TEXT, "1", TEXT);

  @TempDir Path dir;
  private EmbeddedReplica replica;
  private ReplicaHttpServer server;
  private HttpClient byHost;
  private final HttpClient direct = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() {
    replica = EmbeddedReplica.start();
    server = replica.serveHttp(0);
    byHost = HttpClient.newBuilder().proxy(ProxySelector.of(
        new InetSocketAddress("127.0.0.1", server.url().getPort()))).build();
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  private Principal syncedFrontend(Map<String, String> files) throws IOException {
    Path root = dir.resolve("release" + files.hashCode());
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = root.resolve(f.getKey().substring(1));
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
    }
    Principal id = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, OWNER);
    var assets = CandidAssetCanister.over(replica.agentFor(OWNER), id);
    assets.grantPermission(OWNER, Permission.COMMIT);
    AssetSyncers.builder().flavor(AssetCanisterFlavor.DFINITY)
        .protectedKeys(ProtectedKeys.storageDefaults()).build()
        .sync(assets, ReleaseReader.defaults().readDirectory(root));
    return id;
  }

  private HttpResponse<String> get(HttpClient client, String url) {
    return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> client.send(
        HttpRequest.newBuilder(URI.create(url)).header("Accept-Encoding", "identity").build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  private String byName(Principal id, String path) {
    return "http://" + id + ".localhost:" + server.url().getPort() + path;
  }

  @Test
  void syncedFrontend_indexAndScriptServedWithTheirContentTypes_byHostAndByQuery()
      throws IOException {
    String html = "<!doctype html><html><body><h1>storage v1</h1></body></html>";
    String js = "export const version = 1;\n";
    Principal id = syncedFrontend(Map.of("/index.html", html, "/assets/app.js", js));

    HttpResponse<String> index = get(byHost, byName(id, "/"));
    assertEquals(200, index.statusCode(), index.body());
    assertEquals(html, index.body());
    assertTrue(index.headers().firstValue("content-type").orElse("").startsWith("text/html"),
        index.headers().map().toString());

    HttpResponse<String> script = get(byHost, byName(id, "/assets/app.js"));
    assertEquals(200, script.statusCode(), script.body());
    assertEquals(js, script.body());
    assertEquals(Optional.of("text/javascript"), script.headers().firstValue("content-type"));

    HttpResponse<String> query =
        get(direct, server.url() + "/assets/app.js?canisterId=" + id);
    assertEquals(200, query.statusCode(), query.body());
    assertEquals(js, query.body());

    // The IC's HTTP interface stays where it is, for any host.
    HttpResponse<String> status = get(byHost, byName(id, "/api/v2/status"));
    assertEquals(Optional.of("application/cbor"), status.headers().firstValue("content-type"));
  }

  @Test
  void missingFile_404FromTheCanister_andSinglePageFallbackWhenIndexExists() throws IOException {
    Principal noIndex = syncedFrontend(Map.of("/assets/app.js", "let a = 1;\n"));
    HttpResponse<String> missing = get(byHost, byName(noIndex, "/assets/missing.js"));
    assertEquals(404, missing.statusCode(), missing.body());
    assertEquals("Not found", missing.body());

    // The DFINITY asset canister answers an unknown path with /index.html when it has one.
    Principal spa = syncedFrontend(Map.of("/index.html", "<p>spa</p>"));
    HttpResponse<String> route = get(byHost, byName(spa, "/some/route"));
    assertEquals(200, route.statusCode());
    assertEquals("<p>spa</p>", route.body());
  }

  @Test
  void unknownCanister_404NamingIt_badIdAndNoCanister_400() {
    Principal unknown = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
    HttpResponse<String> r = get(byHost, byName(unknown, "/"));
    assertEquals(404, r.statusCode());
    assertTrue(r.body().contains("no canister " + unknown), r.body());

    HttpResponse<String> bad = get(direct, server.url() + "/?canisterId=not-a-principal");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("\"not-a-principal\" is not a canister id"), bad.body());

    HttpResponse<String> none = get(direct, server.url() + "/index.html");
    assertEquals(400, none.statusCode());
    assertTrue(none.body().contains("?canisterId="), none.body());
  }

  @Test
  void canisterWithoutHttpRequest_502SayingWhatItMustImplement() {
    Principal plain = replica.createBuiltinCanister(new BuiltinCanister() {
      @Override
      public byte[] query(CallContext ctx, String method, byte[] arg) {
        throw new CanisterRejectException(RejectCode.CANISTER_ERROR,
            "Canister has no query method '" + method + "'", "IC0536", ctx.canisterId(), method);
      }

      @Override
      public byte[] update(CallContext ctx, String method, byte[] arg) {
        return query(ctx, method, arg);
      }
    }, OWNER);
    HttpResponse<String> r = get(byHost, byName(plain, "/"));
    assertEquals(502, r.statusCode());
    assertTrue(r.body().contains("must implement http_request"), r.body());
    assertTrue(r.body().contains("IC0536"), r.body());
  }

  /** A canister that asks for the upgrade on POST, and streams on /big. */
  private final class Scripted implements BuiltinCanister {
    final List<String> calls = new ArrayList<>();

    @Override
    public byte[] query(CallContext ctx, String method, byte[] arg) {
      calls.add(method);
      AssetCandid.HttpRequest r = AssetCandid.decodeHttpRequest(arg);
      if (r.url().equals("/big")) {
        CandidType withStreaming = record("status_code", NAT16, "headers", vec(HEADER),
            "body", BLOB, "streaming_strategy", opt(variant("Callback", record("token", TEXT))));
        return Idl.encode(value("status_code", 200, "headers", List.of(), "body", new byte[3],
            "streaming_strategy", Optional.of(value("Callback", value("token", "t1")))),
            withStreaming);
      }
      CandidType withUpgrade = record("status_code", NAT16, "headers", vec(HEADER),
          "body", BLOB, "upgrade", opt(BOOL));
      return Idl.encode(value("status_code", 200, "headers",
          List.of(value("0", "content-type", "1", "text/plain")),
          "body", ("query " + r.method()).getBytes(java.nio.charset.StandardCharsets.UTF_8),
          "upgrade", Optional.of(r.method().equals("POST"))), withUpgrade);
    }

    @Override
    public byte[] update(CallContext ctx, String method, byte[] arg) {
      calls.add(method);
      AssetCandid.HttpRequest r = AssetCandid.decodeHttpRequest(arg);
      return AssetCandid.encodeHttpResponse(new AssetCandid.HttpResponse(201,
          List.of(new org.icupgrade.core.assets.HeaderField("x-updated", "yes")),
          ("update " + r.method() + " " + new String(r.body(),
              java.nio.charset.StandardCharsets.UTF_8)).getBytes(
                  java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  @Test
  void upgradeTrue_callsHttpRequestUpdate_streamingAnswered502() {
    Scripted code = new Scripted();
    Principal id = replica.createBuiltinCanister(code, OWNER);

    HttpResponse<String> plainGet = get(byHost, byName(id, "/x"));
    assertEquals("query GET", plainGet.body());
    assertEquals(List.of("http_request"), code.calls);

    HttpResponse<String> post = assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> byHost.send(HttpRequest.newBuilder(URI.create(byName(id, "/x")))
            .POST(HttpRequest.BodyPublishers.ofString("hello")).build(),
            HttpResponse.BodyHandlers.ofString()));
    assertEquals(201, post.statusCode());
    assertEquals("update POST hello", post.body());
    assertEquals(Optional.of("yes"), post.headers().firstValue("x-updated"));
    assertEquals(List.of("http_request", "http_request", "http_request_update"), code.calls);

    HttpResponse<String> big = get(byHost, byName(id, "/big"));
    assertEquals(502, big.statusCode());
    assertTrue(big.body().contains("streaming callback"), big.body());
  }
}
