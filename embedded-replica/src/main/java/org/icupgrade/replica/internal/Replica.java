package org.icupgrade.replica.internal;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.RecordedCall;
import org.jspecify.annotations.Nullable;

/**
 * The replica's state machine, as {@code EmbeddedReplica} drives it: canisters ({@link
 * Canisters}), the management canister's methods with the interface specification's rules ({@link
 * ManagementCanister}, one class per family of methods), the routing of calls ({@link CallRouter})
 * and the running of canister code ({@link MessageExecution}). Calls about one canister are
 * serialized on its state; calls about different canisters run in parallel.
 */
public final class Replica {
  private final Canisters canisters;
  private final CanisterLifecycle lifecycle;
  private final Snapshots snapshots = new Snapshots();
  private final CallRouter router;
  /** Where the state is kept, or null when it lives in memory only. */
  private final @Nullable StateDirectory stateDir;
  private final Clock clock;

  public Replica(
      Clock clock, InstructionLimits limits, long heapBudget, ExecutionMode execution) {
    this(clock, limits, heapBudget, execution, new Certifier(), null);
  }

  private Replica(Clock clock, InstructionLimits limits, long heapBudget,
      ExecutionMode execution, Certifier certifier, @Nullable StateDirectory stateDir) {
    this.clock = clock;
    this.canisters = new Canisters(clock, limits, heapBudget, execution, certifier);
    this.lifecycle = new CanisterLifecycle(canisters);
    this.router = new CallRouter(canisters,
        new ManagementCanister(canisters, lifecycle, snapshots));
    this.stateDir = stateDir;
  }

  /**
   * The replica kept in {@code dir} ({@link StateDirectory}): the one saved there, or a fresh one
   * when the directory is new or empty. Its time never goes back behind the time saved, whatever
   * {@code clock} says.
   *
   * @throws java.io.UncheckedIOException when the directory is in use or does not load
   */
  public static Replica open(Path dir, Clock clock, InstructionLimits limits, long heapBudget,
      ExecutionMode execution) {
    StateDirectory sd = StateDirectory.open(dir);
    try {
      MonotonicClock monotonic = new MonotonicClock(clock, 0);
      Certifier certifier = new Certifier(sd.secretKey());
      Replica r = new Replica(monotonic, limits, heapBudget, execution, certifier, sd);
      sd.load((in, size) -> {
        StateFile.Header h = StateFile.read(in, size, r.canisters);
        if (!Arrays.equals(h.rootKey(), certifier.rootKey())) {
          throw new StateFile.Malformed("its root key is not the one of " + StateDirectory.KEY_FILE
              + " (the key file of another replica?)");
        }
        monotonic.atLeast(h.timeNanos());
        r.lifecycle.nextCanister(h.nextCanister());
        r.snapshots.nextSnapshot(h.nextSnapshot());
      });
      sd.writer(out -> StateFile.write(out, new StateFile.Header(certifier.rootKey(),
          monotonic.nanos(), r.lifecycle.nextCanister(), r.snapshots.nextSnapshot()),
          r.canisters.all()));
      if (sd.fresh()) {
        // A fresh directory holds a state from the start: a restart before any call finds
        // the same (empty) replica, with the same key.
        sd.checkpointNow();
      }
      return r;
    } catch (RuntimeException e) {
      sd.close();
      throw e;
    }
  }

  /** The clock the replica's time comes from (monotonic for a replica in a state directory). */
  public Clock clock() {
    return clock;
  }

  /** The state directory, if the state is kept in one. */
  public Optional<Path> stateDirectory() {
    return stateDir == null ? Optional.empty() : Optional.of(stateDir.path());
  }

  /**
   * Writes the last checkpoint and releases the state directory; calls that change state fail
   * afterwards. Does nothing for a replica in memory.
   */
  public void close() {
    if (stateDir != null) {
      stateDir.close();
    }
  }

