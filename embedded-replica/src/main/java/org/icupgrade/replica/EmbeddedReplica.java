package org.icupgrade.replica;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.calls.Sleeper;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.replica.internal.Faults;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.icupgrade.replica.internal.Replica;

/**
 * An Internet Computer replica in this JVM: canisters, the management canister with the
 * interface specification's rules and limits (controllers, the chunk store's 1 MiB chunks and 100
 * slots, the 2 MiB ingress limit, module validation, install modes, run status, snapshots), and
 * Java-hosted canisters. Tests, examples and users' own tests run against it when no real replica
 * is at hand.
 *
 * <pre>{@code
 * EmbeddedReplica replica = EmbeddedReplica.start();
 * Principal canister = replica.createCanister(me);
 * Agent agent = replica.agentFor(me);
 * }</pre>
 *
 * <p>Installed WASM modules run in Chicory behind the ic0 system API (see the package
 * {@code internal}'s {@code WasmCanister} for the functions provided), including calls to other
 * canisters and to the management canister. Calls through {@link #agentFor} are ingress
 * messages: the management canister's canister-only methods ({@code create_canister}) refuse
 * them, as the IC does; canister code may call them.
 *
 * <p>Every ingress call is recorded ({@link #calls()}, {@link RecordedCall}, argument bytes
 * included). Tests script faults on ingress calls, matched by method, by the canister a call is
 * about (its effective canister id) and by attempt, with {@link #fault(Fault)}:
 *
 * <ul>
 *   <li>a failure before the call runs ({@link Fault#failBefore}): nothing changes, the caller
 *       gets the failure;
 *   <li>a lost reply ({@link Fault#loseReply()}): the call runs and its changes stay (the chunk
 *       stored, the module installed), but the caller gets a retryable {@code TransportException}
 *       or the failure the test supplies, as when a connection drops after the IC accepted a
 *       message;
 *   <li>a delay ({@link Fault#delay}), which blocks the calling thread before the call runs,
 *       through a {@link #sleeper(Sleeper) sleeper} a test may replace.
 * </ul>
 *
 * <pre>{@code
 * replica.fault(Fault.on("upload_chunk").canister(canister).attempt(2)
 *     .failBefore(() -> new TransportException("connection reset", true, null)));
 * replica.fault(Fault.on("install_chunked_code").canister(canister).loseReply());
 * }</pre>
 *
 * <p>{@link #failNext(String, int, Supplier)} and {@link #failAfter} are the older, shorter way to
 * script failures before a call runs. Calls canisters make to each other are not struck by
 * faults, nor recorded.
 *
 * <p>Thread-safe. Calls about one canister are serialized; different canisters run in parallel.
 */
public final class EmbeddedReplica implements AutoCloseable {
  private final Replica replica;
  private final Clock clock;

  /**
   * The most main memory, in bytes, the replica gives one canister unless told otherwise: 1 GiB.
   * The IC gives a wasm32 canister up to 4 GiB. Here memory is held in 64 KiB pages allocated
   * when first written, so declared but untouched memory costs nothing; the budget bounds what
   * a canister may make this JVM hold: the replica refuses (with an {@code IC0505} reject saying
   * so) a module declaring more initial memory than the budget, and {@code memory.grow} fails
   * (returns -1) past it.
   */
  public static final long DEFAULT_HEAP_BUDGET = 1L << 30;

  /**
   * The largest heap budget: 2 GiB less one 64 KiB page (32,767 pages), the most Chicory's
   * memory interface addresses (its {@code RUNTIME_MAX_PAGES}).
   */
  public static final long MAX_HEAP_BUDGET = (long) (Integer.MAX_VALUE / 65_536) * 65_536;

  private EmbeddedReplica(
      Clock clock, InstructionLimits limits, long heapBudget, ExecutionMode execution) {
    this(new Replica(clock, limits, heapBudget, execution));
  }

  private EmbeddedReplica(Replica replica) {
    this.replica = replica;
    this.clock = replica.clock();
  }

