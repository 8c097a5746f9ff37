package org.icupgrade.replica;

import java.math.BigInteger;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
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
 * <p>Thread-safe. Calls about one canister are serialized; different canisters run in parallel.
 */
public final class EmbeddedReplica {
  private final Replica replica;

  /** Instructions one message may execute before it is stopped, by default. */
  public static final long DEFAULT_INSTRUCTION_LIMIT = 200_000_000L;

  private EmbeddedReplica(Clock clock, long instructionLimit) {
    this.replica = new Replica(clock, instructionLimit);
  }

  /**
   * A fresh replica with no canisters, on the system clock.
   *
   * @return the replica
   */
  public static EmbeddedReplica start() {
    return start(Clock.systemUTC());
  }

  /**
   * A fresh replica whose time ({@code ic0.time}, snapshot timestamps) comes from {@code clock}.
   *
   * @param clock the replica's clock
   * @return the replica
   */
  public static EmbeddedReplica start(Clock clock) {
    return start(clock, DEFAULT_INSTRUCTION_LIMIT);
  }

  /**
   * A fresh replica that stops a message after {@code instructionLimit} WASM instructions, so that
   * runaway code is rejected instead of hanging (the IC's limits are in the billions; this
   * interpreter is slower, so tests choose a smaller budget).
   *
   * @param clock the replica's clock
   * @param instructionLimit the most instructions one message may execute
   * @return the replica
   */
  public static EmbeddedReplica start(Clock clock, long instructionLimit) {
    if (instructionLimit < 1) {
      throw new IllegalArgumentException("instructionLimit must be positive");
    }
    return new EmbeddedReplica(Objects.requireNonNull(clock, "clock"), instructionLimit);
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
        return replica.query(caller, canisterId, method, arg.clone(), effectiveCanisterId);
      }

      @Override
      public byte[] update(
          Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
        return replica.update(caller, canisterId, method, arg.clone(), effectiveCanisterId);
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
      public String toString() {
        return "EmbeddedReplica agent for " + caller;
      }
    };
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

  /** Drops the failures scripted with {@link #failNext} and {@link #failAfter} not yet thrown. */
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
}
