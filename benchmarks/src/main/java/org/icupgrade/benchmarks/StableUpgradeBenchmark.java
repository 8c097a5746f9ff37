package org.icupgrade.benchmarks;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An upgrade of a canister with {@value #STABLE_MIB} MiB of stable memory on the embedded
 * replica, through the public API (issue 11: "an upgrade of a canister with 72 MiB of stable
 * memory needs less than 1.3x that extra"). The canister's init wrote every page of its stable
 * memory; the {@code allocatedBytes} counter is what the calling thread and the replica's
 * execution threads, on which the upgrade's code runs, allocated during the upgrades
 * ({@link WorkThreads#allocatedBytes}), an upper bound of the extra
 * heap an upgrade needs. {@link BenchmarkMain} prints it per upgrade over the stable memory's
 * size, against the bar {@link BenchmarkMain#MAX_UPGRADE_HEAP_RATIO}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class StableUpgradeBenchmark {
  static final Principal ME = Principal.fromBytes(new byte[] {7, 7, 7, 10});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int PAGE = 65_536;
  static final int STABLE_MIB = 72;
  static final int STABLE_PAGES = STABLE_MIB * 16;

  Agent agent;
  ManagementCanister ic;
  Principal upgradeCanister;
  byte[] upgradeModule;

  /**
   * Stable memory of {@value #STABLE_PAGES} pages, each written by the init from heap page 0;
   * {@code peek} (query) replies stable memory's 8 bytes at the last page.
   */
  static byte[] stableModule() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int grow = w.importFunction("ic0", "stable_grow", types(I32), types(I32));
    int write = w.importFunction("ic0", "stable_write", types(I32, I32, I32), types());
    int read = w.importFunction("ic0", "stable_read", types(I32, I32, I32), types());
    w.export("canister_init", w.function(types(), types(), types(I32), new Code()
        .i32(STABLE_PAGES).call(grow).drop()
        .loop()
        .localGet(0).i32(PAGE).op(0x6c).i32(0).i32(PAGE).call(write)
        .localGet(0).i32(1).i32Add().localSet(0)
        .localGet(0).i32(STABLE_PAGES).op(0x49).op(0x0d, 0)
        .end()
        .end()));
    w.export("canister_query peek", w.function(types(), types(), types(), new Code()
        .i32(200).i32((STABLE_PAGES - 1) * PAGE).i32(8).call(read)
        .i32(200).i32(8).call(append).call(reply).end()));
    w.export("canister_post_upgrade", w.function(types(), types(), types(), new Code().end()));
    w.memory(1);
    w.data(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    return w.build();
  }

  @Setup(Level.Trial)
  public void setUp() {
    EmbeddedReplica replica = EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
    agent = replica.agentFor(ME);
    ic = CandidManagementCanister.over(agent);
    upgradeModule = stableModule();
    upgradeCanister = replica.createCanister(ME);
    ic.installCode(upgradeCanister, InstallMode.install(), ByteBuffer.wrap(upgradeModule), NONE);
  }

  /** What the upgrades allocated, summed, and how many ran. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Allocated {
    public long allocatedBytes;
    public long upgrades;

    /** JMH reads the counters after each iteration and sums them over the iterations. */
    @Setup(Level.Iteration)
    public void reset() {
      allocatedBytes = 0;
      upgrades = 0;
    }
  }

  @Benchmark
  public void upgrade(Allocated allocated) {
    long before = WorkThreads.allocatedBytes();
    ic.installCode(upgradeCanister, InstallMode.upgrade(), ByteBuffer.wrap(upgradeModule), NONE);
    allocated.allocatedBytes += WorkThreads.allocatedBytes() - before;
    allocated.upgrades++;
  }

  /** Stable memory's 8 bytes at its last page (the upgrade benchmark's sanity check). */
  byte[] peek() {
    return agent.query(upgradeCanister, "peek", NONE);
  }
}
