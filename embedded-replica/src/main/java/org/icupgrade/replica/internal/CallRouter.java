package org.icupgrade.replica.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.RecordedCall;

/**
 * The routing of calls: ingress messages (scripted faults, the size limit, the record of calls
 * received) and calls from canisters, each to the management canister's method table or to the
 * called canister, with the checks of the effective canister id; and, in a canister, to its
 * built-in code or to the WASM method the call names.
 */
final class CallRouter {
  /** An ingress message is at most 2 MiB on application subnets (spec, "Resource limits"). */
  static final int MAX_INGRESS_BYTES = 2 * 1024 * 1024;

  private final Canisters canisters;
  private final ManagementCanister management;
  private final MessageExecution execution;
  private final List<RecordedCall> calls = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean keepArguments = true;
  private final Faults faults = new Faults();

  CallRouter(Canisters canisters, ManagementCanister management) {
    this.canisters = canisters;
    this.management = management;
    this.execution = new MessageExecution(canisters, this::interCanister);
  }

  Faults faults() {
    return faults;
  }

  void keepArguments(boolean keep) {
    this.keepArguments = keep;
  }

  List<RecordedCall> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  void clearCalls() {
    calls.clear();
  }

  MessageExecution execution() {
    return execution;
  }

  /**
   * An ingress message: an update or a query from a user's agent. Scripted faults come first: a
   * delay, then a failure before the call runs; a fault that loses the reply lets the call run
   * (its changes stay) and throws its failure instead of the answer, reply or reject.
   */
  byte[] ingress(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    boolean rejected = true;
    boolean replyLost = false;
    // What the replica received: its own copy, as a message that came over the network is, so
    // that the call log and what the call stores (an upload_chunk's chunk is a view of it) can
    // share it, and the caller may reuse its array.
    byte[] received = arg.clone();
    try {
      Faults.Plan plan = faults.plan(effectiveCanisterId, method);
      faults.sleep(plan.delay(), method);
      faults.check(effectiveCanisterId, method);
      Supplier<? extends RuntimeException> before = plan.before();
      if (before != null) {
        throw before.get();
      }
      Supplier<? extends RuntimeException> lost = plan.lost();
      byte[] reply;
      try {
        reply = route(caller, canisterId, method, received, effectiveCanisterId, query);
      } catch (RuntimeException e) {
        if (lost == null) {
          throw e;
        }
        replyLost = true;
        throw lost.get();
      }
      rejected = false;
      if (lost != null) {
        replyLost = true;
        throw lost.get();
      }
      return reply;
    } finally {
      calls.add(keepArguments
          ? RecordedCall.taking(caller, canisterId, method, effectiveCanisterId, received,
              rejected, replyLost)
          : RecordedCall.sizeOnly(caller, canisterId, method, effectiveCanisterId, arg.length,
              rejected, replyLost));
    }
  }

  private byte[] route(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    // Spec, "Request: Call": an ingress message larger than the limit is not accepted.
    if (arg.length > MAX_INGRESS_BYTES) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT,
          "Request is too large: the argument of " + method + " is " + arg.length
              + " bytes; an ingress message is at most " + MAX_INGRESS_BYTES + " bytes",
          "IC0504", canisterId, method);
    }
    return canisterId.isManagementCanister()
        ? management.call(caller, method, arg, effectiveCanisterId, query)
        : canister(caller, canisterId, method, arg, effectiveCanisterId, query);
  }

  /**
   * A call a canister makes (spec, "Inter-canister method calls"), on behalf of {@code caller},
   * the calling canister. It has no effective canister id: for the management canister the
   * canister it is about is not checked against one; a canister's is the callee.
   */
  private byte[] interCanister(Principal caller, Principal callee, String method, byte[] arg) {
    return callee.isManagementCanister()
        ? management.call(caller, method, arg, null, false)
        : canister(caller, callee, method, arg, callee, false);
  }

  private byte[] canister(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    if (!effectiveCanisterId.equals(canisterId)) {
      throw Rejects.badRequest(method, "effective canister id " + effectiveCanisterId
          + " does not match the called canister " + canisterId);
    }
    CanisterState c = canisters.state(canisterId, method);
    // The message runs holding the canister's lock; the calls it made are delivered after it is
    // released (MessageExecution), so canisters calling each other cannot deadlock.
    Object ran;
    synchronized (c) {
      ran = canister(c, caller, canisterId, method, arg, effectiveCanisterId, query);
    }
    return ran instanceof MessageExecution.Started s ? execution.finish(s) : (byte[]) ran;
  }

  /**
   * Runs the call on {@code c}, whose lock the caller holds: a built-in canister's answer, or a
   * WASM message {@link MessageExecution#start started}, its calls still to be delivered.
   */
  private Object canister(
      CanisterState c, Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
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
        MessageExecution.inspect(c, code, caller, method, arg);
      }
      return execution.start(c, code, caller, method, arg, query);
    }
    // Spec, "Inter-canister method calls": a canister may call a query method; it runs as
    // an update (replicated), which for a query changes nothing.
    if (code != null && !query && effectiveCanisterId.equals(canisterId)
        && canisters.isCanister(caller) && code.hasMethod(method, true)) {
      return execution.start(c, code, caller, method, arg, true);
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
