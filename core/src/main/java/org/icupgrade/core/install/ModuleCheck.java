package org.icupgrade.core.install;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.WasmModule;

/**
 * Checks a module locally against the rules the IC applies at install, so that a module the IC
 * would refuse costs no upload: the WASM magic and version (after a gunzip bounded at the IC's
 * 100 MiB), a well-formed section structure (known ids, in order, none cut short), the memory
 * declarations, the code section's size and the {@code icp:} custom sections.
 *
 * <p>It parses section headers and the import and memory sections only, streaming, with no copy
 * of the module: it is a first line, not a validator. A module it accepts can still be refused by
 * the IC (an invalid function body, a bad export); one it refuses the IC would refuse as well.
 */
public final class ModuleCheck {
  /**
   * The largest module, uncompressed: 100 MiB (IC-NOTES "Limits"; the interface spec,
   * "WebAssembly module requirements").
   */
  public static final long MAX_MODULE_BYTES = 100L << 20;

  /**
   * The largest code section: 11 MiB. Public sources give 10 to 12 MiB; dfinity/ic pull request
   * 4012 raised the IC's limit to 11 MiB, which the embedded replica enforces too.
   */
  public static final long MAX_CODE_SECTION_BYTES = 11L << 20;

  /**
   * At most 16 custom sections named {@code icp:public <name>} or {@code icp:private <name>}, of
   * at most 1 MiB of names and contents together (interface spec, "WebAssembly module
   * requirements"). Other custom sections (names, producers, debug info) are not limited.
   */
  public static final int MAX_ICP_SECTIONS = 16;

  /** See {@link #MAX_ICP_SECTIONS}. */
  public static final long MAX_ICP_SECTION_BYTES = 1L << 20;

  /**
   * A 32-bit memory addresses at most 4 GiB, 65,536 pages of 64 KiB (WebAssembly core spec,
   * "Memory Types"); the IC gives a canister up to that much.
   */
  static final long MAX_WASM32_PAGES = 65_536;

  /**
   * The IC gives a 64-bit (memory64) canister at most 6 GiB of heap (IC resource limits page,
   * "Wasm heap memory, wasm64"); an initial memory beyond it cannot be given.
   */
  static final long MAX_WASM64_PAGES = (6L << 30) / 65_536;

