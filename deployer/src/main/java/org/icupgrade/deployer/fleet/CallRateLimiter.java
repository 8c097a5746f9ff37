package org.icupgrade.deployer.fleet;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.icupgrade.core.calls.Sleeper;

/**
 * A token bucket shared by every call of a fleet: at most {@code callsPerSecond} on average, with
 * bursts of up to {@code burst}. When the IC pushes back (HTTP 429, which the transport reports
 * as a retryable {@link org.icupgrade.core.TransportException}), {@link #pushedBack} holds every
 * caller for a cool-down that doubles while push-backs keep coming and resets after a call goes
 * through; the call itself is retried by the upgrader's {@link org.icupgrade.core.calls.RetryPolicy}.
 *
 * <p>The hold is this limiter's cool-down ({@code initialCoolDown}, doubled up to {@code
 * maxCoolDown}), or the push-back's {@code Retry-After} when the IC gave a longer one (a {@link
 * org.icupgrade.core.RateLimitedException#retryAfter()}, see {@link #pushedBack(Duration)}).
 */
public final class CallRateLimiter {
  private final double perNano;
  private final double burst;
  private final Duration initialCoolDown;
  private final Duration maxCoolDown;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private double tokens;
  private long refilledAt;
  private long holdUntil;
  private Duration coolDown;
  private final AtomicLong pushBacks = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();

  /**
   * A limiter on the system clock that sleeps for real.
   *
   * @param callsPerSecond the average rate, above 0
   * @param burst how many calls may go at once after a quiet time, at least 1
   * @return the limiter, with a cool-down of 1 s doubling up to 30 s after a push-back
   */
  public static CallRateLimiter of(double callsPerSecond, int burst) {
    return new CallRateLimiter(callsPerSecond, burst, Duration.ofSeconds(1),
        Duration.ofSeconds(30), System::nanoTime, d -> Thread.sleep(d.toMillis(), d.toNanosPart()
            % 1_000_000));
  }

  /**
   * A limiter with its own clock and sleeper (tests move a clock instead of waiting).
   *
   * @param callsPerSecond the average rate, above 0
   * @param burst how many calls may go at once after a quiet time, at least 1
   * @param initialCoolDown how long callers are held after a first push-back
   * @param maxCoolDown the longest hold, however many push-backs follow
   * @param nanoTime the clock, in nanoseconds
   * @param sleeper how to wait
   */
  public CallRateLimiter(double callsPerSecond, int burst, Duration initialCoolDown,
      Duration maxCoolDown, LongSupplier nanoTime, Sleeper sleeper) {
    if (!(callsPerSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("callsPerSecond must be above 0 and burst at least 1, not "
          + callsPerSecond + " and " + burst);
    }
    this.perNano = callsPerSecond / 1e9;
    this.burst = burst;
    this.initialCoolDown = initialCoolDown;
    this.maxCoolDown = maxCoolDown;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
    this.tokens = burst;
    this.refilledAt = nanoTime.getAsLong();
    this.holdUntil = refilledAt;
    this.coolDown = initialCoolDown;
  }

  /**
   * Waits until a call may go, then takes its token.
   *
   * @throws IllegalStateException when interrupted while waiting (the interrupt flag is kept)
   */
  public void acquire() {
    while (true) {
      long waitNanos;
      synchronized (this) {
        long now = nanoTime.getAsLong();
        tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
        if (now < holdUntil) {
          waitNanos = holdUntil - now;
        } else if (tokens >= 1) {
          tokens -= 1;
          calls.incrementAndGet();
          return;
        } else {
          waitNanos = (long) Math.ceil((1 - tokens) / perNano);
        }
      }
      try {
        sleeper.sleep(Duration.ofNanos(Math.max(1, waitNanos)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the call-rate limit", e);
      }
    }
  }

  /** The IC pushed back (HTTP 429) without saying for how long: the limiter's own cool-down. */
  public void pushedBack() {
    pushedBack(Duration.ZERO);
  }

  /**
   * The IC pushed back and asked for {@code retryAfter} (its {@code Retry-After}): hold every
   * caller for that long, or for the cool-down if that is longer, then double the cool-down.
   *
   * @param retryAfter the wait the IC asked for; zero when it did not say
   */
  public synchronized void pushedBack(Duration retryAfter) {
    pushBacks.incrementAndGet();
    long now = nanoTime.getAsLong();
    Duration hold = retryAfter.compareTo(coolDown) > 0 ? retryAfter : coolDown;
    holdUntil = Math.max(holdUntil, now + hold.toNanos());
    Duration next = coolDown.multipliedBy(2);
    coolDown = next.compareTo(maxCoolDown) > 0 ? maxCoolDown : next;
    tokens = 0;
  }

  /** A call went through: the next push-back starts from the initial cool-down again. */
  public synchronized void wentThrough() {
    coolDown = initialCoolDown;
  }

  /**
   * How many push-backs were reported.
   *
   * @return the count
   */
  public long pushBacks() {
    return pushBacks.get();
  }

  /**
   * How many calls were let through.
   *
   * @return the count
   */
  public long calls() {
    return calls.get();
  }
}
