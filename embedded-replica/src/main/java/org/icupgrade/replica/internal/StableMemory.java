package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.Memory;

/**
 * A canister's stable memory (spec, "Stable memory"), in 64 KiB pages with 64-bit offsets: pages
 * are allocated when first written and shared copy-on-write with checkpoints, snapshots and the
 * next module of an upgrade, which keeps stable memory without copying it ({@link Pages}). A
 * trap undoes what the running message wrote ({@link Pages#begin()}).
 */
final class StableMemory {
  static final int PAGE = Pages.PAGE;

  /**
   * The most pages stable memory grows to: 500 GiB, the IC's stable memory limit per canister
   * (IC docs, "Resource limits": maximum stable memory size 500 GiB). Pages are allocated when
   * written, so a grow costs only 12 bytes of page table per page.
   */
  static final long MAX_PAGES = 500L * 1024 * 1024 * 1024 / PAGE;

  private final Pages pages = new Pages();

  /** The contents now, frozen: shares the pages (a later write here copies the page first). */
  PageSnapshot freeze() {
    return pages.freeze();
  }

  /** Replaces the contents with {@code contents}' pages, shared, not copied. */
  void restore(PageSnapshot contents) {
    pages.restore(contents);
  }

  /** The page store, for tests and measurements (allocated pages). */
  Pages store() {
    return pages;
  }

  /** The size in pages. */
  long pages() {
    return pages.size();
  }

  /** Grows by {@code n} pages; returns the old size in pages, or -1 when it cannot grow. */
  long grow(long n, long maxPages) {
    long old = pages.size();
    // Spec, "Stable memory": stable64_grow returns -1 when the size would exceed the maximum
    // (the 32-bit stable_grow's is 65536 pages, the caller's maxPages).
    if (n < 0 || old + n > Math.min(maxPages, MAX_PAGES)) {
      return -1;
    }
    pages.resize((int) (old + n));
    return old;
  }

  /** Copies {@code [offset, offset + size)} to the heap at {@code dst}; out of bounds traps. */
  void read(Memory heap, long dst, long offset, long size, String name) {
    bounds(offset, size, name);
    if (heap instanceof JournaledMemory h) {
      h.check((int) dst, size);
      // Page by page from stable memory into the heap, with no temporary copy.
      long done = 0;
      while (done < size) {
        long at = offset + done;
        int off = (int) (at & Pages.MASK);
        int chunk = (int) Math.min(size - done, PAGE - off);
        h.write((int) (dst + done), pages.page((int) (at >>> Pages.SHIFT)), off, chunk);
        done += chunk;
      }
    } else {
      byte[] tmp = new byte[(int) size];
      pages.read(offset, tmp, 0, (int) size);
      heap.write((int) dst, tmp);
    }
  }

  /**
   * Copies {@code size} bytes from the heap at {@code src} to {@code offset}; out of bounds
   * traps.
   */
  void write(Memory heap, long offset, long src, long size, String name) {
    bounds(offset, size, name);
    if (heap instanceof JournaledMemory h) {
      h.check((int) src, size);
      long done = 0;
      while (done < size) {
        long at = offset + done;
        int off = (int) (at & Pages.MASK);
        int chunk = (int) Math.min(size - done, PAGE - off);
        h.readInto((int) (src + done), pages.writable((int) (at >>> Pages.SHIFT)), off, chunk);
        done += chunk;
      }
    } else {
      pages.write(offset, heap.readBytes((int) src, (int) size), 0, (int) size);
    }
  }

  private void bounds(long offset, long size, String name) {
    long length = (long) pages.size() * PAGE;
    if (offset < 0 || size < 0 || offset + size > length || offset + size < 0) {
      throw new WasmCanister.Trap("ic0." + name + ": stable memory out of bounds (offset "
          + offset + ", size " + size + ", stable memory " + length + " bytes)");
    }
  }

  /** A message begins: from now on, the first write to a page keeps the page it replaces. */
  void begin() {
    pages.begin();
  }

  /** The message's writes stand. */
  void commit() {
    pages.commit();
  }

  /** The message's writes are undone: its replaced pages come back, and the size it began with. */
  void undo() {
    pages.undo();
  }
}