  /** Runs a change of state; in a state directory, returns once a checkpoint includes it. */
  private <T> T changing(Supplier<T> change) {
    return stateDir == null ? change.get() : stateDir.change(change);
  }

  /** The replica's BLS key, signing every certificate it issues. */
  public Certifier certifier() {
    return canisters.certifier();
  }

  /** The state tree every certificate of this replica is a witness of. */
  public StateTree stateTree() {
    return canisters.stateTree();
  }

  public Faults faults() {
    return router.faults();
  }

  public List<RecordedCall> calls() {
    return router.calls();
  }

  /** Whether calls recorded from now on keep their argument bytes or only their sizes. */
  public void keepCallArguments(boolean keep) {
    router.keepArguments(keep);
  }

  public void clearCalls() {
    router.clearCalls();
  }

  public byte[] update(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId) {
    return changing(
        () -> router.ingress(caller, canisterId, method, arg, effectiveCanisterId, false));
  }

  public byte[] query(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId) {
    return router.ingress(caller, canisterId, method, arg, effectiveCanisterId, true);
  }

  public Principal create(
      Principal caller, @Nullable CanisterSettings settings, BigInteger cycles,
      @Nullable Principal specifiedId) {
    return changing(() -> lifecycle.create(caller, settings, cycles, specifiedId, true));
  }

  public CanisterStatus canisterStatus(Principal caller, Principal canisterId) {
    return lifecycle.canisterStatus(caller, canisterId);
  }

  // ---- inspection ----

  /** How the canister's installed WASM module runs; empty when none is installed. */
  public Optional<ExecutionMode> executionMode(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "read_state");
    synchronized (c) {
      WasmCanister code = c.code;
      return code == null ? Optional.empty() : Optional.of(code.mode());
    }
  }

  /** The canister's running code, for tests of its memories; null when none is installed. */
  /**
   * Forgets what this JVM remembers of modules it installed (their decoded, rewritten and
   * compiled code, their initial memory, the hashes of chunk lists), so that the next install
   * of any module does that work again. Canisters keep the code they run.
   */
  public static void forgetModules() {
    ModuleCode.CACHE.clear();
    ChunkStore.forgetModuleHashes();
  }

  /** The canisters' state, for tests of this package. */
  Canisters canisters() {
    return canisters;
  }

  @Nullable WasmCanister code(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "read_state");
    synchronized (c) {
      return c.code;
    }
  }

  public Optional<Sha256> moduleHash(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "read_state");
    synchronized (c) {
      return Optional.ofNullable(c.moduleHash);
    }
  }

  /**
   * Spec, "Certified state tree": {@code /canister/<id>/metadata/<name>} holds the content of the
   * installed module's custom section {@code icp:public <name>} (readable by anyone) or
   * {@code icp:private <name>} (readable by the canister's controllers only; the IC refuses the
   * read of anyone else). Empty when the module has no such section or none is installed.
   */
  public Optional<byte[]> metadata(Principal caller, Principal canisterId, String name) {
    CanisterState c = canisters.state(canisterId, "read_state");
    ModuleBytes module;
    boolean controller;
    synchronized (c) {
      module = c.module;
      controller = c.controllers.contains(caller);
    }
    if (module == null) {
      return Optional.empty();
    }
    ModuleValidator.Section s = ModuleValidator.exportedSection(module, name);
    if (s == null) {
      return Optional.empty();
    }
    if (s.isPrivate() && !controller) {
      throw new IcException("read_state of /canister/" + canisterId + "/metadata/" + name
          + " refused: custom section " + name + " can only be requested by the controllers of"
          + " the canister; " + caller + " is not one of them");
    }
    return Optional.of(s.content());
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
    return changing(() -> router.execution().tick());
  }

  public void host(Principal canisterId, BuiltinCanister builtin) {
    CanisterState c = canisters.state(canisterId, "host");
    synchronized (c) {
      c.builtin = builtin;
    }
  }
}
