package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.Parser;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * The IC's kind of instruction counting written into the module: the counter global's decrease
 * equals the instructions the interpreter's listener counts for a run that completes, and the
 * run traps when one block more would take the counter below zero.
 */
class MeteringTest {
  static final long LOTS = 1L << 40;

  /** {@code run} loops 50 times with an if and a call; a global counts the iterations. */
  static byte[] module() {
    return module(50);
  }

  static byte[] module(int loops) {
    WasmBuilder w = new WasmBuilder();
    int g = w.global(I64, true, 0);
    int helper = w.function(types(I32), types(I32), types(),
        new Code().localGet(0).i32(1).i32Add().end());
    w.export("run", w.function(types(), types(), types(I32),
        new Code().i32(loops).localSet(0).loop()
            .globalGet(g).i64(1).i64Add().globalSet(g)
            .localGet(0).call(helper).drop()
            .localGet(0).i32(1).i32Sub().localSet(0)
            .localGet(0).ifThen().br(1).end()
            .end().end()));
    w.memory(1);
    return w.build();
  }

  static long listenerCount(byte[] wasm) {
    long[] n = {0};
    Instance i = Instance.builder(Parser.parse(wasm))
        .withUnsafeExecutionListener((ins, stack) -> n[0]++).build();
    i.export("run").apply();
    return n[0];
  }

  static long meteredCount(byte[] wasm) {
    Metering.Instrumented m = Metering.instrument(wasm);
    Instance i = Instance.builder(Parser.parse(m.wasm())).build();
    i.global(m.counterGlobal()).setValue(LOTS);
    i.export("run").apply();
    return LOTS - i.global(m.counterGlobal()).getValue();
  }

  @Test
  void completedRun_counterDecreaseIsTheListenersCountButAFalseIfsEnd() {
    Metering.Instrumented m = Metering.instrument(module());
    assertEquals(1, m.counterGlobal(), "after the module's one global");
    Instance i = Instance.builder(Parser.parse(m.wasm())).build();
    i.global(m.counterGlobal()).setValue(LOTS);
    i.export("run").apply();
    assertEquals(50, i.global(0).getValue(), "the module's own global keeps its meaning");
    long listener = listenerCount(module());
    long metered = LOTS - i.global(m.counterGlobal()).getValue();
    assertTrue(listener > 50 * 10, "the loop ran: " + listener);
    // The one difference: an if without else whose condition is false (here once, when the loop
    // ends) jumps past its then-arm, where the block holding the if's end is charged, so that
    // end is not counted; Chicory's listener counts it. Per iteration, taken if and inner call
    // the two counts agree exactly, whatever the number of iterations.
    assertEquals(listener - 1, metered);
    assertEquals(listenerCount(module(5)) - 1, meteredCount(module(5)));
  }

  @Test
  void budget_exactlyEnoughRuns_oneLessTraps() {
    byte[] wasm = module();
    Metering.Instrumented m = Metering.instrument(wasm);
    long k = meteredCount(wasm);
    Instance enough = Instance.builder(Parser.parse(m.wasm())).build();
    enough.global(m.counterGlobal()).setValue(k);
    enough.export("run").apply();
    assertEquals(0, enough.global(m.counterGlobal()).getValue());

    Instance tight = Instance.builder(Parser.parse(m.wasm())).build();
    tight.global(m.counterGlobal()).setValue(k - 1);
    assertThrows(TrapException.class, () -> tight.export("run").apply());
    assertTrue(tight.global(m.counterGlobal()).getValue() < 0, "the trap is the counter's");
  }

  @Test
  void moduleWithoutGlobals_getsAGlobalSectionInOrder() {
    WasmBuilder w = new WasmBuilder();
    w.export("run", w.function(types(), types(), types(),
        new Code().i32(1).ifThen().end().end()));
    byte[] wasm = w.build();
    Metering.Instrumented m = Metering.instrument(wasm);
    assertEquals(0, m.counterGlobal());
    Instance i = Instance.builder(Parser.parse(m.wasm())).build();
    i.global(0).setValue(LOTS);
    i.export("run").apply();
    assertEquals(listenerCount(wasm), LOTS - i.global(0).getValue()); // a true if: exact
  }

  @Test
  void simd_isRefused() {
    WasmBuilder w = new WasmBuilder();
    w.export("run", w.function(types(), types(), types(), new Code().end()));
    byte[] wasm = w.build();
    // Replace the body's end with a SIMD prefix: the rewrite refuses what it cannot decode.
    byte[] bad = wasm.clone();
    bad[bad.length - 1] = (byte) 0xfd;
    assertThrows(Metering.Unsupported.class, () -> Metering.instrument(bad));
  }
}
