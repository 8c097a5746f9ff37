package org.icupgrade.replica.internal;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A memory held in 64 KiB pages that are allocated when first written and shared copy-on-write
 * with the frozen views ({@link PageSnapshot}) taken of it: a canister's checkpoint for a
 * rollback, its snapshots, the stable memory an upgrade keeps. Main memory ({@link
 * JournaledMemory}) and stable memory ({@link StableMemory}) are both one of these.
 *
 * <p>An untouched page is the shared all-zero page {@link #ZERO}, never written: reading it costs
 * no branch, and the first write allocates the page. Growing extends the reference array
 * (doubling, so amortised) and never copies a page's contents, so {@code memory.grow} costs the
 * pages it adds, not the pages the memory has.
 *
 * <p><b>Copy-on-write by generation.</b> A page may be written in place only if this store
 * allocated or copied it in the current generation ({@code owner[p] == generation}). Freezing a
 * view and beginning a message each start a new generation, which makes every page shared at
 * once without a pass over them; the next write to a page then copies it first. A per-page owner
 * token would need clearing every page at each freeze; a generation makes that one increment,
 * and the test on each write one comparison with a field. A page copied in a generation belongs
 * to this store alone, so nothing frozen ever changes.
 *
 * <p><b>Undo.</b> Between {@link #begin()} and {@link #commit()} or {@link #undo()} the first
 * write to each page keeps the page it replaces (the copy is the new page, so keeping the old one
 * costs nothing more); undoing puts those back and drops the pages grown since {@code begin}.
 * A message costs the pages it writes, not the pages the canister has.
 *
 * <p>Not thread-safe: a canister's memories are used under its lock.
 */
class Pages {
  static final int PAGE = 65_536;
  static final int SHIFT = 16;
  static final int MASK = PAGE - 1;
  /** Every untouched page: all zeroes, never written (writes go to a page of the store's own). */
  static final byte[] ZERO = new byte[PAGE];

  /**
   * Pages an undo dropped, reused by the same thread's next first writes, so that a query or a
   * trapping message that wrote pages leaves no garbage behind (every query is undone). Only a
   * page the store allocated in the current generation goes here: no view and no journal holds
   * it. At most {@value #MAX_SPARE} per thread (512 KiB).
   */
  private static final ThreadLocal<ArrayDeque<byte[]>> SPARE =
      ThreadLocal.withInitial(ArrayDeque::new);
  private static final int MAX_SPARE = 8;

  /**
   * The pages; entries at and past {@link #size} are {@link #ZERO}. An entry is null only when
   * {@link #image} is set: that page of the module's initial image, not made yet ({@link
   * #resolve}).
   */
  byte[][] pages = new byte[0][];
  /** Where the null entries' pages come from: the module's lazy initial image, or null. */
  final JournaledMemory.@Nullable InitialImage image;
  /** The generation each page was allocated or copied in; only equal to it is writable. */
  int[] owner = new int[0];
  int generation = 1;
  /** The size in pages. */
  int size;
  /** The size in bytes: the bound accesses are checked against. */
  long limit;

  private long allocated;
  private long copied;

  // The journal of the running message: the pages its first writes replaced, in order.
  private boolean journaling;
  private int sizeAtBegin;
  private int[] journalPage = new int[8];
  private byte[][] journalOld = new byte[8][];
  private int journalCount;

  Pages() {
    this.image = null;
  }

  /** A store whose null pages are {@code image}'s (a module's main memory). */
  Pages(JournaledMemory.@Nullable InitialImage image) {
    this.image = image;
  }

  /** A store whose contents are {@code from}'s, sharing its pages. */
  Pages(PageSnapshot from) {
    this.image = null;
    restore(from);
  }

  /**
   * Page {@code p} of the initial image, made now if no memory has asked for it yet, put in
   * place of the null entry (shared, as an adopted page: a write copies it).
   */
  final byte[] resolve(int p) {
    byte[] page = java.util.Objects.requireNonNull(image, "a null page without an image")
        .page(p);
    pages[p] = page;
    return page;
  }

  /** The size in pages. */
  final int size() {
    return size;
  }

  /** Pages this store has allocated so far: first writes and copies of shared pages. */
  final long allocatedPages() {
    return allocated;
  }

  /** Of {@link #allocatedPages()}, those that copied a page shared with a view or a journal. */
  final long copiedPages() {
    return copied;
  }

  /** Pages that are not the all-zero page: what this memory holds. */
  final int residentPages() {
    int n = 0;
    for (int p = 0; p < size; p++) {
      if (pages[p] != ZERO) { // a page of the image not made yet counts: it is the module's
        n++;
      }
    }
    return n;
  }

  /** Changes the size; new pages are zero, dropped pages are forgotten. */
  final void resize(int newSize) {
    if (newSize < 0) {
      throw new IllegalArgumentException("negative size " + newSize);
    }
    if (newSize > pages.length) {
      int capacity = (int) Math.min(Integer.MAX_VALUE - 8,
          Math.max((long) newSize, Math.max(16L, 2L * pages.length)));
      int old = pages.length;
      pages = Arrays.copyOf(pages, capacity);
      owner = Arrays.copyOf(owner, capacity);
      Arrays.fill(pages, old, capacity, ZERO);
    } else if (newSize < size) {
      Arrays.fill(pages, newSize, size, ZERO);
      Arrays.fill(owner, newSize, size, 0);
    }
    size = newSize;
    limit = (long) newSize * PAGE;
  }

  /** Page {@code p} to read; {@code p < size}. Never write to it. */
  final byte[] page(int p) {
    byte[] page = pages[p];
    return page != null ? page : resolve(p);
  }

  /** Page {@code p} to write, copied first when it is shared; {@code p < size}. */
  final byte[] writable(int p) {
    return owner[p] == generation ? pages[p] : copyOnWrite(p);
  }

  private byte[] copyOnWrite(int p) {
    byte[] old = page(p);
    byte[] fresh = SPARE.get().pollFirst();
    if (old == ZERO) {
      if (fresh == null) {
        fresh = new byte[PAGE];
      } else {
        Arrays.fill(fresh, (byte) 0);
      }
    } else {
      if (fresh == null) {
        fresh = old.clone();
      } else {
        System.arraycopy(old, 0, fresh, 0, PAGE);
      }
      copied++;
    }
    allocated++;
    if (journaling && p < sizeAtBegin) {
      record(p, old);
    }
    pages[p] = fresh;
    owner[p] = generation;
    return fresh;
  }

  /** Makes page {@code p} all zero without allocating (journaled like a write). */
  final void clearPage(int p) {
    if (pages[p] == ZERO) {
      return;
    }
    if (journaling && p < sizeAtBegin && owner[p] != generation) {
      record(p, pages[p]);
    }
    pages[p] = ZERO;
    owner[p] = 0;
  }

  private void record(int p, byte[] old) {
    if (journalCount == journalPage.length) {
      journalPage = Arrays.copyOf(journalPage, journalCount * 2);
      journalOld = Arrays.copyOf(journalOld, journalCount * 2);
    }
    journalPage[journalCount] = p;
    journalOld[journalCount++] = old;
  }

  private void nextGeneration() {
    if (generation == Integer.MAX_VALUE) {
      // Wrapping around: every page becomes shared, which only costs copies.
      Arrays.fill(owner, 0);
      generation = 0;
    }
    generation++;
  }

  /**
   * A frozen view of the contents now: it shares every page, and a later write here copies the
   * page first, so the view never changes. Costs a copy of the page references, not the pages.
   */
  final PageSnapshot freeze() {
    nextGeneration();
    return new PageSnapshot(Arrays.copyOf(pages, size), image);
  }

  /** Replaces the contents with {@code from}'s, sharing its pages (writes here copy them). */
  final void restore(PageSnapshot from) {
    if (journaling) {
      throw new IllegalStateException("contents are replaced between messages only");
    }
    int n = from.size();
    resize(n);
    from.copyRefsInto(pages, image);
    Arrays.fill(owner, 0, n, 0);
  }

  /**
   * Takes {@code from}'s pages in place of this store's, which are all zero (a fresh memory's
   * instantiation): shared, so the first write to each copies it; journaled like writes.
   */
  final void adopt(PageSnapshot from) {
    int n = Math.min(size, from.size());
    for (int p = 0; p < n; p++) {
      byte[] page = from.pageOrNullFor(p, image);
      if (page == ZERO) {
        continue;
      }
      if (pages[p] != ZERO) {
        throw new IllegalStateException("page " + p + " is not zero");
      }
      if (journaling && p < sizeAtBegin) {
        record(p, ZERO);
      }
      pages[p] = page;
      owner[p] = 0;
    }
  }

  /** A message begins: from now on, the first write to a page keeps the page it replaces. */
  final void begin() {
    journaling = true;
    sizeAtBegin = size;
    journalCount = 0;
    nextGeneration();
  }

  /** The message's writes stand. */
  final void commit() {
    Arrays.fill(journalOld, 0, journalCount, null);
    journalCount = 0;
    journaling = false;
  }

  /** The message's writes are undone: the replaced pages come back, grown ones are dropped. */
  final void undo() {
    ArrayDeque<byte[]> spare = SPARE.get();
    for (int i = journalCount - 1; i >= 0; i--) {
      int p = journalPage[i];
      if (owner[p] == generation) {
        keepSpare(spare, pages[p]);
      }
      pages[p] = journalOld[i];
      owner[p] = 0;
      journalOld[i] = null;
    }
    journalCount = 0;
    journaling = false;
    for (int p = sizeAtBegin; p < size; p++) {
      if (owner[p] == generation && pages[p] != ZERO) {
        keepSpare(spare, pages[p]);
      }
    }
    if (size > sizeAtBegin) {
      resize(sizeAtBegin);
    } else if (size < sizeAtBegin) {
      throw new IllegalStateException("a memory cannot shrink in a message");
    }
  }

  private static void keepSpare(ArrayDeque<byte[]> spare, byte[] page) {
    if (spare.size() < MAX_SPARE) {
      spare.addFirst(page);
    }
  }

  /** Pages the running message has written so far: old pages replaced and grown pages. */
  final int pagesWritten() {
    int n = journalCount;
    for (int p = sizeAtBegin; p < size; p++) {
      if (owner[p] == generation) {
        n++;
      }
    }
    return n;
  }

  // ---- bulk access by 64-bit offset; the caller has checked the bounds ----

  /** Copies {@code len} bytes at {@code offset} into {@code dst} at {@code at}. */
  final void read(long offset, byte[] dst, int at, int len) {
    while (len > 0) {
      int p = (int) (offset >>> SHIFT);
      int off = (int) (offset & MASK);
      int chunk = Math.min(len, PAGE - off);
      System.arraycopy(page(p), off, dst, at, chunk);
      offset += chunk;
      at += chunk;
      len -= chunk;
    }
  }

  /** Copies {@code len} bytes of {@code src} from {@code at} to {@code offset}. */
  final void write(long offset, byte[] src, int at, int len) {
    while (len > 0) {
      int p = (int) (offset >>> SHIFT);
      int off = (int) (offset & MASK);
      int chunk = Math.min(len, PAGE - off);
      System.arraycopy(src, at, writable(p), off, chunk);
      offset += chunk;
      at += chunk;
      len -= chunk;
    }
  }

  /** Sets {@code len} bytes at {@code offset} to {@code value}; whole pages of zero free. */
  final void fill(long offset, long len, byte value) {
    while (len > 0) {
      int p = (int) (offset >>> SHIFT);
      int off = (int) (offset & MASK);
      int chunk = (int) Math.min(len, PAGE - off);
      if (value == 0 && chunk == PAGE) {
        clearPage(p);
      } else if (value != 0 || pages[p] != ZERO) {
        Arrays.fill(writable(p), off, off + chunk, value);
      }
      offset += chunk;
      len -= chunk;
    }
  }
}
