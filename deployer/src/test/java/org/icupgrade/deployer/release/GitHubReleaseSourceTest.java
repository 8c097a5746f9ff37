package org.icupgrade.deployer.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Sha256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GitHub source against a local server answering as GitHub's REST API does. */
class GitHubReleaseSourceTest {
  static final byte[] WASM = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
  static final byte[] FRONTEND = "frontend archive".getBytes(StandardCharsets.UTF_8);

  HttpServer server;
  String base;
  /** What the storage host serves, by blob name: a test tampers with it. */
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  /** The Authorization header each path saw ("none" when absent). */
  final Map<String, String> authSeen = new ConcurrentHashMap<>();
  volatile int listStatus = 200;
  final Map<String, String> listHeaders = new ConcurrentHashMap<>();

  /** Shaped as GET /repos/{owner}/{repo}/releases answers, newest created first. */
  static final String RELEASES = """
      [
        {"tag_name": "v3.0.0-rc1", "name": "RC", "draft": false, "prerelease": true,
         "published_at": "2026-11-20T10:00:00Z", "assets": []},
        {"tag_name": "v2.1.0", "name": null, "draft": true, "prerelease": false,
         "published_at": null, "assets": []},
        {"tag_name": "v1.0.0", "name": "", "draft": false, "prerelease": false,
         "published_at": "2026-10-01T10:00:00Z", "assets": []},
        {"tag_name": "v2.0.0", "name": "Two", "draft": false, "prerelease": false,
         "published_at": "2026-11-10T10:00:00Z", "body": "notes \\u00e9",
         "assets": [
           {"url": "%1$s/repos/o/r/releases/assets/1", "id": 1, "name": "storage.wasm",
            "size": 8, "digest": "sha256:%2$s",
            "browser_download_url": "https://github.com/o/r/releases/download/v2.0.0/storage.wasm"},
           {"url": "%1$s/repos/o/r/releases/assets/2", "id": 2, "name": "frontend.tar",
            "size": 16, "digest": null, "browser_download_url": "ignored"},
           {"url": "%1$s/repos/o/r/releases/assets/3", "id": 3, "name": "SHA256SUMS",
            "size": 100, "browser_download_url": "ignored"}
         ]}
      ]""";

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    blobs.put("1", WASM);
    blobs.put("2", FRONTEND);
    blobs.put("3", (Sha256.of(WASM).hex() + "  storage.wasm\n" + Sha256.of(FRONTEND).hex()
        + " *frontend.tar\n").getBytes(StandardCharsets.UTF_8));
    server.createContext("/repos/o/r/releases", ex -> {
      String path = ex.getRequestURI().getPath();
      authSeen.put(path, auth(ex));
      if (path.startsWith("/repos/o/r/releases/assets/")) {
        String id = path.substring(path.lastIndexOf('/') + 1);
        if (!"application/octet-stream".equals(ex.getRequestHeaders().getFirst("Accept"))) {
          send(ex, 200, "{\"id\": " + id + "}");  // GitHub answers metadata then
          return;
        }
        // GitHub redirects to its storage host with a signed URL.
        ex.getResponseHeaders().add("Location", "/storage/" + id + "?sig=abc");
        send(ex, 302, "");
        return;
      }
      listHeaders.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      send(ex, listStatus, listStatus == 200
          ? RELEASES.formatted(base, Sha256.of(WASM).hex()) : "{\"message\": \"error\"}");
    });
    server.createContext("/storage/", ex -> {
      String path = ex.getRequestURI().getPath();
      authSeen.put(path, auth(ex));
      byte[] b = blobs.get(path.substring("/storage/".length()));
      if (b == null) {
        send(ex, 404, "");
        return;
      }
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.createContext("/repos/o/missing/releases",
        ex -> send(ex, 404, "{\"message\": \"Not Found\"}"));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  static String auth(HttpExchange ex) {
    return Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")).orElse("none");
  }

  static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      ex.getResponseBody().write(b);
    }
    ex.close();
  }

