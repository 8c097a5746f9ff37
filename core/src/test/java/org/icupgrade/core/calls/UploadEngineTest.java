package org.icupgrade.core.calls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.TransportException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UploadEngineTest {
  final ExecutorService pool = Executors.newFixedThreadPool(6);
  final RetryPolicy noSleep = RetryPolicy.defaults().withSleeper(d -> {});

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  static List<Integer> range(int n) {
    List<Integer> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(i);
    }
    return l;
  }

  @Test
  void run_boundHeldAndEveryItemUploaded() {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<Integer> uploaded = Collections.synchronizedList(new ArrayList<>());
    UploadEngine.of(pool, 3, noSleep).run("upload_chunk", range(40), i -> {
      most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inFlight.decrementAndGet();
      uploaded.add(i);
    }, UploadEngine.Progress.none(), RetryListener.NONE);
    assertEquals(40, uploaded.size());
    assertTrue(most.get() <= 3, "at most 3 in flight, saw " + most.get());
  }

  @Test
  void run_transientFailure_retriedPerUpload() {
    Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
    List<String> retried = Collections.synchronizedList(new ArrayList<>());
    UploadEngine.of(pool, 4, noSleep).run("create_chunk", range(10), i -> {
      if (attempts.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet() == 1
          && i % 3 == 0) {
        throw new CanisterRejectException(RejectCode.SYS_TRANSIENT, "busy", null, null, null);
      }
    }, UploadEngine.Progress.none(), (m, a, d, f) -> retried.add(m));
    assertEquals(4, retried.size()); // items 0, 3, 6, 9
    assertEquals(2, attempts.get(3).get());
    assertEquals(1, attempts.get(4).get());
  }

  @Test
  void run_progressInCountOrder() {
    List<Integer> counts = Collections.synchronizedList(new ArrayList<>());
    UploadEngine.of(pool, 6, noSleep).run("upload_chunk", range(50), i -> {
      try {
        Thread.sleep(i % 4);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, (item, done, total) -> {
      counts.add(done);
      assertEquals(50, total);
    }, RetryListener.NONE);
    List<Integer> expected = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      expected.add(i);
    }
    assertEquals(expected, counts);
  }

  @Test
  void run_permanentFailure_stopsSubmittingAndThrowsFirst() {
    IcException boom = new TransportException("HTTP 400", false, null);
    AtomicInteger started = new AtomicInteger();
    IcException thrown = assertThrows(IcException.class,
        () -> UploadEngine.of(Runnable::run, 1, noSleep).run("upload_chunk", range(20), i -> {
          started.incrementAndGet();
          if (i == 2) {
            throw boom;
          }
        }, UploadEngine.Progress.none(), RetryListener.NONE));
    assertSame(boom, thrown);
    assertEquals(3, started.get());
  }

  @Test
  void run_rejectedByExecutor_clearError() {
    ExecutorService dead = Executors.newSingleThreadExecutor();
    dead.shutdown();
    IcException e = assertThrows(IcException.class, () -> UploadEngine.of(dead, 2, noSleep)
        .run("upload_chunk", range(3), i -> {}, UploadEngine.Progress.none(), RetryListener.NONE));
    assertTrue(e.getMessage().contains("refused"), e.getMessage());
  }

  @Test
  void run_interrupted_waitsForRunningThenFailsWithFlag() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger finished = new AtomicInteger();
    List<Throwable> outcome = Collections.synchronizedList(new ArrayList<>());
    List<Boolean> flag = Collections.synchronizedList(new ArrayList<>());
    Thread caller = new Thread(() -> {
      try {
        UploadEngine.of(pool, 1, noSleep).run("upload_chunk", range(5), i -> {
          running.countDown();
          try {
            release.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          finished.incrementAndGet();
        }, UploadEngine.Progress.none(), RetryListener.NONE);
      } catch (Throwable t) {
        outcome.add(t);
      }
      flag.add(Thread.currentThread().isInterrupted());
    });
    caller.start();
    assertTrue(running.await(5, TimeUnit.SECONDS));
    caller.interrupt();
    release.countDown();
    caller.join(5_000);
    assertEquals(1, outcome.size());
    assertTrue(outcome.get(0).getMessage().contains("interrupted"), outcome.get(0).toString());
    assertEquals(List.of(true), flag);
    assertTrue(finished.get() < 5, "no new upload after the interrupt");
  }

  @Test
  void of_zeroBound_refused() {
    assertThrows(IllegalArgumentException.class, () -> UploadEngine.of(pool, 0, noSleep));
  }
}
