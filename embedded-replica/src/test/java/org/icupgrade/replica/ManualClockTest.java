package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManualClockTest {
  static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

  @Test
  void standsStill_untilMoved() {
    ManualClock clock = ManualClock.at(START);
    assertEquals(START, clock.instant());
    assertEquals(START.toEpochMilli(), clock.millis());
    assertEquals(START.plusSeconds(90), clock.advance(Duration.ofSeconds(90)));
    assertEquals(START.plusSeconds(90), clock.instant());
    clock.set(START.minusSeconds(5));
    assertEquals(START.minusSeconds(5), clock.instant());
  }

  @Test
  void advance_backwards_refused() {
    ManualClock clock = ManualClock.at(START);
    assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofNanos(-1)));
    assertEquals(START, clock.instant());
  }

  @Test
  void advancesFromManyThreads_allCount() throws InterruptedException {
    ManualClock clock = ManualClock.at(START);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 10_000; i++) {
          clock.advance(Duration.ofNanos(1));
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(START.plusNanos(40_000), clock.instant());
  }
}
