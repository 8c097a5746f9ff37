package org.icupgrade.core;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The IC (a boundary node or the replica) refused the call for now: HTTP 429 Too Many Requests,
 * or 503 Service Unavailable with a {@code Retry-After}. Transient: the same call may succeed
 * later, and {@link #retryAfter()} says when, if the answer said so.
 *
 * <p>The call was refused before it ran (RFC 9110, 15.5.30 / 15.6.4: the server did not act on
 * the request), so repeating it never does its work twice. The library's {@link
 * org.icupgrade.core.calls.RetryPolicy} waits at least {@link #retryAfter()} before the next
 * attempt, and a fleet's call-rate limiter holds every caller for that long.
 */
public class RateLimitedException extends TransportException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final @Nullable Duration retryAfter;

  /**
   * @param message what was refused, by whom
   * @param httpStatus the HTTP status of the refusal (429 or 503)
   * @param retryAfter how long the answer asked to wait ({@code Retry-After}), or null when it
   *     did not say
   */
  public RateLimitedException(String message, int httpStatus, @Nullable Duration retryAfter) {
    super(message, true, null);
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    this.httpStatus = httpStatus;
    this.retryAfter = retryAfter;
  }

  /**
   * The HTTP status of the refusal.
   *
   * @return 429 or 503
   */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * How long the answer asked the caller to wait before asking again (its {@code Retry-After},
   * given in seconds or as an HTTP date, turned into a delay from when it arrived).
   *
   * @return the delay; empty when the answer did not say
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
