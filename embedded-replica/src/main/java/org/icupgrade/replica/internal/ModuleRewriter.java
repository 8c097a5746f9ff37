package org.icupgrade.replica.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.icupgrade.core.internal.Leb128;
import org.jspecify.annotations.Nullable;

/**
 * The one pass that turns a module as installed into the module the replica runs: {@link
 * Memory64Lowering} (a 64-bit memory and table made 32-bit) and {@link Metering} (the
 * instruction counter), section by section and function by function, writing the output once;
 * then, for a metered module with a function too large for the JIT, {@link FunctionOutliner}.
 * The module hash stays the hash of the bytes installed; this output is the replica's alone.
 *
 * <p>For {@link ModuleParser} ({@code forParser}), the output leaves out what Chicory need not
 * copy: every data segment's bytes (their headers and offsets stay; {@link Rewritten#segments()}
 * says where the bytes are in the input, which the parser copies once, straight into the
 * segments) and the custom sections (names, metadata: the replica reads those from the module
 * as installed). So a 100 MiB module of data costs a few bytes here, and no full copy of its
 * code or data is made on the way: a function is lowered into a buffer of its own size, then
 * metered into the output.
 */
final class ModuleRewriter {
  private ModuleRewriter() {}

  private static final int GLOBAL_SECTION = 6;

  /**
   * The rewritten module; the index of its counter global, or -1 when it was not metered; and
   * where the bytes of each data segment left out are in the input (start, length), in order.
   */
  record Rewritten(byte[] wasm, int counterGlobal, List<int[]> segments) {}

  /**
   * Rewrites {@code wasm}: lowered to 32-bit memory with {@code lower}, instrumented with
   * {@code meter}, the data segments' bytes and custom sections left out with {@code
   * forParser}. Custom sections are also left out with {@code meter} (so that a module made
   * mostly of them is not copied).
   *
   * @throws Memory64Lowering.Unsupported when lowering meets an instruction it does not handle
   * @throws Metering.Unsupported when metering does
   * @throws RuntimeException when the module is malformed (the parser then says how)
   */
  static Rewritten rewrite(byte[] wasm, boolean lower, boolean meter, boolean forParser) {
    return rewrite(wasm, lower, meter, forParser, meter);
  }