  ReleaseSource source(String repo, String token) {
    return ReleaseSource.gitHub("o", repo).apiUrl(URI.create(base)).token(token).build();
  }

  ReleaseSource source() {
    return source("r", "secret-token");
  }

  @Test
  void releases_newestPublishedFirst_draftsLast() {
    List<Release> all = source().releases();
    assertEquals(List.of("v3.0.0-rc1", "v2.0.0", "v1.0.0", "v2.1.0"),
        all.stream().map(Release::tag).toList());
    Release two = all.get(1);
    assertEquals("Two", two.name());
    assertEquals(Optional.of(Instant.parse("2026-11-10T10:00:00Z")), two.publishedAt());
    assertEquals(List.of("storage.wasm", "frontend.tar", "SHA256SUMS"), two.assetNames());
    assertEquals(Optional.of(Sha256.of(WASM)), two.asset("storage.wasm").orElseThrow().digest());
    assertEquals(Optional.empty(), two.asset("frontend.tar").orElseThrow().digest());
    assertEquals("v1.0.0", all.get(2).name(), "an empty name falls back to the tag");
    assertTrue(all.get(3).draft());
    assertEquals("Bearer secret-token", authSeen.get("/repos/o/r/releases"));
  }

  @Test
  void latest_skipsDraftsAndPrereleases() {
    assertEquals("v2.0.0", source().latest().orElseThrow().tag());
  }

  @Test
  void latest_prereleasesIncluded_takesTheRc() {
    assertEquals("v3.0.0-rc1", source().latest(true).orElseThrow().tag());
  }

  @Test
  void download_followsRedirectWithoutSendingTheTokenToStorage() throws IOException {
    ReleaseSource s = source();
    Release r = s.latest().orElseThrow();
    try (InputStream in = s.download(r, "storage.wasm")) {
      assertArrayEquals(WASM, in.readAllBytes());
    }
    assertEquals("Bearer secret-token", authSeen.get("/repos/o/r/releases/assets/1"));
    assertEquals("none", authSeen.get("/storage/1"));
  }

  @Test
  void downloadTo_writesTheFile(@TempDir Path dir) throws IOException {
    ReleaseSource s = source();
    Path p = s.downloadTo(s.latest().orElseThrow(), "frontend.tar", dir.resolve("f.tar"));
    assertArrayEquals(FRONTEND, Files.readAllBytes(p));
  }

  @Test
  void download_noToken_sendsNoAuthorization() throws IOException {
    ReleaseSource s = source("r", null);
    try (InputStream in = s.download(s.latest().orElseThrow(), "storage.wasm")) {
      assertArrayEquals(WASM, in.readAllBytes());
    }
    assertEquals("none", authSeen.get("/repos/o/r/releases/assets/1"));
  }

  @Test
  void download_releaseFromAnotherListing_listsAgainToFindTheUrl() throws IOException {
    Release built = Release.builder("v2.0.0").asset(Release.Asset.of("storage.wasm")).build();
    try (InputStream in = source().download(built, "storage.wasm")) {
      assertArrayEquals(WASM, in.readAllBytes());
    }
  }

