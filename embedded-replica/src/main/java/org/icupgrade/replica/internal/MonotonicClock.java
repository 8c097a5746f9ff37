package org.icupgrade.replica.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that never goes backwards: each reading is the underlying clock's, or the latest
 * reading given out (or the floor a state directory restored) when that is later. Spec, "System
 * time": the time a canister sees is monotonic; a replica restarted from its state directory must
 * not hand out an earlier time than before it stopped, even if the host's clock was set back.
 */
final class MonotonicClock extends Clock {
  private final Clock clock;
  /** The latest time given out, in nanoseconds since the epoch. */
  private final AtomicLong latest;

  MonotonicClock(Clock clock, long floorNanos) {
    this.clock = clock;
    this.latest = new AtomicLong(floorNanos);
  }

  /** Raises the floor: no later reading is earlier than {@code nanos}. */
  void atLeast(long nanos) {
    latest.accumulateAndGet(nanos, Math::max);
  }

  /** The time now in nanoseconds since the epoch (one reading, recorded as the latest). */
  long nanos() {
    long now = ReplicaTime.nanos(clock);
    return latest.accumulateAndGet(now, Math::max);
  }

  @Override
  public Instant instant() {
    long n = nanos();
    return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
  }

  @Override
  public ZoneId getZone() {
    return clock.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new MonotonicClock(clock.withZone(zone), latest.get());
  }
}