  // Section ids in the order the core spec ("Modules", binary format) requires them: type,
  // import, function, table, memory, tag, global, export, start, element, data count, code, data.
  private static final int[] ORDER = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};

  private ModuleCheck() {}

  /**
   * Checks {@code module} as the IC would before installing it.
   *
   * @param module the module, raw or gzip
   * @throws IntegrityException naming what the IC would refuse, when it would
   */
  public static void check(WasmModule module) {
    InputStream raw = new BufferInput(module.content());
    try (InputStream in = module.isGzip() ? new GZIPInputStream(raw, 64 * 1024) : raw) {
      new Parser(in).module();
    } catch (IOException e) {
      throw invalid("its gzip content is corrupt or cut short (" + e.getMessage() + ")");
    }
  }

  /** The module's bytes as a stream, without a copy. */
  private static final class BufferInput extends InputStream {
    private final ByteBuffer buffer;

    BufferInput(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public int read() {
      return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (!buffer.hasRemaining()) {
        return -1;
      }
      int n = Math.min(len, buffer.remaining());
      buffer.get(b, off, n);
      return n;
    }
  }

  static IntegrityException invalid(String why) {
    return new IntegrityException("the WASM module would be refused by the IC: " + why
        + "; nothing was uploaded. Rebuild the module (or check the download)");
  }

  /** Reads the module once, streaming, keeping only counts. */
  private static final class Parser {
    private final InputStream in;
    private final byte[] skipBuffer = new byte[8192];
    private long pos;
    private int memories;
    private int icpSections;
    private long icpBytes;
    private final Set<String> publicNames = new HashSet<>();
    private final Set<String> privateNames = new HashSet<>();

    Parser(InputStream in) {
      this.in = in;
    }

    void module() throws IOException {
      byte[] head = new byte[8];
      for (int i = 0; i < 8; i++) {
        int b = in.read();
        if (b < 0) {
          throw invalid("it ends after " + i + " bytes, inside the WASM header");
        }
        head[i] = (byte) b;
      }
      pos = 8;
      if (head[0] != 0 || head[1] != 'a' || head[2] != 's' || head[3] != 'm') {
        throw invalid("it does not start with the WASM magic \\0asm");
      }
      if (head[4] != 1 || head[5] != 0 || head[6] != 0 || head[7] != 0) {
        throw invalid("its WASM version is not 1 (bytes 4-7 are "
            + java.util.HexFormat.of().formatHex(head, 4, 8) + ")");
      }
      int lastRank = 0;
      while (true) {
        int id = in.read();
        if (id < 0) {
          break;
        }
        long sectionAt = pos;
        pos++;
        long size = leb(32, "the size of the section at byte " + sectionAt);
        if (pos + size > MAX_MODULE_BYTES) {
          throw invalid("its section at byte " + sectionAt + " ends beyond " + MAX_MODULE_BYTES
              + " bytes, the IC's limit on a module");
        }
        if (id != 0) {
          if (id >= ORDER.length) {
            throw invalid("it has a section of unknown id " + id + " at byte " + sectionAt);
          }
          if (ORDER[id] <= lastRank) {
            throw invalid("its section of id " + id + " at byte " + sectionAt
                + " is repeated or out of order");
          }
          lastRank = ORDER[id];
        }
        long end = pos + size;
        switch (id) {
          case 0 -> customSection(end, sectionAt);
          case 2 -> importSection(sectionAt);
          case 5 -> memorySection(sectionAt);
          case 10 -> {
            if (size > MAX_CODE_SECTION_BYTES) {
              throw invalid("its code section is " + size + " bytes, over the IC's limit of "
                  + MAX_CODE_SECTION_BYTES + " bytes; shrink the code (an optimised build,"
                  + " ic-wasm shrink)");
            }
          }
          default -> { }
        }
        if (pos > end) {
          throw invalid("its section of id " + id + " at byte " + sectionAt
              + " holds more than its declared " + size + " bytes");
        }
        skip(end - pos, "the section of id " + id + " at byte " + sectionAt);
      }
      if (icpSections > MAX_ICP_SECTIONS) {
        throw invalid("it has " + icpSections + " icp: custom sections, at most "
            + MAX_ICP_SECTIONS + " are allowed");
      }
      if (icpBytes > MAX_ICP_SECTION_BYTES) {
        throw invalid("its icp: custom sections take " + icpBytes + " bytes, at most "
            + MAX_ICP_SECTION_BYTES + " are allowed");
      }
      if (memories > 1) {
        throw invalid("it declares " + memories + " memories; a canister may declare (import or"
            + " define) at most one");
      }
    }

    private void customSection(long end, long sectionAt) throws IOException {
      long nameLength = leb(32, "the name of the custom section at byte " + sectionAt);
      if (pos + nameLength > end) {
        throw invalid("the name of its custom section at byte " + sectionAt
            + " runs past the section");
      }
      int kept = (int) Math.min(nameLength, 4096);
      byte[] name = readBytes(kept, "the custom section at byte " + sectionAt);
      skip(nameLength - kept, "the custom section at byte " + sectionAt);
      String text = new String(name, StandardCharsets.UTF_8);
      if (!text.startsWith("icp:")) {
        return;
      }
      String exported;
      if (text.startsWith("icp:public ")) {
        exported = text.substring("icp:public ".length());
        publicNames.add(exported);
      } else if (text.startsWith("icp:private ")) {
        exported = text.substring("icp:private ".length());
        privateNames.add(exported);
      } else {
        throw invalid("its custom section '" + text + "' starts with icp: but is neither"
            + " 'icp:public <name>' nor 'icp:private <name>'");
      }
      if (publicNames.contains(exported) && privateNames.contains(exported)) {
        throw invalid("it has both 'icp:public " + exported + "' and 'icp:private " + exported
            + "'");
      }
      icpSections++;
      long prefix = text.startsWith("icp:public ") ? 11 : 12;
      icpBytes += (nameLength - prefix) + (end - pos);
    }

    private void importSection(long sectionAt) throws IOException {
      String where = "the import section at byte " + sectionAt;
      long count = leb(32, where);
      for (long i = 0; i < count; i++) {
        skip(leb(32, where), where); // module name
        skip(leb(32, where), where); // field name
        int kind = readByte(where);
        switch (kind) {
          case 0 -> leb(32, where); // function: type index
          case 1 -> { // table: reference type, limits
            readByte(where);
            int flags = readByte(where);
            int bits = (flags & 4) != 0 ? 64 : 32;
            leb(bits, where);
            if ((flags & 1) != 0) {
              leb(bits, where);
            }
          }
          case 2 -> memory(where);
          case 3 -> { // global: value type, mutability
            readByte(where);
            readByte(where);
          }
          case 4 -> { // tag: attribute, type index
            readByte(where);
            leb(32, where);
          }
          default -> throw invalid("an import of unknown kind " + kind + " in " + where);
        }
      }
    }

    private void memorySection(long sectionAt) throws IOException {
      String where = "the memory section at byte " + sectionAt;
      long count = leb(32, where);
      for (long i = 0; i < count; i++) {
        memory(where);
      }
    }

    // Core spec, "Limits" and "Memory Types" (with the threads and memory64 proposals' flags).
    private void memory(String where) throws IOException {
      memories++;
      if (memories > 1) {
        throw invalid("it declares more than one memory (" + where + "); a canister may declare"
            + " (import or define) at most one");
      }
      int flags = readByte(where);
      if (flags > 7) {
        throw invalid("a memory in " + where + " has unknown limit flags 0x"
            + Integer.toHexString(flags));
      }
      if ((flags & 2) != 0) {
        throw invalid("its memory is shared (threads), which the IC does not support");
      }
      boolean memory64 = (flags & 4) != 0;
      long min = leb(memory64 ? 64 : 32, where);
      long max = (flags & 1) != 0 ? leb(memory64 ? 64 : 32, where) : -1;
      long limit = memory64 ? MAX_WASM64_PAGES : MAX_WASM32_PAGES;
      if (Long.compareUnsigned(min, limit) > 0) {
        throw invalid("its " + (memory64 ? "64" : "32") + "-bit memory starts at "
            + Long.toUnsignedString(min) + " pages of 64 KiB, more than the " + limit
            + " pages (" + (limit * 65_536 >> 20) + " MiB) the IC can give");
      }
      if (!memory64 && max >= 0 && max > MAX_WASM32_PAGES) {
        throw invalid("its 32-bit memory declares a maximum of " + max + " pages, beyond the "
            + MAX_WASM32_PAGES + " a 32-bit memory can address");
      }
      if (max >= 0 && Long.compareUnsigned(max, min) < 0) {
        throw invalid("its memory's maximum (" + Long.toUnsignedString(max)
            + " pages) is below its minimum (" + Long.toUnsignedString(min) + ")");
      }
    }

    private int readByte(String where) throws IOException {
      int b = in.read();
      if (b < 0) {
        throw cutShort(where);
      }
      pos++;
      return b;
    }

    private byte[] readBytes(int n, String where) throws IOException {
      byte[] b = new byte[n];
      int off = 0;
      while (off < n) {
        int r = in.read(b, off, n - off);
        if (r < 0) {
          throw cutShort(where);
        }
        off += r;
      }
      pos += n;
      return b;
    }

    private void skip(long n, String where) throws IOException {
      if (pos + n > MAX_MODULE_BYTES) {
        throw invalid("it is larger than " + MAX_MODULE_BYTES + " bytes (" + where
            + "), the IC's limit on a module");
      }
      long left = n;
      while (left > 0) {
        int r = in.read(skipBuffer, 0, (int) Math.min(left, skipBuffer.length));
        if (r < 0) {
          throw cutShort(where);
        }
        left -= r;
      }
      pos += n;
    }

    /** An unsigned LEB128 of at most {@code bits} bits (core spec, "Integers"). */
    private long leb(int bits, String where) throws IOException {
      long value = 0;
      int maxBytes = (bits + 6) / 7;
      for (int i = 0; i < maxBytes; i++) {
        int b = readByte(where);
        int shift = 7 * i;
        long payload = b & 0x7f;
        if (i == maxBytes - 1) {
          int unused = bits - shift; // bits still allowed in this last byte
          if ((b & 0x80) != 0 || (unused < 7 && (payload >> unused) != 0)) {
            throw invalid("a LEB128 integer in " + where + " is longer than " + bits + " bits");
          }
        }
        value |= payload << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw invalid("a LEB128 integer in " + where + " is longer than " + bits + " bits");
    }

    private IntegrityException cutShort(String where) {
      return invalid("it ends at byte " + pos + ", inside " + where + " (a truncated module?)");
    }
  }
}
