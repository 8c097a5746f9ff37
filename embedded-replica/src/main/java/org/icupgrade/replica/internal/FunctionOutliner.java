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
 * <p>A region is a run of instructions of one block, loop, if-arm or function body that starts
 * and ends at operand-stack height 0 (relative to that body), nested constructs whole. The new
 * function takes every local the region reads or writes as a parameter and returns those it
 * writes, then an i32 exit code when the region can leave other than by falling through (a
 * branch to a label outside it, or {@code return}, whose values go through locals): the call
 * site stores the results back and branches on the code with {@code br_table}. Regions are
 * chosen in one pass over each function, innermost bodies first: a body estimated over the
 * chunk size is cut into chunks of segments, so every function ends under {@link #LIMIT} where
 * the code allows it. A region is not moved when it branches out to a label that carries values
 * or makes a tail call; what cannot be split stays, and Chicory's compiler treats it as before.
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
      Reader r = new Reader(wasm, 8);
      while (r.pos < wasm.length) {
        int id = r.u8();
        int size = r.u32();
        int start = r.pos;
        int end = start + size;
        if (size < 0 || end > wasm.length) {
          throw new Unreadable("section runs past the end");
        }
        switch (id) {
          case 1 -> {
            typeStart = start;
            typeEnd = end;
            readTypes(new Reader(wasm, start));
          }
          case 2 -> readImports(new Reader(wasm, start));
          case 3 -> {
            funcStart = start;
            funcEnd = end;
            Reader f = new Reader(wasm, start);
            int n = f.u32();
            for (int i = 0; i < n; i++) {
              funcTypes.add(f.u32());
            }
          }
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
      if (codeStart < 0) {
        return wasm;
      }
      Reader c = new Reader(wasm, codeStart);
      int count = c.u32();
      if (count != funcTypes.size() - importedFuncs) {
        throw new Unreadable("function and code sections disagree");
      }
      int[] bodyStart = new int[count];
      int[] bodyEnd = new int[count];
      byte[][] replaced = new byte[count][];
      boolean any = false;
      for (int i = 0; i < count; i++) {
        int size = c.u32();
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

    private void readTypes(Reader r) {
      int n = r.u32();
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

    private static byte[] valTypes(Reader r) {
      int n = r.u32();
      byte[] t = new byte[n];
      for (int i = 0; i < n; i++) {
        t[i] = (byte) r.u8();
        if (!isValType(t[i] & 0xff)) {
          throw new Unreadable("value type");
        }
      }
      return t;
    }

    private void readImports(Reader r) {
      int n = r.u32();
      for (int i = 0; i < n; i++) {
        int module = r.u32();
        r.pos += module;
        int field = r.u32();
        r.pos += field;
        int kind = r.u8();
        switch (kind) {
          case 0 -> {
            funcTypes.add(r.u32());
            importedFuncs++;
          }
          case 1 -> {
            r.u8();
            limits(r);
          }
          case 2 -> limits(r);
          case 3 -> {
            r.u8();
            r.u8();
          }
          default -> throw new Unreadable("import kind");
        }
      }
    }

    private static void limits(Reader r) {
      int flags = r.u8();
      r.u32();
      if ((flags & 1) != 0) {
        r.u32();
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
      Reader r = new Reader(wasm, 8);
      boolean typesWritten = false;
      while (r.pos < wasm.length) {
        int idStart = r.pos;
        int id = r.u8();
        int size = r.u32();
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
            Reader t = new Reader(wasm, start);
            int n = t.u32();
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
            Reader f = new Reader(wasm, start);
            int n = f.u32();
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

  /**
   * A run of a body between two places at stack height 0, nested constructs whole: what it
   * costs, which locals it uses, where it can branch to outside itself.
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
    /** A tail call, or values on the stack where it starts or ends: not moved. */
    boolean unmovable;
    /** Whether the code after it is reached (false: it ends in dead code). */
    boolean fallsThrough = true;

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
      unmovable |= inner.unmovable;
    }
  }

  /** One body being read: a function's, a block's, a loop's or an if-arm's. */
  private static final class Frame {
    final int opcode;
    final int params;
    final int labelArity;
    final int resultArity;
    int height;
    boolean reachable = true;
    final List<Seg> segs = new ArrayList<>();
    Seg cur;
    /** For an if: its then-arm's summary, merged with the else-arm's. */
    Seg thenArm;

    Frame(int opcode, int params, int results, int at) {
      this.opcode = opcode;
      this.params = params;
      this.labelArity = opcode == 0x03 ? params : results;
      this.resultArity = results;
      this.height = params;
      this.cur = new Seg(at);
      // Values on the stack where the body starts: its first segment does not start at 0.
      this.cur.unmovable = params > 0;
    }
  }

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
      Reader r = new Reader(code, bodyStart);
      int groups = r.u32();
      long total = type.params().length;
      int[] counts = new int[groups];
      byte[] groupTypes = new byte[groups];
      for (int g = 0; g < groups; g++) {
        counts[g] = r.u32();
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
     * Reads the instructions once, tracking each body's stack height, and chooses the regions
     * to move, innermost bodies first; the function's estimated cost after that.
     */
    private long analyse(int pos) {
      Reader r = new Reader(code, pos);
      List<Frame> stack = new ArrayList<>();
      stack.add(new Frame(-1, 0, type.results().length, 0));
      while (true) {
        if (n + 1 >= at.length) {
          at = java.util.Arrays.copyOf(at, at.length * 2);
        }
        int i = n++;
        at[i] = r.pos;
        Frame f = stack.get(stack.size() - 1);
        int op = r.u8();
        if (f.reachable && f.height == 0 && op != 0x0b && op != 0x05 && f.cur.from != i) {
          close(f, i, true);
        }
        Seg s = f.cur;
        s.cost += op == 0xfc ? PREFIXED : WEIGHT[op];
        switch (op) {
          case 0x00 -> f.reachable = false;
          case 0x01 -> {
          }
          case 0x02, 0x03, 0x04 -> {
            int[] bt = blockType(r);
            f.height -= bt[0] + (op == 0x04 ? 1 : 0);
            stack.add(new Frame(op, bt[0], bt[1], i + 1));
          }
          case 0x05 -> {
            // The then-arm ends; the else-arm starts at its own height.
            finish(f, i);
            f.thenArm = sum(f);
            f.segs.clear();
            f.cur = new Seg(i + 1);
            f.cur.unmovable = f.params > 0;
            f.reachable = true;
            f.height = f.params;
          }
          case 0x0b -> {
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
              return all.cost;
            }
            Frame parent = stack.get(stack.size() - 1);
            // A branch to this construct's own label is inside the parent's segment.
            all.out = all.out.get(1, Math.max(1, all.out.length()));
            all.bad = all.bad.get(1, Math.max(1, all.bad.length()));
            parent.cur.add(all);
            parent.height += f.resultArity;
          }
          case 0x0c, 0x0d -> {
            int d = r.u32();
            branch(stack, s, d);
            if (op == 0x0c) {
              f.reachable = false;
            } else {
              f.height -= 1;
            }
          }
          case 0x0e -> {
            int count = r.u32();
            for (int k = 0; k <= count; k++) {
              branch(stack, s, r.u32());
            }
            s.cost += 5L * count;
            f.reachable = false;
          }
          case 0x0f -> {
            s.ret = true;
            f.reachable = false;
          }
          case 0x10 -> {
            FuncType t = m.funcType(r.u32());
            f.height += t.results().length - t.params().length;
          }
          case 0x11 -> {
            FuncType t = m.typeOf(r.u32());
            r.u32();
            f.height += t.results().length - t.params().length - 1;
          }
          case 0x12, 0x13 -> {
            s.unmovable = true;
            r.u32();
            if (op == 0x13) {
              r.u32();
            }
            f.reachable = false;
          }
          case 0x1a -> f.height -= 1;
          case 0x1b -> f.height -= 2;
          case 0x1c -> {
            int k = r.u32();
            for (int j = 0; j < k; j++) {
              r.u8();
            }
            f.height -= 2;
          }
          case 0x20 -> {
            int x = local(r);
            s.used.set(x);
            f.height += 1;
          }
          case 0x21 -> {
            int x = local(r);
            s.used.set(x);
            s.written.set(x);
            f.height -= 1;
          }
          case 0x22 -> {
            int x = local(r);
            s.used.set(x);
            s.written.set(x);
          }
          case 0x23 -> {
            r.u32();
            f.height += 1;
          }
          case 0x24 -> {
            r.u32();
            f.height -= 1;
          }
          case 0x25 -> r.u32();
          case 0x26 -> {
            r.u32();
            f.height -= 2;
          }
          case 0x3f -> {
            r.u32();
            f.height += 1;
          }
          case 0x40 -> r.u32();
          case 0x41, 0x42 -> {
            r.skipLeb();
            f.height += 1;
          }
          case 0x43 -> {
            r.pos += 4;
            f.height += 1;
          }
          case 0x44 -> {
            r.pos += 8;
            f.height += 1;
          }
          case 0xd0 -> {
            r.u8();
            f.height += 1;
          }
          case 0xd1 -> {
          }
          case 0xd2 -> {
            r.u32();
            f.height += 1;
          }
          case 0xfc -> f.height += prefixed(r);
          default -> {
            if (op >= 0x28 && op <= 0x3e) {
              int align = r.u32();
              if ((align & 0x40) != 0) {
                r.u32();
              }
              r.u32();
              if (op >= 0x36) {
                f.height -= 2;
              }
            } else if (op >= 0x45 && op <= 0xc4) {
              f.height -= binary(op) ? 1 : 0;
            } else {
              throw new Unreadable("opcode " + op);
            }
          }
        }
      }
    }

    private int local(Reader r) {
      int x = r.u32();
      if (x < 0 || x >= localTypes.length) {
        throw new Unreadable("local index");
      }
      return x;
    }

    /** A branch of depth {@code d} from a segment of the innermost body. */
    private void branch(List<Frame> stack, Seg s, int d) {
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
     * {@link #CHUNK} (the function's own body: {@link #LIMIT}), chunks of it are moved.
     */
    private void finish(Frame f, int i) {
      if (f.cur.from != i) {
        // The body's results are on the stack at its end: a run up to there ends at height 0
        // only in a body without results, or in dead code.
        f.cur.unmovable |= f.reachable && f.height != 0;
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
      int slots = 0;
      for (Seg s : f.segs) {
        boolean movable = !s.unmovable && s.bad.isEmpty();
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

    /** Moves {@code chunk} when it is worth a call; what stays in the body in its place. */
    private Seg move(Seg chunk) {
      long glue = glueCost(chunk);
      if (chunk.cost - glue < MIN_REGION) {
        return chunk;
      }
      int[] depths = chunk.out.stream().toArray();
      int exits = depths.length + (chunk.ret ? 1 : 0);
      int function = m.reserveFunction();
      regions.put(chunk.from, new Region(chunk.from, chunk.to, chunk, depths, function));
      Seg stays = new Seg(chunk.from);
      stays.to = chunk.to;
      stays.fallsThrough = chunk.fallsThrough;
      stays.add(chunk);
      stays.cost = glue + exits * 12L;
      return stays;
    }

    private long glueCost(Seg s) {
      int exits = s.out.cardinality() + (s.ret ? 1 : 0);
      return 20 + 6L * s.used.cardinality() + 12L * s.written.cardinality()
          + (s.ret ? 12L * type.results().length : 0) + (exits > 0 ? 30 + 10L * exits : 0);
    }

    private static Seg sum(Frame f) {
      Seg all = new Seg(f.segs.isEmpty() ? 0 : f.segs.get(0).from);
      for (Seg s : f.segs) {
        all.add(s);
      }
      return all;
    }

    /** The block type's parameter and result counts. */
    private int[] blockType(Reader r) {
      int b = code[r.pos] & 0xff;
      if (b == 0x40) {
        r.pos++;
        return new int[] {0, 0};
      }
      if (isValType(b)) {
        r.pos++;
        return new int[] {0, 1};
      }
      int t = r.u32();
      FuncType ft = m.typeOf(t);
      return new int[] {ft.params().length, ft.results().length};
    }

    /** The stack effect of a 0xFC instruction. */
    private static int prefixed(Reader r) {
      int sub = r.u32();
      switch (sub) {
        case 0, 1, 2, 3, 4, 5, 6, 7:
          return 0;
        case 8:
          r.u32();
          r.u8();
          return -3;
        case 9:
          r.u32();
          return 0;
        case 10:
          r.u8();
          r.u8();
          return -3;
        case 11:
          r.u8();
          return -3;
        case 12, 14:
          r.u32();
          r.u32();
          return -3;
        case 13:
          r.u32();
          return 0;
        case 15:
          r.u32();
          return -1;
        case 16:
          r.u32();
          return 1;
        case 17:
          r.u32();
          return -3;
        default:
          throw new Unreadable("opcode 0xfc " + sub);
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
      Reader r = new Reader(code, bodyStart);
      int groups = r.u32();
      Leb128.writeUnsigned(out, groups + 1 + c.retTemps.length);
      out.write(code, r.pos, localsStart - r.pos);
      out.write(1);
      out.write(0x7f);
      for (byte t : type.results()) {
        out.write(1);
        out.write(t);
      }
      emit(0, n, c, out, -1);
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
        Reader r = new Reader(code, start + 1);
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
            int d = r.u32();
            out.write(op);
            Leb128.writeUnsigned(out, c.depth(d, 0));
          }
          case 0x0e -> {
            int count = r.u32();
            out.write(op);
            Leb128.writeUnsigned(out, count);
            for (int k = 0; k <= count; k++) {
              Leb128.writeUnsigned(out, c.depth(r.u32(), 0));
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
            Leb128.writeUnsigned(out, c.local(r.u32()));
          }
          default -> out.write(code, start, at[i + 1] - start);
        }
        i++;
      }
    }

    /** The call of {@code region} in context {@code c}, and the dispatch on its exit code. */
    private void glue(Region region, Context c, ByteArrayOutputStream out) {
      Seg s = region.seg();
      for (int x = s.used.nextSetBit(0); x >= 0; x = s.used.nextSetBit(x + 1)) {
        out.write(0x20);
        Leb128.writeUnsigned(out, c.local(x));
      }
      out.write(0x10);
      Leb128.writeUnsigned(out, region.function());
      int exits = region.exitDepths().length + (s.ret ? 1 : 0);
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
        for (int k = 0; k <= exits; k++) {
          out.write(0x02);
          out.write(0x40);
        }
        out.write(0x20);
        Leb128.writeUnsigned(out, c.codeTemp);
        out.write(0x0e);
        Leb128.writeUnsigned(out, exits + 1); // codes 0 to exits, then the default
        Leb128.writeUnsigned(out, exits); // 0: falls through, out of the outermost block
        for (int e = 1; e <= exits; e++) {
          Leb128.writeUnsigned(out, e - 1);
        }
        Leb128.writeUnsigned(out, exits);
        for (int e = 1; e <= exits; e++) {
          out.write(0x0b);
          int glue = exits - e + 1;
          if (e <= region.exitDepths().length) {
            out.write(0x0c);
            Leb128.writeUnsigned(out, c.depth(region.exitDepths()[e - 1], glue));
          } else if (c.region == null) {
            for (int t : c.retTemps) {
              out.write(0x20);
              Leb128.writeUnsigned(out, t);
            }
            out.write(0x0f);
          } else {
            out.write(0x0c);
            Leb128.writeUnsigned(out, c.nesting + glue + c.retExit() - 1);
          }
        }
        out.write(0x0b);
      }
      if (!s.fallsThrough) {
        out.write(0x00); // never reached: the region does not fall through
      }
    }

    /** Writes the function of {@code region}. */
    private void writeRegion(Region region) {
      Seg s = region.seg();
      int params = s.used.cardinality();
      int[] map = new int[localTypes.length];
      byte[] paramTypes = new byte[params];
      int k = 0;
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
      byte[] resultTypes = new byte[written + c.retTemps.length + (exits > 0 ? 1 : 0)];
      k = 0;
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
      for (int e = 0; e < exits; e++) {
        out.write(0x02);
        out.write(0x40);
      }
      emit(region.from(), region.to(), c, out, region.from());
      for (int e = 0; e <= exits; e++) {
        if (e > 0) {
          out.write(0x0b);
        }
        for (int x = s.written.nextSetBit(0); x >= 0; x = s.written.nextSetBit(x + 1)) {
          out.write(0x20);
          Leb128.writeUnsigned(out, map[x]);
        }
        for (int t : c.retTemps) {
          out.write(0x20);
          Leb128.writeUnsigned(out, t);
        }
        if (exits > 0) {
          out.write(0x41);
          Leb128.writeSigned(out, e);
          out.write(0x0f);
        }
      }
      out.write(0x0b);
      m.setFunction(region.function(), m.type(new FuncType(paramTypes, resultTypes)),
          out.toByteArray());
    }
  }

  /** Whether {@code op}, a numeric instruction, pops two operands (the others pop one). */
  private static boolean binary(int op) {
    return (op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x66)
        || (op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a)
        || (op >= 0x92 && op <= 0x98) || (op >= 0xa0 && op <= 0xa6);
  }

  /** Reads LEB128 and bytes. */
  private static final class Reader {
    final byte[] bytes;
    int pos;

    Reader(byte[] bytes, int pos) {
      this.bytes = bytes;
      this.pos = pos;
    }

    int u8() {
      if (pos >= bytes.length) {
        throw new Unreadable("module ends early");
      }
      return bytes[pos++] & 0xff;
    }

    int u32() {
      long v = 0;
      for (int shift = 0; ; shift += 7) {
        int b = u8();
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          if (v > Integer.MAX_VALUE) {
            throw new Unreadable("index too large");
          }
          return (int) v;
        }
        if (shift > 28) {
          throw new Unreadable("LEB128 too long");
        }
      }
    }

    void skipLeb() {
      while ((u8() & 0x80) != 0) {
        // continuation bytes
      }
    }
  }

}
