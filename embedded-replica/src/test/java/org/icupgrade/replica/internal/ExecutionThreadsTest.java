package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How deep canister code may recurse does not depend on the caller's stack: messages run on
 * execution threads with a stack of their own (as the IC's execution threads).
 */
class ExecutionThreadsTest {
  static final int DEPTH = 20_000;

  /**
   * Query "deep": {@code down(DEPTH)}, where {@code down(n) = n == 0 ? 0 : down(n - 1) + 1}, its
   * result replied as four bytes; query "forever" recurses until the stack runs out.
   */
  static byte[] module() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int down = 2;
    assertEquals(down, w.function(types(I32), types(I32), types(), new Code()
        .localGet(0).i32Eqz().op(0x04, 0x7f).i32(0) // if (result i32) 0
        .op(0x05).localGet(0).i32(1).i32Sub().call(down).i32(1).i32Add().end().end()));
    int forever = 3;
    assertEquals(forever, w.function(types(I32), types(I32), types(), new Code()
        .localGet(0).i32(1).i32Add().call(forever).end()));
    w.export("canister_query deep", w.function(types(), types(), types(), new Code()
        .i32(0).i32(DEPTH).call(down).i32Store().i32(0).i32(4).call(append).call(reply).end()));
    w.export("canister_query forever", w.function(types(), types(), types(), new Code()
        .i32(0).call(forever).drop().call(reply).end()));
    // update "long": a loop of about 15 B instructions, far longer than any test waits, with a
    // call in it (Chicory's interpreter looks for an interrupt at calls, its compiled code also
    // at branches back).
    int same = w.function(types(I32), types(I32), types(), new Code().localGet(0).end());
    w.export("canister_update long", w.function(types(), types(), types(I32), new Code()
        .i32(Integer.MAX_VALUE).localSet(0)
        .loop().localGet(0).i32(1).i32Sub().call(same).op(0x22, 0).op(0x0d, 0).end()
        .call(reply).end()));
    w.memory(1);
    return w.build();
  }

  /** {@code body} on a thread with a 256 KiB stack, far less than the recursion needs. */
  static ExecutionModesTest.Outcome onSmallStack(WasmCanister w, String export) {
    AtomicReference<ExecutionModesTest.Outcome> out = new AtomicReference<>();
    Thread t = new Thread(null, () -> out.set(ExecutionModesTest.run(w,
        WasmCanister.Kind.QUERY, export, ExecutionModesTest.NONE)), "small", 256 << 10);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    return out.get();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void deepRecursion_fromACallerWithASmallStack_runs(ExecutionMode mode) {
    WasmCanister w = ExecutionModesTest.canister(module(), mode, InstructionLimits.IC);
    ExecutionModesTest.Outcome deep = onSmallStack(w, "canister_query deep");
    assertFalse(deep.trapped(), deep.toString());
    // 20,000 as four little-endian bytes.
    assertEquals("reply 204e0000", deep.answer());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void callerInterrupted_theMessageTraps_andTheCallerKeepsItsInterrupt(ExecutionMode mode)
      throws InterruptedException {
    WasmCanister w = ExecutionModesTest.canister(module(), mode, InstructionLimits.IC);
    AtomicReference<ExecutionModesTest.Outcome> out = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      out.set(ExecutionModesTest.run(w, WasmCanister.Kind.UPDATE, "canister_update long",
          ExecutionModesTest.NONE));
      stillInterrupted.set(Thread.currentThread().isInterrupted());
    });
    caller.start();
    Thread.sleep(300);
    caller.interrupt();
    caller.join(20_000);
    assertFalse(caller.isAlive(), "the message ended once its caller was interrupted");
    assertTrue(out.get().trapped(), out.get().toString());
    assertTrue(out.get().answer().contains("interrupted"), out.get().answer());
    assertEquals(Boolean.TRUE, stillInterrupted.get());
    // The canister runs its next message (on a thread with no interrupt left over).
    assertEquals("reply 204e0000", onSmallStack(w, "canister_query deep").answer());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void runawayRecursion_traps_andTheNextMessageRuns(ExecutionMode mode) {
    WasmCanister w = ExecutionModesTest.canister(module(), mode, InstructionLimits.IC);
    ExecutionModesTest.Outcome forever = onSmallStack(w, "canister_query forever");
    assertTrue(forever.trapped(), forever.toString());
    assertTrue(forever.answer().contains("stack"), forever.answer());
    assertEquals("reply 204e0000", onSmallStack(w, "canister_query deep").answer());
  }
}