  /**
   * The replica kept in {@code stateDir}, on the system clock: the one that was saved there, or a
   * fresh one when the directory does not exist yet or is empty. Stopping the process and opening
   * the directory again gives the same replica: the same root key, every canister with its id,
   * controllers, settings, cycles, run status, history, chunk store, module (as installed, with its
   * hash), main memory, globals, stable memory, certified data, global timer and snapshots, and
   * the next canister id the replica hands out. Its time never goes back behind the time it had.
   * Restoring a canister runs none of its code ({@code canister_init}, the {@code (start)}
   * function, {@code canister_post_upgrade}): its saved state is set as it was.
   *
   * <p>A checkpoint of the whole state is written after every change (each update call, the
   * management canister's included, each canister creation, each {@link #tick}) before the call
   * returns, so a change whose answer was seen survives any stop of the process; written to a
   * temporary file and moved into place atomically, with the previous checkpoint kept, so that a
   * crash never leaves a directory that does not load. The root key's secret is kept in the
   * directory's {@code root-key} file (mode 0600 where the file system has POSIX permissions).
   * One replica at a time may have a directory open; {@link #close} releases it.
   *
   * <p><b>Warning:</b> the cost of a checkpoint grows with the state (only memory pages that are
   * not all zero are written): fine for a local replica serving a developer's canisters, slow for
   * canisters holding hundreds of MiB. Java objects hosted as canisters ({@link
   * #createBuiltinCanister}) are not saved: after a restart their canister is there, without its
   * code. Recorded calls and scripted faults are not state and start empty.
   *
   * @param stateDir the state directory, created if missing
   * @return the replica
   * @throws java.io.UncheckedIOException if the directory is in use by another replica, or holds
   *     a checkpoint that is damaged, truncated or of a format version this replica does not read
   *     (the message names the directory and the file)
   */
  public static EmbeddedReplica open(Path stateDir) {
    return open(stateDir, Clock.systemUTC());
  }

  /**
   * The replica kept in {@code stateDir} (see {@link #open(Path)}), its time from {@code clock}
   * but never earlier than the time saved in the directory.
   *
   * @param stateDir the state directory, created if missing
   * @param clock the replica's clock
   * @return the replica
   * @throws java.io.UncheckedIOException if the directory is in use or does not load
   */
  public static EmbeddedReplica open(Path stateDir, Clock clock) {
    return new EmbeddedReplica(Replica.open(Objects.requireNonNull(stateDir, "stateDir"),
        Objects.requireNonNull(clock, "clock"), InstructionLimits.IC, DEFAULT_HEAP_BUDGET,
        ExecutionMode.COMPILED));
  }

  /**
   * The state directory this replica is kept in ({@link #open(Path)}); empty for a replica in
   * memory.
   *
   * @return the directory, or empty
   */
  public Optional<Path> stateDirectory() {
    return replica.stateDirectory();
  }

  /**
   * For a replica kept in a state directory: writes a last checkpoint if anything changed since
   * the last one and releases the directory, so that another replica may open it; calls that
   * change state fail afterwards with an {@link IllegalStateException}. Does nothing for a
   * replica in memory. Stop its HTTP server ({@link ReplicaHttpServer#close()}) first.
   */
  @Override
  public void close() {
    replica.close();
  }

  /**
   * Makes this JVM forget the modules replicas installed: their decoded, instrumented and
   * compiled code and initial memory, which every replica of the JVM shares so that installing
   * one module into many canisters (a fleet, a test suite that starts many replicas) does that
   * work once. The next install of a module then does it again, as a first install does: for
   * measuring one. Canisters keep running the code they have.
   */
  public static void forgetInstalledModules() {
    Replica.forgetModules();
  }

  /**
   * A fresh replica with no canisters, on the system clock, with the IC's instruction limits
   * ({@link InstructionLimits#IC}).
   *
   * @return the replica
   */
  public static EmbeddedReplica start() {
    return start(Clock.systemUTC());
  }

  /**
   * A fresh replica whose time ({@code ic0.time}, snapshot timestamps) comes from {@code clock},
   * with the IC's instruction limits ({@link InstructionLimits#IC}).
   *
   * @param clock the replica's clock
   * @return the replica
   */
  public static EmbeddedReplica start(Clock clock) {
    return start(clock, InstructionLimits.IC);
  }

  /**
   * A fresh replica that stops every message after {@code instructionLimit} WASM instructions,
   * whatever its kind ({@link InstructionLimits#uniform}; an install counts all its hooks
   * together), so that runaway code is rejected quickly instead of running to the IC's limits,
   * which take even compiled code tens of seconds.
   *
   * @param clock the replica's clock
   * @param instructionLimit the most instructions one message (one install) may execute
   * @return the replica
   * @throws IllegalArgumentException if the limit is not positive
   */
  public static EmbeddedReplica start(Clock clock, long instructionLimit) {
    return start(clock, InstructionLimits.uniform(instructionLimit));
  }

  /**
   * A fresh replica with these instruction limits per kind of message, e.g. {@code
   * InstructionLimits.IC.withUpdate(1_000_000)}.
   *
   * @param clock the replica's clock
   * @param limits the limits per kind of message
   * @return the replica
   */
  public static EmbeddedReplica start(Clock clock, InstructionLimits limits) {
    return start(clock, limits, DEFAULT_HEAP_BUDGET);
  }

