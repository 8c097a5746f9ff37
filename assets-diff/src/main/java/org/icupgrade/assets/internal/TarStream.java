package org.icupgrade.assets.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.icupgrade.assets.ReadLimits;
import org.icupgrade.assets.ReleaseReadException;
import org.icupgrade.assets.UnsafeArchiveException;
import org.jspecify.annotations.Nullable;

/**
 * Reads the entries of a tar stream one header at a time, refusing what a release must not hold
 * before buffering anything of it.
 *
 * <p>Why not commons-compress: its {@code TarArchiveInputStream} (1.28) reads a GNU long name or a
 * PAX header whole into memory before anyone can look at its size (a 1 GiB long name is an
 * {@code OutOfMemoryError}), handles each extended header by calling itself again (2,000 PAX
 * headers in a row are a {@code StackOverflowError}), reads unknown entry types as regular files,
 * and takes a stream that ends without its end-of-archive block as a complete archive. The ustar
 * format is small (POSIX.1-2001 {@code pax}, "ustar Interchange Format" and "pax Header Block"):
 * one loop here reads it with every size checked against the {@link ReadLimits} first, at most
 * {@link #MAX_EXTENDED_HEADERS} extended headers per entry, one 512-byte block buffer reused for
 * every entry, and an error for every way the stream can be cut short.
 *
 * <p>Entries handed out are regular files and directories; everything else is refused with an
 * {@link UnsafeArchiveException} naming it. Not thread-safe: one instance per read.
 */
public final class TarStream {
  /** Extended headers (PAX {@code x}/{@code g}, GNU {@code L}/{@code K}) allowed before an entry. */
  public static final int MAX_EXTENDED_HEADERS = 8;

  private static final int BLOCK = 512;
  // After the end-of-archive block, the rest of the stream is read (so that a gzip trailer and its
  // CRC are checked) up to this many bytes: tar pads to 10 KiB records, never to megabytes.
  private static final int MAX_TRAILING_BYTES = 1 << 20;

  /** A regular file or a directory of the archive. */
  public static final class Entry {
    private final String name;
    private final long size;
    private final boolean directory;

    Entry(String name, long size, boolean directory) {
      this.name = name;
      this.size = size;
      this.directory = directory;
    }

    /** The entry's name, after any PAX {@code path} or GNU long name. */
    public String name() {
      return name;
    }

    /** Its content's size in bytes (a directory's is normally 0; any data it has is skipped). */
    public long size() {
      return size;
    }

    /** Whether it is a directory. */
    public boolean isDirectory() {
      return directory;
    }
  }

  private final InputStream in;
  private final ReadLimits limits;
  private final byte[] block = new byte[BLOCK];
  private final Content content = new Content();
  private long offset;
  private long extendedBytes;
  private @Nullable String current;
  private long remaining;
  private long padding;
  private boolean ended;

  /**
   * @param in the uncompressed tar stream, read to its end but not closed
   * @param limits the limits to check sizes against
   */
  public TarStream(InputStream in, ReadLimits limits) {
    this.in = in;
    this.limits = limits;
  }

