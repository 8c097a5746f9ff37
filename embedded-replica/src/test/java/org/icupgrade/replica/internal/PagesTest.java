package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The page store under both memories: allocation on first write, copy-on-write, undo. */
class PagesTest {
  static final int PAGE = Pages.PAGE;

  final Pages pages = new Pages();

  static byte[] bytes(int n, int value) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  byte[] read(long offset, int len) {
    byte[] out = new byte[len];
    pages.read(offset, out, 0, len);
    return out;
  }

  @Test
  void resize_untouchedPages_allocateNothing_andReadZero() {
    pages.resize(10_000);
    assertEquals(0, pages.allocatedPages());
    assertEquals(0, pages.residentPages());
    assertArrayEquals(new byte[16], read(9_999L * PAGE + 100, 16));
  }

  @Test
  void write_acrossPages_allocatesThePagesWritten() {
    pages.resize(10);
    pages.write(3L * PAGE - 2, new byte[] {1, 2, 3, 4}, 0, 4);
    assertEquals(2, pages.allocatedPages());
    assertArrayEquals(new byte[] {1, 2, 3, 4}, read(3L * PAGE - 2, 4));
  }

  @Test
  void freeze_thenWrite_viewKeepsTheOldBytes_storeTheNew() {
    pages.resize(4);
    pages.write(10, bytes(8, 1), 0, 8);
    PageSnapshot view = pages.freeze();
    pages.write(10, bytes(8, 2), 0, 8);
    assertArrayEquals(bytes(8, 1), view.read(10, 8));
    assertArrayEquals(bytes(8, 2), read(10, 8));
    assertEquals(1, pages.copiedPages());
    // A second write to the same page in the same generation writes in place.
    pages.write(20, bytes(8, 3), 0, 8);
    assertEquals(1, pages.copiedPages());
  }

  @Test
  void restore_thenWriteToTheStore_viewUnchanged() {
    pages.resize(2);
    pages.write(0, bytes(4, 7), 0, 4);
    PageSnapshot view = pages.freeze();
    Pages other = new Pages(view);
    assertEquals(0, other.allocatedPages());
    other.write(0, bytes(4, 8), 0, 4);
    assertArrayEquals(bytes(4, 7), view.read(0, 4));
    assertArrayEquals(bytes(4, 7), read(0, 4));
    // And the other way: writing the original store leaves the restored one alone.
    pages.write(0, bytes(4, 9), 0, 4);
    byte[] fromOther = new byte[4];
    other.read(0, fromOther, 0, 4);
    assertArrayEquals(bytes(4, 8), fromOther);
  }

  @Test
  void undo_afterGrowAndWrites_sizeAndContentsOfBegin() {
    pages.resize(2);
    pages.write(5, bytes(4, 1), 0, 4);
    pages.begin();
    pages.resize(6);
    pages.write(5, bytes(4, 2), 0, 4);
    pages.write(5L * PAGE, bytes(4, 3), 0, 4);
    pages.fill(PAGE, PAGE, (byte) 4);
    assertEquals(3, pages.pagesWritten());
    pages.undo();
    assertEquals(2, pages.size());
    assertArrayEquals(bytes(4, 1), read(5, 4));
    assertArrayEquals(new byte[PAGE], read(PAGE, PAGE));
    pages.resize(6);
    assertArrayEquals(new byte[4], read(5L * PAGE, 4), "a grown page an undo dropped is zero");
  }

  @Test
  void commit_keepsWrites_theNextMessageCopiesAgainBeforeWriting() {
    pages.resize(1);
    pages.begin();
    pages.write(0, bytes(4, 1), 0, 4);
    pages.commit();
    pages.begin();
    pages.write(0, bytes(4, 2), 0, 4);
    pages.undo();
    assertArrayEquals(bytes(4, 1), read(0, 4));
  }

