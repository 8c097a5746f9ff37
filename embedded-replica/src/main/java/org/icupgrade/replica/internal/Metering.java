package org.icupgrade.replica.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import org.icupgrade.core.internal.Leb128;
import org.jspecify.annotations.Nullable;

/**
 * Instruments a module with an instruction counter the way the IC does before it compiles a
 * canister (the IC's "instrumentation" of Wasm modules): a mutable i64 global, appended after the
 * module's own globals, is decremented at the start of each straight-line block of code by the
 * number of instructions in the block, and the code traps with {@code unreachable} as soon as it
 * is below zero. Set the global to a message's budget before the message; the budget less the
 * global's value is then the instructions it executed, with no per-instruction listener, which
 * lets the module be compiled (Chicory's compiler has no listener).
 *
 * <p>A block ends after each control instruction (block, loop, if, else, end, br, br_if,
 * br_table, return, unreachable, calls), so every branch target starts a block. The {@code end}
 * of a block or an {@code if} is charged at the start of the code after it, since every way out
 * of the construct (falling through, a branch to its label, a false condition, a then-arm's
 * {@code else}) executes it, as Chicory's interpreter does; a loop's and a function's end are
 * charged with the code before them. So a run that completes is charged exactly the
 * instructions Chicory's interpreter executes (and its listener counts), and during a call
 * (which ends a block) the count is exact up to and including the call. A block is charged in
 * full at its start, so a run that traps part way through a block is charged the whole block,
 * as on the IC: a trapping run is charged at least what the listener counts, at most one
 * block more.
 *
 * <p>{@link WasmCanister} runs every module it can instrument this way, compiled. SIMD and
 * exception-handling instructions are refused with {@link Unsupported}.
 */
final class Metering {
  private Metering() {}

  /** A module this rewrite does not handle; run it with the listener instead. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  /** The instrumented module and the index of its counter global. */
  record Instrumented(byte[] wasm, int counterGlobal) {}

  /**
   * Instruments {@code wasm} (a module that has passed validation): {@link ModuleRewriter}'s
   * pass, metering only. The result has no custom sections.
   */
  static Instrumented instrument(byte[] wasm) {
    ModuleRewriter.Rewritten r = ModuleRewriter.rewrite(wasm, false, true, false);
    return new Instrumented(r.wasm(), r.counterGlobal());
  }

  /** The number of globals the module defines, read from its global section at {@code at}. */
  static int definedGlobals(byte[] wasm, int at) {
    return (int) reader(wasm, at).u64();
  }

  /** The number of globals the module imports, read from its import section at {@code at}. */
  static int importedGlobals(byte[] wasm, int at) {
    return importedGlobals(reader(wasm, at));
  }

  /**
   * Writes the function body (locals and instructions) from {@code start} to {@code end} of
   * {@code body} to {@code out}, a decrement of the counter global {@code counter} before each
   * block.
   */
  static void function(byte[] body, int start, int end, int counter, ByteArrayOutputStream out) {
    WasmReader r = reader(body, start);
    long groups = r.u64();
    for (long g = 0; g < groups; g++) {
      r.u64();
      r.skipLeb(); // value type
    }
    out.write(body, start, r.pos - start);
    new BlockWriter(r, out, counter).run(end);
  }

  /** Sections that come after the global section (export, start, elem, datacount, code, data). */
  static boolean comesAfterGlobals(int id) {
    return id == 7 || id == 8 || id == 9 || id == 12 || id == 10 || id == 11;
  }

  private static int importedGlobals(WasmReader r) {
    int n = (int) r.u64();
    int globals = 0;
    for (int i = 0; i < n; i++) {
      // Not r.pos += r.u64(): Java would add the length to the position before the read.
      int moduleName = (int) r.u64();
      r.pos += moduleName;
      int fieldName = (int) r.u64();
      r.pos += fieldName;
      int kind = r.u8();
      switch (kind) {
        case 0: // function: type index
          r.u64();
          break;
        case 1: // table: reference type, limits
          r.u8();
          limits(r);
          break;
        case 2: // memory: limits
          limits(r);
          break;
        case 3: // global: value type, mutability
          r.u8();
          r.u8();
          globals++;
          break;
        default:
          throw new Unsupported("import kind " + kind);
      }
    }
    return globals;
  }

  private static void limits(WasmReader r) {
    int flags = r.u8();
    r.u64();
    if ((flags & 1) != 0) {
      r.u64();
    }
  }

