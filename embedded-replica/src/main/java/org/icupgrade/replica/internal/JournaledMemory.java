package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
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
 * contents; undoing writes those pages back. A message costs the pages it writes, not the pages
 * the canister has.
 *
 * <p>Pages a message grew are not given back to the JVM when it is undone (Chicory's memory
 * cannot shrink): this memory's size ({@link #pages}) is its own count, at most the delegate's,
 * and every access is checked against it, so an address past it traps as the WebAssembly spec
 * says ("Memory instructions": out of bounds traps) even though the delegate still has the page.
 * The delegate's pages past the size are kept all zero (undo zeroes those the message wrote), so
 * a later {@code memory.grow} reuses them as the fresh zeroed pages the spec requires. Undoing a
 * message that grew the memory therefore costs the pages it wrote, as any other undo.
 *
 * <p>Every method that writes to memory saves the pages it touches before delegating; the
 * interface's default methods (strings, atomics) go through those methods. {@code data.drop} is
 * not undone (a dropped passive segment stays dropped), as no toolchain drops a segment in a
 * message that then traps and relies on it afterwards.
 */
final class JournaledMemory implements Memory {
  private static final int PAGE = Memory.PAGE_SIZE;

  private final Memory inner;
  /** This memory's size in pages; {@code inner.pages()} may be more (pages an undo dropped). */
  private int size;
  /** {@code size} in bytes, the bound every access is checked against. */
  private long limit;

  private boolean journaling;
  private int pagesAtBegin;
  private byte[][] saved = new byte[0][];
  private int[] touched = new int[16];
  private int touchedCount;
  /** Pages at or past {@code pagesAtBegin} the message wrote: undo zeroes them. */
  private final BitSet grownWritten = new BitSet();

