package org.icupgrade.replica.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

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

  /** Never written: entries are {@link Pages#ZERO} or pages no store writes any more. */
  private final byte[][] pages;

  PageSnapshot(byte[][] pages) {
    this.pages = pages;
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
    return p < pages.length && p < other.pages.length && pages[p] == other.pages[p];
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
      System.arraycopy(pages[p], off, out, at, chunk);
      offset += chunk;
      at += chunk;
      len -= chunk;
    }
    return out;
  }

  /** Page {@code p}, shared: never write to it. */
  byte[] page(int p) {
    return pages[p];
  }

  void copyRefsInto(byte[][] into) {
    System.arraycopy(pages, 0, into, 0, pages.length);
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
      byte[] page = pages[p];
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
