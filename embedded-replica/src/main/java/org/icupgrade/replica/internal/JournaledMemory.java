package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.Arrays;
import java.util.BitSet;
import org.jspecify.annotations.Nullable;

/**
 * A canister's main memory that can undo one message's writes. A message that traps must leave
 * no trace (interface spec, "Message execution"), but copying a heap of up to 4 GiB before every
 * message would make each call cost as much as the heap is large. Instead, between {@link #begin}
 * and {@link #commit} or {@link #undo}, the first write to each 64 KiB page saves that page's old
 * contents; undoing writes those pages back and, if the message grew the memory, drops the new
 * pages. A message costs the pages it writes, not the pages the canister has.
 *
 * <p>Every method that writes to memory saves the pages it touches before delegating; the
 * interface's default methods (strings, atomics) go through those methods. {@code data.drop} is
 * not undone (a dropped passive segment stays dropped), as no toolchain drops a segment in a
 * message that then traps and relies on it afterwards.
 */
final class JournaledMemory implements Memory {
  private static final int PAGE = Memory.PAGE_SIZE;

  private final MemoryLimits limits;
  private Memory inner;
  private @Nullable Instance instance;
  private DataSegment[] segments = new DataSegment[0];
  private final BitSet dropped = new BitSet();

  private boolean journaling;
  private int pagesAtBegin;
  private byte[][] saved = new byte[0][];
  private int[] touched = new int[16];
  private int touchedCount;

  /** A memory whose contents the next instantiation starts from, instead of zeroes. */
  private @Nullable Memory keep;

  /**
   * Makes the instantiation that comes next ({@code Instance.initialize}, which zeroes the memory
   * and then applies the active data segments) start from {@code kept}'s contents instead of
   * zeroes, as an upgrade with {@code wasm_memory_persistence = keep} does.
   */
  void keepOnInitialize(Memory kept) {
    this.keep = kept;
  }

  /** The most pages this memory grows to: the replica's heap budget. */
  private final int maxPages;

  JournaledMemory(MemoryLimits limits) {
    this(limits, Integer.MAX_VALUE);
  }

  /**
   * A memory that grows to at most {@code maxPages} pages (the replica's heap budget; the module
   * has been checked to declare no more initial pages than that).
   */
  JournaledMemory(MemoryLimits limits, int maxPages) {
    this.limits = limits;
    this.maxPages = maxPages;
    this.inner = new ByteArrayMemory(limits);
  }

  /** Starts recording: from now on, the first write to a page saves it. */
  void begin() {
    journaling = true;
    pagesAtBegin = inner.pages();
    if (saved.length < pagesAtBegin) {
      saved = new byte[pagesAtBegin][];
    }
    touchedCount = 0;
  }

  /** Keeps the message's writes and stops recording. */
  void commit() {
    forget();
    journaling = false;
  }

  /** Puts back every page the message wrote, drops pages it grew, and stops recording. */
  void undo() {
    for (int i = 0; i < touchedCount; i++) {
      int p = touched[i];
      inner.write(p * PAGE, saved[p]);
    }
    forget();
    journaling = false;
    if (inner.pages() > pagesAtBegin) {
      inner = copyOf(pagesAtBegin, null);
    }
  }

  /** How many pages the current message has written so far (for tests and measurements). */
  int pagesWritten() {
    return touchedCount;
  }

  /**
   * Replaces the whole contents with {@code contents}, which is {@code pages} pages long, as when
   * a snapshot is loaded or a failed upgrade is undone.
   */
  void replaceContents(int pages, byte[] contents) {
    if (inner.pages() > pages) {
      inner = copyOf(pages, contents);
      return;
    }
    if (inner.pages() < pages) {
      inner.grow(pages - inner.pages());
    }
    inner.write(0, contents);
  }

  private void forget() {
    for (int i = 0; i < touchedCount; i++) {
      saved[touched[i]] = null;
    }
    touchedCount = 0;
  }

  /** A fresh memory of {@code pages} pages holding {@code contents}, or this memory's first pages. */
  private Memory copyOf(int pages, byte @Nullable [] contents) {
    Memory fresh = new ByteArrayMemory(limits);
    if (instance != null) {
      // Passive data segments live in the memory object; active ones are overwritten below.
      fresh.initialize(instance, segments);
      for (int i = dropped.nextSetBit(0); i >= 0; i = dropped.nextSetBit(i + 1)) {
        fresh.drop(i);
      }
    }
    if (fresh.pages() < pages) {
      fresh.grow(pages - fresh.pages());
    }
    if (contents != null) {
      fresh.write(0, contents);
    } else {
      // Page by page: a heap can be larger than one Java array.
      for (int p = 0; p < pages; p++) {
        fresh.write(p * PAGE, inner.readBytes(p * PAGE, PAGE));
      }
    }
    return fresh;
  }

