package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The console's JSON API as a test calls it, with java.net.http and one session cookie. */
final class ApiClient {
  /** One answer: the HTTP status and the parsed body. */
  record Answer(int status, @Nullable Object body) {
    @SuppressWarnings("unchecked")
    Map<String, @Nullable Object> object() {
      return (Map<String, @Nullable Object>) body;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, @Nullable Object>> list() {
      return (List<Map<String, @Nullable Object>>) body;
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;
  private @Nullable String cookie;

  ApiClient(URI base) {
    this.base = base;
  }

  /** A client that sends {@code sessionCookie} (e.g. one read from the browser). */
  static ApiClient withSession(URI base, String sessionCookie) {
    ApiClient c = new ApiClient(base);
    c.cookie = sessionCookie;
    return c;
  }

  static ApiClient loggedIn(URI base, String owner) {
    ApiClient c = new ApiClient(base);
    Answer a = c.post("/api/login", Map.of("owner", owner));
    assertEquals(200, a.status(), String.valueOf(a.body()));
    return c;
  }

  Answer get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  /** A GET whose body is kept as text (a page, not JSON). */
  Answer raw(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
    if (cookie != null) {
      b.header("Cookie", ConsoleServer.COOKIE + "=" + cookie);
    }
    try {
      HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException("the console did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  Answer post(String path, Object body) {
    return send(HttpRequest.newBuilder(base.resolve(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
  }

  List<Map<String, @Nullable Object>> storages() {
    Answer a = get("/api/storages");
    assertEquals(200, a.status(), String.valueOf(a.body()));
    return a.list();
  }

  Map<String, @Nullable Object> storage(String label) {
    return storages().stream().filter(s -> label.equals(s.get("label"))).findFirst()
        .orElseGet(() -> fail("no storage labelled " + label + " in " + storages()));
  }

  /** Polls listStorages, as the page does, until the canister's upgrade has settled. */
  Map<String, @Nullable Object> awaitSettled(String label) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      Map<String, @Nullable Object> s = storage(label);
      if (!String.valueOf(s.get("status")).startsWith("UPGRADING")) {
        return s;
      }
      if (System.nanoTime() > until) {
        fail(label + " still upgrading: " + s);
      }
      Thread.sleep(50);
    }
  }

  private Answer send(HttpRequest.Builder b) {
    if (cookie != null) {
      b.header("Cookie", ConsoleServer.COOKIE + "=" + cookie);
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("the console did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    r.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith(ConsoleServer.COOKIE + "="))
        .forEach(c -> cookie = c.substring(ConsoleServer.COOKIE.length() + 1, c.indexOf(';')));
    String body = r.body();
    return new Answer(r.statusCode(), body.isEmpty() ? null : Json.parse(body));
  }
}
