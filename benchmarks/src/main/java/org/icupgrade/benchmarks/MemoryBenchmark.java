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
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
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
 * {@code memory.grow} by one page on the embedded replica's paged memory, through the public API
 * (issue 11: "memory.grow cost independent of the heap's size"): a query that grows main memory
 * by one page, writes the new page and replies, on a canister whose init wrote every page of its
 * {@code heapMiB} heap (so the heap is resident, 16 or 256 MiB). A query's changes are undone,
 * so every operation grows the same heap, and the undo is measured with it. {@link
 * BenchmarkMain} prints the 256 MiB time over the 16 MiB time, which should be about 1.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class MemoryBenchmark {
  static final Principal ME = Principal.fromBytes(new byte[] {7, 7, 7, 9});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int PAGE = 65_536;

  @Param({"16", "256"})
  public int heapMiB;

  Agent agent;
  Principal canister;

  /**
   * A heap of {@code pages} pages, every one written by the init; {@code grow} (query) grows by
   * one page, stores the old size at the new page's start and replies those 4 bytes.
   */
  static byte[] growModule(int pages) {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    w.export("canister_init", w.function(types(), types(), types(I32), new Code()
        .loop()
        .localGet(0).i32(PAGE).op(0x6c).localGet(0).i32(1).i32Add().i32Store() // i32.mul
        .localGet(0).i32(1).i32Add().localSet(0)
        .localGet(0).i32(pages).op(0x49).op(0x0d, 0) // i32.lt_u, br_if 0
        .end()
        .end()));
    w.export("canister_query grow", w.function(types(), types(), types(I32), new Code()
        .i32(1).memoryGrow().localSet(0)
        .localGet(0).i32(PAGE).op(0x6c).localGet(0).i32Store()
        .localGet(0).i32(PAGE).op(0x6c).i32(4).call(append).call(reply).end()));
    w.memory(pages);
    return w.build();
  }

  @Setup(Level.Trial)
  public void setUp() {
    EmbeddedReplica replica = EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
    agent = replica.agentFor(ME);
    canister = replica.createCanister(ME);
    CandidManagementCanister.over(agent).installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(growModule(heapMiB * 16)), NONE);
  }

  @Benchmark
  public byte[] grow() {
    return agent.query(canister, "grow", NONE);
  }
}
