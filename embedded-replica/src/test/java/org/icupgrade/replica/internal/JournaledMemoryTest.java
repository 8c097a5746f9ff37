package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import org.junit.jupiter.api.Test;

/** Undoing one message's writes to main memory by saved pages. */
class JournaledMemoryTest {
  static final int PAGE = Memory.PAGE_SIZE;

  final JournaledMemory memory = new JournaledMemory(new MemoryLimits(4, 100));

  @Test
  void undo_writesAcrossAPageBoundary_bothPagesRestored() {
    memory.writeLong(PAGE - 4, 0x0102030405060708L);
    memory.begin();
    memory.writeLong(PAGE - 4, -1L);
    assertEquals(2, memory.pagesWritten());
    memory.undo();
    assertEquals(0x0102030405060708L, memory.readLong(PAGE - 4));
  }

  @Test
  void undo_everyKindOfWrite_restored() {
    memory.begin();
    memory.writeByte(1, (byte) 1);
    memory.writeShort(PAGE, (short) 2);
    memory.writeI32(2 * PAGE, 3);
    memory.writeF64(3 * PAGE, 4.0);
    memory.fill((byte) 5, 10, 20);
    memory.copy(3 * PAGE + 100, 10, 10);
    memory.write(PAGE + 100, new byte[] {6, 7});
    memory.undo();
    assertArrayEquals(new byte[4 * PAGE], memory.readBytes(0, 4 * PAGE));
  }

  @Test
  void undo_afterGrow_sizeAndContentsBack() {
    memory.writeByte(7, (byte) 7);
    memory.begin();
    memory.grow(3);
    memory.writeByte(6 * PAGE, (byte) 1);
    memory.writeByte(7, (byte) 8);
    memory.undo();
    assertEquals(4, memory.pages());
    assertEquals(7, memory.read(7));
  }

  @Test
  void commit_keepsWrites_nextUndoOnlyItsOwn() {
    memory.begin();
    memory.writeByte(1, (byte) 1);
    memory.commit();
    memory.begin();
    memory.writeByte(2, (byte) 2);
    memory.undo();
    assertEquals(1, memory.read(1));
    assertEquals(0, memory.read(2));
  }

  @Test
  void begin_largeMemory_onlyWrittenPagesAreSaved() {
    memory.grow(96); // 100 pages, 6.25 MiB
    memory.begin();
    for (int i = 0; i < 1000; i++) {
      memory.writeI32(50 * PAGE + 4 * i, i);
    }
    assertEquals(1, memory.pagesWritten());
    memory.undo();
    assertEquals(0, memory.readInt(50 * PAGE + 4));
  }

  @Test
  void replaceContents_smallerThanNow_shrinks() {
    memory.grow(2);
    memory.replaceContents(4, new byte[4 * PAGE]);
    assertEquals(4, memory.pages());
  }
}
