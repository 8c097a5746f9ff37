package org.icupgrade.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End to end: a fleet of N canisters (10, 100) on the embedded replica, each running one module,
 * upgraded one after the other to another module with {@link ChunkedWasmInstaller} over {@link
 * CandidManagementCanister}: what rolling a release out to every user's canister costs.
 *
 * <p>The module is {@value #MODULE_SIZE} bytes, three chunks: typical of a canister that no longer
 * fits one 2 MiB message. One operation upgrades the whole fleet, alternately from v1 to v2 and
 * back, so that every upgrade really installs (none is already current); per canister that is a
 * module-hash read, {@code stored_chunks}, three {@code upload_chunk}, {@code
 * install_chunked_code}, {@code clear_chunk_store} and a module-hash read. Each module is hashed
 * once, as a deployer would; the chunk hashes are computed for each canister, as the installer
 * does.
 * Time is per fleet ({@code SingleShotTime}); {@link BenchmarkMain}'s table also shows the calls
 * per canister.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class FleetE2eBenchmark {
  static final Principal DEPLOYER = Principal.fromBytes(new byte[] {0x0d, 0x0e, 2});
  /** Module size: two full chunks and a part of a third. */
  static final int MODULE_SIZE = 2 * 1024 * 1024 + 300_000;

  /** Canisters in the fleet. */
  @Param({"10", "100"})
  public int canisters = 10;

  EmbeddedReplica replica = EmbeddedReplica.start();
  List<Principal> fleet = List.of();
  WasmModule v1 = WasmModule.of(Inputs.wasm(8));
  WasmModule v2 = v1;
  CountingAgent agent = new CountingAgent(replica.agentFor(DEPLOYER));
  ChunkedWasmInstaller installer =
      ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build();
  /** Upgrades done so far: even means the fleet runs v1. */
  int rounds;

  /** The fleet, every canister running v1, installed outside the counts. */
  @Setup(Level.Trial)
  public void setUp() {
    replica = EmbeddedReplica.start();
    v1 = WasmModule.of(SyntheticWasm.ofSize(MODULE_SIZE, 1));
    v2 = WasmModule.of(SyntheticWasm.ofSize(MODULE_SIZE, 2));
    ChunkedWasmInstaller uncounted = ChunkedWasmInstaller.builder(
        CandidManagementCanister.over(replica.agentFor(DEPLOYER))).build();
    List<Principal> ids = new ArrayList<>(canisters);
    for (int i = 0; i < canisters; i++) {
      Principal id = replica.createCanister(DEPLOYER);
      uncounted.install(id, v1, InstallMode.install());
      ids.add(id);
    }
    fleet = List.copyOf(ids);
    agent = new CountingAgent(replica.agentFor(DEPLOYER));
    installer = ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build();
    rounds = 0;
  }

  @Setup(Level.Invocation)
  public void resetCounts() {
    agent.reset();
    // The replica keeps a record of every call; only the counting agent's numbers are used here.
    replica.clearCalls();
  }

  /** The module the fleet runs after {@code rounds} upgrades. */
  WasmModule running() {
    return rounds % 2 == 0 ? v1 : v2;
  }

  @Benchmark
  public List<InstallOutcome> upgradeFleet(E2eCounters counters) {
    WasmModule next = rounds % 2 == 0 ? v2 : v1;
    List<InstallOutcome> outcomes = new ArrayList<>(fleet.size());
    for (Principal id : fleet) {
      InstallOutcome o = installer.install(id, next, InstallMode.upgrade());
      if (!(o instanceof InstallOutcome.Installed)) {
        throw new IllegalStateException("expected " + id + " upgraded, got " + o);
      }
      outcomes.add(o);
    }
    rounds++;
    agent.counts().addTo(counters);
    return outcomes;
  }
}
