package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.jspecify.annotations.Nullable;

/**
 * One canister's WASM code running in Chicory behind the ic0 system API (interface spec, "Canister
 * interface (System API)"), with the state the IC keeps for it: the instance (heap and globals),
 * stable memory and certified data. A message that traps leaves no trace: the state is rolled
 * back to what it was before the message.
 *
 * <p>Provided: the message, caller, reply and reject functions, canister self, cycles (a fixed
 * balance), status, version, stable memory (32- and 64-bit), time, performance counter, certified
 * data, controllers, root key, environment variables (none), call costs, debug print, trap, and
 * inter-canister calls ({@code call_new}, {@code call_data_append}, {@code call_on_cleanup},
 * {@code call_cycles_add128}, {@code call_with_best_effort_response}, {@code call_perform}) with
 * reply, reject and cleanup callbacks, which the replica delivers after the message. Any other ic0
 * import links as a function that traps naming itself, so a module that merely imports it still
 * installs.
 */
final class WasmCanister {
  private static final int PAGE = 65_536;

  /** What kind of entry point runs: the spec's availability table depends on it. */
  enum Kind {
    START, INSPECT, INIT, PRE_UPGRADE, POST_UPGRADE, UPDATE, QUERY, REPLY_CALLBACK, REJECT_CALLBACK, CLEANUP,
    TIMER
  }

  /** A call this canister made with {@code call_new} ... {@code call_perform}. */
  record Outgoing(Principal callee, String method, byte[] arg, int replyFun, int replyEnv,
      int rejectFun, int rejectEnv, int cleanupFun, int cleanupEnv) {}

  /**
   * The call context of one incoming call: its reply, shared by the method and the callbacks of
   * the calls it made (spec, "Call contexts").
   */
  static final class CallContext {
    final ByteArrayOutputStream reply = new ByteArrayOutputStream();
    boolean replied;
    @Nullable String reject;

    boolean answered() {
      return replied || reject != null;
    }
  }

  /** The environment a message runs in. */
  interface Environment {
    Principal self();

    boolean isController(Principal p);

    long timeNanos();

    void debugPrint(String message);

    /** Whether {@code p} is a canister on this replica (rather than a user). */
    default boolean isCanister(Principal p) {
      return false;
    }
  }

  /** How a message ended: a reply, a reject by the canister, or nothing yet; and calls made. */
  record Result(CallContext context, List<Outgoing> calls) {}

  private final WasmModule module;
  private final Environment env;
  private final long instructionLimit;
  private Instance instance;
  private byte[] stable = new byte[0];
  private byte[] certifiedData = new byte[0];
  private long version;
  /** The global timer's deadline in nanoseconds since the epoch; 0 when inactive. */
  private long timerDeadline;
  private @Nullable Context ctx;
  /** Whether {@link #start} has initialized {@link #instance}. */
  private boolean started;

  /** The per-message state the system API reads and writes. */
  private static final class Context {
    final Kind kind;
    final byte[] arg;
    final Principal caller;
    final String method;
    final CallContext call;
    int rejectCode;
    String rejectMessage = "";
    long instructions;
    boolean accepted;
    final List<Outgoing> outgoing = new ArrayList<>();
    @Nullable Principal newCallee;
    String newMethod = "";
    ByteArrayOutputStream newArg = new ByteArrayOutputStream();
    int[] newCallbacks = new int[6];

    Context(Kind kind, byte[] arg, Principal caller, String method, CallContext call) {
      this.kind = kind;
      this.arg = arg;
      this.caller = caller;
      this.method = method;
      this.call = call;
    }
  }