  @Test
  void forEachNonZeroPage_builderRoundTrip_sameContents() {
    pages.resize(8);
    pages.write(2L * PAGE + 7, bytes(3, 5), 0, 3);
    pages.write(6L * PAGE, bytes(PAGE, 6), 0, PAGE);
    pages.write(4L * PAGE, new byte[9], 0, 9); // allocated, but all zero: not enumerated
    PageSnapshot view = pages.freeze();
    List<Integer> seen = new ArrayList<>();
    PageSnapshot.Builder b = PageSnapshot.builder(view.size());
    view.forEachNonZeroPage((index, contents) -> {
      seen.add(index);
      b.page(index, contents);
    });
    assertEquals(List.of(2, 6), seen);
    PageSnapshot copy = b.build();
    assertEquals(8, copy.size());
    assertEquals(2, copy.residentPages());
    assertArrayEquals(view.read(0, 8 * PAGE), copy.read(0, 8 * PAGE));
  }

  @Test
  void builder_wrongPageSize_refused() {
    PageSnapshot.Builder b = PageSnapshot.builder(2);
    assertThrows(IllegalArgumentException.class, () -> b.page(0, ByteBuffer.allocate(10)));
    assertThrows(IndexOutOfBoundsException.class, () -> b.page(2, ByteBuffer.allocate(PAGE)));
  }

  @Test
  void undo_recyclesOnlyItsOwnPages_viewsTakenBeforeAndInsideStayIntact() {
    pages.resize(2);
    pages.write(0, bytes(4, 1), 0, 4);
    PageSnapshot before = pages.freeze();
    pages.begin();
    pages.write(0, bytes(4, 2), 0, 4);
    PageSnapshot inside = pages.freeze();
    pages.write(0, bytes(4, 3), 0, 4);
    pages.resize(3);
    pages.write(2L * PAGE, bytes(4, 4), 0, 4);
    pages.undo();
    // Pages the undo dropped may be reused by this thread's next writes, in any store.
    Pages other = new Pages();
    other.resize(16);
    for (int p = 0; p < 16; p++) {
      other.write((long) p * PAGE, bytes(PAGE, 9), 0, PAGE);
    }
    assertArrayEquals(bytes(4, 1), before.read(0, 4));
    assertArrayEquals(bytes(4, 2), inside.read(0, 4));
    assertArrayEquals(bytes(4, 1), read(0, 4));
    pages.resize(3);
    assertArrayEquals(new byte[PAGE], read(2L * PAGE, PAGE), "a reused page is zero");
    pages.write(PAGE, bytes(1, 5), 0, 1);
    assertArrayEquals(new byte[PAGE - 1], read(PAGE + 1, PAGE - 1));
  }

  @Test
  void stableMemory_64BitOffsetsPast4GiB_onlyTheWrittenPageAllocated() {
    StableMemory stable = new StableMemory();
    JournaledMemory heap = new JournaledMemory(new MemoryLimits(1, 1));
    heap.write(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    long pagesPast4GiB = (1L << 32) / PAGE + 10;
    assertEquals(0, stable.grow(pagesPast4GiB, Long.MAX_VALUE));
    long offset = (1L << 32) + 5L * PAGE - 3; // straddles a page boundary
    stable.write(heap, offset, 0, 8, "stable64_write");
    assertEquals(2, stable.store().allocatedPages());
    stable.read(heap, 100, offset, 8, "stable64_read");
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, heap.readBytes(100, 8));
    assertThrows(WasmCanister.Trap.class,
        () -> stable.read(heap, 0, pagesPast4GiB * PAGE - 4, 8, "stable64_read"));
    assertThrows(com.dylibso.chicory.runtime.WasmRuntimeException.class,
        () -> stable.read(heap, PAGE - 4, 0, 8, "stable64_read"));
  }

  @Test
  void stableMemory_undoAfterGrowAndWrite_sizeAndContentsBack() {
    StableMemory stable = new StableMemory();
    JournaledMemory heap = new JournaledMemory(new MemoryLimits(1, 1));
    heap.write(0, new byte[] {9, 9});
    stable.grow(1, 10);
    stable.begin();
    assertEquals(1, stable.grow(3, 10));
    stable.write(heap, 0, 0, 2, "stable_write");
    stable.write(heap, 3L * PAGE, 0, 2, "stable_write");
    stable.undo();
    assertEquals(1, stable.pages());
    stable.read(heap, 10, 0, 2, "stable_read");
    assertArrayEquals(new byte[2], heap.readBytes(10, 2));
    assertEquals(-1, stable.grow(10, 10));
  }
}
