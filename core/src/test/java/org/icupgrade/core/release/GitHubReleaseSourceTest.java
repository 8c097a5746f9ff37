package org.icupgrade.core.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GitHub source against a local server answering as GitHub's REST API does. */
class GitHubReleaseSourceTest {
  HttpServer server;
  URI base;
  final Map<String, String> authSeen = new ConcurrentHashMap<>();
  volatile boolean rateLimited;

  static final String RELEASES = """
      [
        {"tag_name": "v3.0.0-rc1", "draft": false, "prerelease": true,
         "published_at": "2026-11-20T10:00:00Z", "assets": []},
        {"tag_name": "v2.1.0", "draft": true, "prerelease": false,
         "published_at": null, "assets": []},
        {"tag_name": "v2.0.0", "draft": false, "prerelease": false,
         "published_at": "2026-11-10T10:00:00Z",
         "assets": [{"name": "storage.wasm.gz", "url": "%s/repos/o/r/releases/assets/7",
                     "size": 5, "browser_download_url": "ignored"}]},
        {"tag_name": "v1.0.0", "draft": false, "prerelease": false,
         "published_at": "2026-10-01T10:00:00Z", "assets": []}
      ]""";

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    server.createContext("/repos/o/r/releases", ex -> {
      authSeen.put("list", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      if (rateLimited) {
        ex.getResponseHeaders().add("x-ratelimit-remaining", "0");
        ex.getResponseHeaders().add("x-ratelimit-reset", "1790000000");
        send(ex, 403, "{\"message\": \"API rate limit exceeded\"}");
        return;
      }
      if (ex.getRequestURI().getPath().endsWith("/assets/7")) {
        authSeen.put("asset", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        ex.getResponseHeaders().add("Location", base + "/storage/blob?sig=abc");
        send(ex, 302, "");
        return;
      }
      send(ex, 200, RELEASES.formatted(base));
    });
    server.createContext("/storage/blob", ex -> {
      authSeen.put("storage", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      send(ex, 200, "bytes");
    });
    server.createContext("/repos/o/missing/releases", ex -> send(ex, 404, "{\"message\":\"Not Found\"}"));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      ex.getResponseBody().write(b);
    }
    ex.close();
  }

  GitHubReleaseSource source(String repo) {
    return GitHubReleaseSource.builder("o", repo).apiUrl(base).token("secret-token").build();
  }

  @Test
  void latest_skipsDraftsAndPrereleases() {
    Release latest = source("r").latest().orElseThrow();
    assertEquals("v2.0.0", latest.tag());
    assertEquals(List.of("storage.wasm.gz"), latest.assetNames());
    assertEquals(4, source("r").releases().size());
    assertEquals("Bearer secret-token", authSeen.get("list"));
  }

  @Test
  void download_followsRedirectWithoutSendingTheToken() throws IOException {
    GitHubReleaseSource s = source("r");
    Release r = s.latest().orElseThrow();
    try (InputStream in = s.download(r, "storage.wasm.gz")) {
      assertArrayEquals("bytes".getBytes(StandardCharsets.UTF_8), in.readAllBytes());
    }
    assertEquals("Bearer secret-token", authSeen.get("asset"));
    assertEquals("null", authSeen.get("storage"));
  }

  @Test
  void download_unknownAsset_namesWhatExists() {
    GitHubReleaseSource s = source("r");
    Release r = s.latest().orElseThrow();
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> s.download(r, "frontend.tar.gz"));
    assertTrue(e.getMessage().contains("storage.wasm.gz"), e.getMessage());
  }

  @Test
  void releases_rateLimited_clearRetryableError() {
    rateLimited = true;
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source("r").releases());
    assertTrue(e.isTransient());
    assertTrue(e.getMessage().contains("rate limit"), e.getMessage());
    assertTrue(e.getMessage().contains("token"), e.getMessage());
  }

  @Test
  void releases_missingRepository_notFoundError() {
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source("missing").releases());
    assertFalse(e.isTransient());
    assertTrue(e.getMessage().contains("404"), e.getMessage());
  }

  @Test
  void json_parsesEscapesNumbersAndNull() {
    Object v = Json.parse("{\"a\": [1, 2.5, true, null, \"x\\u0041\\n\"], \"b\": {}}");
    Map<?, ?> m = (Map<?, ?>) v;
    List<?> a = (List<?>) m.get("a");
    assertEquals(1L, a.get(0));
    assertEquals(2.5, a.get(1));
    assertEquals(true, a.get(2));
    assertNull(a.get(3));
    assertEquals("xA\n", a.get(4));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1,}"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] 2"));
  }
}
