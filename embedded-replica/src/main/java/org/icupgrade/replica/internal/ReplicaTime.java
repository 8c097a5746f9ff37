package org.icupgrade.replica.internal;

import java.time.Clock;
import java.time.Instant;

/** The IC's time: nanoseconds since the epoch, as {@code ic0.time} and the spec's records give it. */
public final class ReplicaTime {
  private ReplicaTime() {}

  /** {@code clock}'s instant in nanoseconds since the epoch (one reading of the clock). */
  public static long nanos(Clock clock) {
    Instant now = clock.instant();
    return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
  }
}
