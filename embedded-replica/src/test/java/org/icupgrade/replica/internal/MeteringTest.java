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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The IC's kind of instruction counting written into the module: the counter global's decrease
 * equals the instructions the interpreter's listener counts for a run that completes, whatever
 * the control flow, and the run traps when one block more would take the counter below zero.
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
  void completedRun_counterDecreaseIsTheListenersCount() {
    Metering.Instrumented m = Metering.instrument(module());
    assertEquals(1, m.counterGlobal(), "after the module's one global");
    Instance i = Instance.builder(Parser.parse(m.wasm())).build();
    i.global(m.counterGlobal()).setValue(LOTS);
    i.export("run").apply();
    assertEquals(50, i.global(0).getValue(), "the module's own global keeps its meaning");
    long listener = listenerCount(module());
    long metered = LOTS - i.global(m.counterGlobal()).getValue();
    assertTrue(listener > 50 * 10, "the loop ran: " + listener);
    // The if without else is false once, when the loop ends: its end is charged either way.
    assertEquals(listener, metered);
    assertEquals(listenerCount(module(5)), meteredCount(module(5)));
  }

  /** {@code run(x)}: each case's body; function 0 returns x if x is nonzero, else 7. */
  static byte[] controlFlow(String name) {
    Code body = switch (name) {
      case "ifElse" -> new Code().localGet(0).op(0x04, 0x7f).i32(1).op(0x05).i32(2).end().end();
      case "ifWithoutElse" -> new Code().localGet(0).ifThen().i32(1).drop().end().i32(3).end();
      case "blockBrIf" -> new Code().op(0x02, 0x40).localGet(0).op(0x0d, 0x00).i32(1).drop()
          .end().i32(3).end();
      case "brTable" -> new Code().op(0x02, 0x40).op(0x02, 0x40).localGet(0)
          .op(0x0e, 0x01, 0x00, 0x01).end().i32(5).drop().end().i32(3).end();
      case "nestedEnds" -> new Code().op(0x02, 0x40).op(0x02, 0x40).localGet(0).op(0x0d, 0x01)
          .end().end().op(0x02, 0x7f).i32(4).end().end();
      case "call" -> new Code().localGet(0).call(0).end();
      case "callIndirect" -> new Code().localGet(0).i32(0).op(0x11, 0x00, 0x00).end();
      case "return" -> new Code().localGet(0).ifThen().i32(9).op(0x0f).end().i32(4).end();
      case "select" -> new Code().i32(1).i32(2).localGet(0).op(0x1b).end();
      case "loopBrIf" -> new Code().localGet(0).i32(1).i32Add().localSet(0).loop().localGet(0)
          .i32(1).i32Sub().localSet(0).localGet(0).op(0x0d, 0x00).end().i32(1).end();
      default -> throw new IllegalArgumentException(name);
    };
    WasmBuilder w = new WasmBuilder();
    int helper = w.function(types(I32), types(I32), types(),
        new Code().localGet(0).ifThen().localGet(0).op(0x0f).end().i32(7).end());
    w.table(helper);
    w.export("run", w.function(types(I32), types(I32), types(I32), body));
    w.memory(1);
    return w.build();
  }

  static long listenerCount(byte[] wasm, int arg) {
    long[] n = {0};
    Instance i = Instance.builder(Parser.parse(wasm))
        .withUnsafeExecutionListener((ins, stack) -> n[0]++).build();
    i.export("run").apply(arg);
    return n[0];
  }

  static long meteredCount(byte[] wasm, int arg) {
    Metering.Instrumented m = Metering.instrument(wasm);
    Instance i = Instance.builder(Parser.parse(m.wasm())).build();
    i.global(m.counterGlobal()).setValue(LOTS);
    i.export("run").apply(arg);
    return LOTS - i.global(m.counterGlobal()).getValue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ifElse", "ifWithoutElse", "blockBrIf", "brTable", "nestedEnds", "call",
      "callIndirect", "return", "select", "loopBrIf"})
  void everyPath_meteredCountIsTheListenersCount(String name) {
    byte[] wasm = controlFlow(name);
    // 0 and nonzero take every construct's two ways (taken or not, then or else).
    for (int arg : new int[] {0, 1, 3}) {
      long listener = listenerCount(wasm, arg);
      assertTrue(listener >= 3, name + " ran");
      assertEquals(listener, meteredCount(wasm, arg), name + " with " + arg);
    }
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
  void customSections_areLeftOutOfTheInstrumentedModule() {
    WasmBuilder w = new WasmBuilder();
    w.export("run", w.function(types(), types(), types(), new Code().end()));
    w.custom("icp:public padding", new byte[200_000]);
    byte[] wasm = w.build();
    Metering.Instrumented m = Metering.instrument(wasm);
    assertTrue(m.wasm().length < 200, "no copy of the padding: " + m.wasm().length);
    Instance i = Instance.builder(Parser.parse(m.wasm())).build();
    i.global(m.counterGlobal()).setValue(LOTS);
    i.export("run").apply();
    assertEquals(listenerCount(wasm), LOTS - i.global(m.counterGlobal()).getValue());
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
