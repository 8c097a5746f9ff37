package org.icupgrade.benchmarks;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of counting instructions, side by side on one loop of {@value #PER_ITERATION} WASM
 * instructions run {@value #ITERATIONS} times (the score is WASM instructions of the plain loop
 * per second):
 *
 * <ul>
 *   <li>{@code interpreterListener}: Chicory's interpreter with an execution listener counting
 *       every instruction against a budget, as the embedded replica meters today;
 *   <li>{@code interpreterMetered}: the interpreter without a listener, running the loop with the
 *       IC's kind of instrumentation written in (a mutable i64 global decremented by the basic
 *       block's instruction count at the block's start, {@code unreachable} when it goes below
 *       zero): what a metering rewrite of the module would produce;
 *   <li>{@code compiledMetered}: the same instrumented module compiled to JVM bytecode by Chicory's
 *       compiler ({@code com.dylibso.chicory:compiler}), which has no listener or fuel hook of its
 *       own, so instrumentation is the only way to meter it;
 *   <li>{@code compiledPlain}: the plain loop compiled, without counting: the ceiling.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class MeteringBenchmark {
  /** Loop iterations per call. */
  static final int ITERATIONS = 2_000_000;
  /** WASM instructions of the plain loop per iteration (loop excluded, it runs once). */
  static final int PER_ITERATION = 9;
  static final int OPS = ITERATIONS * PER_ITERATION;

  ExportFunction interpreterListener;
  ExportFunction interpreterMetered;
  ExportFunction compiledMetered;
  ExportFunction compiledPlain;
  Instance interpretedMeteredInstance;
  Instance compiledMeteredInstance;
  long budget;
  long counted;

  @Setup
  public void setUp() {
    WasmModule plain = Parser.parse(loop(false));
    WasmModule metered = Parser.parse(loop(true));
    interpreterListener = Instance.builder(plain)
        .withUnsafeExecutionListener((instruction, stack) -> {
          if (++counted > budget) {
            throw new IllegalStateException("out of instructions");
          }
        })
        .build().export("run");
    interpretedMeteredInstance = Instance.builder(metered).build();
    interpreterMetered = interpretedMeteredInstance.export("run");
    compiledMeteredInstance = Instance.builder(metered)
        .withMachineFactory(MachineFactoryCompiler.compile(metered)).build();
    compiledMetered = compiledMeteredInstance.export("run");
    compiledPlain = Instance.builder(plain)
        .withMachineFactory(MachineFactoryCompiler.compile(plain)).build().export("run");
    // The four compute the same sum, and the compiled instrumented loop stops when its counter
    // runs out: the benchmark measures metering that works.
    long sum = compiledPlain.apply(ITERATIONS)[0];
    if (interpreterListener() != sum || interpreterMetered() != sum || compiledMetered() != sum) {
      throw new IllegalStateException("the four variants disagree on the loop's result");
    }
    compiledMeteredInstance.global(0).setValue(1_000L);
    try {
      compiledMetered.apply(ITERATIONS);
      throw new IllegalStateException("the instrumented loop ran past its counter");
    } catch (TrapException expected) {
      // out of instructions after about 1,000 / PER_ITERATION iterations
    }
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public long interpreterListener() {
    counted = 0;
    budget = 40_000_000_000L;
    return interpreterListener.apply(ITERATIONS)[0];
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public long interpreterMetered() {
    interpretedMeteredInstance.global(0).setValue(40_000_000_000L);
    return interpreterMetered.apply(ITERATIONS)[0];
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public long compiledMetered() {
    compiledMeteredInstance.global(0).setValue(40_000_000_000L);
    return compiledMetered.apply(ITERATIONS)[0];
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public long compiledPlain() {
    return compiledPlain.apply(ITERATIONS)[0];
  }

  /**
   * {@code (func (export "run") (param $n i32) (result i32) (local $acc i32) loop ... br_if 0
   * end local.get $acc)} summing $n down to 1; metered, with {@code (global (mut i64))} and the
   * block's count subtracted at the loop's start.
   */
  static byte[] loop(boolean metered) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(1); // one local group
    body.write(1);
    body.write(0x7f); // i32 $acc (local 1)
    body.write(0x03); // loop
    body.write(0x40);
    if (metered) {
      write(body, 0x23, 0x00, 0x42, PER_ITERATION, 0x7d, 0x24, 0x00, // fuel -= the block's count
          0x23, 0x00, 0x42, 0x00, 0x53, // fuel < 0
          0x04, 0x40, 0x00, 0x0b); // if unreachable end
    }
    write(body, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, // acc += n
        0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, // n = n - 1
        0x0d, 0x00, // br_if 0
        0x0b, // end loop
        0x20, 0x01, 0x0b); // acc, end
    byte[] code = body.toByteArray();
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    write(m, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    section(m, 1, new byte[] {1, 0x60, 1, 0x7f, 1, 0x7f}); // (i32) -> i32
    section(m, 3, new byte[] {1, 0}); // one function of type 0
    if (metered) {
      section(m, 6, new byte[] {1, 0x7e, 1, 0x42, 0, 0x0b}); // (global (mut i64) (i64.const 0))
    }
    section(m, 7, new byte[] {1, 3, 'r', 'u', 'n', 0, 0}); // export "run"
    ByteArrayOutputStream codeSection = new ByteArrayOutputStream();
    codeSection.write(1);
    codeSection.write(code.length);
    codeSection.writeBytes(code);
    section(m, 10, codeSection.toByteArray());
    return m.toByteArray();
  }

  private static void section(ByteArrayOutputStream m, int id, byte[] content) {
    m.write(id);
    m.write(content.length); // every section here is under 128 bytes
    m.writeBytes(content);
  }

  private static void write(ByteArrayOutputStream out, int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
  }
}
