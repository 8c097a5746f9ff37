package org.icupgrade.replica;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * A fault a test scripts on an {@link EmbeddedReplica} with {@link EmbeddedReplica#fault}: which
 * calls it strikes (a method, optionally the canister they are about, and which attempts) and what
 * happens to them (a delay, a failure before the call runs, or a reply lost after it ran).
 *
 * <pre>{@code
 * // The 2nd upload_chunk about x fails before it changes anything.
 * replica.fault(Fault.on("upload_chunk").canister(x).attempt(2).failBefore(
 *     () -> new TransportException("connection reset", true, null)));
 * // The 1st install_chunked_code about x installs the module, but its caller sees a failure.
 * replica.fault(Fault.on("install_chunked_code").canister(x).loseReply());
 * // Every call to canister_status waits 50 ms first, for the next 3 calls.
 * replica.fault(Fault.on("canister_status").times(3).delay(Duration.ofMillis(50)));
 * }</pre>
 *
 * <p>Attempts are counted per fault, from the moment it is registered: attempt 1 is the first
 * call of the method (about the canister, if one is given) that the replica receives after {@link
 * EmbeddedReplica#fault}, whatever other faults do to it. A fault strikes attempts {@code
 * attempt(n)} to {@code n + times - 1} and is then spent.
 *
 * <p>Immutable: each method returns a new fault.
 */
public final class Fault {
  private final String method;
  private final @Nullable Principal canister;
  private final int attempt;
  private final int times;
  private final Duration delay;
  private final Outcome outcome;
  private final @Nullable Supplier<? extends RuntimeException> failure;

  /** What happens to a struck call once any delay has passed. */
  enum Outcome {
    /** It runs normally. */
    RUN,
    /** It fails before it changes anything. */
    FAIL_BEFORE,
    /** It runs, its effects stay, and the caller gets a failure instead of its answer. */
    LOSE_REPLY
  }

  private Fault(String method, @Nullable Principal canister, int attempt, int times,
      Duration delay, Outcome outcome, @Nullable Supplier<? extends RuntimeException> failure) {
    this.method = method;
    this.canister = canister;
    this.attempt = attempt;
    this.times = times;
    this.delay = delay;
    this.outcome = outcome;
    this.failure = failure;
  }

  /**
   * A fault on calls of {@code method}, about any canister, striking the next call; give it an
   * outcome ({@link #failBefore}, {@link #loseReply()}) or a {@link #delay} before registering it.
   *
   * @param method the method's name, e.g. {@code "upload_chunk"}
   * @return the fault
   */
  public static Fault on(String method) {
    Objects.requireNonNull(method, "method");
    return new Fault(method, null, 1, 1, Duration.ZERO, Outcome.RUN, null);
  }

  /**
   * Only calls about {@code effectiveCanisterId} count and are struck: the called canister, or,
   * for the management canister, the canister named in the call (the target of {@code
   * upload_chunk} or {@code install_chunked_code}). Calls about other canisters are untouched.
   *
   * @param effectiveCanisterId the canister the struck calls are about
   * @return the fault, narrowed to that canister
   */
  public Fault canister(Principal effectiveCanisterId) {
    return new Fault(method, Objects.requireNonNull(effectiveCanisterId, "effectiveCanisterId"),
        attempt, times, delay, outcome, failure);
  }

  /**
   * The first attempt struck, counting from 1: {@code attempt(2)} lets the first matching call
   * through and strikes the second.
   *
   * @param n the attempt, at least 1
   * @return the fault, striking from that attempt
   */
  public Fault attempt(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("attempts count from 1, got " + n);
    }
    return new Fault(method, canister, n, times, delay, outcome, failure);
  }

  /**
   * How many consecutive attempts are struck, from {@link #attempt}; 1 unless given.
   *
   * @param n how many, at least 1
   * @return the fault, striking that many attempts
   */
  public Fault times(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("times must be at least 1, got " + n);
    }
    return new Fault(method, canister, attempt, n, delay, outcome, failure);
  }

  /**
   * Struck calls fail with what {@code failure} supplies (e.g. a {@code SYS_TRANSIENT} reject or
   * a {@code TransportException}) before they change anything. Replaces {@link #loseReply()}.
   *
   * @param failure makes each failure
   * @return the fault, failing calls before they run
   */
  public Fault failBefore(Supplier<? extends RuntimeException> failure) {
    return new Fault(method, canister, attempt, times, delay, Outcome.FAIL_BEFORE,
        Objects.requireNonNull(failure, "failure"));
  }

  /**
   * Struck calls run, and what they change stays changed (the module installed, the chunk
   * stored), but the caller gets a retryable {@code TransportException} ("reply lost ...")
   * instead of the answer, as when a connection drops after the IC accepted the message. The
   * call is recorded with {@link RecordedCall#replyLost()}. Replaces {@link #failBefore}.
   *
   * @return the fault, losing replies
   */
  public Fault loseReply() {
    return new Fault(method, canister, attempt, times, delay, Outcome.LOSE_REPLY, null);
  }

  /**
   * As {@link #loseReply()}, but the caller gets what {@code failure} supplies, e.g. an {@code
   * IcTimeoutException}.
   *
   * @param failure makes the failure the caller sees instead of each answer
   * @return the fault, losing replies
   */
  public Fault loseReply(Supplier<? extends RuntimeException> failure) {
    return new Fault(method, canister, attempt, times, delay, Outcome.LOSE_REPLY,
        Objects.requireNonNull(failure, "failure"));
  }

  /**
   * Struck calls wait {@code delay} before anything else happens to them; alone, the call then
   * runs normally, and with {@link #failBefore} or {@link #loseReply()} it then fails. The wait
   * blocks the calling thread, through the replica's {@linkplain EmbeddedReplica#sleeper
   * sleeper} ({@link Thread#sleep} unless the test plugs in another).
   *
   * @param delay how long each struck call waits, zero or more
   * @return the fault, delaying calls
   */
  public Fault delay(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, got " + delay);
    }
    return new Fault(method, canister, attempt, times, delay, outcome, failure);
  }

  String method() {
    return method;
  }

  @Nullable Principal canisterId() {
    return canister;
  }

  int firstAttempt() {
    return attempt;
  }

  int attempts() {
    return times;
  }

  Duration delayBy() {
    return delay;
  }

  Outcome outcome() {
    return outcome;
  }

  @Nullable Supplier<? extends RuntimeException> failure() {
    return failure;
  }

  @Override
  public String toString() {
    return "Fault.on(" + method + ")" + (canister == null ? "" : ".canister(" + canister + ")")
        + ".attempt(" + attempt + ").times(" + times + ")"
        + (delay.isZero() ? "" : ".delay(" + delay + ")")
        + switch (outcome) {
          case RUN -> "";
          case FAIL_BEFORE -> ".failBefore(...)";
          case LOSE_REPLY -> failure == null ? ".loseReply()" : ".loseReply(...)";
        };
  }
}