  /** Bytes saved before writes, put back and zeroed by undos so far (tests, measurements). */
  private long bytesCopied;

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
    this.maxPages = maxPages;
    this.inner = new ByteArrayMemory(limits);
    resize(inner.pages());
  }

  /** Starts recording: from now on, the first write to a page saves it. */
  void begin() {
    journaling = true;
    pagesAtBegin = size;
    if (saved.length < pagesAtBegin) {
      saved = new byte[pagesAtBegin][];
    }
    touchedCount = 0;
    grownWritten.clear();
  }

  /** Keeps the message's writes and stops recording. */
  void commit() {
    forget();
    journaling = false;
  }

  /**
   * Puts back every page the message wrote and the size it began with, and stops recording. The
   * pages it grew and wrote are zeroed, so that growing again finds them as fresh pages.
   */
  void undo() {
    for (int i = 0; i < touchedCount; i++) {
      int p = touched[i];
      inner.write(p * PAGE, saved[p]);
      bytesCopied += PAGE;
    }
    for (int p = grownWritten.nextSetBit(0); p >= 0; p = grownWritten.nextSetBit(p + 1)) {
      inner.fill((byte) 0, p * PAGE, (p + 1) * PAGE);
      bytesCopied += PAGE;
    }
    forget();
    journaling = false;
    resize(pagesAtBegin);
  }

  /** How many pages the current message has written so far (for tests and measurements). */
  int pagesWritten() {
    return touchedCount + grownWritten.cardinality();
  }

  /**
   * Bytes this memory has copied or zeroed to be able to undo and to undo so far: pages saved
   * before their first write, put back, and grown pages zeroed (for tests and measurements).
   */
  long bytesCopied() {
    return bytesCopied;
  }

  /**
   * Replaces the whole contents with {@code contents}, which is {@code pages} pages long, as when
   * a snapshot is loaded or a failed upgrade is undone.
   */
  void replaceContents(int pages, byte[] contents) {
    if (size > pages) {
      // The dropped pages become spare pages, which are kept zero.
      inner.fill((byte) 0, pages * PAGE, size * PAGE);
      resize(pages);
    } else if (size < pages && growBy(pages - size) < 0) {
      throw new IllegalStateException(
          "cannot grow memory to " + pages + " pages; it held them when they were saved");
    }
    inner.write(0, contents);
  }

  private void forget() {
    for (int i = 0; i < touchedCount; i++) {
      saved[touched[i]] = null;
    }
    touchedCount = 0;
    grownWritten.clear();
  }

  private void resize(int pages) {
    size = pages;
    limit = (long) pages * PAGE;
  }

  /** Grows by {@code n} pages, reusing the delegate's spare pages first; the old size or -1. */
  private int growBy(int n) {
    int old = size;
    long wanted = (long) size + n;
    if (wanted > inner.pages() && inner.grow((int) (wanted - inner.pages())) < 0) {
      return -1;
    }
    resize((int) wanted);
    return old;
  }

  /**
   * Traps, as Chicory's memory does, when {@code [addr, addr + len)} is not inside this memory's
   * size: past it the delegate may still hold a page an undo dropped.
   */
  private void check(int addr, long len) {
    if (Integer.toUnsignedLong(addr) + len > limit) {
      throw new WasmRuntimeException(
          "out of bounds memory access: attempted to access address: "
              + addr
              + " but limit is: "
              + limit
              + " and size: "
              + len);
    }
  }

  private void touch(int address, long size) {
    if (!journaling || size <= 0 || address < 0) {
      return; // an invalid access traps without writing
    }
    int first = address / PAGE;
    long last = (address + size - 1) / PAGE;
    for (int p = first; p <= last; p++) {
      if (p >= pagesAtBegin) {
        // Pages the message grew need no saving: undo zeroes them and drops them from the size.
        grownWritten.set(p);
      } else if (saved[p] == null) {
        saved[p] = inner.readBytes(p * PAGE, PAGE);
        bytesCopied += PAGE;
        if (touchedCount == touched.length) {
          touched = Arrays.copyOf(touched, touchedCount * 2);
        }
        touched[touchedCount++] = p;
      }
    }
  }

  // ---- writes: check the bounds, save the pages, then delegate ----

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    check(addr, size);
    touch(addr, size);
    inner.write(addr, data, offset, size);
  }

  @Override
  public void writeI32(int addr, int data) {
    check(addr, 4);
    touch(addr, 4);
    inner.writeI32(addr, data);
  }

  @Override
  public void writeLong(int addr, long data) {
    check(addr, 8);
    touch(addr, 8);
    inner.writeLong(addr, data);
  }

  @Override
  public void writeShort(int addr, short data) {
    check(addr, 2);
    touch(addr, 2);
    inner.writeShort(addr, data);
  }

  @Override
  public void writeByte(int addr, byte data) {
    check(addr, 1);
    touch(addr, 1);
    inner.writeByte(addr, data);
  }

  @Override
  public void writeF32(int addr, float data) {
    check(addr, 4);
    touch(addr, 4);
    inner.writeF32(addr, data);
  }

  @Override
  public void writeF64(int addr, double data) {
    check(addr, 8);
    touch(addr, 8);
    inner.writeF64(addr, data);
  }

  @Override
  public void zero() {
    Memory kept = keep;
    if (kept != null) {
      // Instantiation on a kept memory (keepOnInitialize): its contents instead of zeroes.
      keep = null;
      if (size < kept.pages() && growBy(kept.pages() - size) < 0) {
        throw new WasmRuntimeException(
            "the kept memory's " + kept.pages() + " pages do not fit this module's memory");
      }
      for (int p = 0; p < kept.pages(); p++) {
        inner.write(p * PAGE, kept.readBytes(p * PAGE, PAGE));
      }
      return;
    }
    touch(0, limit);
    inner.fill((byte) 0, 0, size * PAGE);
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    check(fromIndex, (long) toIndex - fromIndex);
    touch(fromIndex, (long) toIndex - fromIndex);
    inner.fill(value, fromIndex, toIndex);
  }

  @Override
  public void copy(int dest, int src, int size) {
    check(src, size);
    check(dest, size);
    touch(dest, size);
    inner.copy(dest, src, size);
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    check(dest, size);
    touch(dest, size);
    inner.initPassiveSegment(segmentId, dest, offset, size);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    // Instantiation, on a memory that has never been undone past its size: the delegate's
    // bounds are this memory's, so its checks of the active segments are the spec's.
    touch(0, limit);
    inner.initialize(instance, dataSegments);
  }

  @Override
  public void drop(int segment) {
    inner.drop(segment);
  }

  @Override
  public int grow(int size) {
    // WebAssembly spec, memory.grow: it may fail, returning -1, and a canister sees the same
    // when its Wasm memory limit is reached on the IC. Here the limit is the replica's heap
    // budget, so that growing never allocates more than the budget.
    if (size < 0 || (long) this.size + size > maxPages) {
      return -1;
    }
    return growBy(size);
  }

  // ---- reads and properties: check the bounds, then delegate ----

  @Override
  public int pages() {
    return size;
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
    check(addr, 1);
    return inner.read(addr);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    check(addr, len);
    return inner.readBytes(addr, len);
  }

  @Override
  public int readInt(int addr) {
    check(addr, 4);
    return inner.readInt(addr);
  }

  @Override
  public long readLong(int addr) {
    check(addr, 8);
    return inner.readLong(addr);
  }

  @Override
  public short readShort(int addr) {
    check(addr, 2);
    return inner.readShort(addr);
  }

  @Override
  public long readU16(int addr) {
    check(addr, 2);
    return inner.readU16(addr);
  }

  @Override
  public long readF32(int addr) {
    check(addr, 4);
    return inner.readF32(addr);
  }

  @Override
  public float readFloat(int addr) {
    check(addr, 4);
    return inner.readFloat(addr);
  }

  @Override
  public double readDouble(int addr) {
    check(addr, 8);
    return inner.readDouble(addr);
  }

  @Override
  public long readF64(int addr) {
    check(addr, 8);
    return inner.readF64(addr);
  }
}