  private void touch(int address, long size) {
    if (!journaling || size <= 0 || address < 0) {
      return; // an invalid access traps in the delegate without writing
    }
    int first = address / PAGE;
    // Pages the message grew need no saving: undo drops them.
    long last = Math.min((address + size - 1) / PAGE, (long) pagesAtBegin - 1);
    for (int p = first; p <= last; p++) {
      if (saved[p] == null) {
        saved[p] = inner.readBytes(p * PAGE, PAGE);
        if (touchedCount == touched.length) {
          touched = Arrays.copyOf(touched, touchedCount * 2);
        }
        touched[touchedCount++] = p;
      }
    }
  }

  // ---- writes: save the pages, then delegate ----

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    touch(addr, size);
    inner.write(addr, data, offset, size);
  }

  @Override
  public void writeI32(int addr, int data) {
    touch(addr, 4);
    inner.writeI32(addr, data);
  }

  @Override
  public void writeLong(int addr, long data) {
    touch(addr, 8);
    inner.writeLong(addr, data);
  }

  @Override
  public void writeShort(int addr, short data) {
    touch(addr, 2);
    inner.writeShort(addr, data);
  }

  @Override
  public void writeByte(int addr, byte data) {
    touch(addr, 1);
    inner.writeByte(addr, data);
  }

  @Override
  public void writeF32(int addr, float data) {
    touch(addr, 4);
    inner.writeF32(addr, data);
  }

  @Override
  public void writeF64(int addr, double data) {
    touch(addr, 8);
    inner.writeF64(addr, data);
  }

  @Override
  public void zero() {
    Memory kept = keep;
    if (kept != null) {
      // Instantiation on a kept memory (keepOnInitialize): its contents instead of zeroes.
      keep = null;
      if (inner.pages() < kept.pages()) {
        inner.grow(kept.pages() - inner.pages());
      }
      for (int p = 0; p < kept.pages(); p++) {
        inner.write(p * PAGE, kept.readBytes(p * PAGE, PAGE));
      }
      return;
    }
    touch(0, (long) inner.pages() * PAGE);
    inner.zero();
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    touch(fromIndex, (long) toIndex - fromIndex);
    inner.fill(value, fromIndex, toIndex);
  }

  @Override
  public void copy(int dest, int src, int size) {
    touch(dest, size);
    inner.copy(dest, src, size);
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    touch(dest, size);
    inner.initPassiveSegment(segmentId, dest, offset, size);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    this.instance = instance;
    this.segments = dataSegments;
    touch(0, (long) inner.pages() * PAGE);
    inner.initialize(instance, dataSegments);
  }

  @Override
  public void drop(int segment) {
    dropped.set(segment);
    inner.drop(segment);
  }

  @Override
  public int grow(int size) {
    // WebAssembly spec, memory.grow: it may fail, returning -1, and a canister sees the same
    // when its Wasm memory limit is reached on the IC. Here the limit is the replica's heap
    // budget, so that growing never allocates more than the budget.
    if (size < 0 || (long) inner.pages() + size > maxPages) {
      return -1;
    }
    return inner.grow(size);
  }

  // ---- reads and properties: delegate ----

  @Override
  public int pages() {
    return inner.pages();
  }

  @Override
  public int initialPages() {
    return inner.initialPages();
  }

  @Override
  public int maximumPages() {
    return inner.maximumPages();
  }

  @Override
  public boolean shared() {
    return inner.shared();
  }

  // lock, waitOn and notify (the threads proposal) are abstract in Chicory's Memory and
  // deprecated for removal there: an implementation must still override them, so the removal
  // warning is suppressed on these four overrides only. They delegate, as everything here does.
  @SuppressWarnings("removal")
  @Override
  public Object lock(int address) {
    return inner.lock(address);
  }

  @SuppressWarnings("removal")
  @Override
  public int waitOn(int address, int expected, long timeout) {
    return inner.waitOn(address, expected, timeout);
  }

  @SuppressWarnings("removal")
  @Override
  public int waitOn(int address, long expected, long timeout) {
    return inner.waitOn(address, expected, timeout);
  }

  @SuppressWarnings("removal")
  @Override
  public int notify(int address, int maxThreads) {
    return inner.notify(address, maxThreads);
  }

  @Override
  public byte read(int addr) {
    return inner.read(addr);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    return inner.readBytes(addr, len);
  }

  @Override
  public int readInt(int addr) {
    return inner.readInt(addr);
  }

  @Override
  public long readLong(int addr) {
    return inner.readLong(addr);
  }

  @Override
  public short readShort(int addr) {
    return inner.readShort(addr);
  }

  @Override
  public long readU16(int addr) {
    return inner.readU16(addr);
  }

  @Override
  public long readF32(int addr) {
    return inner.readF32(addr);
  }

  @Override
  public float readFloat(int addr) {
    return inner.readFloat(addr);
  }

  @Override
  public double readDouble(int addr) {
    return inner.readDouble(addr);
  }

  @Override
  public long readF64(int addr) {
    return inner.readF64(addr);
  }
}
