package org.icupgrade.benchmarks;

import java.util.concurrent.TimeUnit;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * End to end: a chunked install of a module (5 MiB, 100 MiB) into an empty canister of the
 * embedded replica, through {@link ChunkedWasmInstaller} over {@link CandidManagementCanister}
 * over the replica's agent, so that every call is Candid-encoded, checked by the replica's
 * management canister (controllers, chunk store limits, the 2 MiB ingress limit), decoded, and
 * the module is validated and instantiated in the WASM interpreter.
 *
 * <p>One operation is one {@code install} call: the module hash, the chunk hashes, {@code
 * stored_chunks}, one {@code upload_chunk} per MiB, {@code install_chunked_code}, {@code
 * clear_chunk_store}, and the module-hash reads before and after. Time is per operation
 * ({@code SingleShotTime}); {@link E2eCounters} counts the calls, state reads and bytes through a
 * {@link CountingAgent} in front of the replica's agent.
 *
 * <p>Beside the time, the replica's share of it ({@link E2eCounters#replicaMicros}: the time
 * inside the replica's agent) and the install's heap: {@code peakHeapRatio}, the peak of the heap
 * in use while the install runs, less the heap in use before it (after a full GC, the module
 * the caller holds included), over the module's size. Garbage is included in the samples, so it
 * is an upper bound; the JVM runs the serial collector so that garbage goes early.
 *
 * <p>Before each operation (outside the time) a fresh replica with an empty canister is started,
 * the module is made afresh from its bytes (so its hash is not cached from the last operation),
 * and the last replica is collected, so that installs do not pile canisters up in the heap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
// A young generation of 24 MiB: the heap sampled while the install runs is then what is live
// plus at most that much garbage (and what garbage was promoted), not a young generation of
// hundreds of megabytes of chunks already sent.
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Xmn24m", "-XX:+UseSerialGC"})
public class InstallE2eBenchmark {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 2});

  /** Module size in bytes. */
  @Param({"5242880", "104857600"})
  public int size = 5 * 1024 * 1024;

  /**
   * Whether the replica records each call's argument ({@link EmbeddedReplica#keepCallArguments},
   * on by default, for tests that look at them): a copy of every chunk, kept.
   */
  @Param({"true"})
  public boolean keepCallArguments = true;

  /**
   * {@code warm}: this JVM has installed the module before (the benchmark's warm-up did), so
   * the replica's module cache has its decoded and compiled code and initial memory, as for
   * every install of a fleet or a test suite after the first; {@code cold}: the cache is
   * emptied before each install ({@link EmbeddedReplica#forgetInstalledModules()}), a first
   * install.
   */
  @Param({"warm", "cold"})
  public String modules = "warm";

  byte[] wasm = new byte[0];
  WasmModule module = WasmModule.of(Inputs.wasm(8));
  EmbeddedReplica replica = EmbeddedReplica.start();
  Principal canister = ME;
  CountingAgent agent = new CountingAgent(replica.agentFor(ME));
  ChunkedWasmInstaller installer =
      ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build();

  /** The peak heap of the installs measured, over the module's size, summed over them. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class InstallHeap {
    public double peakHeapRatio;
    public long installs;
  }

  @Setup(Level.Trial)
  public void setUp() {
    wasm = SyntheticWasm.ofSize(size, 1);
  }

  /** A fresh replica with one empty canister, and the module made afresh from its bytes. */
  @Setup(Level.Invocation)
  public void freshReplica() {
    if (modules.equals("cold")) {
      EmbeddedReplica.forgetInstalledModules();
    }
    replica = EmbeddedReplica.start();
    replica.keepCallArguments(keepCallArguments);
    module = WasmModule.of(wasm);
    System.gc();
    canister = replica.createCanister(ME);
    agent = new CountingAgent(replica.agentFor(ME));
    installer = ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build();
  }

  @Benchmark
  public InstallOutcome install(E2eCounters counters, InstallHeap heap) {
    HeapPeak.Sampled<InstallOutcome> sampled = HeapPeak.during(
        () -> installer.install(canister, module, InstallMode.install()));
    InstallOutcome outcome = sampled.result();
    heap.peakHeapRatio += (double) sampled.growth() / size;
    heap.installs++;
    if (!(outcome instanceof InstallOutcome.Installed i) || !i.chunked()) {
      throw new IllegalStateException("expected a chunked install, got " + outcome);
    }
    agent.counts().addTo(counters);
    return outcome;
  }
}