  /**
   * The next regular file or directory, or {@code null} at the end of the archive. The rest of the
   * previous entry's content is skipped first.
   *
   * @throws UnsafeArchiveException for a refused entry type or an extended header over the limits
   * @throws ReleaseReadException when the stream is not a tar or is cut short
   * @throws IOException when the underlying stream fails
   */
  public @Nullable Entry next() throws IOException {
    if (ended) {
      return null;
    }
    skipRest();
    String longName = null;
    String paxPath = null;
    long paxSize = -1;
    for (int extended = 0; ; extended++) {
      long headerAt = offset;
      if (!readHeader()) {
        ended = true;
        drain();
        if (extended > 0) {
          throw new ReleaseReadException("the release tar ends after an extended header with no"
              + " entry for it: the archive is cut short or corrupt", null);
        }
        return null;
      }
      String ustarName = ustarName();
      byte type = block[156];
      long size = size(ustarName);
      if (isExtended(type)) {
        if (extended >= MAX_EXTENDED_HEADERS) {
          throw new UnsafeArchiveException(ustarName, "more than " + MAX_EXTENDED_HEADERS
              + " extended headers (PAX or GNU long names) in a row");
        }
        byte[] data = readExtended(ustarName, type, size);
        switch (type) {
          case 'L' -> longName = trimNuls(data);
          case 'K' -> { } // the link target of a link, which is refused anyway
          case 'x' -> {
            Pax pax = parsePax(ustarName, data, false);
            if (pax.path != null) {
              paxPath = pax.path;
            }
            if (pax.size >= 0) {
              paxSize = pax.size;
            }
          }
          default -> parsePax(ustarName, data, true); // 'g': checked, nothing of it is used
        }
        continue;
      }
      String name = paxPath != null ? paxPath : longName != null ? longName : ustarName;
      if (paxSize >= 0) {
        size = paxSize;
      }
      return entry(name, type, size, headerAt);
    }
  }

  /**
   * The current entry's content: exactly its size in bytes, then end of stream; an
   * {@link EOFException} if the archive ends first. The same object for every entry.
   */
  public InputStream content() {
    return content;
  }

  private Entry entry(String name, byte type, long size, long headerAt) {
    boolean file = type == '0' || type == 0 || type == '7';
    boolean directory = type == '5' || (file && name.endsWith("/"));
    if (file || directory) {
      current = name;
      remaining = size;
      padding = (BLOCK - size % BLOCK) % BLOCK;
      // A directory's size is reported too: whatever data it declares is skipped, so it must
      // count against the limits like a file's (else a gzip bomb behind one runs for hours).
      return new Entry(name, size, directory);
    }
    throw switch (type) {
      case '1' -> ReleaseCollector.refuse(name, "hard links");
      case '2' -> ReleaseCollector.refuse(name, "symbolic links");
      case '3', '4' -> ReleaseCollector.refuse(name, "device files");
      case '6' -> ReleaseCollector.refuse(name, "FIFOs");
      case 'S' -> ReleaseCollector.refuse(name, "sparse files");
      case 'V' -> ReleaseCollector.refuse(name, "volume headers (type 'V')");
      case 'M' -> ReleaseCollector.refuse(name, "multi-volume continuations (type 'M')");
      case 'N' -> ReleaseCollector.refuse(name, "old GNU long-name entries (type 'N')");
      case 'D' -> ReleaseCollector.refuse(name, "GNU dump directories (type 'D')");
      default -> new UnsafeArchiveException(name, "its tar entry type " + describe(type)
          + " (header at byte " + headerAt + ") is unknown; only files and directories are"
          + " allowed in a release");
    };
  }

  private static String describe(byte type) {
    return type >= 0x21 && type < 0x7f ? "'" + (char) type + "'" : "0x" + Integer.toHexString(
        type & 0xff);
  }

  private static boolean isExtended(byte type) {
    return type == 'L' || type == 'K' || type == 'x' || type == 'g';
  }

  private byte[] readExtended(String name, byte type, long size) throws IOException {
    if (size > limits.maxHeaderBytes()) {
      throw new UnsafeArchiveException(name, "its extended header (type " + describe(type)
          + ") declares " + size + " bytes, over the limit of " + limits.maxHeaderBytes()
          + " bytes (ReadLimits.maxHeaderBytes)");
    }
    extendedBytes += size;
    if (extendedBytes > limits.maxTotalBytes()) {
      throw new UnsafeArchiveException(name, "the release's extended headers exceed the limit of "
          + limits.maxTotalBytes() + " bytes in all (ReadLimits.maxTotalBytes)");
    }
    byte[] data = new byte[(int) size];
    readFully(data, data.length, name);
    skipPadding((BLOCK - size % BLOCK) % BLOCK, name);
    return data;
  }

