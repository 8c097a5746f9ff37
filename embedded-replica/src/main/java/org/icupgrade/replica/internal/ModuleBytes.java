package org.icupgrade.replica.internal;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import org.icupgrade.core.Sha256;

/**
 * A module's bytes as installed, never written: one array (install_code) or the chunks of a
 * chunk store in order (install_chunked_code), never joined. A chunked module of 100 MiB is
 * already held once by the chunk store (the spec keeps the chunks until clear_chunk_store), so
 * the installed module, the canister and its snapshots refer to those chunks instead of a joined
 * copy; whoever reads it reads a section or a range at a time.
 */
final class ModuleBytes {
  /** No bytes. */
  static final ModuleBytes EMPTY = new ModuleBytes(new Chunk[] {Chunk.of(new byte[0])});

  private final Chunk[] chunks;
  /** Where each chunk starts; one more entry: the length. */
  private final int[] starts;
  /**
   * The chunk the last read was in (a hint: reads go mostly forwards); shared by threads, which
   * is harmless, since it is only ever a valid index that is checked before use.
   */
  private volatile int last;

  private ModuleBytes(Chunk[] chunks) {
    this.chunks = chunks;
    this.starts = new int[chunks.length + 1];
    long at = 0;
    for (int i = 0; i < chunks.length; i++) {
      starts[i] = (int) at;
      at += chunks[i].length();
    }
    starts[chunks.length] = Math.toIntExact(at);
  }

  /** The bytes of {@code bytes}, which no one writes afterwards. */
  static ModuleBytes of(byte[] bytes) {
    return new ModuleBytes(new Chunk[] {Chunk.of(bytes)});
  }

  /**
   * The concatenation of {@code chunks}, which no one writes (a chunk store's); at most 2 GiB
   * together.
   */
  static ModuleBytes of(List<Chunk> chunks) {
    if (chunks.isEmpty()) {
      return EMPTY;
    }
    return new ModuleBytes(chunks.toArray(new Chunk[0]));
  }

  int length() {
    return starts[chunks.length];
  }

  /** The chunk holding byte {@code at}; {@code 0 <= at < length()}. */
  private int chunkOf(int at) {
    int h = last;
    if (at >= starts[h] && at < starts[h + 1]) {
      return h;
    }
    int lo = 0;
    int hi = chunks.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= at) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    // Skip empty chunks, which start where the next one does.
    while (starts[lo + 1] <= at) {
      lo++;
    }
    last = lo;
    return lo;
  }

  /** The byte at {@code at}. */
  byte byteAt(int at) {
    Objects.checkIndex(at, length());
    int i = chunkOf(at);
    Chunk c = chunks[i];
    return c.array()[c.offset() + at - starts[i]];
  }

  /** Copies {@code len} bytes from {@code from} into {@code dst} at {@code at}. */
  void copyTo(int from, byte[] dst, int at, int len) {
    Objects.checkFromIndexSize(from, len, length());
    Objects.checkFromIndexSize(at, len, dst.length);
    while (len > 0) {
      int i = chunkOf(from);
      Chunk c = chunks[i];
      int in = from - starts[i];
      int n = Math.min(len, c.length() - in);
      System.arraycopy(c.array(), c.offset() + in, dst, at, n);
      from += n;
      at += n;
      len -= n;
    }
  }

  /** Bytes {@code from} (inclusive) to {@code to} (exclusive), copied. */
  byte[] copyOfRange(int from, int to) {
    byte[] out = new byte[to - from];
    copyTo(from, out, 0, to - from);
    return out;
  }

  /**
   * The bytes in one array: the array itself when it is one whole array (do not write to it),
   * else a joined copy.
   */
  byte[] toArray() {
    if (chunks.length == 1 && chunks[0].offset() == 0
        && chunks[0].length() == chunks[0].array().length) {
      return chunks[0].array();
    }
    return copyOfRange(0, length());
  }

  /** Whether the module is a gzip stream (spec, "Canister module format": 1f 8b 08). */
  boolean isGzip() {
    return length() >= 3 && (byteAt(0) & 0xFF) == 0x1f && (byteAt(1) & 0xFF) == 0x8b
        && byteAt(2) == 0x08;
  }

  /** Its SHA-256. */
  Sha256 sha256() {
    MessageDigest md = Sha256.newDigest();
    for (Chunk c : chunks) {
      c.update(md);
    }
    return Sha256.fromDigest(md);
  }

  /** Writes its length (an int) and its bytes: the same as one array of them. */
  void writeTo(DataOutputStream out) throws IOException {
    out.writeInt(length());
    for (Chunk c : chunks) {
      out.write(c.array(), c.offset(), c.length());
    }
  }

  /** Its bytes as a stream (for gunzip). */
  InputStream inputStream() {
    return new InputStream() {
      private int pos;

      @Override
      public int read() {
        return pos < length() ? byteAt(pos++) & 0xFF : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
          return 0;
        }
        int n = Math.min(len, length() - pos);
        if (n <= 0) {
          return -1;
        }
        copyTo(pos, b, off, n);
        pos += n;
        return n;
      }

      @Override
      public int available() {
        return length() - pos;
      }
    };
  }

  /**
   * A reader of unsigned LEB128 numbers and bytes from a position, for walking section headers
   * without joining the chunks.
   */
  final class Cursor {
    int pos;

    Cursor(int pos) {
      this.pos = pos;
    }

    boolean atEnd() {
      return pos >= length();
    }

    int u8() {
      if (pos >= length()) {
        throw new IllegalArgumentException("module ends early");
      }
      return byteAt(pos++) & 0xFF;
    }

    /** An unsigned LEB128 of at most 32 bits. */
    long u32() {
      long v = 0;
      for (int i = 0; i < 5; i++) {
        int b = u8();
        v |= (long) (b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
          if (v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("integer too large");
          }
          return v;
        }
      }
      throw new IllegalArgumentException("integer representation too long");
    }

    /** Skips a LEB128 (signed or unsigned) of at most {@code max} bytes. */
    void skipLeb(int max) {
      for (int i = 0; i < max; i++) {
        if ((u8() & 0x80) == 0) {
          return;
        }
      }
      throw new IllegalArgumentException("integer representation too long");
    }

    void skip(long n) {
      if (n < 0 || n > length() - pos) {
        throw new IllegalArgumentException("module ends early");
      }
      pos += (int) n;
    }
  }
}
