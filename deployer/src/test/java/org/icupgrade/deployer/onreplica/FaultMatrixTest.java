package org.icupgrade.deployer.onreplica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.deployer.onreplica.UpgradeWorld.Kind;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.replica.Fault;
import org.icupgrade.replica.RecordedCall;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault matrix of issue 9, generated from a fault-free run rather than listed by hand: for
 * every call the backend makes during an upgrade (each method at each of its attempts), each of
 * four faults (a transport error once, {@code SYS_TRANSIENT} once, a permanent reject, a reply
 * lost after the call ran), and a crash of the deployer after each of its registry writes (the
 * job's thread dies, its agent with it; a second deployer on the same registry takes the job over
 * once the lease has expired). After every run, every invariant of {@link UpgradeWorld#violations}
 * must hold; the test prints the runs and the violations, and fails on any.
 */
class FaultMatrixTest {
  @TempDir Path dir;

  /** The four faults of the matrix. */
  enum FaultKind {
    TRANSPORT_ONCE,
    SYS_TRANSIENT_ONCE,
    PERMANENT_REJECT,
    REPLY_LOST
  }

  /** One call the backend makes: the n-th call of a method on an (effective) canister. */
  record Position(String method, Principal canister, int attempt) {
    @Override
    public String toString() {
      return method + "#" + attempt;
    }
  }

  /** The process dying: thrown by everything the dead deployer touches afterwards. */
  static final class Died extends Error {
    private static final long serialVersionUID = 1L;

    Died() {
      super("the deployer's process died", null, false, false);
    }
  }

  /** Kills a deployer after its n-th registry write (the write itself lands). */
  static final class Mortality {
    final int dieAfterWrite;
    int writes;
    volatile boolean dead;

    Mortality(int dieAfterWrite) {
      this.dieAfterWrite = dieAfterWrite;
    }

    void check() {
      if (dead) {
        throw new Died();
      }
    }

    void wrote() {
      writes++;
      if (writes == dieAfterWrite) {
        dead = true;
        throw new Died();
      }
    }
  }

  static DeploymentRegistry mortal(DeploymentRegistry r, Mortality m) {
    return new DeploymentRegistry() {
      @Override
      public Optional<DeploymentRecord> find(Principal canisterId) {
        m.check();
        return r.find(canisterId);
      }

      @Override
      public List<DeploymentRecord> byOwner(Principal owner) {
        m.check();
        return r.byOwner(owner);
      }

      @Override
      public DeploymentRecord insert(DeploymentRecord record) {
        m.check();
        return r.insert(record);
      }

      @Override
      public Optional<DeploymentRecord> replace(DeploymentRecord expected, DeploymentRecord next) {
        m.check();
        Optional<DeploymentRecord> out = r.replace(expected, next);
        m.wrote();
        return out;
      }

      @Override
      public List<DeploymentRecord> withJobs() {
        m.check();
        return r.withJobs();
      }

      @Override
      public List<DeploymentRecord> all() {
        m.check();
        return r.all();
      }
    };
  }

  static Agent mortal(Agent a, Mortality m) {
    return new InterceptingAgent(a) {
      @Override
      void before(String method) {
        m.check();
      }
    };
  }

  static Fault fault(Position p, FaultKind kind) {
    Fault f = Fault.on(p.method()).canister(p.canister()).attempt(p.attempt());
    Supplier<RuntimeException> sysTransient = () -> new CanisterRejectException(
        RejectCode.SYS_TRANSIENT, "injected: subnet busy", null, p.canister(), p.method());
    return switch (kind) {
      case TRANSPORT_ONCE -> f.failBefore(
          () -> new TransportException("injected: connection reset", true, null));
      case SYS_TRANSIENT_ONCE -> f.failBefore(sysTransient);
      case PERMANENT_REJECT -> f.failBefore(() -> new CanisterRejectException(
          RejectCode.CANISTER_ERROR, "injected: permanent refusal", "IC0504", p.canister(),
          p.method()));
      case REPLY_LOST -> f.loseReply();
    };
  }

  /** The outcome of one run: what it was, and what broke. */
  record Run(String name, List<String> violations) {}

  int worlds;

  UpgradeWorld world(Kind kind) throws IOException {
    // Each world has its own release directory: v2 is published once v1 is deployed.
    Path d = Files.createDirectories(dir.resolve("w" + worlds++));
    return new UpgradeWorld(kind, new UpgradeWorld.Releases(d, kind),
        DeploymentRegistry.inMemory());
  }

  /**
   * Runs one upgrade in a fresh world: the owner's grant, the request to deployer A (mortal),
   * then deployer B recovering whatever A left until no job is left (or four rounds), and the
   * invariants.
   */
  Run run(Kind kind, String name, Optional<Fault> fault, int dieAfterWrite,
      List<RecordedCall> recording) throws IOException {
    UpgradeWorld w = world(kind);
    Mortality m = new Mortality(dieAfterWrite);
    StorageDeployer a = w.deployer(mortal(w.replica.agentFor(UpgradeWorld.BACKEND), m),
        mortal(w.registry, m), "deployer-a");
    w.ownerGrantsRights();
    w.replica.clearCalls();
    fault.ifPresent(w.replica::fault);
    boolean refused = false;
    try {
      a.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());
    } catch (Died e) {
      // A is gone; B takes over below.
    } catch (IcException e) {
      refused = true; // refused before any job started
    }
    recording.addAll(w.replica.calls());
    StorageDeployer b = w.deployer(w.replica.agentFor(UpgradeWorld.BACKEND), w.registry,
        "deployer-b");
    for (int round = 0; round < 4 && !w.registry.withJobs().isEmpty(); round++) {
      w.clock.advance(UpgradeWorld.LEASE.plus(Duration.ofSeconds(1)));
      b.recoverAbandoned();
    }
    return new Run(kind + " " + name, w.violations(refused));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void everyFaultAtEveryCallAndACrashAfterEveryStep_leaveTheCanisterNoWorse(Kind kind)
      throws IOException {
    // The fault-free run: the positions to inject at, and the registry writes to crash after.
    List<RecordedCall> clean = new ArrayList<>();
    Run baseline = run(kind, "fault-free", Optional.empty(), Integer.MAX_VALUE, clean);
    assertEquals(List.of(), baseline.violations(), "the fault-free upgrade itself");
    List<Position> positions = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (RecordedCall c : clean) {
      if (!c.caller().equals(UpgradeWorld.BACKEND)) {
        continue;
      }
      String key = c.method() + "@" + c.effectiveCanisterId();
      int n = seen.merge(key, 1, Integer::sum);
      positions.add(new Position(c.method(), c.effectiveCanisterId(), n));
    }
    int writes = countWrites(kind);
    List<Run> runs = new ArrayList<>();
    runs.add(baseline);
    for (Position p : positions) {
      for (FaultKind f : FaultKind.values()) {
        runs.add(run(kind, f + " at " + p, Optional.of(fault(p, f)), Integer.MAX_VALUE,
            new ArrayList<>()));
      }
    }
    for (int k = 1; k <= writes; k++) {
      runs.add(run(kind, "crash after registry write " + k, Optional.empty(), k,
          new ArrayList<>()));
    }
    List<String> violations = new ArrayList<>();
    for (Run r : runs) {
      for (String v : r.violations()) {
        violations.add(r.name() + ": " + v);
      }
    }
    System.out.println("fault matrix " + kind + ": " + positions.size() + " call positions x "
        + FaultKind.values().length + " faults + " + writes + " crashes + 1 fault-free = "
        + runs.size() + " runs, " + violations.size() + " violations");
    violations.forEach(v -> System.out.println("  violation: " + v));
    assertTrue(positions.size() >= 10, "the upgrade makes its calls: " + positions);
    assertTrue(writes >= 10, "the job persists its phases: " + writes + " writes");
    assertEquals(List.of(), violations);
  }

  /** How many registry writes a fault-free upgrade makes: the crash points. */
  int countWrites(Kind kind) throws IOException {
    UpgradeWorld w = world(kind);
    Mortality counter = new Mortality(Integer.MAX_VALUE);
    StorageDeployer a = w.deployer(w.replica.agentFor(UpgradeWorld.BACKEND),
        mortal(w.registry, counter), "deployer-a");
    w.ownerGrantsRights();
    a.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());
    return counter.writes;
  }
}