  /** Reads the next header block; false at the end-of-archive block. */
  private boolean readHeader() throws IOException {
    int n = readUpTo(block, BLOCK);
    if (n == 0) {
      if (offset == 0) {
        throw new ReleaseReadException("the release tar is empty (0 bytes): not an archive;"
            + " check the download", null);
      }
      throw new ReleaseReadException("the release tar ends at byte " + offset + " without its"
          + " end-of-archive block: the archive is cut short (an interrupted download?)", null);
    }
    if (n < BLOCK) {
      throw notTarOrCut(n);
    }
    if (isZero(block)) {
      offset += BLOCK;
      return false;
    }
    long stored = octal(block, 148, 8);
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = i >= 148 && i < 156 ? ' ' : block[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored < 0 || (stored != unsigned && stored != signed)) {
      throw notTarOrCut(BLOCK);
    }
    offset += BLOCK;
    return true;
  }

  private ReleaseReadException notTarOrCut(int n) {
    long at = offset;
    if (at > 0) {
      return new ReleaseReadException("the release tar is corrupt or cut short at byte " + at
          + ": " + (n < BLOCK ? "it ends inside a header" : "that block is not a tar header"),
          null);
    }
    StringBuilder start = new StringBuilder();
    for (int i = 0; i < Math.min(n, 40); i++) {
      char c = (char) (block[i] & 0xff);
      start.append(c >= 0x20 && c < 0x7f ? c : '.');
    }
    return new ReleaseReadException("the release is not a tar archive (its first " + n
        + " bytes are not a tar header; they start \"" + start + "\"): an HTML error page or"
        + " another file saved as the release? Check the download", null);
  }

  private String ustarName() {
    String name = field(0, 100);
    boolean posix = block[257] == 'u' && block[258] == 's' && block[259] == 't'
        && block[260] == 'a' && block[261] == 'r' && block[262] == 0;
    if (posix && block[345] != 0) {
      name = field(345, 155) + "/" + name;
    }
    return name;
  }

  private String field(int off, int len) {
    int end = off;
    while (end < off + len && block[end] != 0) {
      end++;
    }
    // Bytes that are not UTF-8 become U+FFFD, which ReleaseCollector.keyFor refuses.
    return new String(block, off, end - off, StandardCharsets.UTF_8);
  }

  private long size(String name) {
    if ((block[124] & 0x80) != 0) {
      // GNU base-256: the first byte's top bit marks it, the rest is a two's-complement number
      if ((block[124] & 0x40) != 0) {
        throw new UnsafeArchiveException(name, "its header declares a negative size");
      }
      long v = block[124] & 0x3f;
      for (int i = 125; i < 136; i++) {
        if (v > (Long.MAX_VALUE >> 8)) {
          throw new UnsafeArchiveException(name, "its header declares a size beyond 2^63");
        }
        v = (v << 8) | (block[i] & 0xff);
      }
      return v;
    }
    long v = octal(block, 124, 12);
    if (v < 0) {
      throw new ReleaseReadException("the release tar is corrupt at byte " + (offset - BLOCK)
          + ": entry \"" + name + "\" has an unreadable size field", null);
    }
    return v;
  }

  /** An octal field (leading spaces, then digits, then NUL or space), or -1 if malformed. */
  private static long octal(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end && b[i] == ' ') {
      i++;
    }
    long v = 0;
    int digits = 0;
    for (; i < end && b[i] >= '0' && b[i] <= '7'; i++) {
      v = (v << 3) | (b[i] - '0');
      digits++;
    }
    for (; i < end; i++) {
      if (b[i] != 0 && b[i] != ' ') {
        return -1;
      }
    }
    return digits == 0 && b[off] != 0 && b[off] != ' ' ? -1 : v;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String trimNuls(byte[] data) {
    int end = data.length;
    while (end > 0 && data[end - 1] == 0) {
      end--;
    }
    return new String(data, 0, end, StandardCharsets.UTF_8);
  }

  private record Pax(@Nullable String path, long size) {}

