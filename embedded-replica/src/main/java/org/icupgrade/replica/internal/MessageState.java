package org.icupgrade.replica.internal;

import java.io.ByteArrayOutputStream;
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
  /** The instructions this execution has executed ({@code performance_counter} type 0). */
  long instructions;
  /**
   * How many it may execute: its kind's limit, less what the install it is part of has executed
   * before it.
   */
  long budget = Long.MAX_VALUE;
  boolean accepted;
  final List<Outgoing> outgoing = new ArrayList<>();
  /** The call under construction ({@code call_new} ... {@code call_perform}), if any. */
  @Nullable Principal newCallee;
  String newMethod = "";
  ByteArrayOutputStream newArg = new ByteArrayOutputStream();
  int[] newCallbacks = new int[6];
  /** The data certificate of this message, made on first use (the same for every ic0 call). */
  byte @Nullable [] dataCertificate;

  MessageState(Kind kind, byte[] arg, Principal caller, String method, CallContext call) {
    this.kind = kind;
    this.arg = arg;
    this.caller = caller;
    this.method = method;
    this.call = call;
  }
}
