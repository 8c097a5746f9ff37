package org.icupgrade.replica.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * An immutable memory in 64 KiB pages, frozen from a {@link Pages} store ({@link Pages#freeze()})
 * and sharing its pages: a canister's checkpoint, a snapshot's main or stable memory. A store
 * copies a page before writing it once a view shares it, so a view never changes.
 *
 * <p>For saving and loading state: {@link #forEachNonZeroPage} enumerates the pages that hold
 * something, and {@link #builder(int)} builds a view from such pages.
 */
final class PageSnapshot {
  /** A memory of no pages. */
  static final PageSnapshot EMPTY = new PageSnapshot(new byte[0][]);

  /**
   * Never written: entries are {@link Pages#ZERO}, pages no store writes any more, or null for
   * a page of {@link #image} not made yet.
   */
  private final byte[][] pages;
  /** The lazy initial image the null entries are pages of; null when there are none. */
  private final JournaledMemory.@Nullable InitialImage image;

  PageSnapshot(byte[][] pages) {
    this(pages, null);
  }

  PageSnapshot(byte[][] pages, JournaledMemory.@Nullable InitialImage image) {
    this.pages = pages;
    this.image = image;
  }

  /** The size in pages. */
  int size() {
    return pages.length;
  }

  /** The size in bytes. */
  long byteSize() {
    return (long) pages.length * Pages.PAGE;
  }

  /** Pages that are not the shared all-zero page. */
  int residentPages() {
    int n = 0;
    for (byte[] p : pages) {
      if (p != Pages.ZERO) {
        n++;
      }
    }
    return n;
  }

  /** Whether page {@code p} is the very same page as {@code other}'s page {@code p}. */
  boolean sharesPage(int p, PageSnapshot other) {
    return p < pages.length && p < other.pages.length && page(p) == other.page(p);
  }

  /** {@code len} bytes at {@code offset}, copied. */
  byte[] read(long offset, int len) {
    if (offset < 0 || len < 0 || offset + len > byteSize()) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", length " + len + ", size " + byteSize());
    }
    byte[] out = new byte[len];
    int at = 0;
    while (len > 0) {
      int p = (int) (offset >>> Pages.SHIFT);
      int off = (int) (offset & Pages.MASK);
      int chunk = Math.min(len, Pages.PAGE - off);
      System.arraycopy(page(p), off, out, at, chunk);
      offset += chunk;
      at += chunk;
      len -= chunk;
    }
    return out;
  }

  /** Page {@code p}, shared: never write to it. */
  byte[] page(int p) {
    byte[] page = pages[p];
    if (page == null) {
      // Not cached here: the initial image's own view is shared by threads; the image hands
      // out each page under its lock.
      page = java.util.Objects.requireNonNull(image).page(p);
    }
    return page;
  }

  /**
   * Page {@code p} for a store whose null pages are {@code image}'s: null when it is a page of
   * that image not made yet, which the store then makes when it first needs it.
   */
  byte @Nullable [] pageOrNullFor(int p, JournaledMemory.@Nullable InitialImage image) {
    byte[] page = pages[p];
    return page == null && this.image != image ? page(p) : page;
  }

  /** Copies the page references into {@code into}, for a store whose null pages are {@code image}'s. */
  void copyRefsInto(byte[][] into, JournaledMemory.@Nullable InitialImage image) {
    if (this.image == null || this.image == image) {
      System.arraycopy(pages, 0, into, 0, pages.length);
      return;
    }
    for (int p = 0; p < pages.length; p++) {
      into[p] = page(p);
    }
  }

  /** What {@link #forEachNonZeroPage} hands each page to. */
  interface PageVisitor {
    /** Page {@code index}, {@value Pages#PAGE} bytes, read-only. */
    void page(int index, ByteBuffer contents);
  }

  /**
   * Calls {@code visitor} for each page with a non-zero byte, in ascending order; every other
   * page is all zero.
   */
  void forEachNonZeroPage(PageVisitor visitor) {
    for (int p = 0; p < pages.length; p++) {
      byte[] page = page(p);
      if (page != Pages.ZERO && Arrays.mismatch(page, Pages.ZERO) >= 0) {
        visitor.page(p, ByteBuffer.wrap(page).asReadOnlyBuffer());
      }
    }
  }

  /** A builder of a view of {@code size} pages, all zero until given. */
  static Builder builder(int size) {
    return new Builder(size);
  }

  /** Builds a view from its non-zero pages (as {@link #forEachNonZeroPage} gives them). */
  static final class Builder {
    private byte[][] pages;

    private Builder(int size) {
      if (size < 0) {
        throw new IllegalArgumentException("negative size " + size);
      }
      pages = new byte[size][];
      Arrays.fill(pages, Pages.ZERO);
    }

    /** Sets page {@code index} to a copy of {@code contents}' {@value Pages#PAGE} bytes. */
    Builder page(int index, ByteBuffer contents) {
      if (index < 0 || index >= pages.length) {
        throw new IndexOutOfBoundsException("page " + index + " of " + pages.length);
      }
      if (contents.remaining() != Pages.PAGE) {
        throw new IllegalArgumentException(
            "a page is " + Pages.PAGE + " bytes, not " + contents.remaining());
      }
      byte[] page = new byte[Pages.PAGE];
      contents.duplicate().get(page);
      pages[index] = page;
      return this;
    }

    PageSnapshot build() {
      PageSnapshot s = new PageSnapshot(pages);
      pages = new byte[0][]; // a builder builds once: the view is immutable
      return s;
    }
  }
}
