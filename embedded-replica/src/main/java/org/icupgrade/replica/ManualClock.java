package org.icupgrade.replica;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock a test moves by hand, for {@link EmbeddedReplica#start(Clock)} and whatever else of a
 * test measures time (leases, expiries, the asset canister's batch timeouts): it stands still
 * until {@link #advance} or {@link #set} moves it, so a test that waits "five minutes" takes no
 * time and means the same on every run. Safe to read and move from several threads.
 *
 * <pre>{@code
 * ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T00:00:00Z"));
 * EmbeddedReplica replica = EmbeddedReplica.start(clock);
 * ...
 * clock.advance(Duration.ofMinutes(6)); // the request has expired
 * }</pre>
 */
public final class ManualClock extends Clock {
  private final AtomicReference<Instant> now;

  private ManualClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /**
   * A clock standing at {@code start}.
   *
   * @param start the instant it shows until moved
   * @return the clock
   */
  public static ManualClock at(Instant start) {
    return new ManualClock(Objects.requireNonNull(start, "start"));
  }

  /**
   * Moves the clock forward.
   *
   * @param d how far; not negative (a clock a replica reads must not go back)
   * @return the instant it shows now
   * @throws IllegalArgumentException if {@code d} is negative
   */
  public Instant advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + d);
    }
    return now.updateAndGet(t -> t.plus(d));
  }

  /**
   * Sets the clock to {@code instant}, which may be earlier than now, for a test of what happens
   * then (the time a replica's canisters see still never goes back: spec, "System time").
   *
   * @param instant the instant it shows from now on
   */
  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** This clock: it has no zone of its own to change (instants are what it is for). */
  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public String toString() {
    return "ManualClock[" + now.get() + "]";
  }
}
