package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.Memory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A canister's stable memory (spec, "Stable memory"), held in one array, with the journal that
 * lets a trap undo what the running message wrote: each page is saved before its first write.
 */
final class StableMemory {
  static final int PAGE = 65_536;

  private byte[] bytes = new byte[0];
  /** The pages saved by the running message; null outside a message. */
  private @Nullable Map<Integer, byte[]> saved;
  private int lengthAtBegin;

  /** The contents, not copied. */
  byte[] bytes() {
    return bytes;
  }

  /** Replaces the contents with {@code contents}, which this memory then owns. */
  void replace(byte[] contents) {
    bytes = contents;
  }

  int pages() {
    return bytes.length / PAGE;
  }

  /** Grows by {@code pages}; returns the old size in pages, or -1 when it cannot grow. */
  long grow(long pages, long maxPages) {
    long old = pages();
    // Spec, "Stable memory": up to the subnet's limit; this replica holds it in one array.
    if (pages < 0 || old + pages > maxPages || (old + pages) * PAGE > Integer.MAX_VALUE - 8) {
      return -1;
    }
    bytes = Arrays.copyOf(bytes, (int) ((old + pages) * PAGE));
    return old;
  }

  /** Copies {@code [offset, offset + size)} to the heap at {@code dst}; out of bounds traps. */
  void read(Memory heap, long dst, long offset, long size, String name) {
    bounds(offset, size, name);
    heap.write((int) dst, Arrays.copyOfRange(bytes, (int) offset, (int) (offset + size)));
  }

  /**
   * Copies {@code size} bytes from the heap at {@code src} to {@code offset}; out of bounds
   * traps.
   */
  void write(Memory heap, long offset, long src, long size, String name) {
    bounds(offset, size, name);
    touch(offset, size);
    System.arraycopy(heap.readBytes((int) src, (int) size), 0, bytes, (int) offset, (int) size);
  }

  private void bounds(long offset, long size, String name) {
    if (offset < 0 || size < 0 || offset + size > bytes.length) {
      throw new WasmCanister.Trap("ic0." + name + ": stable memory out of bounds (offset "
          + offset + ", size " + size + ", stable memory " + bytes.length + " bytes)");
    }
  }

  /** Saves the pages {@code [offset, offset + size)} before a message writes them. */
  private void touch(long offset, long size) {
    Map<Integer, byte[]> pages = saved;
    if (pages == null || size <= 0) {
      return;
    }
    long last = Math.min((offset + size - 1) / PAGE, (long) lengthAtBegin / PAGE - 1);
    for (long p = offset / PAGE; p <= last; p++) {
      int page = (int) p;
      pages.computeIfAbsent(page, k -> Arrays.copyOfRange(bytes, k * PAGE, (k + 1) * PAGE));
    }
  }

  /** A message begins: from now on, pages are saved before their first write. */
  void begin() {
    saved = new HashMap<>();
    lengthAtBegin = bytes.length;
  }

  /** The message's writes stand. */
  void commit() {
    saved = null;
  }

  /** The message's writes are undone: its saved pages come back, and the size it began with. */
  void undo() {
    Map<Integer, byte[]> pages = saved;
    saved = null;
    if (pages != null) {
      for (Map.Entry<Integer, byte[]> e : pages.entrySet()) {
        System.arraycopy(e.getValue(), 0, bytes, e.getKey() * PAGE, PAGE);
      }
    }
    if (bytes.length != lengthAtBegin) {
      bytes = Arrays.copyOf(bytes, lengthAtBegin);
    }
  }
}
