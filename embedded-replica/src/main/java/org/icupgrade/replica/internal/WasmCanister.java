package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.jspecify.annotations.Nullable;

/**
 * One canister's WASM code running in Chicory behind the ic0 system API (interface spec, "Canister
 * interface (System API)"), compiled to JVM bytecode when its module carries {@link Metering}'s
 * instruction counter (the IC likewise instruments, then compiles), else in the interpreter with
 * a listener counting every instruction; with the state the IC keeps for it: the instance (heap
 * and globals), stable memory and certified data. A message that traps leaves no trace: the
 * state is rolled back to what it was before the message.
 *
 * <p>Provided: the message, caller, reply and reject functions, canister self, cycles (the
 * balance, burning), status, version, stable memory (32- and 64-bit), time, performance counter,
 * certified data, controllers, root key, environment variables (none), call costs, debug print,
 * trap, and
 * inter-canister calls ({@code call_new}, {@code call_data_append}, {@code call_on_cleanup},
 * {@code call_cycles_add128}, {@code call_with_best_effort_response}, {@code call_perform}) with
 * reply, reject and cleanup callbacks, which the replica delivers after the message; each is
 * defined once in {@link SystemApi}'s table, in the class of its group. Any other ic0 import links
 * as a function that traps naming itself, so a module that merely imports it still installs.
 * What a message changes is journaled ({@link Journal}) so that a trap can undo it; a {@link
 * Checkpoint} freezes the whole state for a later rollback, sharing the memories' pages.
 */
final class WasmCanister {
  /** A WASM page. */
  static final int PAGE = 65_536;

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

    /**
     * A certificate of this canister's {@code certifiedData} and the time, signed by the
     * replica's key (spec, "Certified data"); null where the replica certifies nothing.
     */
    default byte @Nullable [] dataCertificate(byte[] certifiedData) {
      return null;
    }

    /** The canister's cycle balance, before what the running execution burnt. */
    default java.math.BigInteger cycleBalance() {
      return java.math.BigInteger.valueOf(100_000_000_000_000L);
    }

    /** The canister's freezing threshold in seconds (its setting, else the IC's default). */
    default long freezingThresholdSeconds() {
      return 2_592_000L;
    }

