package org.icupgrade.core.calls;

import java.time.Duration;

/** Waits between retries; a plug point so tests run without real sleeps. */
@FunctionalInterface
public interface Sleeper {
  /** The real thing: {@link Thread#sleep}. */
  Sleeper SYSTEM = d -> Thread.sleep(d.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
