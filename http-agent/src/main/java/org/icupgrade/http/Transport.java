package org.icupgrade.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IcTimeoutException;
import org.icupgrade.core.RateLimitedException;
import org.icupgrade.core.TransportException;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP exchanges of the agent, on the caller's thread, over the agent's own {@link
 * Http11Client} or, when the user gave one, the JDK's {@link HttpClient}: each waits at most
 * until the call's deadline, and an interrupt of the caller cancels the exchange at
 * once, restores the thread's interrupt flag and throws. Failures are named as a user meets them:
 * an unknown host, a refused connection, a TLS failure, a timeout, an HTTP status.
 */
final class Transport {
  static final String CBOR = "application/cbor";

  private final @Nullable HttpClient client;
  private final @Nullable Http11Client http;
  private final URI base;
  private final Clock clock;

  /**
   * An HTTP answer: its status, body, and {@code Retry-After} header (null when absent), read
   * when the answer arrived as the delay it asks for (null when absent or unreadable).
   */
  record Response(int status, byte[] body, @Nullable Duration retryAfter) {
    Response(int status, byte[] body) {
      this(status, body, null);
    }

    String text() {
      String s = new String(body, StandardCharsets.UTF_8).strip();
      return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }
  }

  Transport(@Nullable HttpClient client, URI base) {
    this(client, base, Clock.systemUTC());
  }

  /**
   * Over {@code client}, or the agent's own {@link Http11Client} (30 s connect timeout) when it
   * is null; {@code clock} reads a {@code Retry-After} date.
   */
  Transport(@Nullable HttpClient client, URI base, Clock clock) {
    this.client = client;
    this.clock = clock;
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    this.http = client == null ? new Http11Client(this.base, Duration.ofSeconds(30)) : null;
  }

  URI base() {
    return base;
  }

  /** GET {@code path} (relative to the base URL). */
  Response get(String path, long deadlineNanos, String what) {
    if (http != null) {
      return exchange(http, "GET", path, null, deadlineNanos, what);
    }
    return send(HttpRequest.newBuilder(base.resolve(path)).GET(), deadlineNanos, what);
  }

  /** POST a CBOR {@code body} to {@code path} (relative to the base URL). */
  Response post(String path, byte[] body, long deadlineNanos, String what) {
    if (http != null) {
      return exchange(http, "POST", path, body, deadlineNanos, what);
    }
    return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", CBOR)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)), deadlineNanos, what);
  }

  private Response exchange(Http11Client h, String method, String path, byte @Nullable [] body,
      long deadlineNanos, String what) {
    if (deadlineNanos - System.nanoTime() <= 0) {
      throw timeout(what, null);
    }
    try {
      Http11Client.Answer a = h.exchange(method, base.resolve(path), body, CBOR, deadlineNanos);
      return new Response(a.status(), a.body(),
          a.retryAfter() == null ? null : retryAfter(a.retryAfter(), clock.instant()));
    } catch (Http11Client.DeadlinePassed e) {
      throw timeout(what, e);
    } catch (IOException e) {
      // An interrupt closes the channel the caller's thread was blocked on (its flag stays set).
      if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
        Thread.currentThread().interrupt();
        InterruptedException ie = new InterruptedException("the exchange was interrupted");
        ie.initCause(e);
        throw interrupted(what, ie);
      }
      throw failure(e, what);
    }
  }

  private Response send(HttpRequest.Builder b, long deadlineNanos, String what) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      throw timeout(what, null);
    }
    HttpClient client = java.util.Objects.requireNonNull(this.client);
    HttpRequest request = b.timeout(Duration.ofNanos(remaining)).build();
    CompletableFuture<HttpResponse<byte[]>> f =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    try {
      HttpResponse<byte[]> r = f.get(remaining, TimeUnit.NANOSECONDS);
      return new Response(r.statusCode(), r.body() == null ? new byte[0] : r.body(),
          r.headers().firstValue("Retry-After").map(v -> retryAfter(v, clock.instant()))
              .orElse(null));
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw interrupted(what, e);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw timeout(what, e);
    } catch (CancellationException e) {
      throw new TransportException(what + " to " + host() + " was cancelled", true, e);
    } catch (ExecutionException e) {
      throw failure(e.getCause() == null ? e : e.getCause(), what);
    }
  }

  static IcException interrupted(String what, InterruptedException e) {
    return new IcException("interrupted while waiting for " + what + "; the thread's interrupt"
        + " flag is set again. An update may still execute: check its effect before repeating it",
        e);
  }

  private IcTimeoutException timeout(String what, Throwable cause) {
    return new IcTimeoutException("timeout: no answer from " + host() + " to " + what
        + " before the call's deadline; an update may still execute: check its effect before"
        + " repeating it, or give the agent a longer timeout", cause);
  }

  /** The failure of an exchange, named as the user meets it. */
  private IcException failure(Throwable t, String what) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
        return new TransportException("unknown host " + base.getHost() + " (" + what + "): the"
            + " name does not resolve; check the replica URL " + base, false, t);
      }
      if (c instanceof SSLException) {
        return new TransportException("TLS failure talking to " + host() + " (" + what + "): "
            + c.getMessage() + "; check the URL's scheme (http for a local replica) and the"
            + " certificates the HTTP client trusts", false, t);
      }
      if (c instanceof HttpConnectTimeoutException || c instanceof HttpTimeoutException
          || c instanceof SocketTimeoutException) {
        return timeout(what, t);
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return new TransportException("connection refused by " + host() + " (" + what + "): is"
            + " the replica running and listening there?", true, t);
      }
    }
    return new TransportException("the exchange with " + host() + " failed (" + what + "): "
        + t, true, t);
  }

  /**
   * RFC 9110, 10.2.3: {@code Retry-After} is {@code delay-seconds} (a non-negative decimal
   * integer) or an {@code HTTP-date} (IMF-fixdate, RFC 9110 5.6.7), a date in the past meaning
   * no wait. Null when the value is neither.
   */
  static @Nullable Duration retryAfter(String value, Instant now) {
    String v = value.strip();
    if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // Beyond ~31 years the number is nonsense; 18 digits still fit a long.
      return v.length() > 18 ? null : Duration.ofSeconds(Long.parseLong(v));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * The HTTP status error of an answer not expected. 429, and 503 with a {@code Retry-After},
   * are a {@link RateLimitedException} (the IC refused the call for now, before running it);
   * other 5xx may pass on a retry; other 4xx will not.
   */
  TransportException status(Response r, String what) {
    if (r.status() == 429 || (r.status() == 503 && r.retryAfter() != null)) {
      return new RateLimitedException("HTTP " + r.status() + " from " + host() + " for " + what
          + (r.retryAfter() == null ? "" : " (Retry-After " + r.retryAfter().toSeconds() + " s)")
          + (r.body().length == 0 ? "" : ": " + r.text()) + "; the IC asks to slow down",
          r.status(), r.retryAfter());
    }
    boolean retryable = r.status() >= 500;
    return new TransportException("HTTP " + r.status() + " from " + host() + " for " + what
        + (r.body().length == 0 ? "" : ": " + r.text()), retryable, null);
  }

  String host() {
    return base.getPort() < 0 ? base.getHost() : base.getHost() + ":" + base.getPort();
  }
}
