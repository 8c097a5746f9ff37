package org.icupgrade.core.install;

import java.time.Duration;

/**
 * How often and how patiently to repeat a call that failed transiently (a transport error, a
 * {@code SYS_TRANSIENT} reject). Failures that cannot change by repeating (not a controller,
 * invalid module, hash mismatch) are never retried, whatever the policy.
 */
public final class RetryPolicy {
  private static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  private static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8));

  private final int maxAttempts;
  private final Duration initialDelay;
  private final Duration maxDelay;

  private RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    this.maxAttempts = maxAttempts;
    this.initialDelay = initialDelay;
    this.maxDelay = maxDelay;
  }

  /** Five attempts, waiting 250 ms, then doubling up to 8 s. */
  public static RetryPolicy defaults() {
    return DEFAULT;
  }

  /** One attempt: never repeat. */
  public static RetryPolicy none() {
    return NONE;
  }

  /** Up to {@code maxAttempts} attempts, the delay doubling from {@code initialDelay} to {@code maxDelay}. */
  public static RetryPolicy exponential(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initialDelay <= maxDelay, got " + initialDelay + " and " + maxDelay);
    }
    return new RetryPolicy(maxAttempts, initialDelay, maxDelay);
  }

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

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay
        + ", maxDelay=" + maxDelay + "]";
  }
}
