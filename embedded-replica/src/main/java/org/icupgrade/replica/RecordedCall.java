package org.icupgrade.replica;

import java.util.Arrays;
import java.util.Objects;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * One call the replica received: who called which method of which canister, routed by which
 * effective canister id, with which argument bytes, whether it was answered or rejected, and
 * whether a fault the test scripted ({@link Fault#loseReply()}) kept its answer from the caller.
 *
 * <p>The argument is kept as a copy: {@link #arg()} returns a fresh copy each time, so a record
 * cannot be changed through it. Equality compares the argument's contents.
 *
 * @param caller who sent the call
 * @param canisterId the canister called (the management canister for its methods)
 * @param method the method called
 * @param effectiveCanisterId the canister the call was routed by
 * @param arg the Candid argument bytes as sent
 * @param rejected whether the replica rejected the call (or a scripted fault failed it before it
 *     ran); a call that ran and was answered, even if its reply was then lost, is not rejected
 * @param replyLost whether the call ran but a scripted fault replaced its answer, reply or
 *     reject, with a failure
 */
public record RecordedCall(
    Principal caller,
    Principal canisterId,
    String method,
    Principal effectiveCanisterId,
    byte[] arg,
    boolean rejected,
    boolean replyLost) {

  /** Copies {@code arg}. */
  public RecordedCall {
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(canisterId, "canisterId");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(effectiveCanisterId, "effectiveCanisterId");
    arg = arg.clone();
  }

  /**
   * A copy of the argument bytes as sent.
   *
   * @return the argument, copied
   */
  @Override
  public byte[] arg() {
    return arg.clone();
  }

  /**
   * The argument's length in bytes.
   *
   * @return how many argument bytes were sent
   */
  public int argBytes() {
    return arg.length;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RecordedCall r
        && caller.equals(r.caller)
        && canisterId.equals(r.canisterId)
        && method.equals(r.method)
        && effectiveCanisterId.equals(r.effectiveCanisterId)
        && Arrays.equals(arg, r.arg)
        && rejected == r.rejected
        && replyLost == r.replyLost;
  }

  @Override
  public int hashCode() {
    return Objects.hash(caller, canisterId, method, effectiveCanisterId, Arrays.hashCode(arg),
        rejected, replyLost);
  }

  @Override
  public String toString() {
    return "RecordedCall[caller=" + caller + ", canisterId=" + canisterId + ", method=" + method
        + ", effectiveCanisterId=" + effectiveCanisterId + ", argBytes=" + arg.length
        + ", rejected=" + rejected + ", replyLost=" + replyLost + "]";
  }
}