  /**
   * {@link #rewrite(byte[], boolean, boolean, boolean)}, the huge functions of a metered module
   * split with {@code outline} only (tests compare the two).
   */
  static Rewritten rewrite(byte[] wasm, boolean lower, boolean meter, boolean forParser,
      boolean outline) {
    if (wasm.length < 8) {
      throw new Metering.Unsupported("not a module");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(outputSize(wasm, meter, forParser));
    out.write(wasm, 0, 8);
    Memory64Lowering.Lowering lowering = lower ? new Memory64Lowering.Lowering() : null;
    List<int[]> segments = new ArrayList<>();
    int importedGlobals = 0;
    int definedGlobals = 0;
    boolean globalsWritten = false;
    int[] pos = {8};
    while (pos[0] < wasm.length) {
      int id = wasm[pos[0]++] & 0xff;
      long size = u32(wasm, pos);
      int start = pos[0];
      if (size > wasm.length - start) {
        throw new Metering.Unsupported("section " + id + " runs past the end of the module");
      }
      int end = start + (int) size;
      pos[0] = end;
      if (id == 0) {
        if (!meter && !forParser) {
          section(out, id, wasm, start, end);
        }
        continue;
      }
      if (meter && !globalsWritten && Metering.comesAfterGlobals(id)) {
        // The module has no global section: the counter's comes where it would stand.
        section(out, GLOBAL_SECTION, Metering.globals(null, 0, 0));
        globalsWritten = true;
      }
      byte[] content = lowering == null ? null : lowering.section(id, wasm, start, end);
      if (meter && id == 2) {
        importedGlobals = Metering.importedGlobals(wasm, start);
      } else if (meter && id == GLOBAL_SECTION) {
        definedGlobals = Metering.definedGlobals(wasm, start);
        content = Metering.globals(wasm, start, end);
        globalsWritten = true;
      } else if (id == 10 && (lowering != null || meter)) {
        // Sections come in order, so the imports and globals are known: the counter is the
        // global after the module's own.
        content = code(wasm, start, end, lowering, meter ? importedGlobals + definedGlobals : -1);
      } else if (id == 11 && (lower || forParser)) {
        content = Memory64Lowering.data(wasm, start, lower, !forParser, segments);
      }
      if (content == null) {
        section(out, id, wasm, start, end);
      } else {
        section(out, id, content, 0, content.length);
      }
    }
    if (meter && !globalsWritten) {
      section(out, GLOBAL_SECTION, Metering.globals(null, 0, 0));
    }
    byte[] rewritten = out.toByteArray();
    if (meter && outline) {
      // After metering, so the counter's code moves with the code it meters (FunctionOutliner).
      rewritten = FunctionOutliner.outline(rewritten);
    }
    return new Rewritten(rewritten, meter ? importedGlobals + definedGlobals : -1, segments);
  }

  /**
   * The code section, each function lowered (with {@code lowering}) and then metered (with a
   * {@code counter} of 0 or more).
   */
  private static byte[] code(byte[] wasm, int start, int end,
      Memory64Lowering.@Nullable Lowering lowering, int counter) {
    int[] pos = {start};
    long count = u32(wasm, pos);
    int size = end - start;
    ByteArrayOutputStream out = new ByteArrayOutputStream(size + (counter >= 0 ? size / 2 : 0));
    Leb128.writeUnsigned(out, count);
    ByteArrayOutputStream metered = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      int bodySize = (int) u32(wasm, pos);
      int bodyStart = pos[0];
      int bodyEnd = bodyStart + bodySize;
      if (bodySize < 0 || bodyEnd > end) {
        throw new Metering.Unsupported("function " + i + " runs past the code section");
      }
      byte[] body = wasm;
      int from = bodyStart;
      int to = bodyEnd;
      if (lowering != null) {
        body = lowering.function(wasm, bodyStart, bodyEnd, i);
        from = 0;
        to = body.length;
      }
      if (counter >= 0) {
        metered.reset();
        Metering.function(body, from, to, counter, metered);
        Leb128.writeUnsigned(out, metered.size());
        out.write(metered.toByteArray(), 0, metered.size());
      } else {
        Leb128.writeUnsigned(out, to - from);
        out.write(body, from, to - from);
      }
      pos[0] = bodyEnd;
    }
    return out.toByteArray();
  }

  /** Roughly what the output takes, from the section headers, so that it is not regrown. */
  private static int outputSize(byte[] wasm, boolean meter, boolean forParser) {
    long kept = 8 + 16;
    int[] pos = {8};
    try {
      while (pos[0] < wasm.length) {
        int id = wasm[pos[0]++] & 0xff;
        long size = u32(wasm, pos);
        pos[0] = (int) Math.min(wasm.length, pos[0] + size);
        if (id == 0 && (meter || forParser)) {
          continue;
        }
        // A data section's headers only, for the parser; room for the counter's code.
        kept += 6 + (id == 11 && forParser ? Math.min(size, 4096) : size)
            + (id == 10 && meter ? size / 2 : 0);
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      // Malformed: the rewrite says so.
    }
    return (int) Math.min(Integer.MAX_VALUE - 8, kept);
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    section(out, id, content, 0, content.length);
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] from, int start,
      int end) {
    out.write(id);
    Leb128.writeUnsigned(out, end - start);
    out.write(from, start, end - start);
  }

  private static long u32(byte[] b, int[] pos) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      if (pos[0] >= b.length) {
        throw new Metering.Unsupported("module ends early");
      }
      int x = b[pos[0]++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0 || shift > 28) {
        return v;
      }
    }
  }
}
