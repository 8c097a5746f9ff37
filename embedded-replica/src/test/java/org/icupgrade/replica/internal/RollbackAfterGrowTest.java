package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * A message that grows main memory, writes a little and traps is undone exactly (interface spec,
 * "Message execution": a trap leaves no trace), at the cost of the pages it wrote rather than a
 * copy of the heap.
 */
class RollbackAfterGrowTest {
  static final int PAGE = Memory.PAGE_SIZE;
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 4});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int HEAP_PAGES = 64; // 4 MiB: a whole-heap copy would be 64 pages

  static byte[] module() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    // Grows by 10 pages, writes one grown page and one old page, then traps (a load at 4 GiB).
    w.export("canister_update grow_and_trap", w.function(types(), types(), types(),
        new Code().i32(10).memoryGrow().drop()
            .i32((HEAP_PAGES + 5) * PAGE).i32(42).i32Store()
            .i32(100).i32(7).i32Store8()
            .i32(-1).i32Load().drop()
            .call(reply).end()));
    // Grows by 10 pages and replies: the grown pages must be fresh zeroes.
    w.export("canister_update grow", w.function(types(), types(), types(),
        new Code().i32(10).memoryGrow().drop().call(reply).end()));
    w.memory(HEAP_PAGES);
    w.data(100, new byte[] {1, 2, 3});
    return w.build();
  }

  static WasmCanister canister() {
    WasmCanister code = WasmCanister.instantiate(ModuleParser.parse(module()), false,
        new WasmCanister.Environment() {
          @Override
          public Principal self() {
            return ME;
          }

          @Override
          public boolean isController(Principal p) {
            return true;
          }

          @Override
          public long timeNanos() {
            return 0;
          }

          @Override
          public void debugPrint(String message) {}
        }, InstructionLimits.IC, EmbeddedReplica.DEFAULT_HEAP_BUDGET);
    code.start(ME, 0);
    return code;
  }

  @Test
  void trapAfterGrowAndSmallWrites_sizeAndContentsBack_onlyWrittenPagesCopied() {
    WasmCanister code = canister();
    JournaledMemory heap = code.heap();
    byte[] before = heap.readBytes(0, HEAP_PAGES * PAGE);
    long copied = heap.bytesCopied();
    assertThrows(WasmCanister.Trap.class, () -> code.run(WasmCanister.Kind.UPDATE,
        "canister_update grow_and_trap", NONE, ME, "grow_and_trap"));
    assertEquals(HEAP_PAGES, heap.pages());
    assertArrayEquals(before, heap.readBytes(0, HEAP_PAGES * PAGE));
    // Page 0 copied before its write (the undo puts the original back, copying nothing) and
    // the grown page dropped: one page copied, not the 64-page heap.
    assertEquals(1L * PAGE, heap.bytesCopied() - copied);
    assertThrows(WasmRuntimeException.class, () -> heap.readInt((HEAP_PAGES + 5) * PAGE));

    code.run(WasmCanister.Kind.UPDATE, "canister_update grow", NONE, ME, "grow");
    assertEquals(HEAP_PAGES + 10, heap.pages());
    assertArrayEquals(new byte[10 * PAGE], heap.readBytes(HEAP_PAGES * PAGE, 10 * PAGE));
    assertEquals(1, heap.read(100));
  }

  @Test
  void trapAfterGrow_repeatedly_heapDoesNotGrowPastOneMessage() {
    WasmCanister code = canister();
    JournaledMemory heap = code.heap();
    for (int i = 0; i < 5; i++) {
      assertThrows(WasmCanister.Trap.class, () -> code.run(WasmCanister.Kind.UPDATE,
          "canister_update grow_and_trap", NONE, ME, "grow_and_trap"));
      assertEquals(HEAP_PAGES, heap.pages());
    }
    code.run(WasmCanister.Kind.UPDATE, "canister_update grow", NONE, ME, "grow");
    assertEquals(HEAP_PAGES + 10, heap.pages(), "one grow of 10 after five undone ones");
  }
}
