package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.GlobalInstance;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.internal.WasmCanister.CallContext;
import org.icupgrade.replica.internal.WasmCanister.Kind;
import org.icupgrade.replica.internal.WasmCanister.Outgoing;
import org.jspecify.annotations.Nullable;

/** The per-message state the system API reads and writes. */
final class MessageState {
  final Kind kind;
  final byte[] arg;
  final Principal caller;
  final String method;
  final CallContext call;
  int rejectCode;
  String rejectMessage = "";
  /**
   * The instructions this execution has executed: counted by the interpreter's listener, or,
   * for a metered module, what {@link #settle} read from the counter when the execution ended.
   */
  long instructions;
  /** The metered module's instruction counter while this execution runs; null otherwise. */
  @Nullable GlobalInstance counter;
  /**
   * How many it may execute: its kind's limit, less what the install it is part of has executed
   * before it.
   */
  long budget = Long.MAX_VALUE;
  boolean accepted;
  /**
   * The cycles this execution burnt ({@code ic0.cycles_burn128}): taken from the canister's
   * balance when the execution commits, forgotten when it traps (its changes roll back).
   */
  BigInteger cyclesBurned = BigInteger.ZERO;
  final List<Outgoing> outgoing = new ArrayList<>();
  /** The call under construction ({@code call_new} ... {@code call_perform}), if any. */
  @Nullable Principal newCallee;
  String newMethod = "";
  ByteArrayOutputStream newArg = new ByteArrayOutputStream();
  int[] newCallbacks = new int[6];
  /** The data certificate of this message, made on first use (the same for every ic0 call). */
  byte @Nullable [] dataCertificate;

  /**
   * The instructions executed so far ({@code performance_counter} type 0): the budget less what
   * the counter has left. The counter is charged a block at the block's start and a call ends a
   * block, so during a system call this is exactly the instructions up to and including the call.
   */
  long instructions() {
    GlobalInstance g = counter;
    return g == null ? instructions : budget - g.getValue();
  }

  /** Freezes {@link #instructions} when the execution ends, before any rollback of globals. */
  void settle() {
    if (counter != null) {
      instructions = budget - counter.getValue();
      counter = null;
    }
  }

  MessageState(Kind kind, byte[] arg, Principal caller, String method, CallContext call) {
    this.kind = kind;
    this.arg = arg;
    this.caller = caller;
    this.method = method;
    this.call = call;
  }
}
