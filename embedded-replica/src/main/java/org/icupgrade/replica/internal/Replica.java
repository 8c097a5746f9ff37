package org.icupgrade.replica.internal;

import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.RecordedCall;
import org.jspecify.annotations.Nullable;

/**
 * The replica's state machine: canisters, the management canister's methods with the interface
 * specification's rules, and the routing of calls. Calls about one canister are serialized on its
 * state; calls about different canisters run in parallel.
 */
public final class Replica {
  /** An ingress message is at most 2 MiB on application subnets (spec, "Resource limits"). */
  public static final int MAX_INGRESS_BYTES = 2 * 1024 * 1024;

  private static final System.Logger LOG = System.getLogger(Replica.class.getName());

  private final Canisters canisters;
  private final CanisterLifecycle lifecycle;
  private final ManagementCanister management;
  private final List<RecordedCall> calls = Collections.synchronizedList(new ArrayList<>());
  private final Faults faults = new Faults();

  public Replica(Clock clock, long instructionLimit) {
    this.canisters = new Canisters(clock, instructionLimit);
    this.lifecycle = new CanisterLifecycle(canisters);
    this.management = new ManagementCanister(canisters, lifecycle, new Snapshots());
  }

  public Faults faults() {
    return faults;
  }

  public List<RecordedCall> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  public void clearCalls() {
    calls.clear();
  }

  // ---- routing ----

  public byte[] update(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId) {
    return record(caller, canisterId, method, arg, effectiveCanisterId, false);
  }

  public byte[] query(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId) {
    return record(caller, canisterId, method, arg, effectiveCanisterId, true);
  }

  private byte[] record(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    boolean rejected = true;
    try {
      faults.check(effectiveCanisterId, method);
      // Spec, "Request: Call": an ingress message larger than the limit is not accepted.
      if (arg.length > MAX_INGRESS_BYTES) {
        throw new CanisterRejectException(RejectCode.CANISTER_REJECT,
            "Request is too large: the argument of " + method + " is " + arg.length
                + " bytes; an ingress message is at most " + MAX_INGRESS_BYTES + " bytes",
            "IC0504", canisterId, method);
      }
      byte[] reply = canisterId.isManagementCanister()
          ? management.call(caller, method, arg, effectiveCanisterId, query)
          : canister(caller, canisterId, method, arg, effectiveCanisterId, query);
      rejected = false;
      return reply;
    } finally {
      calls.add(new RecordedCall(caller, canisterId, method, effectiveCanisterId, arg.length,
          rejected));
    }
  }

  private byte[] canister(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    if (!effectiveCanisterId.equals(canisterId)) {
      throw Rejects.badRequest(method, "effective canister id " + effectiveCanisterId
          + " does not match the called canister " + canisterId);
    }
    CanisterState c = canisters.state(canisterId, method);
    if (c.builtin == null) {
      synchronized (wasmExecution) {
        return canister(c, caller, canisterId, method, arg, effectiveCanisterId, query);
      }
    }
    return canister(c, caller, canisterId, method, arg, effectiveCanisterId, query);
  }

  /**
   * Held while canister code runs. A canister's calls to other canisters are delivered while it
   * is locked, so with per-canister locks alone two canisters calling each other from two threads
   * would wait for each other forever. Canister code therefore runs one message at a time
   * replica-wide, which also keeps each canister's messages one at a time in order (spec,
   * "Abstract behavior": a canister executes one message at a time). Built-in canisters call no
   * one and keep their own locks.
   */
  private final Object wasmExecution = new Object();

  private byte[] canister(
      CanisterState c, Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    synchronized (c) {
      if (c.status != CanisterStatus.RunStatus.RUNNING) {
        throw new CanisterRejectException(RejectCode.CANISTER_ERROR,
            "Canister " + canisterId + " is " + c.status.name().toLowerCase(java.util.Locale.ROOT)
                + " and does not accept calls; start it first",
            "IC0508", canisterId, method);
      }
      BuiltinCanister b = c.builtin;
      if (b != null) {
        BuiltinCanister.CallContext ctx =
            new BuiltinCanister.CallContext(caller, canisterId, c.controllers.contains(caller));
        return query ? b.query(ctx, method, arg) : b.update(ctx, method, arg);
      }
      if (c.module == null) {
        throw new CanisterRejectException(RejectCode.DESTINATION_INVALID,
            "Canister " + canisterId + " has no code installed", "IC0537", canisterId, method);
      }
      WasmCanister code = c.code;
      if (code != null && code.hasMethod(method, query)) {
        if (!query && !canisters.isCanister(caller)) {
          inspect(c, code, caller, method, arg);
        }
        return execute(c, code, caller, method, arg, query);
      }
      // Spec, "Inter-canister method calls": a canister may call a query method; it runs as
      // an update (replicated), which for a query changes nothing.
      if (code != null && !query && effectiveCanisterId.equals(canisterId)
          && canisters.isCanister(caller) && code.hasMethod(method, true)) {
        return execute(c, code, caller, method, arg, true);
      }
      if (code != null && query && code.hasMethod(method, false)) {
        throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + canisterId
            + " has no query method '" + method + "' (it is an update method)", "IC0406",
            canisterId, method);
      }
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR,
          "Canister " + canisterId + " has no " + (query ? "query" : "update") + " method '"
              + method + "'", "IC0536", canisterId, method);
    }
  }

  /**
   * Asks the canister whether it accepts an ingress update call (spec, "Ingress message
   * inspection"); not for queries, calls from canisters or calls to the management canister.
   */
  private static void inspect(
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
  private byte[] execute(
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
        reply = o.callee().isManagementCanister()
            ? management.call(c.id, o.method(), o.arg(), null, false)
            : canister(c.id, o.callee(), o.method(), o.arg(), o.callee(), false);
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


  public Principal create(
      Principal caller, @Nullable CanisterSettings settings, BigInteger cycles,
      @Nullable Principal specifiedId) {
    return lifecycle.create(caller, settings, cycles, specifiedId);
  }

  public CanisterStatus canisterStatus(Principal caller, Principal canisterId) {
    return lifecycle.canisterStatus(caller, canisterId);
  }

  // ---- inspection ----

  public Optional<Sha256> moduleHash(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "read_state");
    synchronized (c) {
      return Optional.ofNullable(c.moduleHash);
    }
  }

  public List<Sha256> chunkStore(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "chunk_store");
    synchronized (c) {
      return List.copyOf(c.chunkStore.keySet());
    }
  }

  public CanisterStatus.RunStatus runStatus(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "status");
    synchronized (c) {
      return c.status;
    }
  }

  public List<Principal> controllers(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "controllers");
    synchronized (c) {
      return c.controllers;
    }
  }

  /**
   * Runs the global timers that are due on the replica's clock (spec, "Global timer"): each
   * canister's {@code canister_global_timer}, with the calls it makes. A trap rolls the timer's
   * changes back. Returns how many timers ran.
   */
  public int tick() {
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

  public void host(Principal canisterId, BuiltinCanister builtin) {
    CanisterState c = canisters.state(canisterId, "host");
    synchronized (c) {
      c.builtin = builtin;
    }
  }
}