  /**
   * A fresh replica with these instruction limits that gives each canister at most {@code
   * heapBudget} bytes of main memory (see {@link #DEFAULT_HEAP_BUDGET}).
   *
   * @param clock the replica's clock
   * @param limits the limits per kind of message
   * @param heapBudget the most main memory of one canister, in bytes: at least one 64 KiB page,
   *     at most {@link #MAX_HEAP_BUDGET}
   * @return the replica
   * @throws IllegalArgumentException if the budget is out of range
   */
  public static EmbeddedReplica start(Clock clock, InstructionLimits limits, long heapBudget) {
    return start(clock, limits, heapBudget, ExecutionMode.COMPILED);
  }

  /**
   * A fresh replica that runs canister code in {@code execution} mode: {@link
   * ExecutionMode#COMPILED} (what every other factory gives) or {@link ExecutionMode#INTERPRETED},
   * Chicory's interpreter counting every instruction, for comparing the two. A module that
   * cannot be compiled runs interpreted whatever is asked ({@link #executionMode} tells).
   *
   * @param clock the replica's clock
   * @param limits the limits per kind of message
   * @param heapBudget the most main memory of one canister, in bytes: at least one 64 KiB page,
   *     at most {@link #MAX_HEAP_BUDGET}
   * @param execution how canister code runs
   * @return the replica
   * @throws IllegalArgumentException if the budget is out of range
   */
  public static EmbeddedReplica start(
      Clock clock, InstructionLimits limits, long heapBudget, ExecutionMode execution) {
    if (heapBudget < 65_536 || heapBudget > MAX_HEAP_BUDGET) {
      throw new IllegalArgumentException("heapBudget must be between 65536 and "
          + MAX_HEAP_BUDGET + " bytes, got " + heapBudget);
    }
    return new EmbeddedReplica(Objects.requireNonNull(clock, "clock"),
        Objects.requireNonNull(limits, "limits"), heapBudget,
        Objects.requireNonNull(execution, "execution"));
  }

  /**
   * An agent that sends calls as {@code caller}.
   *
   * @param caller the sender of every call
   * @return the agent
   */
  public Agent agentFor(Principal caller) {
    Objects.requireNonNull(caller, "caller");
    return new Agent() {
      @Override
      public Principal sender() {
        return caller;
      }

      @Override
      public byte[] query(
          Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
        // The replica takes its own copy of what it receives (its router): none here.
        return replica.query(caller, canisterId, method, arg, effectiveCanisterId);
      }

      @Override
      public byte[] update(
          Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
        return replica.update(caller, canisterId, method, arg, effectiveCanisterId);
      }

      @Override
      public Optional<Sha256> moduleHash(Principal canisterId) {
        // Spec, "Certified state tree": /canister/<id>/module_hash is readable by anyone.
        return replica.moduleHash(canisterId);
      }

      @Override
      public Optional<byte[]> metadata(Principal canisterId, String name) {
        // Spec, "Certified state tree": /canister/<id>/metadata/<name>, private sections for
        // controllers only.
        return replica.metadata(caller, Objects.requireNonNull(canisterId, "canisterId"),
            Objects.requireNonNull(name, "name"));
      }

      @Override
      public Optional<Principal> subnetOf(Principal canisterId) {
        // One subnet holds every canister of this replica.
        Objects.requireNonNull(canisterId, "canisterId");
        return Optional.of(subnetId());
      }

      @Override
      public String toString() {
        return "EmbeddedReplica agent for " + caller;
      }
    };
  }

  /**
   * The id of the one subnet this replica simulates, which holds every canister: the
   * self-authenticating principal of its key, the root key, as the IC's root subnet's id is the
   * principal of that subnet's key (interface spec, "Principals": self-authenticating ids are
   * the SHA-224 of the DER key followed by 0x02). Its certificates carry no delegation, as a
   * local replica's do.
   *
   * @return the subnet's id
   */
  public Principal subnetId() {
    return Principal.selfAuthenticating(rootKey());
  }

  /**
   * Creates an empty canister with these controllers (at least one) and ample cycles.
   *
   * @param controllers the canister's controllers
   * @return the new canister's id
   */
  public Principal createCanister(Principal... controllers) {
    if (controllers.length == 0) {
      throw new IllegalArgumentException("a canister needs at least one controller");
    }
    return replica.create(controllers[0], CanisterSettings.ofControllers(List.of(controllers)),
        BigInteger.valueOf(100_000_000_000_000L), null);
  }