  /** A trap: the message fails and its changes are rolled back. */
  static final class Trap extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Trap(String message) {
      super(message, null, false, false);
    }
  }

  private WasmCanister(WasmModule module, Environment env, long instructionLimit) {
    this.module = module;
    this.env = env;
    this.instructionLimit = instructionLimit;
    this.instance = newInstance();
  }

  /**
   * Instantiates uncompressed WASM bytes; no entry point runs yet.
   *
   * @throws CanisterRejectException when the module imports from anything but ic0
   */
  static WasmCanister instantiate(byte[] wasm, Environment env, long instructionLimit) {
    WasmModule m = Parser.parse(wasm);
    for (int i = 0; i < m.importSection().importCount(); i++) {
      Import imp = m.importSection().getImport(i);
      if (!imp.module().equals("ic0") || imp.importType() != ExternalType.FUNCTION) {
        throw Rejects.invalid("install_code", "Wasm module has an invalid import: "
            + imp.module() + "." + imp.name() + " (only ic0 functions may be imported)", "IC0505");
      }
      // Spec, "Overview of imports": each ic0 function has one type; the IC refuses a module
      // that imports it with another (rebuild against the toolchain's current ic0 bindings).
      SystemApi.Function known = SystemApi.lookup(imp.name());
      FunctionType declared = m.typeSection().getType(((FunctionImport) imp).typeIndex());
      if (known != null && !known.type().equals(declared)) {
        throw Rejects.invalid("install_code", "Wasm module has an invalid import: ic0."
            + imp.name() + " is imported with type " + SystemApi.render(declared)
            + " but the interface spec gives it type " + SystemApi.render(known.type()),
            "IC0505");
      }
    }
    return new WasmCanister(m, env, instructionLimit);
  }

  private Instance newInstance() {
    List<HostFunction> fns = new ArrayList<>();
    for (int i = 0; i < module.importSection().importCount(); i++) {
      FunctionImport imp = (FunctionImport) module.importSection().getImport(i);
      FunctionType type = module.typeSection().getType(imp.typeIndex());
      String name = imp.name();
      fns.add(new HostFunction("ic0", name, type, (inst, args) -> {
        Context c = ctx;
        if (c == null) {
          throw new Trap("ic0." + name + " called outside of a message");
        }
        // Spec, "Overview of imports": a system call from an entry point it is not listed for
        // traps.
        if (!SystemApi.callable(name, c.kind)) {
          throw new Trap("Canister violated contract: ic0." + name + " cannot be called from "
              + SystemApi.entryPoint(c.kind));
        }
        try {
          return system(c, name, args);
        } catch (Trap | ChicoryException e) {
          throw e;
        } catch (RuntimeException e) {
          // Bad arguments (a principal too long, a size out of range) trap, as on the IC.
          throw new Trap("ic0." + name + ": " + e.getMessage());
        }
      }));
    }
    return Instance.builder(module)
        .withImportValues(ImportValues.builder().withFunctions(new ArrayList<>(fns)).build())
        .withStart(false)
        // Data segments, element segments and the (start) function come later, in
        // initialize(): the start function may already use stable memory (spec: functions
        // marked s), which an upgrade carries over only after instantiation.
        .withInitialize(false)
        .withMemoryFactory(JournaledMemory::new)
        .withUnsafeExecutionListener((instruction, stack) -> {
          Context c = ctx;
          if (c != null && ++c.instructions > instructionLimit) {
            throw new Trap("Canister exceeded the limit of " + instructionLimit
                + " instructions for a single message execution");
          }
        })
        .build();
  }

  /**
   * Initializes the instance (data and element segments) and runs the module's {@code (start)}
   * function, which the IC runs when it instantiates the module, before {@code canister_init} or
   * {@code canister_post_upgrade}; only the system calls the spec marks {@code s} are available to
   * it. Does nothing the second time.
   *
   * @throws Trap when the start function traps; the instance must then be discarded
   */
  void start(Principal caller) {
    if (!started) {
      initialize(instance, caller);
      started = true;
    }
  }

  private void initialize(Instance inst, Principal caller) {
    Context previous = ctx;
    ctx = new Context(Kind.START, new byte[0], caller, "(start)", new CallContext());
    try {
      inst.initialize(false);
    } catch (Trap t) {
      throw t;
    } catch (RuntimeException | StackOverflowError e) {
      for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
        if (t instanceof Trap trap) {
          throw trap;
        }
      }
      throw new Trap("Canister trapped: " + e.getMessage());
    } finally {
      ctx = previous;
    }
  }

  boolean exports(String name) {
    for (int i = 0; i < module.exportSection().exportCount(); i++) {
      if (module.exportSection().getExport(i).name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  boolean hasMethod(String method, boolean query) {
    return exports((query ? "canister_query " : "canister_update ") + method);
  }

  long version() {
    return version;
  }

  /**
   * Whether the global timer is due at {@code nowNanos}; if so it is deactivated (spec: the
   * timer fires once and must be set again).
   */
  boolean takeDueTimer(long nowNanos) {
    if (timerDeadline != 0 && Long.compareUnsigned(nowNanos, timerDeadline) >= 0
        && exports("canister_global_timer")) {
      timerDeadline = 0;
      return true;
    }
    return false;
  }

  /** The state a later {@link #rollback} returns to (heap, globals, stable memory). */
  Object checkpoint() {
    return State.of(this);
  }

  void rollback(Object checkpoint) {
    ((State) checkpoint).restore(this);
  }

  byte[] stableMemory() {
    return stable;
  }

  void restoreStable(byte[] bytes) {
    stable = bytes.clone();
  }

  /**
   * Takes over {@code old}'s main memory, as an upgrade with {@code wasm_memory_persistence =
   * keep} does for enhanced orthogonal persistence (spec, "IC method install_code").
   */
  void keepMainMemoryOf(WasmCanister old) {
    Memory from = old.instance.memory();
    Memory to = instance.memory();
    if (from == null || to == null) {
      return;
    }
    if (to.pages() < from.pages()) {
      to.grow(from.pages() - to.pages());
    }
    to.write(0, from.readBytes(0, from.pages() * PAGE));
  }

  /**
   * Runs an entry point; a trap rolls every change back and throws {@link Trap}. Queries are
   * always rolled back: they change nothing.
   */
  Result run(Kind kind, String export, byte[] arg, Principal caller, String method) {
    return run(kind, export, arg, caller, method, new CallContext(), -1, 0, 0, "");
  }

  /**
   * Runs {@code canister_inspect_message} for an ingress update call to {@code method}, if the
   * module exports it (spec, "Ingress message inspection"): the call may go ahead when it calls
   * {@code ic0.accept_message} and does not trap. Its changes are discarded, like a query's.
   *
   * @throws Trap when it traps
   * @return whether the message was accepted
   */
  boolean inspect(String method, byte[] arg, Principal caller) {
    if (!exports("canister_inspect_message")) {
      return true;
    }
    start(caller);
    Journal before = Journal.begin(this, new CallContext());
    Context c = new Context(Kind.INSPECT, arg, caller, method, new CallContext());
    ctx = c;
    try {
      instance.export("canister_inspect_message").apply();
    } catch (Trap t) {
      throw t;
    } catch (ChicoryException | StackOverflowError e) {
      for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
        if (t instanceof Trap trap) {
          throw trap;
        }
      }
      throw new Trap("Canister trapped: " + e.getMessage());
    } finally {
      ctx = null;
      before.undo(this);
    }
    return c.accepted;
  }

  /** Runs a callback (reply, reject or cleanup) of a call made from {@code call}. */
  Result callback(Kind kind, int function, int env, byte[] data, int rejectCode,
      String rejectMessage, Principal caller, String method, CallContext call) {
    return run(kind, "", data, caller, method, call, function, env, rejectCode, rejectMessage);
  }

  private Result run(Kind kind, String export, byte[] arg, Principal caller, String method,
      CallContext call, int function, int env, int rejectCode, String rejectMessage) {
    start(caller);
    Journal before = Journal.begin(this, call);
    Context c = new Context(kind, arg, caller, method, call);
    c.rejectCode = rejectCode;
    c.rejectMessage = rejectMessage;
    ctx = c;
    try {
      if (function >= 0) {
        int f;
        try {
          f = instance.table(0).requiredRef(function);
        } catch (RuntimeException e) {
          throw new Trap("callback " + function + " is not in the function table");
        }
        instance.getMachine().call(f, new long[] {env});
      } else {
        ExportFunction f;
        try {
          f = instance.export(export);
        } catch (ChicoryException e) {
          throw new Trap("the canister has no export '" + export + "'");
        }
        f.apply();
      }
      if (kind == Kind.QUERY && !call.answered()) {
        throw new Trap("Canister did not reply to the call");
      }
    } catch (Trap t) {
      ctx = null;
      before.undo(this);
      throw t;
    } catch (ChicoryException | StackOverflowError e) {
      ctx = null;
      before.undo(this);
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        if (root.getCause() instanceof Trap t) {
          throw t;
        }
        root = root.getCause();
      }
      throw new Trap("Canister trapped: " + e.getMessage());
    } catch (RuntimeException e) {
      // Whatever else goes wrong inside the message is the message's failure, not the replica's:
      // it rolls back like a trap.
      ctx = null;
      before.undo(this);
      throw new Trap("Canister trapped: " + e);
    } finally {
      ctx = null;
    }
    if (kind == Kind.QUERY) {
      // A query changes nothing (spec, "Query call"), but its answer stands.
      before.undoKeepingAnswer(this);
    } else {
      before.commit(this);
      version++;
    }
    return new Result(call, List.copyOf(c.outgoing));
  }

  /**
   * What one message may change, recorded so that a trap can undo it: the pages of main and
   * stable memory it writes (saved on first write, see {@link JournaledMemory}), the globals,
   * certified data, the global timer and its call's reply. Cost grows with what the message
   * writes, not with the canister's size.
   */
  private static final class Journal {
    private final long[] globalsLow;
    private final long[] globalsHigh;
    private final byte[] certified;
    private final long timerDeadline;
    private final int stableLength;
    private final CallContext call;
    private final boolean replied;
    private final @Nullable String reject;
    private final byte[] reply;

    private Journal(WasmCanister w, CallContext call) {
      int g = w.instance.globalCount();
      globalsLow = new long[g];
      globalsHigh = new long[g];
      for (int i = 0; i < g; i++) {
        globalsLow[i] = w.instance.global(i).getValueLow();
        globalsHigh[i] = w.instance.global(i).getValueHigh();
      }
      certified = w.certifiedData; // replaced, never written in place
      timerDeadline = w.timerDeadline;
      stableLength = w.stable.length;
      this.call = call;
      replied = call.replied;
      reject = call.reject;
      reply = call.reply.toByteArray();
    }

    static Journal begin(WasmCanister w, CallContext call) {
      Journal j = new Journal(w, call);
      JournaledMemory m = w.heap();
      if (m != null) {
        m.begin();
      }
      w.stableSaved = new java.util.HashMap<>();
      w.stableLengthAtBegin = w.stable.length;
      return j;
    }

    void commit(WasmCanister w) {
      JournaledMemory m = w.heap();
      if (m != null) {
        m.commit();
      }
      w.stableSaved = null;
    }

    void undo(WasmCanister w) {
      undoKeepingAnswer(w);
      call.replied = replied;
      call.reject = reject;
      call.reply.reset();
      call.reply.writeBytes(reply);
    }

    void undoKeepingAnswer(WasmCanister w) {
      JournaledMemory m = w.heap();
      if (m != null) {
        m.undo();
      }
      Map<Integer, byte[]> pages = w.stableSaved;
      w.stableSaved = null;
      if (pages != null) {
        for (Map.Entry<Integer, byte[]> e : pages.entrySet()) {
          System.arraycopy(e.getValue(), 0, w.stable, e.getKey() * PAGE, PAGE);
        }
      }
      if (w.stable.length != stableLength) {
        w.stable = Arrays.copyOf(w.stable, stableLength);
      }
      for (int i = 0; i < globalsLow.length; i++) {
        w.instance.global(i).setValueLow(globalsLow[i]);
        w.instance.global(i).setValueHigh(globalsHigh[i]);
      }
      w.certifiedData = certified;
      w.timerDeadline = timerDeadline;
    }
  }

  private @Nullable JournaledMemory heap() {
    return (JournaledMemory) instance.memory();
  }

  /** Saves the stable memory pages {@code [offset, offset + size)} before a message writes them. */
  private void touchStable(long offset, long size) {
    Map<Integer, byte[]> saved = stableSaved;
    if (saved == null || size <= 0) {
      return;
    }
    long last = Math.min((offset + size - 1) / PAGE, (long) stableLengthAtBegin / PAGE - 1);
    for (long p = offset / PAGE; p <= last; p++) {
      int page = (int) p;
      saved.computeIfAbsent(page, k -> Arrays.copyOfRange(stable, k * PAGE, (k + 1) * PAGE));
    }
  }

  /** Stable memory pages saved by the running message; null outside a message. */
  private @Nullable Map<Integer, byte[]> stableSaved;
  private int stableLengthAtBegin;

  /** What a message may change, taken before it runs. */
  private record State(byte[] memory, long[] globalsLow, long[] globalsHigh, byte[] stable,
      byte[] certified, int pages) {
    static State of(WasmCanister w) {
      Memory m = w.instance.memory();
      int pages = m == null ? 0 : m.pages();
      byte[] mem = m == null ? new byte[0] : m.readBytes(0, pages * PAGE);
      int g = w.instance.globalCount();
      long[] lo = new long[g];
      long[] hi = new long[g];
      for (int i = 0; i < g; i++) {
        lo[i] = w.instance.global(i).getValueLow();
        hi[i] = w.instance.global(i).getValueHigh();
      }
      return new State(mem, lo, hi, w.stable.clone(), w.certifiedData.clone(), pages);
    }

    void restore(WasmCanister w) {
      w.start(Principal.MANAGEMENT_CANISTER);
      Memory m = w.instance.memory();
      if (m != null) {
        ((JournaledMemory) m).replaceContents(pages, memory);
      }
      for (int i = 0; i < globalsLow.length; i++) {
        w.instance.global(i).setValueLow(globalsLow[i]);
        w.instance.global(i).setValueHigh(globalsHigh[i]);
      }
      // Copies: a snapshot's state may be restored more than once.
      w.stable = stable.clone();
      w.certifiedData = certified.clone();
    }
  }

  // ---- the system API ----

  private long[] system(Context c, String name, long[] a) {
    Memory mem = instance.memory();
    switch (name) {
      case "msg_arg_data_size":
        requireMessage(c, name, true);
        return i(c.arg.length);
      case "msg_arg_data_copy":
        requireMessage(c, name, true);
        copyOut(mem, (int) a[0], c.arg, (int) a[1], (int) a[2], name);
        return none();
      case "msg_caller_size":
        return i(c.caller.length());
      case "msg_caller_copy":
        copyOut(mem, (int) a[0], c.caller.toBytes(), (int) a[1], (int) a[2], name);
        return none();
      case "msg_method_name_size":
        return i(c.method.getBytes(StandardCharsets.UTF_8).length);
      case "msg_method_name_copy":
        copyOut(mem, (int) a[0], c.method.getBytes(StandardCharsets.UTF_8), (int) a[1],
            (int) a[2], name);
        return none();
      case "msg_reply_data_append":
        requireReplyable(c, name);
        c.call.reply.writeBytes(mem.readBytes((int) a[0], (int) a[1]));
        return none();
      case "msg_reply":
        requireReplyable(c, name);
        c.call.replied = true;
        return none();
      case "msg_reject":
        requireReplyable(c, name);
        c.call.reject = utf8(mem, a[0], a[1], name);
        return none();
      case "msg_reject_code":
        return i(c.kind == Kind.REJECT_CALLBACK ? c.rejectCode : 0);
      case "msg_deadline":
        // Spec, "Method arguments": 0 means no deadline; every call here waits for its answer.
        return new long[] {0};
      case "msg_cycles_available":
      case "msg_cycles_refunded":
      case "msg_cycles_accept":
        // No cycles travel with calls in this replica, so none are available or refunded.
        return new long[] {0};
      case "msg_cycles_available128":
      case "msg_cycles_refunded128":
        writeCycles(mem, (int) a[0], 0);
        return none();
      case "msg_cycles_accept128":
        writeCycles(mem, (int) a[2], 0);
        return none();
      case "subnet_self_size":
        return i(SUBNET.length);
      case "subnet_self_copy":
        copyOut(mem, (int) a[0], SUBNET, (int) a[1], (int) a[2], name);
        return none();
      case "in_replicated_execution":
        // Spec, "Replicated and Non-Replicated execution mode": queries from users run on one
        // node; everything else here is as if replicated.
        return i(c.kind == Kind.QUERY && !isCanister(c.caller) ? 0 : 1);
      case "msg_reject_msg_size":
        requireKind(c, name, Kind.REJECT_CALLBACK);
        return i(c.rejectMessage.getBytes(StandardCharsets.UTF_8).length);
      case "msg_reject_msg_copy":
        requireKind(c, name, Kind.REJECT_CALLBACK);
        copyOut(mem, (int) a[0], c.rejectMessage.getBytes(StandardCharsets.UTF_8), (int) a[1],
            (int) a[2], name);
        return none();
      case "root_key_size":
        return i(ROOT_KEY.length);
      case "root_key_copy":
        copyOut(mem, (int) a[0], ROOT_KEY, (int) a[1], (int) a[2], name);
        return none();
      case "env_var_count":
        return i(0);
      case "env_var_name_exists":
        return i(0);
      case "env_var_name_size":
      case "env_var_name_copy":
      case "env_var_value_size":
      case "env_var_value_copy":
        throw new Trap("ic0." + name + ": this canister has no environment variables");
      case "data_certificate_size":
      case "data_certificate_copy":
        throw new Trap("ic0." + name + ": no data certificate is present (only non-replicated"
            + " queries have one; check data_certificate_present first)");
      case "cost_http_request":
        writeCycles(mem, (int) a[2], 49_140_000L + 5_200L * a[0] + 10_400L * a[1]);
        return none();
      case "cost_sign_with_ecdsa":
      case "cost_sign_with_schnorr":
      case "cost_vetkd_derive_key":
        writeCycles(mem, (int) a[3], 26_153_846_153L);
        return i(0);
      case "cost_call":
        // Spec, "Cycles cost": a base fee plus a fee per byte of method name and payload.
        writeCycles(mem, (int) a[2], 260_000L + 1_000L * (a[0] + a[1]));
        return none();
      case "cost_create_canister":
        writeCycles(mem, (int) a[0], 500_000_000_000L);
        return none();
      case "call_new": {
        requireCalling(c, name);
        c.newCallee = Principal.fromBytes(mem.readBytes((int) a[0], (int) a[1]));
        c.newMethod = utf8(mem, a[2], a[3], name);
        c.newArg = new ByteArrayOutputStream();
        c.newCallbacks = new int[] {(int) a[4], (int) a[5], (int) a[6], (int) a[7], -1, 0};
        return none();
      }
      case "call_data_append":
        requirePending(c, name);
        c.newArg.writeBytes(mem.readBytes((int) a[0], (int) a[1]));
        return none();
      case "call_on_cleanup":
        requirePending(c, name);
        c.newCallbacks[4] = (int) a[0];
        c.newCallbacks[5] = (int) a[1];
        return none();
      case "call_cycles_add":
      case "call_cycles_add128":
      case "call_with_best_effort_response":
        // No cycle accounting or deadlines in this replica; the call goes out as is.
        requirePending(c, name);
        return none();
      case "call_perform": {
        requirePending(c, name);
        int[] cb = c.newCallbacks;
        c.outgoing.add(new Outgoing(c.newCallee, c.newMethod, c.newArg.toByteArray(), cb[0],
            cb[1], cb[2], cb[3], cb[4], cb[5]));
        c.newCallee = null;
        return i(0);
      }
      case "accept_message":
        // Spec, "Ingress message inspection": traps if invoked twice.
        if (c.accepted) {
          throw new Trap("ic0.accept_message called twice");
        }
        c.accepted = true;
        return none();
      case "canister_self_size":
        return i(env.self().length());
      case "canister_self_copy":
        copyOut(mem, (int) a[0], env.self().toBytes(), (int) a[1], (int) a[2], name);
        return none();
      case "canister_cycle_balance":
        return new long[] {100_000_000_000_000L};
      case "canister_cycle_balance128":
      case "canister_liquid_cycle_balance128":
        mem.writeLong((int) a[0], 100_000_000_000_000L);
        mem.writeLong((int) a[0] + 8, 0);
        return none();
      case "canister_status":
        return i(1); // running
      case "canister_version":
        return new long[] {version};
      case "time":
        return new long[] {env.timeNanos()};
      case "performance_counter":
        return new long[] {c.instructions};
      case "global_timer_set": {
        // Spec, "Global timer": set the deadline (0 deactivates), return the previous one.
        long previous = timerDeadline;
        timerDeadline = a[0];
        return new long[] {previous};
      }
      case "debug_print":
        env.debugPrint(mem.readString((int) a[0], (int) a[1]));
        return none();
      case "trap":
        throw new Trap("Canister called `ic0.trap` with message: '"
            + mem.readString((int) a[0], (int) a[1]) + "'");
      case "certified_data_set":
        if (a[1] > 32) {
          throw new Trap("certified_data_set: at most 32 bytes, got " + a[1]);
        }
        certifiedData = mem.readBytes((int) a[0], (int) a[1]);
        return none();
      case "data_certificate_present":
        return i(0);
      case "is_controller": {
        byte[] p = mem.readBytes((int) a[0], (int) a[1]);
        return i(env.isController(Principal.fromBytes(p)) ? 1 : 0);
      }
      case "stable_size":
        return i(stablePages());
      case "stable64_size":
        return new long[] {stablePages()};
      case "stable_grow":
        return i(growStable(a[0], 65_536 - 1));
      case "stable64_grow":
        return new long[] {growStable(a[0], Long.MAX_VALUE)};
      case "stable_read":
      case "stable64_read":
        stableBounds(a[1], a[2], name);
        mem.write((int) a[0], Arrays.copyOfRange(stable, (int) a[1], (int) (a[1] + a[2])));
        return none();
      case "stable_write":
      case "stable64_write":
        stableBounds(a[0], a[2], name);
        touchStable(a[0], a[2]);
        System.arraycopy(mem.readBytes((int) a[1], (int) a[2]), 0, stable, (int) a[0],
            (int) a[2]);
        return none();
      default:
        throw new Trap("ic0." + name + " is not provided by the embedded replica");
    }
  }

  private int stablePages() {
    return stable.length / PAGE;
  }

  /** Grows stable memory; returns the old size in pages, or -1 when it cannot grow. */
  private long growStable(long pages, long maxPages) {
    long old = stablePages();
    // Spec, "Stable memory": up to the subnet's limit; this replica holds it in one array.
    if (pages < 0 || old + pages > maxPages || (old + pages) * PAGE > Integer.MAX_VALUE - 8) {
      return -1;
    }
    stable = Arrays.copyOf(stable, (int) ((old + pages) * PAGE));
    return old;
  }

  private void stableBounds(long offset, long size, String name) {
    if (offset < 0 || size < 0 || offset + size > stable.length) {
      throw new Trap("ic0." + name + ": stable memory out of bounds (offset " + offset + ", size "
          + size + ", stable memory " + stable.length + " bytes)");
    }
  }

  private static void copyOut(Memory mem, int dst, byte[] src, int off, int size, String name) {
    if (off < 0 || size < 0 || off + size > src.length) {
      throw new Trap("ic0." + name + ": out of bounds (offset " + off + ", size " + size
          + ", length " + src.length + ")");
    }
    mem.write(dst, Arrays.copyOfRange(src, off, off + size));
  }

  /** Spec, "Overview of imports": the message functions exist only in messages that have them. */
  private static void requireMessage(Context c, String name, boolean initToo) {
    boolean ok = c.kind == Kind.UPDATE || c.kind == Kind.QUERY || c.kind == Kind.REPLY_CALLBACK
        || (initToo && (c.kind == Kind.INIT || c.kind == Kind.POST_UPGRADE));
    if (!ok) {
      throw new Trap("ic0." + name + " cannot be called in " + c.kind);
    }
  }

  private static void requireReplyable(Context c, String name) {
    if (c.kind != Kind.UPDATE && c.kind != Kind.QUERY && c.kind != Kind.REPLY_CALLBACK
        && c.kind != Kind.REJECT_CALLBACK) {
      throw new Trap("ic0." + name + " cannot be called in " + c.kind);
    }
    if (c.call.answered()) {
      throw new Trap("ic0." + name + ": the call was already replied to or rejected");
    }
  }

  private static void requireKind(Context c, String name, Kind kind) {
    if (c.kind != kind) {
      throw new Trap("ic0." + name + " cannot be called in " + c.kind);
    }
  }

  /** Spec, "Inter-canister method calls": updates and callbacks may call, queries may not. */
  private static void requireCalling(Context c, String name) {
    if (c.kind != Kind.UPDATE && c.kind != Kind.REPLY_CALLBACK
        && c.kind != Kind.REJECT_CALLBACK && c.kind != Kind.TIMER) {
      throw new Trap("ic0." + name + " cannot be called in " + c.kind);
    }
  }

  private static void requirePending(Context c, String name) {
    requireCalling(c, name);
    if (c.newCallee == null) {
      throw new Trap("ic0." + name + " called without a call under construction (call_new)");
    }
  }

  private boolean isCanister(Principal p) {
    return env.isCanister(p);
  }

  /** Reads text the spec requires to be UTF-8 (a reject message, a method name); else traps. */
  private static String utf8(Memory mem, long src, long size, String name) {
    byte[] bytes = mem.readBytes((int) src, (int) size);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new Trap("ic0." + name + ": the text at " + src + " (" + size
          + " bytes) is not valid UTF-8");
    }
  }

  /** The id of the one subnet this replica simulates (an opaque id, as the IC's are). */
  static final byte[] SUBNET = {(byte) 0xd1, 0x5e, 0x1b, 0x5a, 0x7e, 0x00, 0x01, 0x02};

  private static void writeCycles(Memory mem, int dst, long cycles) {
    mem.writeLong(dst, cycles);
    mem.writeLong(dst + 8, 0);
  }

  /** The root key this replica reports (a BLS public key's DER prefix and a fixed body). */
  static final byte[] ROOT_KEY = rootKey();

  private static byte[] rootKey() {
    byte[] k = new byte[133];
    byte[] prefix = java.util.HexFormat.of()
        .parseHex("308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");
    System.arraycopy(prefix, 0, k, 0, prefix.length);
    for (int i = prefix.length; i < k.length; i++) {
      k[i] = (byte) i;
    }
    return k;
  }

  private static long[] i(long v) {
    return new long[] {v};
  }

  private static long @Nullable [] none() {
    return null;
  }

  static CanisterRejectException reject(Principal canisterId, String method, Trap t) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR,
        "Error from Canister " + canisterId + ": " + t.getMessage(), "IC0503", canisterId, method);
  }

}
