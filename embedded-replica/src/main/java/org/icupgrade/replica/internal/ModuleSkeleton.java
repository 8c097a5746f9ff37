package org.icupgrade.replica.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.icupgrade.core.internal.Leb128;
import org.jspecify.annotations.Nullable;

/**
 * A WebAssembly binary read a section at a time from its {@link ModuleBytes}, written out without
 * what is large and need not be decoded: the bytes of each data segment (their headers stay, each
 * with length 0; {@link SegmentBytes} says where the bytes are) and the custom sections but the
 * {@code icp:} ones (which validation checks; the others, names and debug information, no one
 * here reads). The rest (code, types, imports, exports...) is copied section by section: code is
 * at most 11 MiB, data is what is big. {@link ModuleValidator} decodes this skeleton as it would
 * the module: Chicory and the rewrite see the same sections, segments and offsets.
 */
final class ModuleSkeleton {
  private ModuleSkeleton() {}

  private static final int CUSTOM = 0;
  private static final int DATA = 11;

  /** The skeleton and where its data segments' bytes are in the module. */
  record Skeleton(byte[] wasm, SegmentBytes data) {}

  /**
   * The skeleton of {@code wasm}, which starts with the WebAssembly magic; null when its section
   * headers or data segment headers are malformed or of a kind this reader does not know (then
   * the module is decoded joined, and the parser says what is wrong).
   */
  static @Nullable Skeleton of(ModuleBytes wasm) {
    try {
      return read(wasm);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      return null;
    }
  }

  private static Skeleton read(ModuleBytes wasm) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    out.write(wasm.copyOfRange(0, 8), 0, 8);
    int[] start = new int[0];
    int[] length = new int[0];
    ModuleBytes.Cursor r = wasm.new Cursor(8);
    boolean dataSeen = false;
    while (!r.atEnd()) {
      int id = r.u8();
      long size = r.u32();
      int content = r.pos;
      if (size > wasm.length() - content) {
        throw new IllegalArgumentException("section runs past the end");
      }
      int end = content + (int) size;
      if (id == CUSTOM) {
        int nameLength = (int) r.u32();
        if (nameLength < 0 || nameLength > end - r.pos) {
          throw new IllegalArgumentException("custom section name runs past the section");
        }
        String name = new String(wasm.copyOfRange(r.pos, r.pos + nameLength),
            StandardCharsets.UTF_8);
        if (name.startsWith("icp:")) {
          section(out, id, wasm.copyOfRange(content, end));
        }
      } else if (id == DATA) {
        if (dataSeen) {
          throw new IllegalArgumentException("two data sections");
        }
        dataSeen = true;
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        int count = (int) r.u32();
        if (count < 0 || count > size) {
          throw new IllegalArgumentException("too many data segments");
        }
        Leb128.writeUnsigned(headers, count);
        start = new int[count];
        length = new int[count];
        for (int i = 0; i < count; i++) {
          int from = r.pos;
          long flags = r.u32();
          if (flags == 2) {
            r.u32();
          } else if (flags != 0 && flags != 1) {
            throw new IllegalArgumentException("data segment flags " + flags);
          }
          if (flags != 1) {
            skipConstExpr(r);
          }
          byte[] header = wasm.copyOfRange(from, r.pos);
          headers.write(header, 0, header.length);
          long len = r.u32();
          if (len > end - r.pos) {
            throw new IllegalArgumentException("data segment runs past the section");
          }
          start[i] = r.pos;
          length[i] = (int) len;
          headers.write(0);
          r.skip(len);
        }
        if (r.pos != end) {
          throw new IllegalArgumentException("data section size mismatch");
        }
        section(out, id, headers.toByteArray());
      } else {
        section(out, id, wasm.copyOfRange(content, end));
      }
      r.pos = end;
    }
    return new Skeleton(out.toByteArray(), new SegmentBytes(wasm, start, length));
  }

  /**
   * Skips a constant expression (WebAssembly spec, "Constant expressions": t.const, global.get,
   * ref.null, ref.func and the extended-const arithmetic), up to its {@code end}.
   */
  private static void skipConstExpr(ModuleBytes.Cursor r) {
    for (int n = 0; n < 1024; n++) {
      int op = r.u8();
      switch (op) {
        case 0x0b: // end
          return;
        case 0x41: // i32.const
          r.skipLeb(5);
          break;
        case 0x42: // i64.const
          r.skipLeb(10);
          break;
        case 0x43: // f32.const
          r.skip(4);
          break;
        case 0x44: // f64.const
          r.skip(8);
          break;
        case 0x23: // global.get
        case 0xd2: // ref.func
          r.u32();
          break;
        case 0xd0: // ref.null
          r.u8();
          break;
        case 0x6a: case 0x6b: case 0x6c: // i32.add, sub, mul
        case 0x7c: case 0x7d: case 0x7e: // i64.add, sub, mul
          break;
        default:
          throw new IllegalArgumentException("constant expression opcode " + op);
      }
    }
    throw new IllegalArgumentException("constant expression too long");
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    Leb128.writeUnsigned(out, content.length);
    out.write(content, 0, content.length);
  }
}