  /**
   * Creates a canister hosting {@code code}, with these controllers.
   *
   * @param code the canister's Java code
   * @param controllers the canister's controllers
   * @return the new canister's id
   */
  public Principal createBuiltinCanister(BuiltinCanister code, Principal... controllers) {
    Principal id = createCanister(controllers);
    replica.host(id, code);
    return id;
  }

  /**
   * Fires the global timers that are due on the replica's clock (advance a test clock, then
   * tick); returns how many ran. Timers do not fire by themselves: tests stay deterministic.
   *
   * @return how many timers ran
   */
  public int tick() {
    return replica.tick();
  }

  /**
   * Every call received so far, in order.
   *
   * @return the calls
   */
  public List<RecordedCall> calls() {
    return replica.calls();
  }

  /**
   * The calls received so far to {@code method}.
   *
   * @param method the method's name
   * @return the calls
   */
  public List<RecordedCall> calls(String method) {
    return replica.calls().stream().filter(c -> c.method().equals(method)).toList();
  }

  /**
   * Whether calls recorded from now on keep their argument bytes (true, the default) or only
   * their sizes ({@link RecordedCall#argBytes()}). A fleet upgrade's uploads and installs carry
   * megabytes per call, all kept by {@link #calls()} until {@link #clearCalls()}; turn this off for
   * big fleets whose tests count calls and bytes but never read arguments. Calls already recorded
   * are left as they are.
   *
   * @param keep true to keep every argument's bytes, false to keep only sizes
   */
  public void keepCallArguments(boolean keep) {
    replica.keepCallArguments(keep);
  }

  /** Forgets the calls received so far. */
  public void clearCalls() {
    replica.clearCalls();
  }

  /**
   * Makes the next {@code times} calls of {@code method} fail with what {@code failure} supplies
   * (e.g. a {@code SYS_TRANSIENT} reject or a {@code TransportException}), before they change
   * anything.
   *
   * @param method the method's name
   * @param times how many calls fail
   * @param failure makes each failure
   */
  public void failNext(String method, int times, Supplier<RuntimeException> failure) {
    replica.faults().add(method, times, failure);
  }

  /**
   * Lets {@code pass} calls of {@code method} through, then makes the next {@code times} fail with
   * what {@code failure} supplies, before they change anything.
   *
   * @param method the method's name
   * @param pass how many calls go through first
   * @param times how many calls fail after them
   * @param failure makes each failure
   */
  public void failAfter(String method, int pass, int times, Supplier<RuntimeException> failure) {
    replica.faults().add(method, pass, times, failure);
  }

  /**
   * Makes the next {@code times} calls of {@code method} about {@code canisterId} fail with what
   * {@code failure} supplies, before they change anything; calls about other canisters go
   * through. A call is about its effective canister id: the called canister, or for the
   * management canister the canister named in the call (the target of
   * {@code install_chunked_code}).
   *
   * @param method the method's name
   * @param canisterId the canister the failing calls are about
   * @param times how many calls fail
   * @param failure makes each failure
   */
  public void failNext(
      String method, Principal canisterId, int times, Supplier<RuntimeException> failure) {
    replica.faults().add(method, Objects.requireNonNull(canisterId, "canisterId"), 0, times,
        failure);
  }

  /**
   * Scripts {@code fault} on the ingress calls from now on: the calls of its method (about its
   * canister, if it names one) are counted from this moment, and those of the attempts it strikes
   * are delayed, failed before they run, or run with their answer lost, as the fault says. When
   * several faults strike one call, their delays add up and the earliest registered fault with a
   * failure decides it. Failures scripted with {@link #failNext(String, int, Supplier)} or
   * {@link #failAfter} apply after the delays.
   *
   * @param fault the fault; it must delay, fail or lose the reply of the calls it strikes
   * @throws IllegalArgumentException if the fault does nothing to the calls it strikes
   */
  public void fault(Fault fault) {
    Objects.requireNonNull(fault, "fault");
    Faults.Outcome outcome = switch (fault.outcome()) {
      case RUN -> Faults.Outcome.RUN;
      case FAIL_BEFORE -> Faults.Outcome.FAIL_BEFORE;
      case LOSE_REPLY -> Faults.Outcome.LOSE_REPLY;
    };
    replica.faults().script(fault.method(), fault.canisterId(), fault.firstAttempt(),
        fault.attempts(), fault.delayBy(), outcome, fault.failure());
  }

