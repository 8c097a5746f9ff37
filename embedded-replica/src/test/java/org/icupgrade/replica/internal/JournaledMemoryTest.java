package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.Random;
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

  @Test
  void undo_grewAndWroteALittle_copiesOnlyThePagesWritten() {
    JournaledMemory big = new JournaledMemory(new MemoryLimits(100, 200));
    byte[] before = pattern(100 * PAGE, 1); // a whole-heap copy would be 6.25 MiB
    big.write(0, before);
    big.begin();
    long copiedAtBegin = big.bytesCopied();
    assertEquals(100, big.grow(50));
    big.writeI32(120 * PAGE, 42); // a grown page
    big.writeByte(10, (byte) 99); // an old page
    big.undo();
    assertEquals(100, big.pages());
    assertArrayEquals(before, big.readBytes(0, 100 * PAGE));
    // One old page saved and put back, one grown page zeroed: three pages, not 100.
    assertEquals(3L * PAGE, big.bytesCopied() - copiedAtBegin);
  }

  @Test
  void undo_grewAndWroteMuch_sizeAndContentsExactlyBack() {
    byte[] before = pattern(4 * PAGE, 2);
    memory.write(0, before);
    memory.begin();
    assertEquals(4, memory.grow(20));
    memory.write(0, pattern(24 * PAGE, 3)); // every page, old and grown
    memory.copy(5 * PAGE + 7, 1, 3 * PAGE);
    memory.fill((byte) 9, 2 * PAGE, 20 * PAGE);
    assertEquals(24, memory.pagesWritten());
    memory.undo();
    assertEquals(4, memory.pages());
    assertArrayEquals(before, memory.readBytes(0, 4 * PAGE));
  }

  @Test
  void undo_afterGrow_pastTheSizeTraps_evenThoughThePageWasAllocated() {
    memory.begin();
    memory.grow(2);
    memory.writeByte(5 * PAGE, (byte) 1);
    memory.undo();
    assertThrows(WasmRuntimeException.class, () -> memory.read(5 * PAGE));
    assertThrows(WasmRuntimeException.class, () -> memory.writeI32(4 * PAGE - 2, 1));
    assertThrows(WasmRuntimeException.class, () -> memory.readBytes(4 * PAGE - 1, 2));
    assertThrows(WasmRuntimeException.class, () -> memory.copy(0, 4 * PAGE - 1, 2));
    assertThrows(WasmRuntimeException.class, () -> memory.fill((byte) 1, 4 * PAGE, 4 * PAGE + 1));
    assertEquals(0, memory.readInt(4 * PAGE - 4)); // the last byte in bounds still reads
  }

  @Test
  void grow_afterAnUndoneGrow_pagesAreFreshZeroes() {
    memory.begin();
    memory.grow(3);
    memory.write(4 * PAGE, pattern(3 * PAGE, 4));
    memory.undo();
    assertEquals(4, memory.grow(5));
    assertEquals(9, memory.pages());
    assertArrayEquals(new byte[5 * PAGE], memory.readBytes(4 * PAGE, 5 * PAGE));
    assertEquals(9, memory.grow(0));
  }

  @Test
  void grow_pastTheMaximum_failsAlsoAfterAnUndoneGrow() {
    memory.begin();
    memory.grow(96);
    memory.undo();
    assertEquals(-1, memory.grow(97));
    assertEquals(4, memory.pages());
    assertEquals(4, memory.grow(96));
    assertEquals(100, memory.pages());
  }

  @Test
  void undo_withoutWrites_copiesNothing() {
    memory.begin();
    memory.grow(10);
    memory.readInt(8 * PAGE);
    memory.undo();
    assertEquals(0, memory.bytesCopied());
    assertEquals(4, memory.pages());
  }

  @Test
  void replaceContents_afterUndoneGrow_growsBackToTheSavedSize() {
    memory.begin();
    memory.grow(4);
    memory.undo();
    byte[] saved = pattern(6 * PAGE, 5);
    memory.replaceContents(6, saved);
    assertEquals(6, memory.pages());
    assertArrayEquals(saved, memory.readBytes(0, 6 * PAGE));
    memory.replaceContents(4, new byte[4 * PAGE]);
    assertEquals(4, memory.grow(2));
    assertArrayEquals(new byte[2 * PAGE], memory.readBytes(4 * PAGE, 2 * PAGE));
  }

  private static byte[] pattern(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }
}
