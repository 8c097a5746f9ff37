package org.icupgrade.replica.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Rewrites a module with a 64-bit memory and table (the WebAssembly memory64 proposal, which
 * moc 0.15 and later emit for enhanced orthogonal persistence) into the equivalent module with
 * a 32-bit memory and table, which Chicory runs; the module's hash stays that of the bytes
 * installed.
 *
 * <p>Limits flags 0x04/0x05 (64-bit, without/with maximum) become 0x00/0x01, maxima above
 * 65,536 pages are capped there; every instruction taking a memory or table address gets it
 * through {@code i32.wrap_i64} and every one returning a size or an old size gives it back
 * through {@code i64.extend_i32_*}. An address operand below other operands (a store's value,
 * {@code memory.copy}'s source and length) is reached by parking the operands above it in scratch
 * locals added to each function; their types follow from the opcode, so no operand-stack typing
 * is needed. Active data and element segment offsets ({@code i64.const}) become
 * {@code i32.const}.
 *
 * <p>Not exactly the IC: an address at or above 4 GiB wraps instead of trapping; SIMD, atomics
 * and exception handling instructions are refused (moc emits none).
 */
final class Memory64Lowering {
  private Memory64Lowering() {}

  /** Why a module could not be lowered. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  private static final int I32 = 0x7f;
  private static final int I64 = 0x7e;
  private static final int F32 = 0x7d;
  private static final int F64 = 0x7c;
  private static final int FUNCREF = 0x70;
  private static final int EXTERNREF = 0x6f;
  private static final int WRAP = 0xa7;
  private static final int EXTEND_S = 0xac;
  private static final int EXTEND_U = 0xad;
  private static final int LOCAL_GET = 0x20;
  private static final int LOCAL_SET = 0x21;
  /** The scratch locals appended to every function, in this order. */
  private static final int[] SCRATCH = {I32, I32, I64, I64, F32, F64, FUNCREF, EXTERNREF};
  private static final int S_I32A = 0;
  private static final int S_I32B = 1;
  private static final int S_I64A = 2;
  private static final int S_I64B = 3;
  private static final int S_F32 = 4;
  private static final int S_F64 = 5;
  private static final int S_FUNCREF = 6;

  /** Whether the module's memory (or table) is 64-bit, read from its section headers. */
  static boolean isMemory64(byte[] wasm) {
    WasmReader r = reader(wasm, 8);
    while (r.pos < wasm.length) {
      int id = r.u8();
      int size = (int) r.u64();
      int end = r.pos + size;
      if (id == 5 || id == 4) {
        int count = (int) r.u64();
        for (int i = 0; i < count; i++) {
          if (id == 4) {
            r.u8(); // reference type
          }
          int flags = r.u8();
          if ((flags & 0x04) != 0) {
            return true;
          }
          r.u64();
          if ((flags & 0x01) != 0) {
            r.u64();
          }
        }
      }
      r.pos = end;
    }
    return false;
  }

  /**
   * The module with 32-bit memory and tables ({@link ModuleRewriter}'s pass, lowering only).
   *
   * @throws Unsupported when it uses an instruction this lowering does not handle
   */
  static byte[] lower(byte[] wasm) {
    return ModuleRewriter.rewrite(wasm, true, false, false).wasm();
  }

  /**
   * What lowering one module learns from its sections as {@link ModuleRewriter} reads them in
   * order (the types, the functions' types, which tables are 64-bit), and the lowering of each
   * section and function that needs it.
   */
  static final class Lowering {
    private final List<Integer> typeParams = new ArrayList<>();
    private final List<Integer> functionTypes = new ArrayList<>();
    private int importedFunctions;
    private boolean[] table64 = new boolean[0];

    /**
     * Reads section {@code id}, its content from {@code start} to {@code end}; returns its
     * lowered content, or null when it stays as it is. The code and data sections are lowered
     * a function, a segment at a time ({@link #function}, {@link #data}).
     */
    byte @Nullable [] section(int id, byte[] wasm, int start, int end) {
      switch (id) {
        case 1:
          readTypes(wasm, start, typeParams);
          return null;
        case 2:
          readImportedFunctions(wasm, start, functionTypes);
          importedFunctions = functionTypes.size();
          return null;
        case 3: {
          WasmReader f = reader(wasm, start);
          int count = (int) f.u64();
          for (int i = 0; i < count; i++) {
            functionTypes.add((int) f.u64());
          }
          return null;
        }
        case 4: {
          WasmReader t = reader(wasm, start);
          int count = (int) t.u64();
          table64 = new boolean[count];
          Writer w = new Writer();
          w.u32(count);
          for (int i = 0; i < count; i++) {
            w.u8(t.u8());
            table64[i] = limits(t, w);
          }
          return w.bytes();
        }
        case 5: {
          WasmReader m = reader(wasm, start);
          int count = (int) m.u64();
          Writer w = new Writer();
          w.u32(count);
          for (int i = 0; i < count; i++) {
            limits(m, w);
          }
          return w.bytes();
        }
        case 9:
          return elements(wasm, start, table64);
        default:
          return null;
      }
    }

    /**
     * The lowered body (locals and instructions) of the module's {@code index}-th defined
     * function, whose body in {@code wasm} runs from {@code start} to {@code end}.
     */
    byte[] function(byte[] wasm, int start, int end, int index) {
      WasmReader r = reader(wasm, start);
      Writer body = new Writer();
      int groups = (int) r.u64();
      long locals = typeParams.get(functionTypes.get(importedFunctions + index));
      body.u32(groups + SCRATCH.length);
      for (int g = 0; g < groups; g++) {
        long n = r.u64();
        locals += n;
        body.u32(n);
        body.u8(valType(r));
      }
      for (int type : SCRATCH) {
        body.u32(1);
        body.u8(type);
      }
      new FunctionRewriter(r, body, (int) locals, table64).run(end);
      return body.bytes();
    }
  }

  /** Copies limits, made 32-bit; returns whether they were 64-bit. */
  private static boolean limits(WasmReader r, Writer w) {
    int flags = r.u8();
    boolean is64 = (flags & 0x04) != 0;
    w.u8(flags & ~0x04);
    long min = r.u64();
    w.u32(Math.min(min, ModuleValidator.WASM32_MAX_PAGES + 1));
    if ((flags & 0x01) != 0) {
      w.u32(Math.min(r.u64(), ModuleValidator.WASM32_MAX_PAGES));
    }
    return is64;
  }

  private static void readTypes(byte[] wasm, int at, List<Integer> typeParams) {
    WasmReader r = reader(wasm, at);
    int count = (int) r.u64();
    for (int i = 0; i < count; i++) {
      if (r.u8() != 0x60) {
        throw new Unsupported("type " + i + " is not a function type");
      }
      int params = (int) r.u64();
      for (int p = 0; p < params; p++) {
        valType(r);
      }
      typeParams.add(params);
      int results = (int) r.u64();
      for (int p = 0; p < results; p++) {
        valType(r);
      }
    }
  }

  private static void readImportedFunctions(byte[] wasm, int at, List<Integer> functionTypes) {
    WasmReader r = reader(wasm, at);
    int count = (int) r.u64();
    for (int i = 0; i < count; i++) {
      for (int name = 0; name < 2; name++) {
        int length = (int) r.u64();
        r.pos += length;
      }
      int kind = r.u8();
      switch (kind) {
        case 0:
          functionTypes.add((int) r.u64());
          break;
        case 1:
          r.u8();
          skipLimits(r);
          break;
        case 2:
          skipLimits(r);
          break;
        case 3:
          valType(r);
          r.u8();
          break;
        default:
          throw new Unsupported("import kind " + kind);
      }
    }
  }

  private static void skipLimits(WasmReader r) {
    int flags = r.u8();
    r.u64();
    if ((flags & 0x01) != 0) {
      r.u64();
    }
  }

  /** Copies a constant offset expression, an {@code i64.const} made {@code i32.const}. */
  private static void offset(WasmReader r, Writer w, boolean is64) {
    int op = r.u8();
    if (is64 && op == 0x42) {
      long v = r.s64();
      w.u8(0x41);
      w.s64((int) v);
    } else if (op == 0x41) {
      w.u8(op);
      w.s64(r.s64());
    } else {
      throw new Unsupported("segment offset opcode 0x" + Integer.toHexString(op));
    }
    if (r.u8() != 0x0b) {
      throw new Unsupported("segment offset longer than one constant");
    }
    w.u8(0x0b);
  }

  /**
   * The data section at {@code at}, its offsets made 32-bit when {@code lower}; with {@code
   * keepBytes} the segments' bytes are copied, else each segment is left empty and where its
   * bytes are ({@code segments}: start and length in {@code wasm}) is added to {@code segments}.
   */
  static byte[] data(byte[] wasm, int at, boolean lower, boolean keepBytes,
      List<int[]> segments) {
    WasmReader r = reader(wasm, at);
    Writer w = new Writer();
    int count = (int) r.u64();
    w.u32(count);
    for (int i = 0; i < count; i++) {
      int flags = (int) r.u64();
      w.u32(flags);
      if (flags == 2) {
        w.u32(r.u64());
      }
      if (flags != 1) {
        if (lower) {
          offset(r, w, true);
        } else {
          int s = r.pos;
          skipConstExpr(r);
          w.raw(wasm, s, r.pos - s);
        }
      }
      int len = (int) r.u64();
      if (len < 0 || r.pos + len > wasm.length) {
        throw new Unsupported("data segment " + i + " runs past the end of the module");
      }
      if (keepBytes) {
        w.u32(len);
        w.raw(wasm, r.pos, len);
      } else {
        w.u32(0);
        segments.add(new int[] {r.pos, len});
      }
      r.pos += len;
    }
    return w.bytes();
  }

  private static byte[] elements(byte[] wasm, int at, boolean[] table64) {
    WasmReader r = reader(wasm, at);
    Writer w = new Writer();
    int count = (int) r.u64();
    w.u32(count);
    for (int i = 0; i < count; i++) {
      int flags = (int) r.u64();
      w.u32(flags);
      int table = 0;
      if (flags == 2 || flags == 6) {
        table = (int) r.u64();
        w.u32(table);
      }
      boolean active = (flags & 0x01) == 0;
      if (active) {
        offset(r, w, table < table64.length && table64[table]);
      }
      if (flags != 0 && flags != 4) {
        w.u8(r.u8()); // element kind or reference type
      }
      int n = (int) r.u64();
      w.u32(n);
      for (int j = 0; j < n; j++) {
        if ((flags & 0x04) == 0) {
          w.u32(r.u64());
        } else {
          int s = r.pos;
          skipConstExpr(r);
          w.raw(wasm, s, r.pos - s);
        }
      }
    }
    return w.bytes();
  }

  private static void skipConstExpr(WasmReader r) {
    while (true) {
      int op = r.u8();
      switch (op) {
        case 0x0b:
          return;
        case 0x41:
        case 0x42:
          r.s64();
          break;
        case 0x23:
        case 0xd2:
          r.u64();
          break;
        case 0xd0:
          r.u8();
          break;
        default:
          throw new Unsupported("constant expression opcode 0x" + Integer.toHexString(op));
      }
    }
  }

  /** Rewrites one function body's instructions. */
  private static final class FunctionRewriter {
    private final WasmReader r;
    private final Writer w;
    private final int scratch;
    private final boolean[] table64;

    FunctionRewriter(WasmReader r, Writer w, int scratch, boolean[] table64) {
      this.r = r;
      this.w = w;
      this.scratch = scratch;
      this.table64 = table64;
    }

    private void set(int s) {
      w.u8(LOCAL_SET);
      w.u32(scratch + s);
    }

    private void get(int s) {
      w.u8(LOCAL_GET);
      w.u32(scratch + s);
    }

    private boolean t64(long table) {
      return table < table64.length && table64[(int) table];
    }

    /** Copies a memarg, its offset as a u32. */
    private void memarg() {
      long align = r.u64();
      w.u32(align);
      if ((align & 0x40) != 0) {
        w.u32(r.u64());
      }
      long offset = r.u64();
      if (offset > 0xffff_ffffL) {
        throw new Unsupported("memory offset " + Long.toUnsignedString(offset) + " over 4 GiB");
      }
      w.u32(offset);
    }

    void run(int end) {
      while (r.pos < end) {
        int op = r.u8();
        switch (op) {
          case 0x02:
          case 0x03:
          case 0x04:
            w.u8(op);
            blockType();
            break;
          case 0x0c:
          case 0x0d:
          case 0x10:
          case 0x12:
          case 0x20:
          case 0x21:
          case 0x22:
          case 0x23:
          case 0x24:
          case 0xd2:
            w.u8(op);
            w.u32(r.u64());
            break;
          case 0x0e: {
            w.u8(op);
            long n = r.u64();
            w.u32(n);
            for (long i = 0; i <= n; i++) {
              w.u32(r.u64());
            }
            break;
          }
          case 0x11:
          case 0x13: {
            long type = r.u64();
            long table = r.u64();
            if (t64(table)) {
              w.u8(WRAP);
            }
            w.u8(op);
            w.u32(type);
            w.u32(table);
            break;
          }
          case 0x1c: {
            w.u8(op);
            long n = r.u64();
            w.u32(n);
            for (long i = 0; i < n; i++) {
              w.u8(valType(r));
            }
            break;
          }
          case 0x25: {
            long table = r.u64();
            if (t64(table)) {
              w.u8(WRAP);
            }
            w.u8(op);
            w.u32(table);
            break;
          }
          case 0x26: {
            long table = r.u64();
            if (t64(table)) {
              set(S_FUNCREF);
              w.u8(WRAP);
              get(S_FUNCREF);
            }
            w.u8(op);
            w.u32(table);
            break;
          }
          case 0x3f:
            w.u8(op);
            w.u32(r.u64());
            w.u8(EXTEND_U);
            break;
          case 0x40:
            w.u8(WRAP);
            w.u8(op);
            w.u32(r.u64());
            w.u8(EXTEND_S);
            break;
          case 0x41:
            w.u8(op);
            w.s64(r.s64());
            break;
          case 0x42:
            w.u8(op);
            w.s64(r.s64());
            break;
          case 0x43:
            w.u8(op);
            w.raw(r.bytes, r.pos, 4);
            r.pos += 4;
            break;
          case 0x44:
            w.u8(op);
            w.raw(r.bytes, r.pos, 8);
            r.pos += 8;
            break;
          case 0xd0:
            w.u8(op);
            w.u8(r.u8());
            break;
          case 0xfc:
            prefixed();
            break;
          default:
            if (op >= 0x28 && op <= 0x35) {
              w.u8(WRAP);
              w.u8(op);
              memarg();
            } else if (op >= 0x36 && op <= 0x3e) {
              int value = storeValue(op);
              set(value);
              w.u8(WRAP);
              get(value);
              w.u8(op);
              memarg();
            } else if (op <= 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a
                || op == 0x1b || (op >= 0x45 && op <= 0xc4) || op == 0xd1) {
              w.u8(op);
            } else {
              throw new Unsupported("opcode 0x" + Integer.toHexString(op));
            }
        }
      }
    }

    private int storeValue(int op) {
      switch (op) {
        case 0x36:
        case 0x3a:
        case 0x3b:
          return S_I32A;
        case 0x38:
          return S_F32;
        case 0x39:
          return S_F64;
        default:
          return S_I64A;
      }
    }

    private void blockType() {
      int b = r.bytes[r.pos] & 0xff;
      if (b == 0x40 || b == I32 || b == I64 || b == F32 || b == F64 || b == 0x7b
          || b == FUNCREF || b == EXTERNREF) {
        w.u8(r.u8());
      } else {
        w.s64(r.s64());
      }
    }

    /** The 0xFC instructions: saturating truncations, bulk memory, tables. */
    private void prefixed() {
      long sub = r.u64();
      int s = (int) sub;
      if (s <= 7) {
        w.u8(0xfc);
        w.u32(sub);
        return;
      }
      switch (s) {
        case 8: { // memory.init: [d:i64, s:i32, n:i32]
          long data = r.u64();
          long mem = r.u64();
          set(S_I32A);
          set(S_I32B);
          w.u8(WRAP);
          get(S_I32B);
          get(S_I32A);
          emit(sub, data, mem);
          break;
        }
        case 9:
        case 13:
          emit(sub, r.u64());
          break;
        case 10: { // memory.copy: [d:i64, s:i64, n:i64]
          long a = r.u64();
          long b = r.u64();
          copy();
          emit(sub, a, b);
          break;
        }
        case 11: { // memory.fill: [d:i64, v:i32, n:i64]
          long mem = r.u64();
          set(S_I64A);
          set(S_I32A);
          w.u8(WRAP);
          get(S_I32A);
          get(S_I64A);
          w.u8(WRAP);
          emit(sub, mem);
          break;
        }
        case 12: { // table.init: [d, s:i32, n:i32]
          long elem = r.u64();
          long table = r.u64();
          if (t64(table)) {
            set(S_I32A);
            set(S_I32B);
            w.u8(WRAP);
            get(S_I32B);
            get(S_I32A);
          }
          emit(sub, elem, table);
          break;
        }
        case 14: { // table.copy: [d, s, n]
          long dst = r.u64();
          long src = r.u64();
          if (t64(dst) != t64(src)) {
            throw new Unsupported("table.copy between a 64-bit and a 32-bit table");
          }
          if (t64(dst)) {
            copy();
          }
          emit(sub, dst, src);
          break;
        }
        case 15: { // table.grow: [ref, n] -> old
          long table = r.u64();
          boolean is64 = t64(table);
          if (is64) {
            w.u8(WRAP);
          }
          emit(sub, table);
          if (is64) {
            w.u8(EXTEND_S);
          }
          break;
        }
        case 16: { // table.size
          long table = r.u64();
          emit(sub, table);
          if (t64(table)) {
            w.u8(EXTEND_U);
          }
          break;
        }
        case 17: { // table.fill: [i, ref, n]
          long table = r.u64();
          if (t64(table)) {
            set(S_I64A);
            set(S_FUNCREF);
            w.u8(WRAP);
            get(S_FUNCREF);
            get(S_I64A);
            w.u8(WRAP);
          }
          emit(sub, table);
          break;
        }
        default:
          throw new Unsupported("opcode 0xfc " + sub);
      }
    }

    /** Wraps three i64 operands [d, s, n] to i32. */
    private void copy() {
      set(S_I64A);
      set(S_I64B);
      w.u8(WRAP);
      get(S_I64B);
      w.u8(WRAP);
      get(S_I64A);
      w.u8(WRAP);
    }

    private void emit(long sub, long... immediates) {
      w.u8(0xfc);
      w.u32(sub);
      for (long i : immediates) {
        w.u32(i);
      }
    }
  }


  /** Writes LEB128 and bytes. */
  private static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void u8(int b) {
      out.write(b);
    }

    void u32(long v) {
      u32(out, v);
    }

    static void u32(ByteArrayOutputStream out, long v) {
      do {
        int b = (int) (v & 0x7f);
        v >>>= 7;
        out.write(v != 0 ? b | 0x80 : b);
      } while (v != 0);
    }

    void s64(long v) {
      boolean more = true;
      while (more) {
        int b = (int) (v & 0x7f);
        v >>= 7;
        more = !((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0));
        out.write(more ? b | 0x80 : b);
      }
    }

    void raw(byte[] b, int off, int len) {
      out.write(b, off, len);
    }

    void raw(byte[] b) {
      out.write(b, 0, b.length);
    }

    int size() {
      return out.size();
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  /**
   * A reader of {@code bytes}: a module that ends early or has an over-long integer is refused
   * as malformed (the parser then says why), not as Unsupported, which means a valid module
   * this lowering does not handle.
   */
  private static WasmReader reader(byte[] bytes, int pos) {
    return new WasmReader(bytes, pos, IllegalArgumentException::new);
  }

  private static int valType(WasmReader r) {
    int t = r.u8();
    if (t == 0x63 || t == 0x64) {
      throw new Unsupported("typed function references");
    }
    return t;
  }
}
