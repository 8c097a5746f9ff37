package org.icupgrade.replica.internal;

import java.util.List;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.management.CanisterStatus;

/**
 * Runs messages on canisters' WASM code: ingress inspection, the message itself, the calls it
 * makes with their callbacks, and the global timers; one message at a time replica-wide.
 */
final class MessageExecution {
  private static final System.Logger LOG = System.getLogger(Replica.class.getName());

  /** Delivers a call a canister made and returns the reply, or throws the reject. */
  @FunctionalInterface
  interface Outcalls {
    byte[] call(Principal caller, Principal callee, String method, byte[] arg);
  }

  /**
   * Held while canister code runs. A canister's calls to other canisters are delivered while it
   * is locked, so with per-canister locks alone two canisters calling each other from two threads
   * would wait for each other forever. Canister code therefore runs one message at a time
   * replica-wide, which also keeps each canister's messages one at a time in order (spec,
   * "Abstract behavior": a canister executes one message at a time). Built-in canisters call no
   * one and keep their own locks.
   */
  final Object wasmExecution = new Object();

  private final Canisters canisters;
  private final Outcalls outcalls;

  MessageExecution(Canisters canisters, Outcalls outcalls) {
    this.canisters = canisters;
    this.outcalls = outcalls;
  }

  /**
   * Asks the canister whether it accepts an ingress update call (spec, "Ingress message
   * inspection"); not for queries, calls from canisters or calls to the management canister.
   */
  static void inspect(
      CanisterState c, WasmCanister code, Principal caller, String method, byte[] arg) {
    boolean accepted;
    try {
      accepted = code.inspect(method, arg, caller);
    } catch (WasmCanister.Trap t) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Canister " + c.id
          + " rejected the message in canister_inspect_message: " + t.getMessage(), "IC0406",
          c.id, method);
    }
    if (!accepted) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Canister " + c.id
          + " rejected the message: canister_inspect_message did not call ic0.accept_message",
          "IC0406", c.id, method);
    }
  }

  /** Runs a message on a canister's code (spec, "Canister interface (System API)"). */
  byte[] execute(
      CanisterState c, WasmCanister code, Principal caller, String method, byte[] arg,
      boolean query) {
    WasmCanister.CallContext call = new WasmCanister.CallContext();
    WasmCanister.Result r;
    try {
      r = code.run(query ? WasmCanister.Kind.QUERY : WasmCanister.Kind.UPDATE,
          (query ? "canister_query " : "canister_update ") + method, arg, caller, method);
      call = r.context();
    } catch (WasmCanister.Trap t) {
      throw WasmCanister.reject(c.id, method, t);
    }
    deliver(c, code, caller, method, call, r.calls());
    if (call.reject != null) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, call.reject, null,
          c.id, method);
    }
    if (!call.replied) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + c.id
          + " did not reply to the call", "IC0506", c.id, method);
    }
    return call.reply.toByteArray();
  }

  /**
   * Delivers the calls a message made, one after the other, each followed by its reply or reject
   * callback (and the cleanup callback when that traps), and the calls those callbacks make
   * (spec, "Inter-canister method calls"). The caller of each call is the calling canister.
   */
  private void deliver(CanisterState c, WasmCanister code, Principal caller, String method,
      WasmCanister.CallContext call, List<WasmCanister.Outgoing> calls) {
    for (WasmCanister.Outgoing o : calls) {
      byte[] reply = null;
      RejectCode rejectCode = null;
      String rejectMessage = "";
      try {
        reply = outcalls.call(c.id, o.callee(), o.method(), o.arg());
      } catch (CanisterRejectException e) {
        rejectCode = e.rejectCode();
        rejectMessage = e.rejectMessage();
      }
      WasmCanister.Result r;
      try {
        r = reply != null
            ? code.callback(WasmCanister.Kind.REPLY_CALLBACK, o.replyFun(), o.replyEnv(), reply,
                0, "", caller, method, call)
            : code.callback(WasmCanister.Kind.REJECT_CALLBACK, o.rejectFun(), o.rejectEnv(),
                new byte[0], rejectCode.code(), rejectMessage, caller, method, call);
      } catch (WasmCanister.Trap t) {
        if (o.cleanupFun() >= 0) {
          try {
            code.callback(WasmCanister.Kind.CLEANUP, o.cleanupFun(), o.cleanupEnv(),
                new byte[0], 0, "", caller, method, call);
          } catch (WasmCanister.Trap ignored) {
            // Spec: a trap in the cleanup callback is ignored; its changes roll back.
          }
        }
        continue;
      }
      deliver(c, code, caller, method, call, r.calls());
    }
  }


  /**
   * Runs the global timers that are due on the replica's clock (spec, "Global timer"): each
   * canister's {@code canister_global_timer}, with the calls it makes. A trap rolls the timer's
   * changes back. Returns how many timers ran.
   */
  int tick() {
    int ran = 0;
    long nanos = canisters.nowNanos();
    for (CanisterState c : canisters.all()) {
      synchronized (wasmExecution) {
        ran += fireTimer(c, nanos);
      }
    }
    return ran;
  }

  /** Runs {@code c}'s global timer if it is due; returns 1 if it ran, else 0. */
  private int fireTimer(CanisterState c, long nanos) {
    synchronized (c) {
      WasmCanister code = c.code;
      if (code == null || c.status != CanisterStatus.RunStatus.RUNNING
          || !code.takeDueTimer(nanos)) {
        return 0;
      }
      try {
        WasmCanister.Result r = code.run(WasmCanister.Kind.TIMER, "canister_global_timer",
            new byte[0], c.id, "canister_global_timer");
        deliver(c, code, c.id, "canister_global_timer", r.context(), r.calls());
      } catch (WasmCanister.Trap t) {
        LOG.log(System.Logger.Level.DEBUG, () -> c.id + ": global timer trapped: "
            + t.getMessage());
      }
      return 1;
    }
  }
}
