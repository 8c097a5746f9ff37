package org.icupgrade.replica.internal;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.CodeSection;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.DataCountSection;
import com.dylibso.chicory.wasm.types.DataSection;
import com.dylibso.chicory.wasm.types.ElementSection;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.FunctionSection;
import com.dylibso.chicory.wasm.types.GlobalSection;
import com.dylibso.chicory.wasm.types.ImportSection;
import com.dylibso.chicory.wasm.types.MemorySection;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import com.dylibso.chicory.wasm.types.StartSection;
import com.dylibso.chicory.wasm.types.TableSection;
import com.dylibso.chicory.wasm.types.TagSection;
import com.dylibso.chicory.wasm.types.TypeSection;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes (and validates) a WASM binary into Chicory's module, once per install: {@link
 * ModuleValidator} decodes it and {@link WasmCanister} instantiates that same module.
 *
 * <p>Goes through Chicory's section listener rather than {@code Parser.parse(byte[])}, which
 * also computes a SHA-256 digest of the whole module on the way (a digest the interpreter never
 * reads, while the replica computes the module hash itself). Chicory copies the bytes into one
 * buffer as it reads them (1 KiB at a time into a growing buffer, then a copy of that): so that
 * this costs little for a module of 100 MiB, which is mostly data segments, Chicory is given the
 * module with every data segment's bytes left out (their headers and offsets stay), and the
 * segments get their bytes from the module afterwards, each copied once.
 */
final class ModuleParser {
  /** How many modules have been decoded in this JVM, for tests that count parses. */
  static final AtomicLong PARSES = new AtomicLong();

  private ModuleParser() {}

  /**
   * Decodes and validates {@code wasm}.
   *
   * @throws com.dylibso.chicory.wasm.ChicoryException when it is malformed or invalid
   */
  static WasmModule parse(byte[] wasm) {
    PARSES.incrementAndGet();
    List<int[]> segments = new ArrayList<>();
    byte[] stripped = withoutSegmentBytes(wasm, segments);
    WasmModule.Builder b = WasmModule.builder().withValidation(true);
    Parser.builder().withValidation(true).build().parse(new ByteArrayInputStream(stripped),
        section -> {
          switch (section.sectionId()) {
            case 0:
              CustomSection custom = (CustomSection) section;
              b.addCustomSection(custom.name(), custom);
              break;
            case 1:
              b.setTypeSection((TypeSection) section);
              break;
            case 2:
              b.setImportSection((ImportSection) section);
              break;
            case 3:
              b.setFunctionSection((FunctionSection) section);
              break;
            case 4:
              b.setTableSection((TableSection) section);
              break;
            case 5:
              b.setMemorySection((MemorySection) section);
              break;
            case 6:
              b.setGlobalSection((GlobalSection) section);
              break;
            case 7:
              b.setExportSection((ExportSection) section);
              break;
            case 8:
              b.setStartSection((StartSection) section);
              break;
            case 9:
              b.setElementSection((ElementSection) section);
              break;
            case 10:
              b.setCodeSection((CodeSection) section);
              break;
            case 11:
              b.setDataSection(withBytes((DataSection) section, wasm, segments));
              break;
            case 12:
              b.setDataCountSection((DataCountSection) section);
              break;
            case 13:
              b.setTagSection((TagSection) section);
              break;
            default:
              b.addIgnoredSection(section.sectionId());
              break;
          }
        });
    return b.build();
  }

  /** The data section with each segment's bytes taken from the module. */
  private static DataSection withBytes(DataSection stripped, byte[] wasm, List<int[]> segments) {
    if (segments.isEmpty()) {
      return stripped; // the module was decoded as it is
    }
    if (segments.size() != stripped.dataSegmentCount()) {
      throw new IllegalStateException("data segments: " + segments.size() + " read, "
          + stripped.dataSegmentCount() + " decoded");
    }
    DataSection.Builder d = DataSection.builder();
    for (int i = 0; i < segments.size(); i++) {
      int[] at = segments.get(i);
      byte[] bytes = Arrays.copyOfRange(wasm, at[0], at[0] + at[1]);
      if (stripped.getDataSegment(i) instanceof ActiveDataSegment a) {
        d.addDataSegment(new ActiveDataSegment(a.index(), a.offsetInstructions(), bytes));
      } else {
        d.addDataSegment(new PassiveDataSegment(bytes));
      }
    }
    return d.build();
  }

  /**
   * The module with every data segment empty, and where each segment's bytes are ({@code
   * segments}: start, length). A module without a data section, or one this does not read
   * (a malformed one, which Chicory then reports), is returned as it is.
   */
  private static byte[] withoutSegmentBytes(byte[] wasm, List<int[]> segments) {
    try {
      int[] pos = {8};
      while (pos[0] < wasm.length) {
        int sectionStart = pos[0];
        int id = wasm[pos[0]++] & 0xFF;
        int size = (int) u32(wasm, pos);
        int content = pos[0];
        int end = content + size;
        if (id != 11) {
          pos[0] = end;
          continue;
        }
        ByteArrayOutputStream section = new ByteArrayOutputStream();
        int count = (int) u32(wasm, pos);
        section.write(wasm, content, pos[0] - content);
        for (int i = 0; i < count; i++) {
          int headerStart = pos[0];
          long flags = u32(wasm, pos);
          if (flags == 2) {
            u32(wasm, pos);
          }
          if (flags != 1) {
            skipConstExpr(wasm, pos);
          }
          section.write(wasm, headerStart, pos[0] - headerStart);
          int length = (int) u32(wasm, pos);
          segments.add(new int[] {pos[0], length});
          section.write(0);
          pos[0] += length;
        }
        if (pos[0] != end) {
          throw new IllegalStateException("data section size mismatch");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(wasm.length - size + section.size());
        out.write(wasm, 0, sectionStart);
        out.write(11);
        long n = section.size();
        do {
          int bits = (int) (n & 0x7f);
          n >>>= 7;
          out.write(n != 0 ? bits | 0x80 : bits);
        } while (n != 0);
        section.writeTo(out);
        out.write(wasm, end, wasm.length - end);
        return out.toByteArray();
      }
    } catch (RuntimeException | java.io.IOException e) {
      // Malformed: Chicory decodes the module as it is and says what is wrong.
    }
    segments.clear();
    return wasm;
  }

  private static void skipConstExpr(byte[] wasm, int[] pos) {
    while (true) {
      int op = wasm[pos[0]++] & 0xFF;
      switch (op) {
        case 0x0b:
          return;
        case 0x41:
        case 0x42:
          skipLeb(wasm, pos);
          break;
        case 0x23:
        case 0xd2:
          u32(wasm, pos);
          break;
        case 0xd0:
          pos[0]++;
          break;
        default:
          throw new IllegalStateException("constant expression opcode " + op);
      }
    }
  }

  private static long u32(byte[] b, int[] pos) {
    long v = 0;
    int shift = 0;
    int x;
    do {
      x = b[pos[0]++] & 0xFF;
      v |= (long) (x & 0x7f) << shift;
      shift += 7;
    } while ((x & 0x80) != 0 && shift < 64);
    return v;
  }

  private static void skipLeb(byte[] b, int[] pos) {
    while ((b[pos[0]++] & 0x80) != 0) {
      pos[0] += 0; // continuation byte
    }
  }
}
