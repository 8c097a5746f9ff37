package org.icupgrade.replica.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.internal.Leb128;

/**
 * Moves regions of a function too large for the JIT into functions of their own, so that every
 * function of a metered module compiles to a JVM method HotSpot will JIT-compile: HotSpot never
 * compiles a method of more than 8,000 bytes of bytecode ({@code -XX:+DontCompileHugeMethods},
 * {@code HugeMethodLimit}), and Chicory's compiler makes one method of each WASM function, so
 * such a function would run in the JVM's bytecode interpreter on a JVM without the flag.
 *
 * <p>It runs on {@link Metering}'s output, so the counter's decrements are inside the code that
 * moves and nothing it adds (calls, {@code local.get}/{@code local.set} of the region's locals,
 * the {@code br_table} that re-dispatches a region's way out) is metered: a module runs the same
 * instructions, by the counter, split or not.
 *
 * <p>A region is a run of instructions of one block, loop, if-arm or function body, nested
 * constructs whole. The new function takes every local the region reads or writes as a
 * parameter and returns those it writes, then an i32 exit code when the region can leave other
 * than by falling through (a branch to a label outside it, or {@code return}, whose values go
 * through locals): the call site stores the results back and branches on the code with one
 * {@code br_table}. Regions are chosen in one pass over each function, innermost bodies first:
 * a body estimated over the chunk size is cut into chunks of the runs between places where its
 * operand stack is empty; a run that cannot go into a chunk (larger than one, or with values on
 * the stack at its edges, as in an unrolled hash whose stack is never empty) is cut on its own
 * where the stack holds few values: the values a piece consumes from below its start become
 * its first parameters and those it leaves in their place its first results, so the call site
 * leaves the stack as the piece would have. So every function ends under {@link #LIMIT} where
 * the code allows it. A piece is not moved when it branches out to a label that carries
 * values, makes a tail call, or passes a value whose type this pass does not follow; what
 * cannot be split stays, and Chicory's compiler treats it as before.
 *
 * <p>New functions and their types are appended, so the indices of existing functions, and the
 * element, export and start sections, stay valid. A module with no function over the limit is
 * returned as it is (the same array).
 */
final class FunctionOutliner {
  private FunctionOutliner() {}

  /**
   * The most estimated JVM bytecode bytes a function may have. The estimate is calibrated
   * against what Chicory 1.7.5's compiler emits for the DFINITY asset canister's functions
   * (within 20% for functions over 1,500 bytes), so 6,000 keeps methods under HotSpot's 8,000.
   */
  static final int LIMIT = 6_000;

  /** The most a moved region is estimated at, so that its function has room for its glue. */
  static final int CHUNK = 4_500;

  /** A region that takes less than this more than its call is not worth the call. */
  private static final int MIN_REGION = 400;

  /** JVM parameter slots a new function may take (the JVM allows 255, Chicory adds two). */
  private static final int MAX_PARAM_SLOTS = 200;

  /** The weights of the estimate, per opcode (the 0xFC instructions: {@link #PREFIXED}). */
  private static final byte[] WEIGHT = new byte[256];

  private static final int PREFIXED = 4;

  static {
    java.util.Arrays.fill(WEIGHT, (byte) 3);
    WEIGHT[0x00] = 2; // unreachable
    WEIGHT[0x02] = 7; // block
    WEIGHT[0x03] = 7; // loop
    WEIGHT[0x04] = 3; // if
    WEIGHT[0x05] = 2; // else
    WEIGHT[0x0b] = 2; // end
    WEIGHT[0x0c] = 4; // br
    WEIGHT[0x0d] = 11; // br_if
    WEIGHT[0x0e] = 10; // br_table, and 5 a label
    WEIGHT[0x10] = 9; // call
    WEIGHT[0x11] = 10; // call_indirect
    WEIGHT[0x1a] = 6; // drop
    WEIGHT[0x20] = 6; // local.get
    WEIGHT[0x23] = 6; // global.get
    WEIGHT[0x24] = 6; // global.set
    for (int op = 0x28; op <= 0x35; op++) {
      WEIGHT[op] = 5; // loads
    }
  }

  /**
   * {@code wasm} with every function over {@link #LIMIT} split, or {@code wasm} itself when no
   * function is over it or the module has something this pass does not read (then it runs as
   * it would have).
   */
  static byte[] outline(byte[] wasm) {
    try {
      return new Module(wasm).outline();
    } catch (Unreadable e) {
      return wasm;
    }
  }

