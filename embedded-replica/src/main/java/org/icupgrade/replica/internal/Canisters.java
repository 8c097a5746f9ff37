package org.icupgrade.replica.internal;

import java.math.BigInteger;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;

/**
 * The canisters on this replica, looked up with the management canister's access rules, and what
 * their code runs against: the replica's clock and the instruction limit of one message.
 */
final class Canisters {
  private static final System.Logger LOG = System.getLogger(Replica.class.getName());

  private final Map<Principal, CanisterState> canisters = new ConcurrentHashMap<>();
  private final Clock clock;
  private final InstructionLimits limits;
  private final long heapBudget;
  private final Certifier certifier;
  /** The state tree every certificate of this replica is a witness of. */
  private final StateTree stateTree = new StateTree(this);
  /** How code is to run: compiled, or interpreted when asked for. */
  private final ExecutionMode execution;

  Canisters(Clock clock, InstructionLimits limits, long heapBudget, ExecutionMode execution) {
    this(clock, limits, heapBudget, execution, new Certifier());
  }

  Canisters(Clock clock, InstructionLimits limits, long heapBudget, ExecutionMode execution,
      Certifier certifier) {
    this.certifier = certifier;
    this.execution = execution;
    this.clock = clock;
    this.limits = limits;
    this.heapBudget = heapBudget;
  }

  Clock clock() {
    return clock;
  }

  /** The replica's BLS key, which signs every certificate it issues. */
  Certifier certifier() {
    return certifier;
  }

  /** The replica's state tree (spec, "The system state tree"). */
  StateTree stateTree() {
    return stateTree;
  }

  /** The replica's time in nanoseconds since the epoch. */
  long nowNanos() {
    return ReplicaTime.nanos(clock);
  }

  boolean contains(Principal id) {
    return canisters.containsKey(id);
  }

  /** Whether {@code p} is a canister on this replica (rather than a user). */
  boolean isCanister(Principal p) {
    return canisters.containsKey(p);
  }

  void add(CanisterState c) {
    canisters.put(c.id, c);
  }

  void remove(Principal id) {
    canisters.remove(id);
  }

  /** The canisters there are now. */
  List<CanisterState> all() {
    return List.copyOf(canisters.values());
  }

  CanisterState state(Principal canisterId, String method) {
    CanisterState c = canisters.get(canisterId);
    if (c == null) {
      throw Rejects.notFound(canisterId, method);
    }
    return c;
  }

  /** Only controllers may manage a canister (spec, each method: "only controllers"). */
  CanisterState controlled(Principal caller, Principal canisterId, String method) {
    CanisterState c = state(canisterId, method);
    synchronized (c) {
      if (!c.controllers.contains(caller)) {
        throw Rejects.notController(canisterId, caller, method);
      }
    }
    return c;
  }

  /**
   * Controllers and the canister itself (spec, formal model, "Upload Chunk", "Clear chunk store",
   * "List stored chunks", "Canister status": {@code M.caller ∈ S.controllers[A.canister_id] ∪
   * {A.canister_id}}).
   */
  CanisterState controlledOrSelf(Principal caller, Principal canisterId, String method) {
    return caller.equals(canisterId) ? state(canisterId, method)
        : controlled(caller, canisterId, method);
  }

  /** The most main memory, in bytes, this replica gives one canister. */
  long heapBudget() {
    return heapBudget;
  }

  /**
   * Validates a module as installed for {@code method} ({@link ModuleValidator#check}), decoding
   * and rewriting it only when this JVM has not done so lately ({@link ModuleCode#CACHE}).
   * {@code hash} is the SHA-256 of {@code module}, which the caller has computed already.
   */
  ModuleCode load(byte[] module, Sha256 hash, String method) {
    return load(ModuleBytes.of(module), hash, method);
  }

  /** As {@link #load(byte[], Sha256, String)} for a module as installed from its chunks. */
  ModuleCode load(ModuleBytes module, Sha256 hash, String method) {
    // Interpreting as asked runs the module as installed, counted per instruction: the reference
    // the compiled mode's counter is compared with.
    boolean meter = execution == ExecutionMode.COMPILED;
    ModuleCode code = ModuleCode.CACHE.get(hash, meter, module,
        bytes -> ModuleValidator.decode(bytes, method, meter));
    ModuleValidator.checkMemory(code.checked().module(), method, heapBudget);
    return code;
  }

  /** Instantiates a validated module as {@code c}'s code; no entry point runs yet. */
  WasmCanister instantiate(CanisterState c, ModuleCode module) {
    return WasmCanister.instantiate(module, environment(c), limits, heapBudget, execution);
  }

  private WasmCanister.Environment environment(CanisterState c) {
    return new WasmCanister.Environment() {
      @Override
      public Principal self() {
        return c.id;
      }

      @Override
      public boolean isController(Principal p) {
        return c.controllers.contains(p);
      }

      @Override
      public long timeNanos() {
        return nowNanos();
      }

      @Override
      public boolean isCanister(Principal p) {
        return Canisters.this.isCanister(p);
      }

      @Override
      public byte[] dataCertificate(byte[] certifiedData) {
        return stateTree.dataCertificate(certifier, c.id, certifiedData, nowNanos());
      }

      @Override
      public BigInteger cycleBalance() {
        return c.cycles;
      }

      @Override
      public long freezingThresholdSeconds() {
        // Spec, "IC method update_settings": freezing_threshold defaults to 2,592,000 s (30 days).
        BigInteger t = c.settings.freezingThreshold()
            .orElse(BigInteger.valueOf(2_592_000L));
        return t.bitLength() < 63 ? t.longValue() : Long.MAX_VALUE;
      }

      @Override
      public void burnCycles(BigInteger cycles) {
        c.cycles = c.cycles.subtract(cycles).max(BigInteger.ZERO);
      }

      @Override
      public void debugPrint(String message) {
        LOG.log(System.Logger.Level.DEBUG, () -> c.id + ": " + message);
      }
    };
  }
}