    /** Takes {@code cycles} from the balance: an execution that burnt them committed. */
    default void burnCycles(java.math.BigInteger cycles) {}
  }

  /** How a message ended: a reply, a reject by the canister, or nothing yet; and calls made. */
  record Result(CallContext context, List<Outgoing> calls) {}

  private final WasmModule module;
  /**
   * The index of the instruction counter {@link Metering} added to {@link #module}, or -1 when
   * the module runs as installed and the interpreter's listener counts instead.
   */
  private final int counterGlobal;
  /** The compiled code, or null when the interpreter runs it. */
  private final @Nullable Function<Instance, Machine> compiled;
  /** Why the module is interpreted; empty when it is compiled. */
  private final String interpretedBecause;
  private final Environment env;
  private final InstructionLimits limits;
  /** The most pages main memory may have: the replica's heap budget. */
  private final int maxPages;
  /** The module's initial memory contents, shared with its other instances. */
  private final JournaledMemory.InitialImage initialImage;
  private Instance instance;
  private final StableMemory stable = new StableMemory();
  private byte[] certifiedData = new byte[0];
  private long version;
  /** The global timer's deadline in nanoseconds since the epoch; 0 when inactive. */
  private long timerDeadline;
  private @Nullable MessageState ctx;
  /** Whether {@link #start} has initialized {@link #instance}. */
  private boolean started;
  /**
   * The instructions the last execution ended with, those counted before it included (an
   * install's earlier hooks).
   */
  private long lastInstructions;

  /** A trap: the message fails and its changes are rolled back. */
  static final class Trap extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The IC's error code for the reject this trap becomes. */
    private final String errorCode;

    Trap(String message) {
      this(message, "IC0503");
    }

    Trap(String message, String errorCode) {
      super(message, null, false, false);
      this.errorCode = errorCode;
    }

    String errorCode() {
      return errorCode;
    }
  }

  /**
   * The trap of a message that runs out of instructions. Spec, "Resource limits": each kind of
   * message has its own limit; the IC's reject for going over it is IC0522
   * (CanisterInstructionLimitExceeded) with this message.
   */
  static Trap instructionLimitExceeded(long limit) {
    return new Trap("Canister exceeded the limit of " + limit
        + " instructions for single message execution.", "IC0522");
  }

  /**
   * The limit of one execution of {@code kind} (spec, "Resource limits"); the hooks of an install
   * and the module's (start) function share the install limit.
   */
  long limitOf(Kind kind) {
    switch (kind) {
      case START:
      case INIT:
      case PRE_UPGRADE:
      case POST_UPGRADE:
        return limits.install();
      case INSPECT:
        return limits.inspect();
      case QUERY:
        return limits.query();
      default:
        return limits.update();
    }
  }

  /** The instructions the last execution ended with, an install's earlier hooks included. */
  long lastInstructions() {
    return lastInstructions;
  }

  private WasmCanister(ModuleCode code, ExecutionMode preferred, Environment env,
      InstructionLimits limits, long heapBudget) {
    ModuleValidator.Checked checked = code.checked();
    this.module = checked.module();
    this.counterGlobal = checked.counterGlobal();
    this.env = env;
    this.limits = limits;
    this.maxPages = (int) Math.min(Integer.MAX_VALUE, heapBudget / PAGE);
    this.initialImage = code.initialImage;
    Function<Instance, Machine> machine = null;
    String unmetered = checked.unmetered();
    String because = unmetered != null ? unmetered : "the interpreter was asked for";
    Instance built = null;
    if (counterGlobal >= 0 && preferred == ExecutionMode.COMPILED) {
      // Compiled once per distinct module (ModuleCode): every canister running it, and every
      // instance of this one (a rollback's, a snapshot's), shares the classes.
      try {
        machine = code.machine();
        built = newInstance(machine);
        because = "";
      } catch (RuntimeException | LinkageError e) {
        // The interpreter runs whatever the compiler cannot (a compiler defect, generated code
        // the JVM refuses): slower, metered by the same counter, so the limits still hold.
        machine = null;
        because = "Chicory's compiler failed: " + e;
      }
    }
    this.compiled = machine;
    this.interpretedBecause = because;
    this.instance = built != null ? built : newInstance(null);
  }

  /** The module's initial memory contents, shared with its other instances. */
  JournaledMemory.InitialImage initialImage() {
    return initialImage;
  }

  /** How this code runs. */
  ExecutionMode mode() {
    return compiled != null ? ExecutionMode.COMPILED : ExecutionMode.INTERPRETED;
  }

  /** Why this code runs in the interpreter; empty when it is compiled. */
  String interpretedBecause() {
    return interpretedBecause;
  }

  /** Whether the module's own instruction counter meters it (rather than a listener). */
  boolean metered() {
    return counterGlobal >= 0;
  }

  /**
   * Instantiates a decoded module ({@link ModuleValidator.Checked#module()}); no entry point runs
   * yet. Main memory grows to at most {@code heapBudget} bytes.
   *
   * @throws CanisterRejectException when the module imports from anything but ic0
   */
  static WasmCanister instantiate(ModuleValidator.Checked checked, Environment env,
      InstructionLimits limits, long heapBudget, ExecutionMode preferred) {
    return instantiate(new ModuleCode(new byte[0], checked), env, limits, heapBudget, preferred);
  }

  /**
   * Instantiates a shared module ({@link ModuleCode}), compiled once for all its canisters; no
   * entry point runs yet. Main memory grows to at most {@code heapBudget} bytes.
   *
   * @throws CanisterRejectException when the module imports from anything but ic0
   */
  static WasmCanister instantiate(ModuleCode code, Environment env, InstructionLimits limits,
      long heapBudget, ExecutionMode preferred) {
    checkImports(code.checked().module(), code.checked().memory64());
    return new WasmCanister(code, preferred, env, limits, heapBudget);
  }

  /** Instantiates {@code m} as it is, in the interpreter counting every instruction. */
  static WasmCanister instantiate(WasmModule m, boolean memory64, Environment env,
      InstructionLimits limits, long heapBudget) {
    checkImports(m, memory64);
    return new WasmCanister(new ModuleCode(new byte[0],
        new ModuleValidator.Checked(m, false, memory64, -1, null)),
        ExecutionMode.INTERPRETED, env, limits, heapBudget);
  }

  private static void checkImports(WasmModule m, boolean memory64) {
    for (int i = 0; i < m.importSection().importCount(); i++) {
      Import imp = m.importSection().getImport(i);
      if (!imp.module().equals("ic0") || imp.importType() != ExternalType.FUNCTION) {
        throw Rejects.invalid("install_code", "Wasm module has an invalid import: "
            + imp.module() + "." + imp.name() + " (only ic0 functions may be imported)", "IC0505");
      }
      // Spec, "Overview of imports": each ic0 function has one type, its pointers I being i32
      // in a module with a 32-bit memory and i64 in one with a 64-bit memory; the IC refuses a
      // module that imports it with another (rebuild against the toolchain's ic0 bindings).
      SystemApi.Function known = SystemApi.lookup(imp.name());
      FunctionType declared = m.typeSection().getType(((FunctionImport) imp).typeIndex());
      FunctionType expected = known == null ? null : memory64 ? known.type64() : known.type();
      if (expected != null && !expected.equals(declared)) {
        throw Rejects.invalid("install_code", "Wasm module has an invalid import: ic0."
            + imp.name() + " is imported with type " + SystemApi.render(declared)
            + " but the interface spec gives it type " + SystemApi.render(expected)
            + (memory64 ? " in a module with a 64-bit memory" : ""), "IC0505");
      }
    }
  }

  private Instance newInstance(@Nullable Function<Instance, Machine> machine) {
    List<HostFunction> fns = new ArrayList<>();
    for (int i = 0; i < module.importSection().importCount(); i++) {
      FunctionImport imp = (FunctionImport) module.importSection().getImport(i);
      FunctionType type = module.typeSection().getType(imp.typeIndex());
      String name = imp.name();
      SystemApi.Handler handler = SystemApi.handler(name);
      fns.add(new HostFunction("ic0", name, type, (inst, args) -> {
        MessageState c = ctx;
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
          return handler.apply(new SystemCall(name, c, instance.memory(), this), args);
        } catch (Trap | ChicoryException e) {
          throw e;
        } catch (RuntimeException e) {
          // Bad arguments (a principal too long, a size out of range) trap, as on the IC.
          throw new Trap("ic0." + name + ": " + e.getMessage());
        }
      }));
    }
    Instance.Builder b = Instance.builder(module)
        .withImportValues(ImportValues.builder().withFunctions(new ArrayList<>(fns)).build())
        .withStart(false)
        // Data segments, element segments and the (start) function come later, in
        // initialize(): the start function may already use stable memory (spec: functions
        // marked s), which an upgrade carries over only after instantiation.
        .withInitialize(false)
        .withMemoryFactory(l -> new JournaledMemory(l, maxPages, initialImage));
    if (counterGlobal >= 0) {
      // Globals come into being in initialize(), just before the (start) function runs: the
      // counter starts at that execution's budget.
      int[] next = {0};
      b.withGlobalFactory((low, high, type, mutability) -> {
        GlobalInstance g = new GlobalInstance(low, high, type, mutability);
        if (next[0]++ == counterGlobal) {
          MessageState c = ctx;
          if (c != null) {
            g.setValue(c.budget);
            c.counter = g;
          }
        }
        return g;
      });
    } else {
      b.withUnsafeExecutionListener((instruction, stack) -> {
        MessageState c = ctx;
        if (c != null && ++c.instructions > c.budget) {
          throw instructionLimitExceeded(limitOf(c.kind));
        }
      });
    }
    if (machine != null) {
      b.withMachineFactory(machine);
    }
    return b.build();
  }

  /**
   * Initializes the instance (data and element segments) and runs the module's {@code (start)}
   * function, which the IC runs when it instantiates the module, before {@code canister_init} or
   * {@code canister_post_upgrade}; only the system calls the spec marks {@code s} are available to
   * it. Does nothing the second time.
   *
   * @param usedBefore the instructions the install this is part of has executed already
   * @return the install's instructions with the start function's
   * @throws Trap when the start function traps; the instance must then be discarded
   */
  long start(Principal caller, long usedBefore) {
    if (!started) {
      initialize(instance, caller, usedBefore);
      started = true;
      return lastInstructions;
    }
    return usedBefore;
  }

  void start(Principal caller) {
    start(caller, 0);
  }

  private void initialize(Instance inst, Principal caller, long usedBefore) {
    MessageState previous = ctx;
    MessageState c = new MessageState(Kind.START, new byte[0], caller, "(start)",
        new CallContext());
    c.budget = limitOf(Kind.START) - usedBefore;
    Trap t = execute(c, () -> inst.initialize(false));
    ctx = previous;
    lastInstructions = usedBefore + c.instructions;
    if (t != null) {
      throw t;
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
    return Checkpoint.of(this);
  }

  void rollback(Object checkpoint) {
    ((Checkpoint) checkpoint).restore(this);
  }

  /**
   * Takes over {@code old}'s stable memory, as an upgrade does (spec, "IC method install_code":
   * stable memory is kept): its pages are shared, not copied, and the page written first by
   * either canister is copied then.
   */
  void keepStableMemoryOf(WasmCanister old) {
    stable.restore(old.stable.freeze());
  }

  /**
   * Takes over {@code old}'s main memory, as an upgrade with {@code wasm_memory_persistence =
   * keep} does for enhanced orthogonal persistence (spec, "IC method install_code").
   */
  void keepMainMemoryOf(WasmCanister old) {
    JournaledMemory from = old.heap();
    JournaledMemory to = heap();
    if (from == null || to == null) {
      return;
    }
    if (started) {
      throw new IllegalStateException("the main memory is kept before the module starts");
    }
    // Instantiation zeroes the memory before the data segments and the (start) function: the
    // old contents go in there, their pages shared rather than copied.
    to.keepOnInitialize(from.freeze());
  }

  /**
   * Runs an entry point; a trap rolls every change back and throws {@link Trap}. Queries are
   * always rolled back: they change nothing.
   */
  Result run(Kind kind, String export, byte[] arg, Principal caller, String method) {
    return run(kind, export, arg, caller, method, new CallContext(), -1, 0, 0, "", 0);
  }

  /**
   * Runs a hook of an install ({@code canister_init}, {@code canister_pre_upgrade}, {@code
   * canister_post_upgrade}), which shares the install limit with the install's other hooks:
   * {@code usedBefore} is what they executed; {@link #lastInstructions()} then includes this one.
   */
  Result runHook(Kind kind, String export, byte[] arg, Principal caller, long usedBefore) {
    return run(kind, export, arg, caller, export, new CallContext(), -1, 0, 0, "", usedBefore);
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
    MessageState c = new MessageState(Kind.INSPECT, arg, caller, method, new CallContext());
    c.budget = limitOf(Kind.INSPECT);
    Trap t = execute(c, () -> instance.export("canister_inspect_message").apply());
    ctx = null;
    lastInstructions = c.instructions;
    before.undo(this);
    if (t != null) {
      throw t;
    }
    return c.accepted;
  }

  /** Runs a callback (reply, reject or cleanup) of a call made from {@code call}. */
  Result callback(Kind kind, int function, int env, byte[] data, int rejectCode,
      String rejectMessage, Principal caller, String method, CallContext call) {
    return run(kind, "", data, caller, method, call, function, env, rejectCode, rejectMessage,
        0);
  }

  private Result run(Kind kind, String export, byte[] arg, Principal caller, String method,
      CallContext call, int function, int env, int rejectCode, String rejectMessage,
      long usedBefore) {
    start(caller);
    Journal before = Journal.begin(this, call);
    MessageState c = new MessageState(kind, arg, caller, method, call);
    c.budget = limitOf(kind) - usedBefore;
    c.rejectCode = rejectCode;
    c.rejectMessage = rejectMessage;
    Trap t = execute(c, () -> {
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
    });
    ctx = null;
    lastInstructions = usedBefore + c.instructions;
    if (t != null) {
      before.undo(this);
      throw t;
    }
    if (kind == Kind.QUERY) {
      // A query changes nothing (spec, "Query call"), but its answer stands.
      before.undoKeepingAnswer(this);
    } else {
      before.commit(this);
      version++;
      if (c.cyclesBurned.signum() > 0) {
        this.env.burnCycles(c.cyclesBurned);
      }
    }
    return new Result(call, List.copyOf(c.outgoing));
  }

  // ---- what the system API, the journal and checkpoints work on ----

  Environment env() {
    return env;
  }

  Instance instance() {
    return instance;
  }

  @Nullable JournaledMemory heap() {
    return (JournaledMemory) instance.memory();
  }

  StableMemory stable() {
    return stable;
  }

  /** The certified data; replaced, never written in place. */
  byte[] certifiedData() {
    return certifiedData;
  }

  void certifiedData(byte[] data) {
    certifiedData = data;
  }

  long timerDeadline() {
    return timerDeadline;
  }

  void timerDeadline(long deadline) {
    timerDeadline = deadline;
  }

  /** Sets the global timer's deadline (0 deactivates it); returns the previous deadline. */
  long setTimer(long deadline) {
    long previous = timerDeadline;
    timerDeadline = deadline;
    return previous;
  }

  /**
   * Runs {@code body} as the execution {@code c}: the counter (if the module has one) starts at
   * its budget, and when the body ends {@code c.instructions} holds what it executed. Returns the
   * trap it ended with, or null; the caller then rolls back what it must, before the globals (the
   * counter among them) are restored.
   */
  private @Nullable Trap execute(MessageState c, Runnable body) {
    if (counterGlobal >= 0 && c.kind != Kind.START) {
      GlobalInstance g = instance.global(counterGlobal);
      g.setValue(c.budget);
      c.counter = g;
    }
    ctx = c;
    Throwable failure = null;
    try {
      // On a thread with the stack canister code gets, whoever the caller (ExecutionThreads).
      ExecutionThreads.run(body);
    } catch (RuntimeException | StackOverflowError e) {
      failure = e;
    } finally {
      c.settle();
    }
    return failure == null ? null : trapOf(failure, c);
  }

  /**
   * The trap behind a failure of the execution {@code c}: a {@link Trap} a host function or the
   * listener threw (which the interpreter may wrap); the counter's own trap ({@code
   * unreachable} once it is below zero), which is the instruction limit's; a WASM trap or a
   * stack overflow, named; or anything else that went wrong inside the message, which is the
   * message's failure, not the replica's, and rolls back like a trap.
   */
  private Trap trapOf(Throwable e, MessageState c) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Trap trap) {
        return trap;
      }
    }
    if (c.instructions > c.budget) {
      return instructionLimitExceeded(limitOf(c.kind));
    }
    if (e instanceof ChicoryException || e instanceof StackOverflowError) {
      return new Trap("Canister trapped: " + e.getMessage());
    }
    return new Trap("Canister trapped: " + e);
  }

  // ---- what a state directory saves and restores (StateFile) ----

  /**
   * How many of the instance's globals are the module's own: all but {@link Metering}'s counter
   * (appended after them), which is not state (each execution sets it to its budget).
   */
  int ownGlobals() {
    return counterGlobal >= 0 ? counterGlobal : instance.globalCount();
  }

  void version(long version) {
    this.version = version;
  }

  /**
   * Initializes a fresh instance for a state read back from a state directory: globals, tables
   * and data segments as instantiation makes them, but without running the module's {@code
   * (start)} function, which ran when the canister was installed (what it did is in the state
   * the caller then sets: memory, globals, stable memory). Chicory's initialization always calls
   * the start function, so it is given a budget of zero instructions: it stops at its first
   * block (the counter's check, or the listener's, comes before any of its instructions), and
   * that trap is the expected outcome. Any other trap is a failure of the restore.
   */
  void initializeWithoutStart() {
    if (started) {
      throw new IllegalStateException("the instance is already initialized");
    }
    MessageState c = new MessageState(Kind.START, new byte[0], Principal.MANAGEMENT_CANISTER,
        "(start)", new CallContext());
    c.budget = 0;
    Trap t = execute(c, () -> instance.initialize(false));
    ctx = null;
    // The only trap expected is the zero budget's, and only from a start function: any other
    // means instantiation itself failed, or code ran.
    if (t != null && (module.startSection().isEmpty() || !t.errorCode().equals("IC0522"))) {
      throw new IllegalStateException("instantiation failed: " + t.getMessage(), t);
    }
    started = true;
  }

  static CanisterRejectException reject(Principal canisterId, String method, Trap t) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR,
        "Error from Canister " + canisterId + ": " + t.getMessage(), t.errorCode(), canisterId,
        method);
  }

}
