package org.icupgrade.core.calls;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IcTimeoutException;
import org.icupgrade.core.RateLimitedException;
import org.icupgrade.core.TransportException;
import org.jspecify.annotations.Nullable;

/**
 * How often and how patiently to repeat a call that failed transiently, and the one place where
 * every service of the library repeats its calls.
 *
 * <p>A failure is repeated only when {@link IcException#isTransient()} says so: a transport error
 * the transport marks retryable (a refused connection, HTTP 429 or 5xx), a {@code SYS_TRANSIENT}
 * reject, a timeout. Failures that cannot change by repeating (not a controller, an invalid
 * module, a hash mismatch, a malformed reply) are never repeated, whatever the policy.
 *
 * <p>A refusal that says when to ask again ({@link RateLimitedException#retryAfter()}, an HTTP
 * {@code Retry-After}) is repeated no sooner than that, even when this policy's own delay is
 * shorter; one asking for more than {@link #MAX_RETRY_AFTER} is not repeated.
 *
 * <p>A transport failure or a timeout may hide a call that was executed and whose reply was lost.
 * {@link #call(String, Supplier, BooleanSupplier, RetryListener)} asks the caller, before repeating
 * such a call, whether its effect is already there (for an install: the module hash); the other
 * {@code call} is for calls that may safely run twice.
 *
 * <p>Immutable and thread-safe; an interrupt while waiting ends the call with the failure and the
 * thread's interrupt flag set.
 */
public final class RetryPolicy {
  private static final RetryPolicy NONE =
      new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Sleeper.SYSTEM);
  private static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8), Sleeper.SYSTEM);

  /**
   * The longest {@code Retry-After} a policy waits for: an answer asking for more is passed on as
   * the failure, rather than holding the caller's thread for it.
   */
  public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

  private final int maxAttempts;
  private final Duration initialDelay;
  private final Duration maxDelay;
  private final Sleeper sleeper;

  private RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, Sleeper sleeper) {
    this.maxAttempts = maxAttempts;
    this.initialDelay = initialDelay;
    this.maxDelay = maxDelay;
    this.sleeper = sleeper;
  }

  /** Five attempts, waiting 250 ms, then doubling up to 8 s. */
  public static RetryPolicy defaults() {
    return DEFAULT;
  }

  /** One attempt: never repeat. */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * Up to {@code maxAttempts} attempts, the delay doubling from {@code initialDelay} to
   * {@code maxDelay}.
   *
   * @throws IllegalArgumentException when {@code maxAttempts < 1} or the delays are not
   *     {@code 0 <= initialDelay <= maxDelay}
   */
  public static RetryPolicy exponential(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initialDelay <= maxDelay, got " + initialDelay + " and " + maxDelay);
    }
    return new RetryPolicy(maxAttempts, initialDelay, maxDelay, Sleeper.SYSTEM);
  }

  /**
   * This policy, waiting with {@code sleeper} instead of {@link Thread#sleep}: the plug point for
   * tests that must not sleep.
   */
  public RetryPolicy withSleeper(Sleeper sleeper) {
    return new RetryPolicy(maxAttempts, initialDelay, maxDelay, Objects.requireNonNull(sleeper));
  }

  /** The most attempts a call gets, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The wait before attempt {@code attempt} (2 for the first repetition). */
  public Duration delayBefore(int attempt) {
    if (attempt <= 1) {
      return Duration.ZERO;
    }
    Duration d = initialDelay;
    for (int i = 2; i < attempt && d.compareTo(maxDelay) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxDelay) > 0 ? maxDelay : d;
  }

  /**
   * Makes a call that may safely run twice (a read, an idempotent upload), repeating it after
   * transient failures as this policy allows.
   *
   * @throws IcException the last failure, when it is permanent or the attempts are used up
   */
  public <T extends @Nullable Object> T call(
      String method, Supplier<T> call, RetryListener listener) {
    return attempt(method, call, null, listener);
  }

  /**
   * Makes a call that returns nothing and may safely run twice, repeating it after transient
   * failures as this policy allows.
   *
   * @throws IcException the last failure, when it is permanent or the attempts are used up
   */
  public void run(String method, Runnable call, RetryListener listener) {
    attempt(method, () -> {
      call.run();
      return null;
    }, null, listener);
  }

  /**
   * Makes a call whose repetition would do its work twice, repeating it after transient
   * failures. When the failure leaves the outcome unknown (a transport failure or a timeout: the
   * call may have run), {@code alreadyDone} is asked after the wait; when it answers true the call
   * is not repeated and this returns {@code null}.
   *
   * @throws IcException the last failure, when it is permanent or the attempts are used up, or what
   *     {@code alreadyDone} throws
   */
  public <T extends @Nullable Object> @Nullable T call(
      String method, Supplier<T> call, BooleanSupplier alreadyDone, RetryListener listener) {
    return attempt(method, call, alreadyDone, listener);
  }

  private <T extends @Nullable Object> T attempt(
      String method, Supplier<T> call, @Nullable BooleanSupplier alreadyDone,
      RetryListener listener) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (IcException e) {
        if (!e.isTransient() || attempt >= maxAttempts) {
          throw e;
        }
        Duration delay = delayAfter(e, attempt + 1);
        if (delay == null) {
          // Asked to wait longer than this policy ever waits: give the refusal to the caller.
          throw e;
        }
        listener.retrying(method, attempt, delay, e);
        try {
          sleeper.sleep(delay);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          e.addSuppressed(ie);
          throw e;
        }
        if (alreadyDone != null && outcomeUnknown(e) && alreadyDone.getAsBoolean()) {
          return nothing();
        }
      }
    }
  }

  /**
   * The wait before attempt {@code attempt} after {@code e}: this policy's delay, or the {@code
   * Retry-After} of a refusal when that is longer (RFC 9110, 10.2.3: the client ought to wait at
   * least that long). Null when that wait is longer than {@link #MAX_RETRY_AFTER}.
   */
  private @Nullable Duration delayAfter(IcException e, int attempt) {
    Duration delay = delayBefore(attempt);
    if (e instanceof RateLimitedException r && r.retryAfter().isPresent()) {
      Duration asked = r.retryAfter().get();
      if (asked.compareTo(MAX_RETRY_AFTER) > 0) {
        return null;
      }
      if (asked.compareTo(delay) > 0) {
        return asked;
      }
    }
    return delay;
  }

  @SuppressWarnings("unchecked")
  private static <T extends @Nullable Object> T nothing() {
    return (T) null;
  }

  /** Whether the failure may hide a call that ran: its reply, not its request, may be what got lost. */
  static boolean outcomeUnknown(IcException e) {
    // A refusal (429, 503) came before the call ran: its outcome is known, nothing happened.
    return (e instanceof TransportException && !(e instanceof RateLimitedException))
        || e instanceof IcTimeoutException;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay
        + ", maxDelay=" + maxDelay + "]";
  }
}
