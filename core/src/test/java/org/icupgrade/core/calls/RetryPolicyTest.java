package org.icupgrade.core.calls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IcTimeoutException;
import org.icupgrade.core.RateLimitedException;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.TransportException;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  final List<Duration> slept = new ArrayList<>();
  final RetryPolicy policy = RetryPolicy.exponential(4, Duration.ofMillis(100), Duration.ofMillis(250))
      .withSleeper(slept::add);

  static IcException transientReject() {
    return new CanisterRejectException(RejectCode.SYS_TRANSIENT, "busy", null, null, "m");
  }

  @Test
  void call_transientThenSuccess_retriedWithBackoff() {
    AtomicInteger attempts = new AtomicInteger();
    List<Integer> heard = new ArrayList<>();
    String result = policy.call("m", () -> {
      if (attempts.incrementAndGet() < 3) {
        throw transientReject();
      }
      return "ok";
    }, (method, attempt, delay, failure) -> heard.add(attempt));
    assertEquals("ok", result);
    assertEquals(3, attempts.get());
    assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), slept);
    assertEquals(List.of(1, 2), heard);
  }

  @Test
  void run_transientThenSuccess_repeatedLikeCall() {
    AtomicInteger attempts = new AtomicInteger();
    policy.run("stop_canister", () -> {
      if (attempts.incrementAndGet() < 2) {
        throw transientReject();
      }
    }, RetryListener.NONE);
    assertEquals(2, attempts.get());
    assertEquals(List.of(Duration.ofMillis(100)), slept);
  }

  @Test
  void call_transientForever_boundedThenLastFailure() {
    AtomicInteger attempts = new AtomicInteger();
    IcException e = assertThrows(TransportException.class, () -> policy.call("m", () -> {
      attempts.incrementAndGet();
      throw new TransportException("refused", true, null);
    }, RetryListener.NONE));
    assertEquals(4, attempts.get());
    assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(250)),
        slept);
    assertTrue(e.isTransient());
  }

  @Test
  void call_permanentFailures_neverRetried() {
    List<IcException> permanent = List.of(
        new CanisterRejectException(RejectCode.CANISTER_ERROR, "trap", "IC0503", null, "m"),
        new TransportException("HTTP 400", false, null),
        new CandidException("m", "f", "bad", null));
    for (IcException failure : permanent) {
      AtomicInteger attempts = new AtomicInteger();
      IcException thrown = assertThrows(IcException.class, () -> policy.call("m", () -> {
        attempts.incrementAndGet();
        throw failure;
      }, RetryListener.NONE));
      assertSame(failure, thrown);
      assertEquals(1, attempts.get(), failure.toString());
    }
    assertTrue(slept.isEmpty());
  }

  @Test
  void call_lostReply_alreadyDoneStopsRepetition() {
    AtomicInteger attempts = new AtomicInteger();
    Object r = policy.call("install_code", () -> {
      attempts.incrementAndGet();
      throw new IcTimeoutException("no answer", null);
    }, () -> true, RetryListener.NONE);
    assertNull(r);
    assertEquals(1, attempts.get());
  }

  @Test
  void call_transientReject_alreadyDoneNotAsked() {
    // A SYS_TRANSIENT reject says the call did not run: no need to look.
    AtomicInteger attempts = new AtomicInteger();
    String r = policy.call("install_code", () -> {
      if (attempts.incrementAndGet() == 1) {
        throw transientReject();
      }
      return "done";
    }, () -> {
      throw new AssertionError("asked");
    }, RetryListener.NONE);
    assertEquals("done", r);
  }

  @Test
  void call_interruptedWhileWaiting_failsWithFlagSet() {
    RetryPolicy interrupting = RetryPolicy.defaults().withSleeper(d -> {
      throw new InterruptedException();
    });
    try {
      assertThrows(TransportException.class, () -> interrupting.call("m", () -> {
        throw new TransportException("refused", true, null);
      }, RetryListener.NONE));
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void call_retryAfterLongerThanBackoff_waitsTheRetryAfter() {
    AtomicInteger attempts = new AtomicInteger();
    String r = policy.call("upload_chunk", () -> {
      if (attempts.incrementAndGet() == 1) {
        throw new RateLimitedException("HTTP 429", 429, Duration.ofSeconds(3));
      }
      return "ok";
    }, RetryListener.NONE);
    assertEquals("ok", r);
    assertEquals(List.of(Duration.ofSeconds(3)), slept);
  }

  @Test
  void call_retryAfterShorterThanBackoff_waitsTheBackoff() {
    AtomicInteger attempts = new AtomicInteger();
    policy.call("upload_chunk", () -> {
      if (attempts.incrementAndGet() == 1) {
        throw new RateLimitedException("HTTP 503", 503, Duration.ofMillis(1));
      }
      return "ok";
    }, RetryListener.NONE);
    assertEquals(List.of(Duration.ofMillis(100)), slept);
  }

  @Test
  void call_refusalWithoutRetryAfter_backoffAndNoAlreadyDoneQuestion() {
    // A 429 came before the call ran: nothing to check before repeating it.
    AtomicInteger attempts = new AtomicInteger();
    String r = policy.call("install_code", () -> {
      if (attempts.incrementAndGet() == 1) {
        throw new RateLimitedException("HTTP 429", 429, null);
      }
      return "done";
    }, () -> {
      throw new AssertionError("asked");
    }, RetryListener.NONE);
    assertEquals("done", r);
    assertEquals(List.of(Duration.ofMillis(100)), slept);
  }

  @Test
  void call_retryAfterBeyondTheMaximum_notRepeated() {
    AtomicInteger attempts = new AtomicInteger();
    RateLimitedException e = assertThrows(RateLimitedException.class, () -> policy.call("m",
        () -> {
          attempts.incrementAndGet();
          throw new RateLimitedException("HTTP 429", 429,
              RetryPolicy.MAX_RETRY_AFTER.plusSeconds(1));
        }, RetryListener.NONE));
    assertEquals(1, attempts.get());
    assertEquals(429, e.httpStatus());
    assertTrue(slept.isEmpty());
  }

  @Test
  void exponential_invalidArguments_refused() {
    assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.exponential(0, Duration.ZERO, Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.exponential(2, Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }
}
