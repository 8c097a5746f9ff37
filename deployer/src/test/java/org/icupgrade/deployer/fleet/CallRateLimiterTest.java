package org.icupgrade.deployer.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter's holds, on a clock that moves only when the limiter sleeps. */
class CallRateLimiterTest {
  final AtomicLong nanos = new AtomicLong();
  final AtomicLong slept = new AtomicLong();
  final CallRateLimiter limiter = new CallRateLimiter(1_000, 10, Duration.ofMillis(500),
      Duration.ofSeconds(4), nanos::get, d -> {
        slept.addAndGet(d.toNanos());
        nanos.addAndGet(d.toNanos());
      });

  @Test
  void pushedBackWithRetryAfter_longerThanTheCoolDown_holdsThatLong() {
    limiter.pushedBack(Duration.ofSeconds(3));
    limiter.acquire();
    assertEquals(Duration.ofSeconds(3).toNanos(), slept.get());
  }

  @Test
  void pushedBackWithRetryAfter_shorterThanTheCoolDown_holdsTheCoolDown() {
    limiter.pushedBack(Duration.ofMillis(10));
    limiter.acquire();
    assertEquals(Duration.ofMillis(500).toNanos(), slept.get());
  }

  @Test
  void pushedBackWithoutRetryAfter_coolDownDoubles_resetByACallThrough() {
    limiter.pushedBack();
    limiter.acquire();
    limiter.pushedBack();
    limiter.acquire();
    assertEquals(Duration.ofMillis(1500).toNanos(), slept.get(), "0.5 s, then 1 s");
    limiter.wentThrough();
    slept.set(0);
    limiter.pushedBack();
    limiter.acquire();
    assertEquals(Duration.ofMillis(500).toNanos(), slept.get());
    assertEquals(3, limiter.pushBacks());
  }
}
