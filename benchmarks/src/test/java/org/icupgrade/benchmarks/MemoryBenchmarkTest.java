package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The memory benchmarks do what they claim. */
class MemoryBenchmarkTest {
  static byte[] le(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  @Test
  void grow_repliesTheOldSize_andEveryQueryGrowsTheSameHeap() {
    MemoryBenchmark b = new MemoryBenchmark();
    b.heapMiB = 16;
    b.setUp();
    // A query is undone: the heap is 256 pages before each one.
    assertArrayEquals(le(256), b.grow());
    assertArrayEquals(le(256), b.grow());
  }

  @Test
  void upgrade_keepsStableMemory_andCountsWhatItAllocated() {
    StableUpgradeBenchmark b = new StableUpgradeBenchmark();
    b.setUp();
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, b.peek());
    StableUpgradeBenchmark.Allocated a = new StableUpgradeBenchmark.Allocated();
    b.upgrade(a);
    b.upgrade(a);
    assertEquals(2, a.upgrades);
    assertTrue(a.allocatedBytes > 0);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, b.peek());
    // The stable pages are shared, not copied: each upgrade allocates far less than 72 MiB.
    long stable = StableUpgradeBenchmark.STABLE_MIB << 20;
    assertTrue(a.allocatedBytes / 2 < BenchmarkMain.MAX_UPGRADE_HEAP_RATIO * stable,
        a.allocatedBytes / 2 + " bytes per upgrade");
  }
}
