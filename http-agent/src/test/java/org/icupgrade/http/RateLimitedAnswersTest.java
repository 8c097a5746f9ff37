package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RateLimitedException;
import org.icupgrade.core.TransportException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP 429, and 503 with {@code Retry-After}, become a {@link RateLimitedException} carrying the
 * delay asked for (RFC 9110, 10.2.3: seconds or an HTTP date), thrown without a resend of the
 * agent's own.
 */
class RateLimitedAnswersTest {
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final byte[] EMPTY_ARGS = {'D', 'I', 'D', 'L', 0, 0};
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  final AtomicInteger requests = new AtomicInteger();
  @Nullable HttpServer server;

  /** A server answering every canister call {@code status}, with {@code retryAfter} if given. */
  URI answering(int status, @Nullable String retryAfter) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/api/", ex -> {
      requests.incrementAndGet();
      ex.getRequestBody().readAllBytes();
      if (retryAfter != null) {
        ex.getResponseHeaders().set("Retry-After", retryAfter);
      }
      byte[] body = "slow down".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    s.start();
    server = s;
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  HttpAgent agent(URI url) {
    return HttpAgent.builder(url).timeout(Duration.ofSeconds(10))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
  }

  @Test
  void update_429WithRetryAfterSeconds_typedWithTheDelay_notResent() throws IOException {
    HttpAgent agent = agent(answering(429, "7"));
    RateLimitedException e = assertThrows(RateLimitedException.class,
        () -> agent.update(CANISTER, "increment", EMPTY_ARGS));
    assertEquals(429, e.httpStatus());
    assertEquals(Optional.of(Duration.ofSeconds(7)), e.retryAfter());
    assertTrue(e.isTransient());
    assertEquals(1, requests.get(), "the caller's retry policy decides when to ask again");
    assertTrue(e.getMessage().contains("429"), e.getMessage());
  }

  @Test
  void query_429WithRetryAfterDate_delayFromTheAgentsClock() throws IOException {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        NOW.plusSeconds(30).atZone(ZoneOffset.UTC));
    HttpAgent agent = agent(answering(429, date));
    RateLimitedException e = assertThrows(RateLimitedException.class,
        () -> agent.query(CANISTER, "greet", EMPTY_ARGS));
    assertEquals(Optional.of(Duration.ofSeconds(30)), e.retryAfter());
  }

  @Test
  void update_429WithoutRetryAfter_typedWithoutADelay() throws IOException {
    HttpAgent agent = agent(answering(429, null));
    RateLimitedException e = assertThrows(RateLimitedException.class,
        () -> agent.update(CANISTER, "increment", EMPTY_ARGS));
    assertEquals(Optional.empty(), e.retryAfter());
    assertEquals(1, requests.get());
  }

  @Test
  void update_503WithRetryAfter_typedAs503() throws IOException {
    HttpAgent agent = agent(answering(503, "2"));
    RateLimitedException e = assertThrows(RateLimitedException.class,
        () -> agent.update(CANISTER, "increment", EMPTY_ARGS));
    assertEquals(503, e.httpStatus());
    assertEquals(Optional.of(Duration.ofSeconds(2)), e.retryAfter());
  }

  @Test
  void update_503WithoutRetryAfter_plainRetryableError_resentByTheAgent() throws IOException {
    HttpAgent agent = agent(answering(503, null));
    TransportException e = assertThrows(TransportException.class,
        () -> agent.update(CANISTER, "increment", EMPTY_ARGS));
    assertFalse(e instanceof RateLimitedException, e.toString());
    assertTrue(e.isTransient());
    assertTrue(requests.get() > 1, "resent in transit: " + requests.get());
  }

  @Test
  void retryAfter_forms() {
    assertEquals(Duration.ZERO, Transport.retryAfter("0", NOW));
    assertEquals(Duration.ofSeconds(120), Transport.retryAfter(" 120 ", NOW));
    assertEquals(Duration.ofSeconds(90), Transport.retryAfter("Sun, 01 Mar 2026 12:01:30 GMT",
        NOW));
    assertEquals(Duration.ZERO, Transport.retryAfter("Sun, 01 Mar 2026 11:00:00 GMT", NOW),
        "a date in the past: no wait");
    assertNull(Transport.retryAfter("-5", NOW));
    assertNull(Transport.retryAfter("soon", NOW));
    assertNull(Transport.retryAfter("", NOW));
    assertNull(Transport.retryAfter("1234567890123456789012", NOW));
  }
}
