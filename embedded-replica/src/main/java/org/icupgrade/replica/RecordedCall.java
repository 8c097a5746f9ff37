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
 * cannot be changed through it. Equality compares the argument's contents. A replica told to keep
 * only sizes ({@link EmbeddedReplica#keepCallArguments(boolean)}, for big fleets whose uploads
 * would otherwise stay in memory) records an empty argument and its length in {@link #argBytes()};
 * {@link #arg()} then refuses, {@link #argKept()} says which.
 */
public final class RecordedCall {
  private final Principal caller;
  private final Principal canisterId;
  private final String method;
  private final Principal effectiveCanisterId;
  private final byte[] arg;
  private final boolean rejected;
  private final boolean replyLost;
  private final int argBytes;

  /**
   * Copies {@code arg}; {@code argBytes} is its length, or the length of an argument not kept.
   *
   * @param caller who sent the call
   * @param canisterId the canister called
   * @param method the method called
   * @param effectiveCanisterId the canister the call was routed by
   * @param arg the argument bytes, copied; empty for an argument not kept
   * @param rejected whether the call was rejected
   * @param replyLost whether its answer was replaced by a failure
   * @param argBytes the argument's length
   */
  public RecordedCall(Principal caller, Principal canisterId, String method,
      Principal effectiveCanisterId, byte[] arg, boolean rejected, boolean replyLost,
      int argBytes) {
    this(caller, canisterId, method, effectiveCanisterId, arg.clone(), rejected, replyLost,
        argBytes, true);
  }

  private RecordedCall(Principal caller, Principal canisterId, String method,
      Principal effectiveCanisterId, byte[] owned, boolean rejected, boolean replyLost,
      int argBytes, boolean unused) {
    this.caller = Objects.requireNonNull(caller, "caller");
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
    this.method = Objects.requireNonNull(method, "method");
    this.effectiveCanisterId = Objects.requireNonNull(effectiveCanisterId, "effectiveCanisterId");
    if (owned.length != 0 && owned.length != argBytes || argBytes < 0) {
      throw new IllegalArgumentException("argBytes " + argBytes + " is neither the argument's"
          + " length " + owned.length + " nor that of an argument not kept");
    }
    this.arg = owned;
    this.rejected = rejected;
    this.replyLost = replyLost;
    this.argBytes = argBytes;
  }

  /**
   * A call with its whole argument kept, taking {@code arg} as its own without copying it: for
   * the replica, which records the copy it received and shares it with what the call stored (a
   * chunk store keeps its chunk inside it), so a large argument is held once. No one may write
   * to {@code arg} afterwards.
   *
   * @param caller who sent the call
   * @param canisterId the canister called
   * @param method the method called
   * @param effectiveCanisterId the canister the call was routed by
   * @param arg the argument bytes, taken as they are
   * @param rejected whether the call was rejected
   * @param replyLost whether its answer was replaced by a failure
   * @return the record
   */
  public static RecordedCall taking(Principal caller, Principal canisterId, String method,
      Principal effectiveCanisterId, byte[] arg, boolean rejected, boolean replyLost) {
    return new RecordedCall(caller, canisterId, method, effectiveCanisterId, arg, rejected,
        replyLost, arg.length, true);
  }

  /**
   * Who sent the call.
   *
   * @return the caller
   */
  public Principal caller() {
    return caller;
  }

  /**
   * The canister called (the management canister for its methods).
   *
   * @return the canister
   */
  public Principal canisterId() {
    return canisterId;
  }

  /**
   * The method called.
   *
   * @return the method's name
   */
  public String method() {
    return method;
  }

  /**
   * The canister the call was routed by.
   *
   * @return the effective canister id
   */
  public Principal effectiveCanisterId() {
    return effectiveCanisterId;
  }

  /**
   * Whether the replica rejected the call (or a scripted fault failed it before it ran); a call
   * that ran and was answered, even if its reply was then lost, is not rejected.
   *
   * @return whether it was rejected
   */
  public boolean rejected() {
    return rejected;
  }

  /**
   * Whether the call ran but a scripted fault replaced its answer, reply or reject, with a
   * failure.
   *
   * @return whether its answer was lost
   */
  public boolean replyLost() {
    return replyLost;
  }

  /**
   * A call with its whole argument kept.
   *
   * @param caller who sent the call
   * @param canisterId the canister called
   * @param method the method called
   * @param effectiveCanisterId the canister the call was routed by
   * @param arg the argument bytes, copied
   * @param rejected whether the call was rejected
   * @param replyLost whether its answer was replaced by a failure
   */
  public RecordedCall(Principal caller, Principal canisterId, String method,
      Principal effectiveCanisterId, byte[] arg, boolean rejected, boolean replyLost) {
    this(caller, canisterId, method, effectiveCanisterId, arg, rejected, replyLost, arg.length);
  }

  /**
   * A call of which only the argument's length was kept.
   *
   * @param caller who sent the call
   * @param canisterId the canister called
   * @param method the method called
   * @param effectiveCanisterId the canister the call was routed by
   * @param argBytes the argument's length
   * @param rejected whether the call was rejected
   * @param replyLost whether its answer was replaced by a failure
   * @return the record, with an empty argument
   */
  public static RecordedCall sizeOnly(Principal caller, Principal canisterId, String method,
      Principal effectiveCanisterId, int argBytes, boolean rejected, boolean replyLost) {
    return new RecordedCall(caller, canisterId, method, effectiveCanisterId, new byte[0],
        rejected, replyLost, argBytes);
  }

  /**
   * Whether the argument's bytes were kept ({@link #arg()} has them).
   *
   * @return false when the replica kept only the size of a non-empty argument
   */
  public boolean argKept() {
    return arg.length == argBytes;
  }

  /**
   * A copy of the argument bytes as sent.
   *
   * @return the argument, copied
   */
  public byte[] arg() {
    if (!argKept()) {
      throw new IllegalStateException("the replica kept only the size of this " + method
          + " argument (" + argBytes + " bytes): call EmbeddedReplica.keepCallArguments(true)"
          + " before the calls to keep their bytes");
    }
    return arg.clone();
  }

  /**
   * The argument's length in bytes, whether its bytes were kept or not.
   *
   * @return how many argument bytes were sent
   */
  public int argBytes() {
    return argBytes;
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
        && replyLost == r.replyLost
        && argBytes == r.argBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(caller, canisterId, method, effectiveCanisterId, Arrays.hashCode(arg),
        rejected, replyLost, argBytes);
  }

  @Override
  public String toString() {
    return "RecordedCall[caller=" + caller + ", canisterId=" + canisterId + ", method=" + method
        + ", effectiveCanisterId=" + effectiveCanisterId + ", argBytes=" + argBytes
        + (argKept() ? "" : " (not kept)")
        + ", rejected=" + rejected + ", replyLost=" + replyLost + "]";
  }
}
