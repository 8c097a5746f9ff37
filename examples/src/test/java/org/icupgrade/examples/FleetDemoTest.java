package org.icupgrade.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.deployer.fleet.CallRateLimiter;
import org.icupgrade.deployer.fleet.CanisterResult.Outcome;
import org.icupgrade.deployer.fleet.FleetReport;
import org.icupgrade.http.HttpAgent;
import org.icupgrade.http.Identity;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetDemoTest {
  static final Duration HANG_GUARD = Duration.ofMinutes(3);

  String run(int count, int fail, Path dir, boolean terminal, FleetReport[] report) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    report[0] = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(HANG_GUARD,
        () -> FleetDemo.run(count, fail, dir, terminal,
            new PrintStream(buf, true, StandardCharsets.UTF_8)));
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plainLines_whenNotATerminal_wavesSummarized_moduleUploadedOnce(@TempDir Path dir) {
    FleetReport[] report = new FleetReport[1];
    String out = run(10, 0, dir, false, report);
    assertEquals(10, report[0].with(Outcome.DONE).size(), out);
    assertTrue(out.contains("waves [2, 4, 4]"), out);
    assertTrue(out.contains("wave 0: 2 canisters, 2 done, 0 failed"), out);
    assertTrue(out.contains("wave 2: 4 canisters, 4 done, 0 failed"), out);
    assertTrue(out.contains("  10/10 "), out);
    assertTrue(!out.contains("\r"), "no carriage return without a terminal");
    // 2.5 MB: three chunks, uploaded once for the fleet
    assertTrue(out.contains("upload_chunk=3"), out);
    assertTrue(out.contains("done 10, failed 0"), out);
  }

  @Test
  void bar_onATerminal_redrawnWithCarriageReturns_haltsOnFailures(@TempDir Path dir) {
    FleetReport[] report = new FleetReport[1];
    String out = run(10, 2, dir, true, report);
    assertTrue(out.contains("\r[###"), out);
    assertTrue(out.contains("] 2/10"), out);
    // wave 1 (4 canisters) has 2 failures: 50%, above the 25% threshold
    assertTrue(out.contains("wave 1: 4 canisters, 2 done, 2 failed, 0 skipped -> halted"), out);
    assertEquals(4, report[0].with(Outcome.NOT_STARTED).size());
    assertTrue(report[0].halted().isPresent());
  }

  @Test
  void overHttp_sameFleetThroughHttpAgentAndTheServedReplica(@TempDir Path dir) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    FleetReport report = assertTimeoutPreemptively(HANG_GUARD, () -> FleetDemo.runOverHttp(6, 0,
        dir, false, new PrintStream(buf, true, StandardCharsets.UTF_8)));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("Embedded replica served at http://127.0.0.1:"), out);
    assertEquals(6, report.with(Outcome.DONE).size(), out);
    assertTrue(out.contains("upload_chunk=3"), out);
    assertTrue(out.contains("done 6, failed 0"), out);
    assertTrue(out.contains("0 push-backs"), out);
  }

  /**
   * A proxy in front of the served replica answers three update submissions 429 with {@code
   * Retry-After: 2}: the HTTP agent surfaces each as a RateLimitedException, the limiter holds
   * the fleet and the retry policy waits at least 2 s before repeating (both on clocks that move
   * only when they wait), and the fleet finishes without a failure.
   */
  @Test
  void overHttp_429StormWithRetryAfter_fleetWaitsAndFinishesWithoutFailures(@TempDir Path dir)
      throws IOException {
    EmbeddedReplica replica = EmbeddedReplica.start();
    Path pem = dir.resolve("backend.pem");
    Identity.generateEd25519().writePem(pem);
    List<Duration> retryWaits = new CopyOnWriteArrayList<>();
    RetryPolicy retry = RetryPolicy.exponential(5, Duration.ofMillis(1), Duration.ofMillis(4))
        .withSleeper(retryWaits::add);
    AtomicLong nanos = new AtomicLong();
    AtomicLong held = new AtomicLong();
    CallRateLimiter limiter = new CallRateLimiter(1_000, 50, Duration.ofMillis(100),
        Duration.ofSeconds(1), nanos::get, d -> {
          held.addAndGet(d.toNanos());
          nanos.addAndGet(d.toNanos());
        });
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    FleetReport report;
    try (ReplicaHttpServer server = replica.serveHttp(0);
        RefusingProxy proxy = new RefusingProxy(server.url(), 3, "2")) {
      Agent backend = HttpAgent.builder(proxy.url()).rootKey(server.rootKey()).identity(pem)
          .build();
      report = assertTimeoutPreemptively(HANG_GUARD, () -> FleetDemo.run(6, 0,
          dir.resolve("releases"), false, new PrintStream(buf, true, StandardCharsets.UTF_8),
          replica, backend, retry, limiter));
      assertEquals(3, proxy.refused.get());
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals(6, report.with(Outcome.DONE).size(), out);
    assertTrue(out.contains("done 6, failed 0"), out);
    assertEquals(3, limiter.pushBacks());
    assertTrue(held.get() >= Duration.ofSeconds(2).toNanos(),
        "the fleet held for the Retry-After: " + held.get());
    assertEquals(3, retryWaits.stream().filter(d -> d.compareTo(Duration.ofSeconds(2)) >= 0)
        .count(), "retry waits " + retryWaits);
  }

  /**
   * Forwards every request to {@code target}, but answers {@code refusals} update submissions
   * (every fourth from the tenth on) with 429 and a {@code Retry-After}.
   */
  static final class RefusingProxy implements AutoCloseable {
    final HttpServer server;
    final HttpClient client = HttpClient.newHttpClient();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();

    RefusingProxy(URI target, int refusals, String retryAfter) throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newFixedThreadPool(4));
      server.createContext("/", ex -> {
        try (ex) {
          byte[] body = ex.getRequestBody().readAllBytes();
          String path = ex.getRequestURI().getPath();
          if (path.endsWith("/call")) {
            int n = calls.incrementAndGet();
            if (n >= 10 && n % 4 == 0
                && refused.getAndUpdate(r -> r < refusals ? r + 1 : r) < refusals) {
              ex.getResponseHeaders().set("Retry-After", retryAfter);
              ex.sendResponseHeaders(429, -1);
              return;
            }
          }
          HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve(
              ex.getRequestURI().toString()));
          forward = "POST".equals(ex.getRequestMethod())
              ? forward.header("Content-Type", "application/cbor")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              : forward.GET();
          HttpResponse<byte[]> r = client.send(forward.build(),
              HttpResponse.BodyHandlers.ofByteArray());
          r.headers().firstValue("Content-Type")
              .ifPresent(t -> ex.getResponseHeaders().set("Content-Type", t));
          ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
          if (r.body().length > 0) {
            ex.getResponseBody().write(r.body());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