  /** Something in the module this pass does not handle; the module is left as it is. */
  private static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreadable(String message) {
      super(message, null, false, false);
    }
  }

  /** A function type: its parameter and result value types. */
  private record FuncType(byte[] params, byte[] results) {
    String key() {
      return java.util.HexFormat.of().formatHex(params) + ":"
          + java.util.HexFormat.of().formatHex(results);
    }
  }

  /** The module: its sections, types and functions. */
  private static final class Module {
    final byte[] wasm;
    final List<FuncType> types = new ArrayList<>();
    final Map<String, Integer> typeIndex = new HashMap<>();
    /** The type of every function, imported ones first. */
    final List<Integer> funcTypes = new ArrayList<>();
    /** The value type of every global, imported ones first. */
    final ByteArrayOutputStream globalTypes = new ByteArrayOutputStream();
    byte[] globals = NONE;
    int importedFuncs;
    int typeStart = -1;
    int typeEnd;
    int funcStart = -1;
    int funcEnd;
    int codeStart = -1;
    int codeEnd;
    /** New types, functions (their type) and bodies, appended in order. */
    final List<FuncType> newTypes = new ArrayList<>();
    final List<Integer> newFuncTypes = new ArrayList<>();
    final List<byte[]> newBodies = new ArrayList<>();

    Module(byte[] wasm) {
      this.wasm = wasm;
    }

    byte[] outline() {
      if (wasm.length < 8) {
        throw new Unreadable("not a module");
      }
      WasmReader r = reader(wasm, 8);
      while (r.pos < wasm.length) {
        int id = r.u8();
        int size = r.index();
        int start = r.pos;
        int end = start + size;
        if (size < 0 || end > wasm.length) {
          throw new Unreadable("section runs past the end");
        }
        switch (id) {
          case 1 -> {
            typeStart = start;
            typeEnd = end;
            readTypes(reader(wasm, start));
          }
          case 2 -> readImports(reader(wasm, start));
          case 3 -> {
            funcStart = start;
            funcEnd = end;
            WasmReader f = reader(wasm, start);
            int n = f.index();
            for (int i = 0; i < n; i++) {
              funcTypes.add(f.index());
            }
          }
          case 6 -> readGlobals(reader(wasm, start));
          case 10 -> {
            codeStart = start;
            codeEnd = end;
          }
          default -> {
            // Not read.
          }
        }
        r.pos = end;
      }
      globals = globalTypes.toByteArray();
      if (codeStart < 0) {
        return wasm;
      }
      WasmReader c = reader(wasm, codeStart);
      int count = c.index();
      if (count != funcTypes.size() - importedFuncs) {
        throw new Unreadable("function and code sections disagree");
      }
      int[] bodyStart = new int[count];
      int[] bodyEnd = new int[count];
      byte[][] replaced = new byte[count][];
      boolean any = false;
      for (int i = 0; i < count; i++) {
        int size = c.index();
        bodyStart[i] = c.pos;
        bodyEnd[i] = c.pos + size;
        c.pos = bodyEnd[i];
        // Most instructions are estimated at 3 to 11 bytes for 1 or 2 bytes: a body this
        // small is under the limit without decoding it.
        if ((long) size * 6 > LIMIT) {
          replaced[i] = new Splitter(this, importedFuncs + i, bodyStart[i], bodyEnd[i]).split();
          any |= replaced[i] != null;
        }
      }
      if (!any) {
        return wasm;
      }
      return write(bodyStart, bodyEnd, replaced);
    }

    private void readTypes(WasmReader r) {
      int n = r.index();
      for (int i = 0; i < n; i++) {
        if (r.u8() != 0x60) {
          throw new Unreadable("type form");
        }
        byte[] params = valTypes(r);
        byte[] results = valTypes(r);
        FuncType t = new FuncType(params, results);
        types.add(t);
        typeIndex.putIfAbsent(t.key(), i);
      }
    }

    private static byte[] valTypes(WasmReader r) {
      int n = r.index();
      byte[] t = new byte[n];
      for (int i = 0; i < n; i++) {
        t[i] = (byte) r.u8();
        if (!isValType(t[i] & 0xff)) {
          throw new Unreadable("value type");
        }
      }
      return t;
    }

    private void readImports(WasmReader r) {
      int n = r.index();
      for (int i = 0; i < n; i++) {
        int module = r.index();
        r.pos += module;
        int field = r.index();
        r.pos += field;
        int kind = r.u8();
        switch (kind) {
          case 0 -> {
            funcTypes.add(r.index());
            importedFuncs++;
          }
          case 1 -> {
            r.u8();
            limits(r);
          }
          case 2 -> limits(r);
          case 3 -> {
            globalTypes.write(r.u8());
            r.u8();
          }
          default -> throw new Unreadable("import kind");
        }
      }
    }

    /** Each global's type; its initializer, a constant expression, is skipped. */
    private void readGlobals(WasmReader r) {
      int n = r.index();
      for (int i = 0; i < n; i++) {
        globalTypes.write(r.u8());
        r.u8();
        while (true) {
          int op = r.u8();
          if (op == 0x0b) {
            break;
          }
          switch (op) {
            case 0x41, 0x42 -> r.skipLeb();
            case 0x43 -> r.pos += 4;
            case 0x44 -> r.pos += 8;
            case 0x23, 0xd2 -> r.index();
            case 0xd0 -> r.u8();
            case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e -> {
              // extended constant expressions: add, sub, mul
            }
            default -> throw new Unreadable("constant expression opcode " + op);
          }
        }
      }
    }

    /** The value type of global {@code g}. */
    int globalType(int g) {
      if (g < 0 || g >= globals.length) {
        throw new Unreadable("global index");
      }
      return globals[g];
    }

    private static void limits(WasmReader r) {
      int flags = r.u8();
      r.index();
      if ((flags & 1) != 0) {
        r.index();
      }
    }

    FuncType funcType(int func) {
      int t = func < funcTypes.size() ? funcTypes.get(func)
          : newFuncTypes.get(func - funcTypes.size());
      return typeOf(t);
    }

    FuncType typeOf(int t) {
      return t < types.size() ? types.get(t) : newTypes.get(t - types.size());
    }

    /** The index of the function type, appended to the type section when it is new. */
    int type(FuncType t) {
      Integer known = typeIndex.get(t.key());
      if (known != null) {
        return known;
      }
      int index = types.size() + newTypes.size();
      newTypes.add(t);
      typeIndex.put(t.key(), index);
      return index;
    }

    /** Appends a function; its index. */
    int addFunction(int type, byte[] body) {
      newFuncTypes.add(type);
      newBodies.add(body);
      return funcTypes.size() + newFuncTypes.size() - 1;
    }

    /** Reserves the next function's index; {@link #setFunction} fills it in. */
    int reserveFunction() {
      newFuncTypes.add(-1);
      newBodies.add(new byte[0]);
      return funcTypes.size() + newFuncTypes.size() - 1;
    }

    void setFunction(int index, int type, byte[] body) {
      newFuncTypes.set(index - funcTypes.size(), type);
      newBodies.set(index - funcTypes.size(), body);
    }

    private byte[] write(int[] bodyStart, int[] bodyEnd, byte[][] replaced) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(wasm.length + wasm.length / 8);
      out.write(wasm, 0, 8);
      WasmReader r = reader(wasm, 8);
      boolean typesWritten = false;
      while (r.pos < wasm.length) {
        int idStart = r.pos;
        int id = r.u8();
        int size = r.index();
        int start = r.pos;
        int end = start + size;
        r.pos = end;
        if (!typesWritten && id != 1 && id != 0 && typeStart < 0 && id > 1) {
          // A module with no type section has no functions to split; not reached in practice.
          throw new Unreadable("no type section");
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        switch (id) {
          case 1 -> {
            typesWritten = true;
            WasmReader t = reader(wasm, start);
            int n = t.index();
            Leb128.writeUnsigned(content, n + newTypes.size());
            content.write(wasm, t.pos, end - t.pos);
            for (FuncType ft : newTypes) {
              content.write(0x60);
              Leb128.writeUnsigned(content, ft.params().length);
              content.writeBytes(ft.params());
              Leb128.writeUnsigned(content, ft.results().length);
              content.writeBytes(ft.results());
            }
          }
          case 3 -> {
            WasmReader f = reader(wasm, start);
            int n = f.index();
            Leb128.writeUnsigned(content, n + newFuncTypes.size());
            content.write(wasm, f.pos, end - f.pos);
            for (int t : newFuncTypes) {
              Leb128.writeUnsigned(content, t);
            }
          }
          case 10 -> {
            Leb128.writeUnsigned(content, bodyStart.length + newBodies.size());
            for (int i = 0; i < bodyStart.length; i++) {
              if (replaced[i] != null) {
                Leb128.writeUnsigned(content, replaced[i].length);
                content.writeBytes(replaced[i]);
              } else {
                Leb128.writeUnsigned(content, bodyEnd[i] - bodyStart[i]);
                content.write(wasm, bodyStart[i], bodyEnd[i] - bodyStart[i]);
              }
            }
            for (byte[] b : newBodies) {
              Leb128.writeUnsigned(content, b.length);
              content.writeBytes(b);
            }
          }
          default -> {
            out.write(wasm, idStart, end - idStart);
            continue;
          }
        }
        out.write(id);
        Leb128.writeUnsigned(out, content.size());
        out.write(content.toByteArray(), 0, content.size());
      }
      return out.toByteArray();
    }
  }

  static boolean isValType(int t) {
    return (t >= 0x7b && t <= 0x7f) || t == 0x70 || t == 0x6f;
  }

  /** No value types. */
  private static final byte[] NONE = new byte[0];

  /** A value of a type this pass does not follow (in dead code, or from a table): not moved. */
  private static final byte UNKNOWN = 0;

  /**
   * A run of a body, nested constructs whole: what it costs, which locals it uses, where it can
   * branch to outside itself, and the operand-stack values it takes and leaves.
   */
  private static final class Seg {
    final int from;
    int to;
    long cost;
    final BitSet used = new BitSet();
    final BitSet written = new BitSet();
    /** Bit o: a branch to the label o levels out of the body the segment is in. */
    BitSet out = new BitSet();
    /** The same, for labels whose branches carry values (such regions are not moved). */
    BitSet bad = new BitSet();
    boolean ret;
    /** A tail call (not moved: its callee's results would have to come back through here). */
    boolean tail;
    /**
     * Values on the stack where it starts or ends: it is not moved whole with its neighbours,
     * but can be cut with the values passed ({@link Splitter#cut}).
     */
    boolean edges;
    /** Whether the code after it is reached (false: it ends in dead code). */
    boolean fallsThrough = true;
    /** The types of the values it takes from the stack, bottom first. */
    byte[] takes = NONE;
    /** The types of the values it leaves on the stack in their place, bottom first. */
    byte[] leaves = NONE;

    Seg(int from) {
      this.from = from;
    }

    void add(Seg inner) {
      cost += inner.cost;
      used.or(inner.used);
      written.or(inner.written);
      out.or(inner.out);
      bad.or(inner.bad);
      ret |= inner.ret;
      tail |= inner.tail;
      edges |= inner.edges;
    }
  }

  /** The value types on one body's operand stack, and the lowest it has been since a mark. */
  private static final class Types {
    byte[] t;
    int size;
    int low;

    Types(byte[] start) {
      t = java.util.Arrays.copyOf(start, Math.max(8, start.length));
      size = start.length;
      low = size;
    }

    Types copy() {
      Types c = new Types(NONE);
      c.t = t.clone();
      c.size = size;
      c.low = low;
      return c;
    }

    void push(int type) {
      if (size == t.length) {
        t = java.util.Arrays.copyOf(t, size * 2);
      }
      t[size++] = (byte) type;
    }

    void push(byte[] types) {
      for (byte b : types) {
        push(b);
      }
    }

    /** The top value's type; in dead code, below the body's values, {@link #UNKNOWN}. */
    int pop() {
      if (size == 0) {
        return UNKNOWN;
      }
      size--;
      low = Math.min(low, size);
      return t[size];
    }

    void pop(int n) {
      for (int k = 0; k < n; k++) {
        pop();
      }
    }

    byte[] slice(int from) {
      return java.util.Arrays.copyOfRange(t, from, size);
    }
  }

  /** One body being read: a function's, a block's, a loop's or an if-arm's. */
  private static final class Frame {
    final int opcode;
    /** The instruction that opens it (the function's body: -1). */
    final int open;
    final byte[] params;
    final byte[] results;
    final int labelArity;
    /** The instruction its code starts at (an if's else-arm: the one after the else). */
    int first;
    final Types types;
    boolean reachable = true;
    final List<Seg> segs = new ArrayList<>();
    Seg cur;
    /** For an if: its then-arm's summary, merged with the else-arm's. */
    Seg thenArm;

    Frame(int opcode, int open, byte[] params, byte[] results) {
      this.opcode = opcode;
      this.open = open;
      this.params = params;
      this.results = results;
      this.labelArity = opcode == 0x03 ? params.length : results.length;
      int at = open + 1;
      this.types = new Types(params);
      this.first = at;
      this.cur = new Seg(at);
      // Values on the stack where the body starts: its first segment does not start at 0.
      this.cur.edges = params.length > 0;
    }
  }

  /**
   * A construct (block, loop, if) as one unit of the body around it: the instruction after its
   * end, its stack types, and what it holds once its own regions have moved.
   */
  private record Construct(int next, int pops, byte[] results, Seg summary) {}

  /** A region chosen to move, its instructions [from, to). */
  private record Region(int from, int to, Seg seg, int[] exitDepths, int function) {}

  /** Splits one function. */
  private static final class Splitter {
    final Module m;
    final byte[] code;
    final int bodyStart;
    final int bodyEnd;
    final FuncType type;
    /** The type of every local, parameters first. */
    byte[] localTypes;
    /** The instructions: where each starts (one more entry: where the last ends). */
    int[] at = new int[256];
    int n;
    /** The regions to move, by their first instruction. */
    final Map<Integer, Region> regions = new HashMap<>();
    /** Every construct read, by the instruction that opens it. */
    final Map<Integer, Construct> constructs = new HashMap<>();
    /** The bodies open at the instruction being read, the innermost last. */
    final List<Frame> stack = new ArrayList<>();
    int localsStart;

    Splitter(Module m, int func, int bodyStart, int bodyEnd) {
      this.m = m;
      this.code = m.wasm;
      this.bodyStart = bodyStart;
      this.bodyEnd = bodyEnd;
      this.type = m.funcType(func);
    }

    /** The new body, or null when the function is under the limit or cannot be split. */
    byte[] split() {
      WasmReader r = reader(code, bodyStart);
      int groups = r.index();
      long total = type.params().length;
      int[] counts = new int[groups];
      byte[] groupTypes = new byte[groups];
      for (int g = 0; g < groups; g++) {
        counts[g] = r.index();
        groupTypes[g] = (byte) r.u8();
        total += counts[g] & 0xffffffffL;
      }
      if (total > 1_000_000) {
        throw new Unreadable("locals");
      }
      localTypes = new byte[(int) total];
      System.arraycopy(type.params(), 0, localTypes, 0, type.params().length);
      int l = type.params().length;
      for (int g = 0; g < groups; g++) {
        java.util.Arrays.fill(localTypes, l, l + counts[g], groupTypes[g]);
        l += counts[g];
      }
      localsStart = r.pos;
      analyse(r.pos);
      if (regions.isEmpty()) {
        return null; // under the limit, or nothing that can move
      }
      return emitOriginal();
    }

    /**
     * Reads the instructions once, tracking each body's stack types, and chooses the regions
     * to move, innermost bodies first.
     */
    private void analyse(int pos) {
      WasmReader r = reader(code, pos);
      stack.add(new Frame(-1, -1, NONE, type.results()));
      while (true) {
        if (n + 1 >= at.length) {
          at = java.util.Arrays.copyOf(at, at.length * 2);
        }
        int i = n++;
        at[i] = r.pos;
        Frame f = stack.get(stack.size() - 1);
        int op = r.u8();
        if (f.reachable && f.types.size == 0 && op != 0x0b && op != 0x05 && f.cur.from != i) {
          close(f, i, true);
        }
        Seg s = f.cur;
        switch (op) {
          case 0x02, 0x03, 0x04 -> {
            s.cost += WEIGHT[op];
            byte[][] bt = blockType(r);
            f.types.pop(bt[0].length + (op == 0x04 ? 1 : 0));
            stack.add(new Frame(op, i, bt[0], bt[1]));
          }
          case 0x05 -> {
            // The then-arm ends; the else-arm starts at its own height.
            s.cost += WEIGHT[op];
            finish(f, i);
            f.thenArm = sum(f);
            f.segs.clear();
            f.cur = new Seg(i + 1);
            f.cur.edges = f.params.length > 0;
            f.first = i + 1;
            f.reachable = true;
            f.types.size = 0;
            f.types.push(f.params);
          }
          case 0x0b -> {
            s.cost += WEIGHT[op];
            finish(f, i);
            stack.remove(stack.size() - 1);
            Seg all = sum(f);
            if (f.thenArm != null) {
              all.add(f.thenArm);
            }
            if (stack.isEmpty()) {
              at[n] = r.pos;
              if (r.pos != bodyEnd) {
                throw new Unreadable("function ends early");
              }
              return;
            }
            Frame parent = stack.get(stack.size() - 1);
            // A branch to this construct's own label is inside the parent's segment.
            all.out = all.out.get(1, Math.max(1, all.out.length()));
            all.bad = all.bad.get(1, Math.max(1, all.bad.length()));
            // Values that cross the construct's edges are the body around it's concern.
            all.edges = false;
            parent.cur.add(all);
            // The body around it is cut with the construct as one unit (cut).
            constructs.put(f.open, new Construct(i + 1,
                f.params.length + (f.opcode == 0x04 ? 1 : 0), f.results, all));
            parent.types.push(f.results);
          }
          default -> {
            if (!step(r, op, f.types, s)) {
              f.reachable = false;
            }
          }
        }
      }
    }

    /**
     * One instruction other than a construct's start, else or end: its cost, its effect on the
     * operand stack's types and what it adds to segment {@code s}; false when the code after it
     * is not reached.
     */
    private boolean step(WasmReader r, int op, Types t, Seg s) {
      s.cost += op == 0xfc ? PREFIXED : WEIGHT[op];
      switch (op) {
        case 0x00 -> {
          return false;
        }
        case 0x01 -> {
        }
        case 0x0c -> {
          branch(s, r.index());
          return false;
        }
        case 0x0d -> {
          int d = r.index();
          t.pop();
          branch(s, d);
        }
        case 0x0e -> {
          int count = r.index();
          t.pop();
          for (int k = 0; k <= count; k++) {
            branch(s, r.index());
          }
          s.cost += 5L * count;
          return false;
        }
        case 0x0f -> {
          s.ret = true;
          return false;
        }
        case 0x10 -> {
          FuncType ft = m.funcType(r.index());
          t.pop(ft.params().length);
          t.push(ft.results());
        }
        case 0x11 -> {
          FuncType ft = m.typeOf(r.index());
          r.index();
          t.pop(ft.params().length + 1);
          t.push(ft.results());
        }
        case 0x12, 0x13 -> {
          s.tail = true;
          r.index();
          if (op == 0x13) {
            r.index();
          }
          return false;
        }
        case 0x1a -> t.pop();
        case 0x1b -> {
          t.pop();
          int b = t.pop();
          int a = t.pop();
          t.push(a != UNKNOWN ? a : b);
        }
        case 0x1c -> {
          int k = r.index();
          int vt = UNKNOWN;
          for (int j = 0; j < k; j++) {
            vt = r.u8();
          }
          t.pop(3);
          t.push(k == 1 ? vt : UNKNOWN);
        }
        case 0x20 -> {
          int x = local(r);
          s.used.set(x);
          t.push(localTypes[x]);
        }
        case 0x21 -> {
          int x = local(r);
          s.used.set(x);
          s.written.set(x);
          t.pop();
        }
        case 0x22 -> {
          int x = local(r);
          s.used.set(x);
          s.written.set(x);
          t.pop();
          t.push(localTypes[x]);
        }
        case 0x23 -> t.push(m.globalType(r.index()));
        case 0x24 -> {
          r.index();
          t.pop();
        }
        case 0x25 -> {
          r.index();
          t.pop();
          t.push(UNKNOWN);
        }
        case 0x26 -> {
          r.index();
          t.pop(2);
        }
        case 0x3f -> {
          r.index();
          t.push(0x7f);
        }
        case 0x40 -> {
          r.index();
          t.pop();
          t.push(0x7f);
        }
        case 0x41 -> {
          r.skipLeb();
          t.push(0x7f);
        }
        case 0x42 -> {
          r.skipLeb();
          t.push(0x7e);
        }
        case 0x43 -> {
          r.pos += 4;
          t.push(0x7d);
        }
        case 0x44 -> {
          r.pos += 8;
          t.push(0x7c);
        }
        case 0xd0 -> {
          int ht = r.u8();
          t.push(ht == 0x70 || ht == 0x6f ? ht : UNKNOWN);
        }
        case 0xd1 -> {
          t.pop();
          t.push(0x7f);
        }
        case 0xd2 -> {
          r.index();
          t.push(0x70);
        }
        case 0xfc -> prefixed(r, t);
        default -> {
          if (op >= 0x28 && op <= 0x3e) {
            int align = r.index();
            if ((align & 0x40) != 0) {
              r.index();
            }
            r.index();
            if (op >= 0x36) {
              t.pop(2);
            } else {
              t.pop();
              t.push(loadType(op));
            }
          } else if (op >= 0x45 && op <= 0xc4) {
            t.pop(binary(op) ? 2 : 1);
            t.push(numericType(op));
          } else {
            throw new Unreadable("opcode " + op);
          }
        }
      }
      return true;
    }

    private int local(WasmReader r) {
      int x = r.index();
      if (x < 0 || x >= localTypes.length) {
        throw new Unreadable("local index");
      }
      return x;
    }

    /** A branch of depth {@code d} from a segment of the innermost body. */
    private void branch(Seg s, int d) {
      if (d >= stack.size()) {
        throw new Unreadable("branch depth");
      }
      s.out.set(d);
      Frame target = stack.get(stack.size() - 1 - d);
      if (target.labelArity > 0) {
        s.bad.set(d);
      }
    }

    /** Ends the body's current segment before instruction {@code i}. */
    private void close(Frame f, int i, boolean fallsThrough) {
      f.cur.to = i;
      f.cur.fallsThrough = fallsThrough;
      f.segs.add(f.cur);
      f.cur = new Seg(i);
    }

    /**
     * The body ends before instruction {@code i} (its end or else): when it is estimated over
     * {@link #CHUNK} (the function's own body: {@link #LIMIT}), chunks of it are moved: runs of
     * stack-height-0 segments together, and a segment that cannot go with them (too large, or
     * with values at its edges) cut on its own ({@link #cut}).
     */
    private void finish(Frame f, int i) {
      if (f.cur.from != i) {
        // The body's results are on the stack at its end: a run up to there ends at height 0
        // only in a body without results, or in dead code.
        f.cur.edges |= f.reachable && f.types.size != 0;
        close(f, i, f.reachable);
      }
      long cost = 0;
      for (Seg s : f.segs) {
        cost += s.cost;
      }
      // An inner body is cut before it reaches the chunk size, so that the segment holding it
      // in the body around it can still move whole.
      long limit = f.opcode < 0 ? LIMIT - localTypes.length * 3L / 2 : CHUNK * 2 / 3;
      if (cost <= limit) {
        return;
      }
      List<Seg> out = new ArrayList<>();
      Seg chunk = null;
      for (Seg s : f.segs) {
        boolean movable = !s.tail && !s.edges && s.bad.isEmpty();
        if (chunk != null && movable && chunk.cost + s.cost <= CHUNK
            && slots(chunk.used, s.used) <= MAX_PARAM_SLOTS) {
          chunk.to = s.to;
          chunk.fallsThrough = s.fallsThrough;
          chunk.add(s);
          continue;
        }
        if (chunk != null) {
          out.add(move(chunk));
          chunk = null;
        }
        if (movable && s.cost <= CHUNK && slots(s.used, null) <= MAX_PARAM_SLOTS) {
          chunk = new Seg(s.from);
          chunk.to = s.to;
          chunk.fallsThrough = s.fallsThrough;
          chunk.add(s);
        } else if (s.cost >= 2 * MIN_REGION) {
          out.addAll(cut(f, s));
        } else {
          out.add(s);
        }
      }
      if (chunk != null) {
        out.add(move(chunk));
      }
      f.segs.clear();
      f.segs.addAll(out);
    }

    /**
     * Segment {@code s} of body {@code f} cut into pieces of at most {@link #CHUNK}, each moved
     * when it can be: the cuts may fall where values are on the stack, so a piece takes the
     * values it consumes from below its start as parameters and leaves those it puts in their
     * place as results (values below the lowest it reaches stay where they are). Each cut is
     * chosen, among the places that leave a piece of a third of a chunk or more, for the most
     * code moved for the fewest values passed. Constructs stay whole.
     */
    private List<Seg> cut(Frame f, Seg s) {
      List<Seg> out = new ArrayList<>();
      // A segment starts at height 0, or at the body's start with its parameters.
      Types t = new Types(s.from == f.first ? f.params : NONE);
      int a = s.from;
      while (a < s.to) {
        // Look ahead for the end of the piece that starts at a.
        Types scan = t.copy();
        scan.low = scan.size;
        Seg probe = new Seg(a);
        int end = -1;
        int firstUnit = -1;
        long best = Long.MIN_VALUE;
        int k = a;
        while (k < s.to) {
          boolean live = unit(k, scan, probe);
          k = probe.to;
          if (firstUnit < 0) {
            firstUnit = k;
          }
          if (probe.cost > CHUNK) {
            break;
          }
          int passed = t.size - scan.low + (live ? scan.size - scan.low : 0);
          long score = probe.cost - 16L * passed;
          if ((probe.cost >= CHUNK / 3 || k == s.to || !live) && score >= best
              && known(t, scan.low, t.size) && (!live || known(scan, scan.low, scan.size))) {
            best = score;
            end = k;
          }
          if (!live) {
            break; // dead code from here to the segment's end
          }
        }
        if (end < 0) {
          end = firstUnit; // one unit over a chunk, or nothing worth it before one is
        }
        // The piece [a, end), read again with the types it starts with.
        Seg piece = new Seg(a);
        Types before = t.copy();
        t.low = t.size;
        int j = a;
        boolean live = true;
        while (j < end) {
          live = unit(j, t, piece);
          j = piece.to;
        }
        piece.to = end;
        piece.fallsThrough = live;
        piece.takes = java.util.Arrays.copyOfRange(before.t, t.low, before.size);
        piece.leaves = live ? t.slice(t.low) : NONE;
        // A piece is at most a chunk, or one construct that is more (moved when its function
        // stays under the limit).
        boolean movable = !piece.tail && piece.bad.isEmpty() && piece.cost <= LIMIT - 500
            && known(before, t.low, before.size) && (!live || known(t, t.low, t.size))
            && slots(piece.used, null) + slots(piece.takes) <= MAX_PARAM_SLOTS;
        out.add(movable ? move(piece) : piece);
        if (!live && end < s.to) {
          // The rest is dead code: it stays as it is.
          Seg dead = new Seg(end);
          dead.to = s.to;
          dead.fallsThrough = false;
          Types ignored = new Types(NONE);
          int d = end;
          while (d < s.to) {
            unit(d, ignored, dead);
            d = dead.to;
          }
          dead.to = s.to;
          out.add(dead);
          break;
        }
        a = end;
      }
      return out;
    }

    /**
     * Adds the unit at instruction {@code k} (an instruction, or a construct whole) to {@code
     * s} and its effect to {@code t}; {@code s.to} becomes the instruction after it. False when
     * the code after it is not reached.
     */
    private boolean unit(int k, Types t, Seg s) {
      Construct c = constructs.get(k);
      int op = code[at[k]] & 0xff;
      if (c != null) {
        s.cost += WEIGHT[op];
        t.pop(c.pops());
        t.push(c.results());
        s.add(c.summary());
        s.to = c.next();
        return true; // the code after an end is reached (or dead only at run time)
      }
      s.to = k + 1;
      return step(reader(code, at[k] + 1), op, t, s);
    }

    private static boolean known(Types t, int from, int to) {
      for (int k = from; k < to; k++) {
        int v = t.t[k] & 0xff;
        if (v == UNKNOWN || v == 0x7b) {
          return false;
        }
      }
      return to - from <= 32;
    }

    private int slots(BitSet a, BitSet b) {
      BitSet u = a;
      if (b != null) {
        u = (BitSet) a.clone();
        u.or(b);
      }
      int slots = 0;
      for (int x = u.nextSetBit(0); x >= 0; x = u.nextSetBit(x + 1)) {
        int t = localTypes[x] & 0xff;
        slots += t == 0x7e || t == 0x7c ? 2 : 1;
      }
      return slots;
    }

    private static int slots(byte[] types) {
      int slots = 0;
      for (byte t : types) {
        slots += t == 0x7e || t == 0x7c ? 2 : 1;
      }
      return slots;
    }

    /** Moves {@code chunk} when it is worth a call; what stays in the body in its place. */
    private Seg move(Seg chunk) {
      long glue = glueCost(chunk);
      if (chunk.cost - glue < MIN_REGION) {
        return chunk;
      }
      int[] depths = chunk.out.stream().toArray();
      int function = m.reserveFunction();
      regions.put(chunk.from, new Region(chunk.from, chunk.to, chunk, depths, function));
      Seg stays = new Seg(chunk.from);
      stays.to = chunk.to;
      stays.fallsThrough = chunk.fallsThrough;
      stays.add(chunk);
      stays.takes = chunk.takes;
      stays.leaves = chunk.leaves;
      stays.cost = glue;
      return stays;
    }

    /** The estimated bytecode of a region's call and of the dispatch on its way out. */
    private long glueCost(Seg s) {
      int exits = s.out.cardinality() + (s.ret ? 1 : 0);
      return 20 + 6L * s.used.cardinality() + 12L * s.written.cardinality()
          + 3L * s.takes.length + 12L * s.leaves.length
          + (s.ret ? 12L * type.results().length : 0) + (exits > 0 ? 25 + 6L * exits : 0);
    }

    private static Seg sum(Frame f) {
      Seg all = new Seg(f.segs.isEmpty() ? 0 : f.segs.get(0).from);
      for (Seg s : f.segs) {
        all.add(s);
      }
      return all;
    }

    /** The block type's parameter and result types. */
    private byte[][] blockType(WasmReader r) {
      int b = code[r.pos] & 0xff;
      if (b == 0x40) {
        r.pos++;
        return new byte[][] {NONE, NONE};
      }
      if (isValType(b)) {
        r.pos++;
        return new byte[][] {NONE, {(byte) b}};
      }
      int t = r.index();
      FuncType ft = m.typeOf(t);
      return new byte[][] {ft.params(), ft.results()};
    }

    /** A 0xFC instruction's effect on the stack's types. */
    private static void prefixed(WasmReader r, Types t) {
      int sub = r.index();
      switch (sub) {
        case 0, 1, 2, 3, 4, 5, 6, 7 -> {
          t.pop();
          t.push(sub < 4 ? 0x7f : 0x7e);
        }
        case 8 -> {
          r.index();
          r.u8();
          t.pop(3);
        }
        case 9, 13 -> r.index();
        case 10 -> {
          r.u8();
          r.u8();
          t.pop(3);
        }
        case 11 -> {
          r.u8();
          t.pop(3);
        }
        case 12, 14 -> {
          r.index();
          r.index();
          t.pop(3);
        }
        case 15 -> {
          r.index();
          t.pop(2);
          t.push(0x7f);
        }
        case 16 -> {
          r.index();
          t.push(0x7f);
        }
        case 17 -> {
          r.index();
          t.pop(3);
        }
        default -> throw new Unreadable("opcode 0xfc " + sub);
      }
    }

    // --- Writing ---

    /** The function's new body: its locals, two more, and its code with the regions called. */
    private byte[] emitOriginal() {
      Context c = new Context(null, null);
      c.codeTemp = localTypes.length;
      c.retTemps = new int[type.results().length];
      for (int k = 0; k < c.retTemps.length; k++) {
        c.retTemps[k] = localTypes.length + 1 + k;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(bodyEnd - bodyStart + 1024);
      WasmReader r = reader(code, bodyStart);
      int groups = r.index();
      Leb128.writeUnsigned(out, groups + 1 + c.retTemps.length);
      out.write(code, r.pos, localsStart - r.pos);
      out.write(1);
      out.write(0x7f);
      for (byte t : type.results()) {
        out.write(1);
        out.write(t);
      }
      emit(0, n - 1, c, out, -1);
      // A nop before the function's end: with code moved, the function may now end with two
      // ends, and Chicory 1.7.5 then compiles the original's branches to the function's label
      // against the inner block (see glue).
      out.write(0x01);
      out.write(0x0b);
      return out.toByteArray();
    }

    /** How code is written into one function: the original, or a moved region's. */
    private final class Context {
      /** Each original local's index here; null in the original function. */
      final int @org.jspecify.annotations.Nullable [] map;
      final @org.jspecify.annotations.Nullable Region region;
      /** Constructs of the region opened at the current place. */
      int nesting;
      int codeTemp;
      int[] retTemps = new int[0];

      Context(int @org.jspecify.annotations.Nullable [] map,
          @org.jspecify.annotations.Nullable Region region) {
        this.map = map;
        this.region = region;
      }

      int local(int x) {
        return map == null ? x : map[x];
      }

      /** The exit code (1 on) of a branch {@code o} levels out of the region. */
      int exit(int o) {
        int[] d = region.exitDepths();
        for (int k = 0; k < d.length; k++) {
          if (d[k] == o) {
            return k + 1;
          }
        }
        throw new IllegalStateException("no exit for depth " + o);
      }

      int retExit() {
        return region.exitDepths().length + 1;
      }

      /**
       * The depth to write for a branch {@code d} original levels out from the current place,
       * inside {@code glue} blocks the glue opened.
       */
      int depth(int d, int glue) {
        if (region == null || d < nesting) {
          return d + glue;
        }
        return nesting + glue + exit(d - nesting) - 1;
      }
    }

    /**
     * Writes instructions [from, to) in context {@code c}; a region starting there other than
     * {@code self} (the region {@code c} writes) becomes a call.
     */
    private void emit(int from, int to, Context c, ByteArrayOutputStream out, int self) {
      int i = from;
      while (i < to) {
        Region region = i != self ? regions.get(i) : null;
        if (region != null) {
          glue(region, c, out);
          writeRegion(region);
          i = region.to();
          continue;
        }
        int start = at[i];
        int op = code[start] & 0xff;
        WasmReader r = reader(code, start + 1);
        switch (op) {
          case 0x02, 0x03, 0x04 -> {
            c.nesting++;
            out.write(code, start, at[i + 1] - start);
          }
          case 0x0b -> {
            c.nesting--;
            out.write(op);
          }
          case 0x0c, 0x0d -> {
            int d = r.index();
            out.write(op);
            Leb128.writeUnsigned(out, c.depth(d, 0));
          }
          case 0x0e -> {
            int count = r.index();
            out.write(op);
            Leb128.writeUnsigned(out, count);
            for (int k = 0; k <= count; k++) {
              Leb128.writeUnsigned(out, c.depth(r.index(), 0));
            }
          }
          case 0x0f -> {
            if (c.region == null) {
              out.write(op);
            } else {
              for (int k = c.retTemps.length - 1; k >= 0; k--) {
                out.write(0x21);
                Leb128.writeUnsigned(out, c.retTemps[k]);
              }
              out.write(0x0c);
              Leb128.writeUnsigned(out, c.nesting + c.retExit() - 1);
            }
          }
          case 0x20, 0x21, 0x22 -> {
            out.write(op);
            Leb128.writeUnsigned(out, c.local(r.index()));
          }
          default -> out.write(code, start, at[i + 1] - start);
        }
        i++;
      }
    }

    /**
     * The call of {@code region} in context {@code c}, and the dispatch on its exit code. The
     * values the region takes are on the stack already; those it leaves stay there.
     */
    private void glue(Region region, Context c, ByteArrayOutputStream out) {
      Seg s = region.seg();
      for (int x = s.used.nextSetBit(0); x >= 0; x = s.used.nextSetBit(x + 1)) {
        out.write(0x20);
        Leb128.writeUnsigned(out, c.local(x));
      }
      out.write(0x10);
      Leb128.writeUnsigned(out, region.function());
      int[] depths = region.exitDepths();
      int exits = depths.length + (s.ret ? 1 : 0);
      if (exits > 0) {
        out.write(0x21);
        Leb128.writeUnsigned(out, c.codeTemp);
      }
      if (s.ret) {
        for (int k = c.retTemps.length - 1; k >= 0; k--) {
          out.write(0x21);
          Leb128.writeUnsigned(out, c.retTemps[k]);
        }
      }
      for (int x = s.written.previousSetBit(localTypes.length - 1); x >= 0;
          x = s.written.previousSetBit(x - 1)) {
        out.write(0x21);
        Leb128.writeUnsigned(out, c.local(x));
      }
      if (exits > 0) {
        // One br_table straight to each exit's label (no exit label carries values): code 0
        // falls through, code k takes exit k. A return from the original function has an arm
        // of its own after the table, with the function's results pushed: not a branch to the
        // function's label, which Chicory 1.7.5's compiler cannot follow when the function's
        // last end follows another end (its parser gives that end the inner block's scope).
        boolean retArm = s.ret && c.region == null;
        int glue = retArm ? 2 : 1;
        for (int k = 0; k < glue; k++) {
          out.write(0x02);
          out.write(0x40);
        }
        out.write(0x20);
        Leb128.writeUnsigned(out, c.codeTemp);
        out.write(0x0e);
        Leb128.writeUnsigned(out, exits + 1); // codes 0 to exits, then the default
        Leb128.writeUnsigned(out, glue - 1);
        for (int d : depths) {
          Leb128.writeUnsigned(out, c.depth(d, glue));
        }
        if (s.ret) {
          Leb128.writeUnsigned(out, retArm ? 0 : c.nesting + glue + c.retExit() - 1);
        }
        Leb128.writeUnsigned(out, glue - 1);
        out.write(0x0b);
        if (retArm) {
          for (int t : c.retTemps) {
            out.write(0x20);
            Leb128.writeUnsigned(out, t);
          }
          out.write(0x0f);
          out.write(0x0b);
        }
      }
      if (!s.fallsThrough) {
        out.write(0x00); // never reached: the region does not fall through
      }
    }

    /**
     * Writes the function of {@code region}: its parameters are the values it takes from the
     * stack, then the locals it uses; its results the values it leaves, the locals it writes,
     * the function's results when it can return, and its exit code when it can leave other
     * than by falling through.
     */
    private void writeRegion(Region region) {
      Seg s = region.seg();
      int taken = s.takes.length;
      int params = taken + s.used.cardinality();
      int[] map = new int[localTypes.length];
      byte[] paramTypes = java.util.Arrays.copyOf(s.takes, params);
      int k = taken;
      for (int x = s.used.nextSetBit(0); x >= 0; x = s.used.nextSetBit(x + 1)) {
        map[x] = k;
        paramTypes[k++] = localTypes[x];
      }
      Context c = new Context(map, region);
      c.codeTemp = params;
      byte[] results = type.results();
      c.retTemps = new int[s.ret ? results.length : 0];
      for (int j = 0; j < c.retTemps.length; j++) {
        c.retTemps[j] = params + 1 + j;
      }
      int exits = region.exitDepths().length + (s.ret ? 1 : 0);
      int written = s.written.cardinality();
      int left = s.leaves.length;
      byte[] resultTypes = java.util.Arrays.copyOf(s.leaves,
          left + written + c.retTemps.length + (exits > 0 ? 1 : 0));
      k = left;
      for (int x = s.written.nextSetBit(0); x >= 0; x = s.written.nextSetBit(x + 1)) {
        resultTypes[k++] = localTypes[x];
      }
      for (int j = 0; j < c.retTemps.length; j++) {
        resultTypes[k++] = results[j];
      }
      if (exits > 0) {
        resultTypes[k] = 0x7f;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(
          at[region.to()] - at[region.from()] + 256);
      Leb128.writeUnsigned(out, 1 + c.retTemps.length);
      out.write(1);
      out.write(0x7f);
      for (int j = 0; j < c.retTemps.length; j++) {
        out.write(1);
        out.write(results[j]);
      }
      // A block for the ways out, then one for each exit (exit 1 the innermost): a branch to
      // exit k lands after the k-th end, sets the code and joins the others after the first.
      for (int e = 0; e < exits + (exits > 0 ? 1 : 0); e++) {
        out.write(0x02);
        out.write(0x40);
      }
      for (int j = 0; j < taken; j++) {
        out.write(0x20);
        Leb128.writeUnsigned(out, j);
      }
      emit(region.from(), region.to(), c, out, region.from());
      // Falling through: the values it leaves are on the stack.
      results(s, map, c, out);
      if (exits > 0) {
        out.write(0x41);
        out.write(0x00);
        out.write(0x0f);
        for (int e = 1; e <= exits; e++) {
          out.write(0x0b);
          out.write(0x41);
          Leb128.writeSigned(out, e);
          out.write(0x21);
          Leb128.writeUnsigned(out, c.codeTemp);
          out.write(0x0c);
          Leb128.writeUnsigned(out, exits - e);
        }
        out.write(0x0b);
        // Another way out: the values it would leave are not used.
        for (byte t : s.leaves) {
          zero(t, out);
        }
        results(s, map, c, out);
        out.write(0x20);
        Leb128.writeUnsigned(out, c.codeTemp);
      }
      out.write(0x0b);
      m.setFunction(region.function(), m.type(new FuncType(paramTypes, resultTypes)),
          out.toByteArray());
    }

    /** Pushes the written locals and the return values, a region function's results. */
    private static void results(Seg s, int[] map, Context c, ByteArrayOutputStream out) {
      for (int x = s.written.nextSetBit(0); x >= 0; x = s.written.nextSetBit(x + 1)) {
        out.write(0x20);
        Leb128.writeUnsigned(out, map[x]);
      }
      for (int t : c.retTemps) {
        out.write(0x20);
        Leb128.writeUnsigned(out, t);
      }
    }

    /** A constant of type {@code t} (a number or a reference type, never v128: see known). */
    private static void zero(byte t, ByteArrayOutputStream out) {
      switch (t) {
        case 0x7f -> out.writeBytes(new byte[] {0x41, 0});
        case 0x7e -> out.writeBytes(new byte[] {0x42, 0});
        case 0x7d -> out.writeBytes(new byte[] {0x43, 0, 0, 0, 0});
        case 0x7c -> out.writeBytes(new byte[] {0x44, 0, 0, 0, 0, 0, 0, 0, 0});
        default -> out.writeBytes(new byte[] {(byte) 0xd0, t}); // ref.null funcref / externref
      }
    }
  }

  /** The type of the value a numeric instruction (0x45 to 0xc4) leaves. */
  private static int numericType(int op) {
    if (op <= 0x78 || (op >= 0xa7 && op <= 0xab) || op == 0xbc || op == 0xc0 || op == 0xc1) {
      return 0x7f;
    }
    if (op <= 0x8a || (op >= 0xac && op <= 0xb1) || op == 0xbd || op >= 0xc2) {
      return 0x7e;
    }
    if (op <= 0x98 || (op >= 0xb2 && op <= 0xb6) || op == 0xbe) {
      return 0x7d;
    }
    return 0x7c;
  }

  /** The type of the value a load (0x28 to 0x35) leaves. */
  private static int loadType(int op) {
    return switch (op) {
      case 0x29, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35 -> 0x7e;
      case 0x2a -> 0x7d;
      case 0x2b -> 0x7c;
      default -> 0x7f;
    };
  }

  /** Whether {@code op}, a numeric instruction, pops two operands (the others pop one). */
  private static boolean binary(int op) {
    return (op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x66)
        || (op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a)
        || (op >= 0x92 && op <= 0x98) || (op >= 0xa0 && op <= 0xa6);
  }

  private static WasmReader reader(byte[] bytes, int pos) {
    return new WasmReader(bytes, pos, Unreadable::new);
  }
}