  @Test
  void download_unknownAsset_namesWhatExists() {
    ReleaseSource s = source();
    Release r = s.latest().orElseThrow();
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> s.download(r, "frontend.tar.gz"));
    assertTrue(e.getMessage().contains("[storage.wasm, frontend.tar, SHA256SUMS]"),
        e.getMessage());
  }

  @Test
  void download_blobGoneAtStorage_notFoundError() {
    ReleaseSource s = source();
    Release r = s.latest().orElseThrow();
    blobs.remove("2");
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> s.download(r, "frontend.tar"));
    assertTrue(e.getMessage().contains("404"), e.getMessage());
  }

  @Test
  void releases_rateLimited403_retryableWithResetTimeAndAdvice() {
    listStatus = 403;
    listHeaders.put("x-ratelimit-remaining", "0");
    listHeaders.put("x-ratelimit-reset", "1790000000");
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source("r", null).releases());
    assertTrue(e.isTransient());
    assertTrue(e.getMessage().contains("rate limit"), e.getMessage());
    assertTrue(e.getMessage().contains(Instant.ofEpochSecond(1790000000).toString()),
        e.getMessage());
    assertTrue(e.getMessage().contains("token"), e.getMessage());
  }

  @Test
  void releases_secondaryLimit429_retryAfterReported() {
    listStatus = 429;
    listHeaders.put("retry-after", "60");
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source().releases());
    assertTrue(e.isTransient());
    assertTrue(e.getMessage().contains("retry after 60 s"), e.getMessage());
  }

  @Test
  void releases_forbiddenWithoutRateLimit_notRetryable() {
    listStatus = 403;
    listHeaders.put("x-ratelimit-remaining", "4999");
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source().releases());
    assertFalse(e.isTransient());
    assertTrue(e.getMessage().contains("403"), e.getMessage());
  }

  @Test
  void releases_badToken_sayToCheckIt() {
    listStatus = 401;
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source().releases());
    assertFalse(e.isTransient());
    assertTrue(e.getMessage().contains("token"), e.getMessage());
  }

  @Test
  void releases_missingRepository_notFoundError() {
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source("missing", null).releases());
    assertFalse(e.isTransient());
    assertTrue(e.getMessage().contains("404"), e.getMessage());
    assertTrue(e.getMessage().contains("private repository needs a token"), e.getMessage());
  }

  @Test
  void releases_serverError_retryable() {
    listStatus = 502;
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source().releases());
    assertTrue(e.isTransient());
    assertTrue(e.getMessage().contains("502"), e.getMessage());
  }

  @Test
  void releases_notTheApi_saysToCheckTheUrl() {
    server.createContext("/repos/o/html/releases", ex -> send(ex, 200, "<html>login</html>"));
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source("html", null).releases());
    assertTrue(e.getMessage().contains("check the API URL"), e.getMessage());
  }

  @Test
  void releases_unreachable_retryable() {
    server.stop(0);
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> source().releases());
    assertTrue(e.isTransient());
  }

  @Test
  void builder_clientFollowingRedirects_refused() {
    GitHubReleases.Builder b = ReleaseSource.gitHub("o", "r");
    java.net.http.HttpClient follows = java.net.http.HttpClient.newBuilder()
        .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
    assertThrows(IllegalArgumentException.class, () -> b.httpClient(follows));
    assertThrows(IllegalArgumentException.class, () -> ReleaseSource.gitHub("o", "r/../x"));
  }

  ReleaseCatalog catalog() {
    return ReleaseCatalog.builder(source()).wasmAsset("storage.wasm")
        .frontendAsset("frontend.tar", ReleaseCatalogTest.READER).build();
  }

  @Test
  void catalog_overGitHub_verifiesDigestAndSums() {
    ReleaseArtifacts a = catalog().refresh().orElseThrow();
    assertEquals("v2.0.0", a.tag());
    assertEquals(Sha256.of(WASM), a.moduleHash());
  }

  @Test
  void catalog_overGitHub_tamperedWasmRefused() {
    blobs.put("1", new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x0b});
    ReleaseCatalog c = catalog();
    IntegrityException e = assertThrows(IntegrityException.class, c::refresh);
    assertTrue(e.getMessage().contains("storage.wasm"), e.getMessage());
    assertTrue(c.current().isEmpty());
  }

  @Test
  void catalog_overGitHub_tamperedFrontendRefusedBySha256Sums() {
    blobs.put("2", "evil archive".getBytes(StandardCharsets.UTF_8));
    IntegrityException e = assertThrows(IntegrityException.class, catalog()::refresh);
    assertTrue(e.getMessage().contains("SHA256SUMS"), e.getMessage());
  }
}
