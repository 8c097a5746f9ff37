package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver HTTP protocol, with the JDK's
 * HTTP client and the console's own {@link Json}: no Selenium. Fails (never skips) when Debian's
 * {@code chromium} or {@code chromium-driver} is not installed.
 */
final class WebDriverClient implements AutoCloseable {
  /** The W3C key of an element reference. */
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final Process driver;
  private final URI base;
  private final String session;

  private WebDriverClient(Process driver, URI base, String session) {
    this.driver = driver;
    this.base = base;
    this.session = session;
  }

  static WebDriverClient start() throws IOException, InterruptedException {
    Path chromium = executable("chromium");
    Path chromedriver = executable("chromedriver");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p = new ProcessBuilder(chromedriver.toString(), "--port=" + port)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    URI base = URI.create("http://127.0.0.1:" + port + "/");
    HttpClient http = HttpClient.newHttpClient();
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("status")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"ready\":true")) {
          break;
        }
      } catch (IOException notYet) {
        // chromedriver is still starting
      }
      if (System.nanoTime() > until || !p.isAlive()) {
        p.destroyForcibly();
        fail("chromedriver at " + chromedriver + " did not become ready on port " + port);
      }
      Thread.sleep(50);
    }
    Map<String, Object> options = Map.of("binary", chromium.toString(), "args", List.of(
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1000", "--force-device-scale-factor=1"));
    Map<String, Object> caps = Map.of("capabilities", Map.of("alwaysMatch",
        Map.of("browserName", "chrome", "goog:chromeOptions", options)));
    WebDriverClient probe = new WebDriverClient(p, base, "");
    Map<?, ?> value;
    try {
      value = (Map<?, ?>) probe.call("POST", "session", caps);
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
    return new WebDriverClient(p, base, String.valueOf(value.get("sessionId")));
  }

  static Path executable(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return fail(name + " is not installed: the browser tests need Debian's chromium and"
        + " chromium-driver; install them with `apt-get update && apt-get install -y chromium"
        + " chromium-driver` (.ci/run does it)");
  }

  void open(URI url) {
    call("POST", "session/" + session + "/url", Map.of("url", url.toString()));
  }

  /** The first element matching {@code css}, or null. */
  @Nullable String find(String css) {
    List<?> all = findAll(css);
    return all.isEmpty() ? null : String.valueOf(all.get(0));
  }

  List<String> findAll(String css) {
    Object v = call("POST", "session/" + session + "/elements",
        Map.of("using", "css selector", "value", css));
    return ((List<?>) v).stream().map(e -> String.valueOf(((Map<?, ?>) e).get(ELEMENT))).toList();
  }

  /** Waits for an element matching {@code css} and returns it. */
  String await(String css) {
    String[] found = new String[1];
    waitUntil("an element " + css, () -> (found[0] = find(css)) != null);
    return found[0];
  }

  /**
   * Clicks the element matching {@code css}; the page re-renders its cards while polling, so a
   * reference that went stale between finding and clicking is found again.
   */
  void click(String css) {
    for (int attempt = 1; ; attempt++) {
      String e = await(css);
      try {
        call("POST", "session/" + session + "/element/" + e + "/click", Map.of());
        return;
      } catch (IllegalStateException stale) {
        if (attempt == 20 || !String.valueOf(stale.getMessage()).contains("stale element")) {
          throw stale;
        }
      }
    }
  }

  /** The rendered text of the element matching {@code css}, read in one step. */
  String text(String css) {
    await(css);
    return String.valueOf(script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css));
  }

  /** Runs a script in the page and returns its value. */
  @Nullable Object script(String script, Object... args) {
    return call("POST", "session/" + session + "/execute/sync",
        Map.of("script", script, "args", List.of(args)));
  }

  /** The value of cookie {@code name} as the browser holds it (HttpOnly included). */
  String cookie(String name) {
    Map<?, ?> c = (Map<?, ?>) call("GET", "session/" + session + "/cookie/" + name, null);
    return String.valueOf(c.get("value"));
  }

  void deleteCookies() {
    call("DELETE", "session/" + session + "/cookie", null);
  }

  void screenshot(Path file) throws IOException {
    String png = String.valueOf(call("GET", "session/" + session + "/screenshot", null));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(png));
  }

  /** Polls {@code condition} every 50 ms for up to 20 s; fails naming {@code what}. */
  void waitUntil(String what, BooleanSupplier condition) {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        fail("timed out waiting for " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
  }

  private @Nullable Object call(String method, String path, @Nullable Object body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(Json.write(body)));
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("WebDriver " + method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during WebDriver " + method + " " + path, e);
    }
    Map<String, @Nullable Object> answer = Json.parseObject(r.body());
    if (r.statusCode() != 200) {
      Object v = answer.get("value");
      Object message = v instanceof Map<?, ?> m ? m.get("error") + ": " + m.get("message") : v;
      throw new IllegalStateException("WebDriver " + method + " " + path + " answered "
          + r.statusCode() + ": " + message);
    }
    return answer.get("value");
  }

  @Override
  public void close() {
    try {
      if (!session.isEmpty()) {
        call("DELETE", "session/" + session, null);
      }
    } finally {
      driver.destroy();
    }
  }
}
