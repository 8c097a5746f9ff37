package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * A canister's main memory: Chicory's {@link Memory} over a {@link Pages} store, so that pages
 * are allocated when first written and shared copy-on-write with checkpoints and snapshots, and
 * one message's writes can be undone. A message that traps must leave no trace (interface spec,
 * "Message execution"), but copying a heap of up to 4 GiB before every message would make each
 * call cost as much as the heap is large: between {@link #begin} and {@link #commit} or {@link
 * #undo}, the first write to each page copies it and keeps the old one, and undoing puts the old
 * pages back and drops the pages the message grew. A message costs the pages it writes.
 *
 * <p>Every access is checked against this memory's size and an address past it traps as the
 * WebAssembly spec says ("Memory instructions": out of bounds traps). Loads and stores within one
 * page (all but those straddling a page boundary) are one bounds test, one array load and a
 * little-endian {@link VarHandle} access; a load also tests the page for null (a page of the
 * module's lazy initial image not made yet, {@link InitialImage}), a store first compares the
 * page's generation with the store's (copy-on-write, see {@link Pages}). The compiled code calls
 * these on every load and store.
 *
 * <p>{@code data.drop} is not undone (a dropped passive segment stays dropped), as no toolchain
 * drops a segment in a message that then traps and relies on it afterwards.
 */
final class JournaledMemory extends Pages implements Memory {
  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle FLOAT =
      MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle DOUBLE =
      MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

  private final MemoryLimits limits;
  /** The most pages: the module's maximum, Chicory's and the replica's heap budget. */
  private final int maxPages;
  private DataSegment[] segments = new DataSegment[0];
  /**
   * The segments' bytes when Chicory's segments hold none ({@link SegmentBytes}); null when they
   * hold their bytes.
   */
  private final @Nullable SegmentBytes data;

  /** The contents the next instantiation starts from, instead of zeroes. */
  private @Nullable PageSnapshot keep;
  /** Whether the last {@link #zero()} left every page zero (no kept memory went in). */
  private boolean zeroed;
  JournaledMemory(MemoryLimits limits) {
    this(limits, Integer.MAX_VALUE);
  }

  JournaledMemory(MemoryLimits limits, int maxPages) {
    this(limits, maxPages, null);
  }

  /**
   * A memory that grows to at most {@code maxPages} pages (the replica's heap budget; the module
   * has been checked to declare no more initial pages than that). Its initial pages are zero and
   * allocate nothing until written.
   */
  JournaledMemory(MemoryLimits limits, int maxPages, @Nullable InitialImage image) {
    super(image);
    this.data = image == null ? null : image.data;
    this.limits = limits;
    this.maxPages = Math.min(maxPages, Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES));
    resize(limits.initialPages());
  }

  /**
   * Makes the instantiation that comes next ({@code Instance.initialize}, which zeroes the memory
   * and then applies the active data segments) start from {@code kept} instead of zeroes, as an
   * upgrade with {@code wasm_memory_persistence = keep} does; the pages are shared, not copied.
   */
  void keepOnInitialize(PageSnapshot kept) {
    this.keep = kept;
  }

  /**
   * Bytes this memory has copied so far, each a page shared with a view or kept for an undo and
   * copied before its first write (for tests and measurements). Undoing copies nothing.
   */
  long bytesCopied() {
    return copiedPages() * PAGE;
  }

  /** Replaces the whole contents with {@code contents}' pages, shared (a snapshot, a rollback). */
  void replaceContents(PageSnapshot contents) {
    restore(contents);
  }

  @Override
  public int grow(int n) {
    // WebAssembly spec, memory.grow: it may fail, returning -1, and a canister sees the same
    // when its Wasm memory limit is reached on the IC. Here the limit is also the replica's heap
    // budget. Growing adds zero pages that allocate nothing until written.
    int old = size;
    if (n < 0 || (long) old + n > maxPages) {
      return -1;
    }
    resize(old + n);
    return old;
  }

  /** Traps, as Chicory's memory does, unless {@code [addr, addr + len)} is inside this memory. */
  void check(int addr, long len) {
    if (len < 0 || Integer.toUnsignedLong(addr) + len > limit) {
      throw outOfBounds(addr, len);
    }
  }

  private WasmRuntimeException outOfBounds(int addr, long len) {
    return new WasmRuntimeException("out of bounds memory access: attempted to access address: "
        + addr + " but limit is: " + limit + " and size: " + len);
  }

  // ---- bulk operations ----

  @Override
  public void write(int addr, byte[] data, int offset, int len) {
    if (offset < 0 || len < 0 || offset > data.length - len) {
      throw new WasmRuntimeException("out of bounds memory access: attempted to access address: "
          + offset + " but limit is: " + data.length + " and size: " + len);
    }
    check(addr, len);
    write(Integer.toUnsignedLong(addr), data, offset, len);
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    check(addr, len);
    byte[] out = new byte[len];
    read(Integer.toUnsignedLong(addr), out, 0, len);
    return out;
  }

  /** Copies {@code len} bytes at {@code addr} into {@code dst} at {@code at}; out of bounds traps. */
  void readInto(int addr, byte[] dst, int at, int len) {
    check(addr, len);
    read(Integer.toUnsignedLong(addr), dst, at, len);
  }

  @Override
  public void zero() {
    PageSnapshot kept = keep;
    zeroed = kept == null;
    if (kept != null) {
      // Instantiation on a kept memory (keepOnInitialize): its pages instead of zeroes.
      keep = null;
      if (kept.size() > maxPages) {
        throw new WasmRuntimeException(
            "the kept memory's " + kept.size() + " pages do not fit this module's memory");
      }
      int pages = Math.max(size, kept.size());
      replaceContents(kept);
      resize(pages);
      return;
    }
    fill(0, limit, (byte) 0);
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    long len = (long) toIndex - fromIndex;
    check(fromIndex, len);
    fill(Integer.toUnsignedLong(fromIndex), len, value);
  }

  @Override
  public void copy(int dest, int src, int len) {
    check(src, len);
    check(dest, len);
    if (len == 0) {
      return;
    }
    long d = Integer.toUnsignedLong(dest);
    long s = Integer.toUnsignedLong(src);
    if (d > s && d < s + len) {
      // Overlapping with the destination after the source: backwards, page piece by piece.
      long end = len;
      while (end > 0) {
        long ds = d + end - 1;
        long ss = s + end - 1;
        int chunk = (int) Math.min(end, Math.min((ds & MASK) + 1, (ss & MASK) + 1));
        byte[] to = writable((int) (ds >>> SHIFT));
        byte[] from = page((int) (ss >>> SHIFT));
        System.arraycopy(from, (int) ((ss & MASK) - chunk + 1), to,
            (int) ((ds & MASK) - chunk + 1), chunk);
        end -= chunk;
      }
      return;
    }
    long done = 0;
    while (done < len) {
      long ds = d + done;
      long ss = s + done;
      int chunk = (int) Math.min(len - done,
          PAGE - Math.max(ds & MASK, ss & MASK));
      byte[] to = writable((int) (ds >>> SHIFT));
      byte[] from = page((int) (ss >>> SHIFT));
      System.arraycopy(from, (int) (ss & MASK), to, (int) (ds & MASK), chunk);
      done += chunk;
    }
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    initialize(instance, dataSegments, 0);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
    // WebAssembly spec, "Instantiation": active segments are copied in at their offsets (out of
    // bounds makes the module uninstantiable); passive ones wait for memory.init.
    if (dataSegments == null) {
      return;
    }
    // The instance's own array (Chicory makes one per instance): its data.drop replaces the
    // segment there with PassiveDataSegment.EMPTY (Instance.dropDataSegment), which memory.init
    // must then see.
    segments = dataSegments;
    SegmentBytes bytes = data;
    if (bytes != null && bytes.count() != segments.length) {
      throw new IllegalStateException("data segments: " + segments.length + " decoded, "
          + bytes.count() + " read");
    }
    InitialImage shared = image;
    if (shared != null && zeroed && size == limits.initialPages()) {
      // Every instance of a module starts from the same contents (the offsets are constant
      // expressions over the module's own immutable globals: a module imports only ic0
      // functions), so they are computed once and each instance shares their pages, copying a
      // page only when it first writes it: a fleet of canisters running one module holds its
      // data once, and an install costs the page references, not the data's bytes.
      PageSnapshot contents = shared.of(this, instance, memoryIndex);
      if (contents != null) {
        adopt(contents);
        return;
      }
    }
    writeSegments(this, segments, data, offsets(instance, segments, data, memoryIndex, limit));
  }

  /** Writes the segments at their {@code offsets} (-1: not written) into {@code into}. */
  private static void writeSegments(Pages into, DataSegment[] segments,
      @Nullable SegmentBytes data, long[] offsets) {
    for (int i = 0; i < segments.length; i++) {
      if (offsets[i] < 0) {
        continue;
      }
      if (data == null) {
        byte[] bytes = segments[i].data();
        into.write(offsets[i], bytes, 0, bytes.length);
        continue;
      }
      copySegment(into, data, i, 0, offsets[i], data.length(i));
    }
  }

  /**
   * Copies {@code len} bytes of segment {@code segment} from {@code from} into {@code into} at
   * {@code at}, a page piece at a time (each page written copied first when shared).
   */
  private static void copySegment(Pages into, SegmentBytes data, int segment, int from,
      long at, int len) {
    for (int done = 0; done < len; ) {
      long to = at + done;
      int n = (int) Math.min(len - done, PAGE - (to & MASK));
      data.copyTo(segment, from + done, into.writable((int) (to >>> SHIFT)), (int) (to & MASK), n);
      done += n;
    }
  }

  /**
   * The memory offset of each active segment of memory {@code memoryIndex}, -1 for the others;
   * WebAssembly spec, "Instantiation": an active segment out of bounds ({@code limit} bytes)
   * makes the module uninstantiable.
   */
  private static long[] offsets(Instance instance, DataSegment[] segments,
      @Nullable SegmentBytes data, int memoryIndex, long limit) {
    long[] offsets = new long[segments.length];
    for (int i = 0; i < segments.length; i++) {
      offsets[i] = -1;
      DataSegment s = segments[i];
      if (s instanceof ActiveDataSegment a) {
        if (a.index() != memoryIndex) {
          continue;
        }
        int length = length(segments, data, i);
        int offset = (int) ConstantEvaluators.computeConstantValue(
            instance, a.offsetInstructions())[0];
        if (offset < 0 || Integer.toUnsignedLong(offset) + length > limit) {
          throw new UninstantiableException("out of bounds memory access: attempted to access"
              + " address: " + offset + " but limit is: " + limit + " and size: " + length);
        }
        offsets[i] = offset;
      } else if (!(s instanceof PassiveDataSegment)) {
        throw new ChicoryException("Data segment should be active or passive: " + s);
      }
    }
    return offsets;
  }

  /** The length of segment {@code i}: its bytes in Chicory's segment, or in {@code data}. */
  private static int length(DataSegment[] segments, @Nullable SegmentBytes data, int i) {
    return data == null ? segments[i].data().length : data.length(i);
  }


  /**
   * A module's initial memory contents: its active data segments applied to a zero memory of
   * its initial size, laid out by the first instance that needs them and then shared (read-only,
   * page by page) by every memory of the module. A module whose segments do not fit is not
   * remembered: each instantiation fails the same way.
   *
   * <p>When the segments' bytes are in the module ({@link SegmentBytes}), the image is lazy: a
   * page is made from the segments when a memory first reads or writes it ({@link #page}), so
   * that an install of a module with 100 MiB of data allocates the pages its canister touches,
   * not the data. Its view holds null for a page to make (see {@link Pages}); a page, once made,
   * never changes, so making it is idempotent, and it is made under the image's lock.
   */
  static final class InitialImage {
    /** Where the module's data segments' bytes are; null when Chicory's segments hold them. */
    final @Nullable SegmentBytes data;
    private @Nullable PageSnapshot contents;
    // The lazy image: the pages made so far, and for each page the segments over it, in order.
    private byte @Nullable [][] made;
    private int @Nullable [][] segmentsOf;
    private long[] offsets = new long[0];

    InitialImage() {
      this(null);
    }

    InitialImage(@Nullable SegmentBytes data) {
      this.data = data;
    }

    /**
     * The image for {@code m}, a fresh memory of the module's initial size; null when {@code m}
     * is of another size than the lazy image made first (then {@code m} is written itself).
     */
    synchronized @Nullable PageSnapshot of(JournaledMemory m, Instance instance,
        int memoryIndex) {
      PageSnapshot c = contents;
      if (c != null && c.size() == m.size) {
        return c;
      }
      if (c != null && data != null) {
        return null; // pages of the lazy image are shared already: it stays as laid out
      }
      long[] offs = offsets(instance, m.segments, data, memoryIndex, m.limit);
      SegmentBytes bytes = data;
      if (bytes == null) {
        Pages scratch = new Pages();
        scratch.resize(m.size);
        writeSegments(scratch, m.segments, null, offs);
        c = scratch.freeze();
      } else {
        c = lay(m.size, bytes, offs);
      }
      contents = c;
      return c;
    }

    /** The lazy image's view: ZERO where no segment lies, null where one does. */
    private PageSnapshot lay(int size, SegmentBytes bytes, long[] offs) {
      int[] count = new int[size];
      for (int i = 0; i < offs.length; i++) {
        if (offs[i] >= 0 && bytes.length(i) > 0) {
          for (long p = offs[i] >>> SHIFT; p <= (offs[i] + bytes.length(i) - 1) >>> SHIFT; p++) {
            count[(int) p]++;
          }
        }
      }
      int[][] over = new int[size][];
      byte[][] view = new byte[size][];
      for (int p = 0; p < size; p++) {
        over[p] = new int[count[p]];
        view[p] = count[p] == 0 ? ZERO : null;
        count[p] = 0;
      }
      for (int i = 0; i < offs.length; i++) {
        if (offs[i] >= 0 && bytes.length(i) > 0) {
          for (long p = offs[i] >>> SHIFT; p <= (offs[i] + bytes.length(i) - 1) >>> SHIFT; p++) {
            over[(int) p][count[(int) p]++] = i;
          }
        }
      }
      segmentsOf = over;
      made = new byte[size][];
      offsets = offs;
      return new PageSnapshot(view, this);
    }

    /** Pages of the lazy image made so far (for tests and measurements). */
    synchronized int pagesMade() {
      byte[][] pages = made;
      int n = 0;
      if (pages != null) {
        for (byte[] page : pages) {
          n += page != null ? 1 : 0;
        }
      }
      return n;
    }

    /** Page {@code p} of the lazy image, made now if it is not yet. */
    synchronized byte[] page(int p) {
      byte[][] pages = java.util.Objects.requireNonNull(made, "the image is not laid out");
      byte[] page = pages[p];
      if (page != null) {
        return page;
      }
      int[] over = java.util.Objects.requireNonNull(segmentsOf)[p];
      if (over.length == 0) {
        return ZERO;
      }
      SegmentBytes bytes = java.util.Objects.requireNonNull(data);
      page = new byte[PAGE];
      long base = (long) p << SHIFT;
      // In the segments' order: where two overlap, the later one's bytes stand, as if written
      // one after the other (WebAssembly spec, "Instantiation").
      for (int i : over) {
        long from = Math.max(base, offsets[i]);
        long to = Math.min(base + PAGE, offsets[i] + bytes.length(i));
        bytes.copyTo(i, (int) (from - offsets[i]), page, (int) (from - base), (int) (to - from));
      }
      pages[p] = page;
      return page;
    }
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int len) {
    SegmentBytes bytes = data;
    if (bytes == null) {
      write(dest, segments[segmentId].data(), offset, len);
      return;
    }
    // WebAssembly spec, "memory.init": traps when offset + len is past the segment's length (0
    // once dropped) or dest + len past the memory; otherwise copies, page piece by page piece.
    int length = segments[segmentId] == PassiveDataSegment.EMPTY ? 0 : bytes.length(segmentId);
    if (offset < 0 || len < 0 || offset > length - len) {
      throw new WasmRuntimeException("out of bounds memory access: attempted to access address: "
          + offset + " but limit is: " + length + " and size: " + len);
    }
    check(dest, len);
    copySegment(this, bytes, segmentId, offset, Integer.toUnsignedLong(dest), len);
  }

  @Override
  public void drop(int segment) {
    segments[segment] = PassiveDataSegment.EMPTY;
  }

  // ---- properties ----

  @Override
  public int pages() {
    return size;
  }

  @Override
  public int initialPages() {
    return limits.initialPages();
  }

  @Override
  public int maximumPages() {
    return Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
  }

  @Override
  public boolean shared() {
    return limits.shared();
  }

  // lock, waitOn and notify (the threads proposal) are abstract in Chicory's Memory and
  // deprecated for removal there; canisters have no threads, so a shared memory never reaches
  // them (the module is refused), and they fail as Chicory's own unshared memory does.
  @SuppressWarnings("removal")
  @Override
  public Object lock(int address) {
    throw new UnsupportedOperationException();
  }

  @SuppressWarnings("removal")
  @Override
  public int waitOn(int address, int expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @SuppressWarnings("removal")
  @Override
  public int waitOn(int address, long expected, long timeout) {
    throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
  }

  @SuppressWarnings("removal")
  @Override
  public int notify(int address, int maxThreads) {
    return 0;
  }

  // ---- loads: within one page, the fast path; across a boundary, byte by byte ----

  @Override
  public byte read(int addr) {
    if (Integer.toUnsignedLong(addr) >= limit) {
      throw outOfBounds(addr, 1);
    }
    return page(addr >>> SHIFT)[addr & MASK];
  }

  @Override
  public short readShort(int addr) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 2 > limit) {
      throw outOfBounds(addr, 2);
    }
    if (off <= PAGE - 2) {
      return (short) SHORT.get(page(addr >>> SHIFT), off);
    }
    return (short) slowRead(addr, 2);
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xFFFFL;
  }

  @Override
  public int readInt(int addr) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 4 > limit) {
      throw outOfBounds(addr, 4);
    }
    if (off <= PAGE - 4) {
      return (int) INT.get(page(addr >>> SHIFT), off);
    }
    return (int) slowRead(addr, 4);
  }

  @Override
  public long readLong(int addr) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 8 > limit) {
      throw outOfBounds(addr, 8);
    }
    if (off <= PAGE - 8) {
      return (long) LONG.get(page(addr >>> SHIFT), off);
    }
    return slowRead(addr, 8);
  }

  @Override
  public float readFloat(int addr) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 4 > limit) {
      throw outOfBounds(addr, 4);
    }
    if (off <= PAGE - 4) {
      return (float) FLOAT.get(page(addr >>> SHIFT), off);
    }
    return Float.intBitsToFloat((int) slowRead(addr, 4));
  }

  @Override
  public long readF32(int addr) {
    return readInt(addr); // sign-extended, as Chicory's own memory answers
  }

  @Override
  public double readDouble(int addr) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 8 > limit) {
      throw outOfBounds(addr, 8);
    }
    if (off <= PAGE - 8) {
      return (double) DOUBLE.get(page(addr >>> SHIFT), off);
    }
    return Double.longBitsToDouble(slowRead(addr, 8));
  }

  @Override
  public long readF64(int addr) {
    return readLong(addr);
  }

  /** {@code n} bytes at {@code addr} as a little-endian number; the bounds are checked. */
  private long slowRead(int addr, int n) {
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      int a = addr + i;
      v = (v << 8) | (page(a >>> SHIFT)[a & MASK] & 0xFF);
    }
    return v;
  }

  // ---- stores: the page is copied first when it is shared (Pages.writable) ----

  @Override
  public void writeByte(int addr, byte data) {
    if (Integer.toUnsignedLong(addr) >= limit) {
      throw outOfBounds(addr, 1);
    }
    int p = addr >>> SHIFT;
    (owner[p] == generation ? pages[p] : writable(p))[addr & MASK] = data;
  }

  @Override
  public void writeShort(int addr, short data) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 2 > limit) {
      throw outOfBounds(addr, 2);
    }
    if (off <= PAGE - 2) {
      int p = addr >>> SHIFT;
      SHORT.set(owner[p] == generation ? pages[p] : writable(p), off, data);
    } else {
      slowWrite(addr, data, 2);
    }
  }

  @Override
  public void writeI32(int addr, int data) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 4 > limit) {
      throw outOfBounds(addr, 4);
    }
    if (off <= PAGE - 4) {
      int p = addr >>> SHIFT;
      INT.set(owner[p] == generation ? pages[p] : writable(p), off, data);
    } else {
      slowWrite(addr, data, 4);
    }
  }

  @Override
  public void writeLong(int addr, long data) {
    int off = addr & MASK;
    if (Integer.toUnsignedLong(addr) + 8 > limit) {
      throw outOfBounds(addr, 8);
    }
    if (off <= PAGE - 8) {
      int p = addr >>> SHIFT;
      LONG.set(owner[p] == generation ? pages[p] : writable(p), off, data);
    } else {
      slowWrite(addr, data, 8);
    }
  }

  @Override
  public void writeF32(int addr, float data) {
    writeI32(addr, Float.floatToRawIntBits(data));
  }

  @Override
  public void writeF64(int addr, double data) {
    writeLong(addr, Double.doubleToRawLongBits(data));
  }

  /** Stores {@code n} bytes of {@code v} little-endian at {@code addr}; the bounds are checked. */
  private void slowWrite(int addr, long v, int n) {
    for (int i = 0; i < n; i++) {
      int a = addr + i;
      writable(a >>> SHIFT)[a & MASK] = (byte) (v >>> (8 * i));
    }
  }
}