  /** The global section with the counter {@code (global (mut i64) (i64.const 0))} appended. */
  static byte[] globals(byte @Nullable [] wasm, int start, int end) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = 0;
    int body = start;
    if (wasm != null) {
      WasmReader r = reader(wasm, start);
      n = r.u64();
      body = r.pos;
    }
    Leb128.writeUnsigned(out, n + 1);
    if (wasm != null) {
      out.write(wasm, body, end - body);
    }
    out.writeBytes(new byte[] {0x7e, 0x01, 0x42, 0x00, 0x0b});
    return out.toByteArray();
  }

  /** Copies one function's instructions, a counter decrement before each block. */
  private static final class BlockWriter {
    private final WasmReader r;
    private final ByteArrayOutputStream out;
    private final int counter;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long instructions;

    BlockWriter(WasmReader r, ByteArrayOutputStream out, int counter) {
      this.r = r;
      this.out = out;
      this.counter = counter;
    }

    void run(int end) {
      // The open structured instructions (block, loop, if) by opcode, innermost first.
      ArrayDeque<Integer> open = new ArrayDeque<>();
      while (r.pos < end) {
        int at = r.pos;
        int op = r.u8();
        immediates(op);
        instructions++;
        if (op == 0x0b && !open.isEmpty() && open.peek() != 0x03) {
          // The end of a block or an if is where its branches land (a br to it, an if's false
          // condition, a then-arm's else) as well as where the code before it falls through,
          // and the interpreter executes it on every path: it is charged with the code after
          // it, which all those paths run.
          open.pop();
          instructions--;
          flush();
          out.write(op);
          instructions = 1;
          continue;
        }
        pending.write(r.bytes, at, r.pos - at);
        if (op == 0x02 || op == 0x03 || op == 0x04) {
          open.push(op);
        } else if (op == 0x0b && !open.isEmpty()) {
          open.pop(); // a loop's end: only falling through reaches it
        }
        if (op <= 0x05 || (op >= 0x0b && op <= 0x13)) {
          flush();
        }
      }
      flush();
    }

    /** Writes the block's decrement and check, then the block. */
    private void flush() {
      if (instructions == 0) {
        return;
      }
      charge(instructions);
      out.writeBytes(pending.toByteArray());
      pending.reset();
      instructions = 0;
    }

    /** Writes the counter's decrement by {@code n} and the trap when it goes below zero. */
    private void charge(long n) {
      out.write(0x23); // global.get counter
      Leb128.writeUnsigned(out, counter);
      out.write(0x42); // i64.const n
      Leb128.writeSigned(out, n);
      out.write(0x7d); // i64.sub
      out.write(0x24); // global.set counter
      Leb128.writeUnsigned(out, counter);
      out.write(0x23);
      Leb128.writeUnsigned(out, counter);
      out.write(0x42); // i64.const 0
      out.write(0x00);
      out.write(0x53); // i64.lt_s
      out.writeBytes(new byte[] {0x04, 0x40, 0x00, 0x0b}); // if unreachable end
    }

    /** Skips the immediates of {@code op}. */
    private void immediates(int op) {
      switch (op) {
        case 0x02:
        case 0x03:
        case 0x04: // block type
        case 0x0c:
        case 0x0d:
        case 0x10:
        case 0x12:
        case 0x20:
        case 0x21:
        case 0x22:
        case 0x23:
        case 0x24:
        case 0x25:
        case 0x26:
        case 0x3f:
        case 0x40:
        case 0x41:
        case 0x42:
        case 0xd0:
        case 0xd2:
          r.skipLeb();
          break;
        case 0x11:
        case 0x13:
          r.skipLeb();
          r.skipLeb();
          break;
        case 0x0e: {
          long n = r.u64();
          for (long i = 0; i <= n; i++) {
            r.skipLeb();
          }
          break;
        }
        case 0x1c: {
          long n = r.u64();
          for (long i = 0; i < n; i++) {
            r.skipLeb();
          }
          break;
        }
        case 0x43:
          r.pos += 4;
          break;
        case 0x44:
          r.pos += 8;
          break;
        case 0xfc:
          prefixed();
          break;
        default:
          if (op >= 0x28 && op <= 0x3e) {
            long align = r.u64();
            if ((align & 0x40) != 0) {
              r.skipLeb(); // memory index
            }
            r.skipLeb(); // offset
          } else if (!(op <= 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a
              || op == 0x1b || (op >= 0x45 && op <= 0xc4) || op == 0xd1)) {
            throw new Unsupported("opcode 0x" + Integer.toHexString(op));
          }
      }
    }

    /** The 0xFC instructions: saturating truncations, bulk memory, tables. */
    private void prefixed() {
      long sub = r.u64();
      if (sub <= 7) {
        return;
      }
      switch ((int) sub) {
        case 8:
        case 10:
        case 12:
        case 14:
          r.skipLeb();
          r.skipLeb();
          break;
        case 9:
        case 11:
        case 13:
        case 15:
        case 16:
        case 17:
          r.skipLeb();
          break;
        default:
          throw new Unsupported("opcode 0xfc " + sub);
      }
    }
  }

  private static WasmReader reader(byte[] bytes, int pos) {
    return new WasmReader(bytes, pos, Unsupported::new);
  }
}