  // POSIX.1-2001 pax, "pax Extended Header File Format": records "<length> <key>=<value>\n",
  // <length> in decimal counting the whole record.
  private static Pax parsePax(String name, byte[] data, boolean global) {
    String path = null;
    long size = -1;
    int at = 0;
    while (at < data.length) {
      if (data[at] == 0) {
        break; // some writers pad the header's data with NULs
      }
      int len = 0;
      int i = at;
      while (i < data.length && data[i] >= '0' && data[i] <= '9' && len <= data.length) {
        len = len * 10 + (data[i] - '0');
        i++;
      }
      if (i == at || i >= data.length || data[i] != ' ' || len <= i - at + 1
          || len > data.length - at || data[at + len - 1] != '\n') {
        throw new UnsafeArchiveException(name, "its PAX header has a malformed record at byte "
            + at);
      }
      int eq = i + 1;
      while (eq < at + len - 1 && data[eq] != '=') {
        eq++;
      }
      if (eq >= at + len - 1) {
        throw new UnsafeArchiveException(name, "its PAX header has a record without '=' at byte "
            + at);
      }
      String key = new String(data, i + 1, eq - i - 1, StandardCharsets.UTF_8);
      String value = new String(data, eq + 1, at + len - 1 - (eq + 1), StandardCharsets.UTF_8);
      if (key.startsWith("GNU.sparse.")) {
        throw ReleaseCollector.refuse(name, "sparse files");
      }
      if (key.equals("hdrcharset") && !value.equals("ISO-IR 10646 2000 UTF-8")) {
        throw new UnsafeArchiveException(name, "its PAX header declares names in a charset"
            + " other than UTF-8 (hdrcharset)");
      }
      if (global && (key.equals("path") || key.equals("size") || key.equals("linkpath"))) {
        throw new UnsafeArchiveException(name, "its global PAX header sets '" + key
            + "' for every entry");
      }
      if (key.equals("path")) {
        path = value;
      } else if (key.equals("size")) {
        size = paxSize(name, value);
      }
      at += len;
    }
    return new Pax(path, size);
  }

  private static long paxSize(String name, String value) {
    if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0'
        && c <= '9')) {
      throw new UnsafeArchiveException(name, "its PAX header has an unreadable size \"" + value
          + "\"");
    }
    return Long.parseLong(value);
  }

  private void skipRest() throws IOException {
    String name = current;
    if (name == null) {
      return;
    }
    while (remaining > 0) {
      int n = (int) Math.min(BLOCK, remaining);
      readFully(block, n, name);
      remaining -= n;
    }
    skipPadding(padding, name);
    current = null;
  }

  private void skipPadding(long n, String name) throws IOException {
    if (n > 0) {
      readFully(block, (int) n, name);
    }
  }

  private void readFully(byte[] b, int n, String name) throws IOException {
    if (readUpTo(b, n) < n) {
      throw cutShort(name);
    }
    offset += n;
  }

  private ReleaseReadException cutShort(String name) {
    return new ReleaseReadException("the release tar is cut short inside entry \"" + name
        + "\" (an interrupted download?)", null);
  }

  private int readUpTo(byte[] b, int n) throws IOException {
    int off = 0;
    while (off < n) {
      int r = in.read(b, off, n - off);
      if (r < 0) {
        break;
      }
      off += r;
    }
    return off;
  }

  private void drain() throws IOException {
    long left = MAX_TRAILING_BYTES;
    while (left > 0) {
      int r = in.read(block, 0, BLOCK);
      if (r < 0) {
        return;
      }
      left -= r;
    }
  }

  private final class Content extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (current == null || remaining == 0) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int r = in.read(b, off, (int) Math.min(len, remaining));
      if (r < 0) {
        String name = current;
        throw new EOFException("the release tar is cut short inside entry \"" + name
            + "\" (an interrupted download?)");
      }
      remaining -= r;
      offset += r;
      return r;
    }
  }
}
