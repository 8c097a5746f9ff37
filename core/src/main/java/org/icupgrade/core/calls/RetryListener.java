package org.icupgrade.core.calls;

import java.time.Duration;
import org.icupgrade.core.IcException;

/** Told each time a call failed transiently and is about to be repeated. */
@FunctionalInterface
public interface RetryListener {
  /** A listener that ignores everything. */
  RetryListener NONE = (method, attempt, delay, failure) -> {};

  /**
   * Attempt {@code attempt} of {@code method} failed with {@code failure}; the next attempt follows
   * after {@code delay}.
   */
  void retrying(String method, int attempt, Duration delay, IcException failure);
}
