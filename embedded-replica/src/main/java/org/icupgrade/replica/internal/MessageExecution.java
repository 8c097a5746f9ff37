package org.icupgrade.replica.internal;

import java.util.List;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.management.CanisterStatus;
import org.jspecify.annotations.Nullable;

/**
 * Runs messages on canisters' WASM code: ingress inspection, the message itself, the calls it
 * makes with their callbacks, and the global timers.
 *
 * <p>Spec, "Abstract behavior": a canister executes one message at a time, and an inter-canister
 * call is asynchronous: the calling message ends, the call is delivered, and its response is a
 * new message (the callback) on the caller. So each message and each callback runs holding only
 * its own canister's lock, and a call is delivered with no lock held: canisters run in parallel,
 * messages to one canister one at a time, and two canisters calling each other at once cannot
 * wait for each other. Another message may run on a canister between one of its messages and the
 * callbacks of the calls that message made, as on the IC.
 */
final class MessageExecution {
  private static final System.Logger LOG = System.getLogger(Replica.class.getName());

  /** Delivers a call a canister made and returns the reply, or throws the reject. */
  @FunctionalInterface
  interface Outcalls {
    byte[] call(Principal caller, Principal callee, String method, byte[] arg);
  }

  /**
   * A message that has run on a canister's code, with the calls it made still to be delivered
   * ({@link #finish}).
   */
  static final class Started {
    private final CanisterState canister;
    private final Principal caller;
    private final String method;
    private final WasmCanister.CallContext call;
    private final List<WasmCanister.Outgoing> calls;

    private Started(CanisterState canister, Principal caller, String method,
        WasmCanister.CallContext call, List<WasmCanister.Outgoing> calls) {
      this.canister = canister;
      this.caller = caller;
      this.method = method;
      this.call = call;
      this.calls = calls;
    }
  }

  /** The trap of the callback that ran last, if it trapped: it may answer the call (below). */
  private static final class LastCallback {
    @Nullable CanisterRejectException trapped;
  }

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

  /**
   * Runs a message on a canister's code (spec, "Canister interface (System API)"). The caller
   * holds {@code c}'s lock, and releases it before {@link #finish} delivers the calls made.
   */
  Started start(
      CanisterState c, WasmCanister code, Principal caller, String method, byte[] arg,
      boolean query) {
    WasmCanister.Result r;
    try {
      r = code.run(query ? WasmCanister.Kind.QUERY : WasmCanister.Kind.UPDATE,
          (query ? "canister_query " : "canister_update ") + method, arg, caller, method);
    } catch (WasmCanister.Trap t) {
      throw WasmCanister.reject(c.id, method, t);
    }
    return new Started(c, caller, method, r.context(), r.calls());
  }

  /**
   * Delivers the calls a started message made, with their callbacks, holding no lock but the
   * callee's and, for each callback, the caller's; then answers the call.
   */
  byte[] finish(Started s) {
    LastCallback last = new LastCallback();
    deliver(s.canister, s.caller, s.method, s.call, s.calls, last);
    WasmCanister.CallContext call = s.call;
    if (call.reject != null) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, call.reject, null,
          s.canister.id, s.method);
    }
    if (!call.replied) {
      // The IC's call context manager (rs/replicated_state, CallContextManager
      // on_canister_result): a callback that fails when it is the last one outstanding and the
      // call is not answered yet answers it with the callback's error, as the user error of that
      // failure (code and "Error from Canister <id>: ..." text, see WasmCanister.reject).
      if (last.trapped != null) {
        throw last.trapped;
      }
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + s.canister.id
          + " did not reply to the call", "IC0506", s.canister.id, s.method);
    }
    return call.reply.toByteArray();
  }

  /**
   * Delivers the calls a message made, one after the other, each followed by its reply or reject
   * callback (and the cleanup callback when that traps), and the calls those callbacks make
   * (spec, "Inter-canister method calls"). The caller of each call is the calling canister. No
   * lock is held while a call is delivered; each callback runs holding {@code c}'s.
   */
  private void deliver(CanisterState c, Principal caller, String method,
      WasmCanister.CallContext call, List<WasmCanister.Outgoing> calls, LastCallback last) {
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
      List<WasmCanister.Outgoing> next;
      synchronized (c) {
        next = callback(c, caller, method, call, o, reply, rejectCode, rejectMessage,
            last);
      }
      deliver(c, caller, method, call, next, last);
    }
  }

  /** Runs one callback; the caller holds {@code c}'s lock. Returns the calls it made. */
  private static List<WasmCanister.Outgoing> callback(CanisterState c, Principal caller,
      String method, WasmCanister.CallContext call, WasmCanister.Outgoing o,
      byte @Nullable [] reply, @Nullable RejectCode rejectCode, String rejectMessage,
      LastCallback last) {
    // The response goes to the code installed now: an upgrade while the call was out runs the
    // callback in the new module (spec, "IC method install_code"); with no code left (uninstall)
    // there is nothing to run it.
    WasmCanister code = c.code;
    if (code == null) {
      last.trapped = new CanisterRejectException(RejectCode.CANISTER_REJECT,
          "Canister " + c.id + " has been uninstalled.", "IC0536", c.id, method);
      return List.of();
    }
    try {
      WasmCanister.Result r = reply != null
          ? code.callback(WasmCanister.Kind.REPLY_CALLBACK, o.replyFun(), o.replyEnv(), reply,
              0, "", caller, method, call)
          : code.callback(WasmCanister.Kind.REJECT_CALLBACK, o.rejectFun(), o.rejectEnv(),
              new byte[0], rejectCode.code(), rejectMessage, caller, method, call);
      last.trapped = null;
      return r.calls();
    } catch (WasmCanister.Trap t) {
      CanisterRejectException trapped = WasmCanister.reject(c.id, method, t);
      if (o.cleanupFun() >= 0) {
        try {
          code.callback(WasmCanister.Kind.CLEANUP, o.cleanupFun(), o.cleanupEnv(),
              new byte[0], 0, "", caller, method, call);
        } catch (WasmCanister.Trap cleanup) {
          // Spec: a trap in the cleanup callback is ignored; its changes roll back. The IC's
          // error then names both (HypervisorError::Cleanup: the callback's error, then
          // "call_on_cleanup also failed:" and the cleanup's, with the callback's code).
          trapped = new CanisterRejectException(trapped.rejectCode(), trapped.rejectMessage()
              + "\n\ncall_on_cleanup also failed:\n\n"
              + WasmCanister.reject(c.id, method, cleanup).rejectMessage(),
              trapped.errorCode().orElse(null), c.id, method);
        }
      }
      last.trapped = trapped;
      return List.of();
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
      ran += fireTimer(c, nanos);
    }
    return ran;
  }

  /** Runs {@code c}'s global timer if it is due; returns 1 if it ran, else 0. */
  private int fireTimer(CanisterState c, long nanos) {
    WasmCanister code;
    WasmCanister.Result r;
    synchronized (c) {
      code = c.code;
      if (code == null || c.status != CanisterStatus.RunStatus.RUNNING
          || !code.takeDueTimer(nanos)) {
        return 0;
      }
      try {
        r = code.run(WasmCanister.Kind.TIMER, "canister_global_timer",
            new byte[0], c.id, "canister_global_timer");
      } catch (WasmCanister.Trap t) {
        LOG.log(System.Logger.Level.DEBUG, () -> c.id + ": global timer trapped: "
            + t.getMessage());
        return 1;
      }
    }
    deliver(c, c.id, "canister_global_timer", r.context(), r.calls(), new LastCallback());
    return 1;
  }
}
