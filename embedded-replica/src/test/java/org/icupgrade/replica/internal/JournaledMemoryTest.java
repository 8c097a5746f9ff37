package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Undoing one message's writes to main memory by kept pages, and its paged storage. */
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
    memory.replaceContents(PageSnapshot.builder(4).build());
    assertEquals(4, memory.pages());
  }

  @Test
  void undo_grewAndWroteALittle_copiesOnlyThePagesWritten() {
    JournaledMemory big = new JournaledMemory(new MemoryLimits(100, 200));
    byte[] before = pattern(100 * PAGE, 1); // a whole-heap copy would be 6.25 MiB
    big.write(0, before);
    big.begin();
    long copiedAtBegin = big.bytesCopied();
    long allocatedAtBegin = big.allocatedPages();
    assertEquals(100, big.grow(50));
    big.writeI32(120 * PAGE, 42); // a grown page
    big.writeByte(10, (byte) 99); // an old page
    big.undo();
    assertEquals(100, big.pages());
    assertArrayEquals(before, big.readBytes(0, 100 * PAGE));
    // The old page copied before its write (the undo puts the original back, copying nothing),
    // the grown page allocated and dropped: one page copied and two allocated, not 100.
    assertEquals(1L * PAGE, big.bytesCopied() - copiedAtBegin);
    assertEquals(2, big.allocatedPages() - allocatedAtBegin);
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
    JournaledMemory other = new JournaledMemory(new MemoryLimits(6, 100));
    other.write(0, saved);
    memory.replaceContents(other.freeze());
    assertEquals(6, memory.pages());
    assertArrayEquals(saved, memory.readBytes(0, 6 * PAGE));
    memory.replaceContents(PageSnapshot.builder(4).build());
    assertEquals(4, memory.grow(2));
    assertArrayEquals(new byte[2 * PAGE], memory.readBytes(4 * PAGE, 2 * PAGE));
  }

  @Test
  void construct_initialPages_allocateNothingUntilWritten() {
    JournaledMemory m = new JournaledMemory(new MemoryLimits(4096, 8192)); // 256 MiB
    assertEquals(0, m.residentPages());
    assertEquals(0, m.readLong(200 * PAGE));
    m.writeByte(3000 * PAGE + 5, (byte) 1);
    assertEquals(1, m.allocatedPages());
    assertEquals(1, m.residentPages());
  }

  @Test
  void grow_largeHeap_copiesNoPageAndKeepsEveryPage() {
    JournaledMemory m = new JournaledMemory(new MemoryLimits(64, 10_000));
    for (int p = 0; p < 64; p++) {
      m.writeI32(p * PAGE, p + 1);
    }
    byte[] page7 = m.page(7);
    long allocated = m.allocatedPages();
    assertEquals(64, m.grow(1));
    assertEquals(allocated, m.allocatedPages());
    assertEquals(0, m.bytesCopied());
    assertSame(page7, m.page(7), "the grow kept the page itself, not a copy");
    assertEquals(8, m.readInt(7 * PAGE));
  }

  @Test
  void freeze_writeAfter_viewUnchanged_andOnlyThatPageCopied() {
    memory.writeI32(PAGE + 8, 11);
    PageSnapshot view = memory.freeze();
    memory.writeI32(PAGE + 8, 22);
    memory.writeI32(PAGE + 12, 33);
    assertEquals(11, readInt(view, PAGE + 8));
    assertEquals(0, readInt(view, PAGE + 12));
    assertEquals(22, memory.readInt(PAGE + 8));
    assertEquals(1L * PAGE, memory.bytesCopied());
  }

  @Test
  void replaceContents_thenWrite_viewUnchanged_andRestoresAgain() {
    memory.writeI32(8, 1);
    PageSnapshot view = memory.freeze();
    memory.writeI32(8, 2);
    memory.replaceContents(view);
    assertEquals(1, memory.readInt(8));
    memory.writeI32(8, 3);
    assertEquals(1, readInt(view, 8));
    memory.replaceContents(view);
    assertEquals(1, memory.readInt(8));
  }

  @Test
  void undo_afterFreezeInsideTheMessage_contentsOfBegin() {
    memory.writeI32(8, 1);
    memory.begin();
    memory.writeI32(8, 2);
    PageSnapshot mid = memory.freeze();
    memory.writeI32(8, 3);
    memory.undo();
    assertEquals(1, memory.readInt(8));
    assertEquals(2, readInt(mid, 8));
  }

  @Test
  void fill_wholePagesWithZero_releasesThem() {
    memory.write(0, pattern(4 * PAGE, 6));
    assertEquals(4, memory.residentPages());
    memory.fill((byte) 0, 0, 3 * PAGE + 1);
    assertEquals(1, memory.residentPages()); // page 3 keeps its bytes after the first
    assertArrayEquals(new byte[3 * PAGE + 1], memory.readBytes(0, 3 * PAGE + 1));
  }

  @Test
  void copy_overlappingAcrossPages_bothDirections() {
    byte[] data = pattern(3 * PAGE, 7);
    memory.write(0, data);
    memory.copy(100, 0, 2 * PAGE + 5); // destination after the source, overlapping
    byte[] expected = data.clone();
    System.arraycopy(data, 0, expected, 100, 2 * PAGE + 5);
    assertArrayEquals(expected, memory.readBytes(0, 3 * PAGE));
    memory.copy(0, 100, 2 * PAGE + 5); // destination before the source, overlapping
    System.arraycopy(expected.clone(), 100, expected, 0, 2 * PAGE + 5);
    assertArrayEquals(expected, memory.readBytes(0, 3 * PAGE));
  }

  @Test
  void loadsAndStores_straddlingAPageBoundary_littleEndian() {
    memory.writeLong(PAGE - 3, 0x0807060504030201L);
    assertEquals(0x01, memory.read(PAGE - 3));
    assertEquals(0x08, memory.read(PAGE + 4));
    assertEquals(0x0807060504030201L, memory.readLong(PAGE - 3));
    memory.writeI32(2 * PAGE - 1, 0xA1B2C3D4);
    assertEquals(0xA1B2C3D4, memory.readInt(2 * PAGE - 1));
    memory.writeShort(3 * PAGE - 1, (short) 0x1234);
    assertEquals(0x1234, memory.readU16(3 * PAGE - 1));
    memory.writeF64(PAGE - 2, 1.5);
    assertEquals(1.5, memory.readDouble(PAGE - 2));
    memory.writeF32(PAGE - 1, 2.5f);
    assertEquals(2.5f, memory.readFloat(PAGE - 1));
  }

  private static int readInt(PageSnapshot view, int addr) {
    return java.nio.ByteBuffer.wrap(view.read(addr, 4)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .getInt();
  }

  private static byte[] pattern(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }
}
