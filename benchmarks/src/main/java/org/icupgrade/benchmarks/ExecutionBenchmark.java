package org.icupgrade.benchmarks;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Arrays;
import java.util.Random;
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
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The embedded replica's execution, compiled vs interpreted, side by side on the same module
 * through the public API (one ingress update call per operation, inspection, journaling and the
 * call record included): {@code compiled()} is the replica as it starts by default ({@link
 * ExecutionMode#COMPILED}: the module instrumented with the IC's per-block instruction counter and
 * compiled by Chicory's compiler), {@code interpreted()} the replica started with {@link
 * ExecutionMode#INTERPRETED} (Chicory's interpreter with a listener counting every instruction,
 * how the replica ran every module before). {@link BenchmarkMain} prints the ratio.
 *
 * <ul>
 *   <li>{@code workload=loop}: a synthetic loop of {@value #LOOP_ITERATIONS} iterations of five
 *       instructions;
 *   <li>{@code workload=canister}: a real-canister-shaped message written with {@link
 *       WasmBuilder}: the {@value #ARG_SIZE}-byte argument copied in with {@code
 *       msg_arg_data_copy}, hashed byte by byte through a helper function, every step's hash
 *       stored in a 256-entry table in main memory, the hash replied.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ExecutionBenchmark {
  static final Principal ME = Principal.fromBytes(new byte[] {7, 7, 7, 1});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int LOOP_ITERATIONS = 500_000;
  static final int ARG_SIZE = 64 * 1024;
  /** Where the canister-shaped message copies its argument: page 1. */
  static final int ARG_AT = 65_536;
  /** Where its table of 256 hashes is. */
  static final int TABLE_AT = 1024;

  @Param({"loop", "canister"})
  public String workload;

  Agent compiledAgent;
  Agent interpretedAgent;
  Principal compiledCanister;
  Principal interpretedCanister;
  byte[] arg;
  String method;

  @Setup
  public void setUp() {
    boolean loop = workload.equals("loop");
    byte[] module = loop ? loop(LOOP_ITERATIONS) : canisterShaped();
    method = loop ? "run" : "digest";
    if (loop) {
      arg = NONE;
    } else {
      arg = new byte[ARG_SIZE];
      new Random(11).nextBytes(arg);
    }
    EmbeddedReplica compiled = EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
    EmbeddedReplica interpreted = EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.INTERPRETED);
    compiledCanister = install(compiled, module);
    interpretedCanister = install(interpreted, module);
    if (compiled.executionMode(compiledCanister).orElseThrow() != ExecutionMode.COMPILED
        || interpreted.executionMode(interpretedCanister).orElseThrow()
            != ExecutionMode.INTERPRETED) {
      throw new IllegalStateException("the replicas do not run the module as asked");
    }
    compiledAgent = compiled.agentFor(ME);
    interpretedAgent = interpreted.agentFor(ME);
    // Both compute the same reply: the benchmark compares two ways of running one thing.
    if (!Arrays.equals(compiled(), interpreted())) {
      throw new IllegalStateException("compiled and interpreted replies differ");
    }
  }

  static Principal install(EmbeddedReplica replica, byte[] module) {
    Principal canister = replica.createCanister(ME);
    CandidManagementCanister.over(replica.agentFor(ME))
        .installCode(canister, InstallMode.install(), ByteBuffer.wrap(module), NONE);
    return canister;
  }

  @Benchmark
  public byte[] compiled() {
    return compiledAgent.update(compiledCanister, method, arg);
  }

  @Benchmark
  public byte[] interpreted() {
    return interpretedAgent.update(interpretedCanister, method, arg);
  }

  /**
   * {@code canister_update run} (and {@code canister_init} when {@code init}) counting a local
   * down from {@code n}: {@code i32.const n, local.set, loop, (local.get, i32.const 1, i32.sub,
   * local.tee, br_if 0) x n, end, ...}: {@code 5n + 5} instructions for init, the update then
   * replying with the local (0).
   */
  static byte[] loop(int n) {
    return loop(n, false);
  }

  static byte[] loop(int n, boolean init) {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    Code spin = new Code().i32(n).localSet(0).loop()
        .localGet(0).i32(1).i32Sub().op(0x22, 0x00).op(0x0d, 0x00).end();
    if (init) {
      w.export("canister_init", w.function(types(), types(), types(I32),
          new Code().append(spin).end()));
    }
    w.export("canister_update run", w.function(types(), types(), types(I32),
        new Code().append(spin).i32(0).localGet(0).i32Store()
            .i32(0).i32(4).call(append).call(reply).end()));
    w.memory(1);
    return w.build();
  }

  /** {@code canister_update digest}: see the class comment. */
  static byte[] canisterShaped() {
    WasmBuilder w = new WasmBuilder();
    int size = w.importFunction("ic0", "msg_arg_data_size", types(), types(I32));
    int copy = w.importFunction("ic0", "msg_arg_data_copy", types(I32, I32, I32), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    // mix(h, b) = (h xor b) * 16777619 (FNV-1a's step)
    int mix = w.function(types(I32, I32), types(I32), types(), new Code()
        .localGet(0).localGet(1).op(0x73).i32(16_777_619).op(0x6c).end());
    // locals: 0 = i, 1 = n, 2 = h
    w.export("canister_update digest", w.function(types(), types(), types(I32, I32, I32),
        new Code()
            .call(size).localSet(1)
            .i32(ARG_AT).i32(0).localGet(1).call(copy)
            .i32(-2_128_831_035).localSet(2)
            .op(0x02, 0x40).localGet(1).i32Eqz().op(0x0d, 0x00)
            .loop()
            // h = mix(h, arg[i])
            .localGet(2).localGet(0).i32(ARG_AT).i32Add().i32Load8u().call(mix).localSet(2)
            // table[i & 255] = h
            .localGet(0).i32(255).op(0x71).i32(4).op(0x6c).i32(TABLE_AT).i32Add()
            .localGet(2).i32Store()
            .localGet(0).i32(1).i32Add().op(0x22, 0x00).localGet(1).op(0x49).op(0x0d, 0x00)
            .end()
            .end()
            .i32(0).localGet(2).i32Store()
            .i32(0).i32(4).call(append).call(reply).end()));
    w.memory(3);
    return w.build();
  }
}