  /**
   * Where the delays of scripted faults ({@link Fault#delay}) wait; by default {@link
   * Sleeper#SYSTEM}, a real {@link Thread#sleep} on the calling thread, which happens only when a
   * test has scripted a delay. A test may plug in a sleeper that records the delays, or one that
   * waits on a latch to hold a call in flight.
   *
   * @param sleeper waits each scripted delay
   */
  public void sleeper(Sleeper sleeper) {
    replica.faults().sleeper(sleeper);
  }

  /**
   * Drops the faults not yet spent: those scripted with {@link #fault}, {@link #failNext} and
   * {@link #failAfter}.
   */
  public void clearFaults() {
    replica.faults().clear();
  }

  /**
   * The installed module's hash, empty when no code is installed.
   *
   * @param canisterId the canister
   * @return the hash, or empty
   */
  public Optional<Sha256> moduleHash(Principal canisterId) {
    return replica.moduleHash(canisterId);
  }

  /**
   * How the canister's installed module runs: {@link ExecutionMode#COMPILED} unless the replica
   * was started interpreting or the module could not be compiled. Empty when no WASM module is
   * installed.
   *
   * @param canisterId the canister
   * @return the mode, or empty
   */
  public Optional<ExecutionMode> executionMode(Principal canisterId) {
    return replica.executionMode(canisterId);
  }

  /**
   * The hashes of the chunks in the canister's chunk store, in upload order.
   *
   * @param canisterId the canister
   * @return the hashes
   */
  public List<Sha256> chunkStore(Principal canisterId) {
    return replica.chunkStore(canisterId);
  }

  /**
   * Whether the canister is running, stopping or stopped.
   *
   * @param canisterId the canister
   * @return the run status
   */
  public CanisterStatus.RunStatus runStatus(Principal canisterId) {
    return replica.runStatus(canisterId);
  }

  /**
   * The canister's controllers, in the order they were set.
   *
   * @param canisterId the canister
   * @return the controllers
   */
  public List<Principal> controllers(Principal canisterId) {
    return replica.controllers(canisterId);
  }

  /**
   * Serves this replica over the IC's HTTP interface on 127.0.0.1:{@code port} (0: any free
   * port), so that any IC client reaches it at {@link ReplicaHttpServer#url()}; calls over HTTP
   * meet the same rules, faults and record of calls as those of {@link #agentFor}. Certificates
   * are signed with this replica's BLS key ({@link #rootKey}). Close the handle to stop.
   *
   * @param port the port, or 0
   * @return the running server
   */
  public ReplicaHttpServer serveHttp(int port) {
    return ReplicaHttpServer.start(this, port, clock);
  }

  /**
   * The root key of this replica in the IC's DER form: the public half of the BLS12-381 key,
   * generated once per replica (when first needed), that signs every certificate it issues (spec,
   * "Certification"). A client verifies this replica's certificates against it, as it verifies
   * mainnet's against mainnet's root key; {@code /api/v2/status} announces it.
   *
   * @return the 133-byte DER key
   */
  public byte[] rootKey() {
    return replica.certifier().rootKey();
  }

  /**
   * A certificate of this replica's state tree (spec, "The system state tree": {@code /time},
   * and per canister {@code controllers}, {@code module_hash}, {@code certified_data}, {@code
   * metadata/<name>}), with {@code more} added at the root, pruned to {@code paths} and {@code
   * /time} as the IC prunes what it certifies: what is under a path found is kept whole, a path
   * absent is proven so, everything else is a pruned hash. Who may read which path is the
   * caller's to check first. The HTTP server answers {@code read_state} and calls with it.
   *
   * @param timeNanos the time the tree holds, in nanoseconds since the epoch
   * @param paths the paths asked for, each a list of labels
   * @param more subtrees by root label (the HTTP server's {@code request_status} and {@code
   *     subnet})
   * @return the certificate's bytes
   */
  public byte[] stateCertificate(long timeNanos, List<List<byte[]>> paths,
      Map<String, HashTree> more) {
    List<List<byte[]>> asked = new ArrayList<>(paths);
    asked.add(List.of("time".getBytes(StandardCharsets.US_ASCII)));
    return certificate(replica.stateTree().tree(timeNanos, more).witness(asked));
  }

  /**
   * A certificate of {@code tree} signed with this replica's key ({@link #rootKey}), CBOR-encoded
   * as the HTTP interface returns certificates: {@code {tree, signature}}, no delegation. Tests
   * use it to build certified answers; the replica's HTTP server uses it for every answer.
   *
   * @param tree the state tree to certify (it should hold {@code /time})
   * @return the certificate's bytes
   */
  public byte[] certificate(HashTree tree) {
    return replica.certifier().certificate(tree);
  }
}
