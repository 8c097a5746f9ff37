package org.icupgrade.benchmarks;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An install whose {@code canister_init} executes {@value #INSTRUCTIONS} instructions (an
 * Azle-sized init, 1.2 billion) on the replica as it starts by default (compiled), through the
 * public API: create a canister, install the module. The score is seconds per install; {@link
 * Cpu} records the thread's CPU time, which {@link BenchmarkMain} reports per install against
 * the goal of {@value BenchmarkMain#MAX_INIT_CPU_SECONDS} s. (The interpreter would take about
 * 25 s per install here; {@link ExecutionBenchmark} measures the two side by side.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class InstallInitBenchmark {
  /** The loop's iterations: its init executes 5n + 5 instructions. */
  static final int ITERATIONS = 240_000_000;
  static final long INSTRUCTIONS = 5L * ITERATIONS + 5;

  EmbeddedReplica replica;
  byte[] module;

  /** The thread's CPU time over the measured installs, and their number. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Cpu {
    /** CPU milliseconds spent installing: the benchmark thread and the execution threads. */
    public long cpuMillis;
    /** Installs measured. */
    public long installs;
  }

  @Setup
  public void setUp() {
    // The install limit exactly at the init's cost: one instruction more would be refused.
    replica = EmbeddedReplica.start(Clock.systemUTC(),
        InstructionLimits.IC.withInstall(INSTRUCTIONS), EmbeddedReplica.DEFAULT_HEAP_BUDGET,
        ExecutionMode.COMPILED);
    module = ExecutionBenchmark.loop(ITERATIONS, true);
  }

  @Benchmark
  public Principal install(Cpu cpu) {
    long before = WorkThreads.cpuNanos();
    Principal canister = ExecutionBenchmark.install(replica, module);
    cpu.cpuMillis += (WorkThreads.cpuNanos() - before) / 1_000_000;
    cpu.installs++;
    return canister;
  }
}
