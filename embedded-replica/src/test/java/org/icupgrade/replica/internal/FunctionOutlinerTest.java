package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.internal.Compiler;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.demo.DemoCanisters;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * A function far over the JIT's limit is split; the split module, compiled, answers, traps and
 * counts instructions exactly as the module as installed does in the interpreter.
 */
class FunctionOutlinerTest {
  /** HotSpot's HugeMethodLimit: a method of more bytecode is never JIT-compiled. */
  static final int HUGE_METHOD_LIMIT = 8_000;

  static final int UNITS = 120;

  /**
   * {@code big(mode, at)}: {@link #UNITS} units in blocks of ten inside one outer block, each a
   * straight run (locals 2 and 4 written), a loop of three, and at unit {@code at}: with mode 1
   * a branch out of the outer block, mode 2 a return, mode 3 a trap, mode 5 a br_table out of
   * its block of ten. Then the sum of the locals.
   */
  static Code big() {
    Code c = new Code();
    c.op(0x02, 0x40); // block $outer
    for (int u = 0; u < UNITS; u++) {
      if (u % 10 == 0) {
        c.op(0x02, 0x40); // block $group
      }
      c.localGet(2).i32(31).op(0x6c).i32(u).i32Add().localSet(2);
      c.localGet(4).localGet(2).op(0xad).op(0x7c).localSet(4); // sum64 += (u64) acc
      c.op(0x02, 0x40); // block $unit
      c.loop().localGet(3).i32(1).i32Add().op(0x22, 3).i32(3).op(0x70).op(0x0d, 0).end();
      when(c, 1, u).br(3).end(); // if(0) unit(1) group(2) outer(3)
      when(c, 2, u).localGet(2).op(0x0f).end();
      when(c, 3, u).op(0x00).end();
      // mode 5 at u: index 1, out of the group; else index 0, out of the unit (its end).
      c.localGet(0).i32(5).op(0x46).localGet(1).i32(u).op(0x46).op(0x71)
          .op(0x0e, 1, 0, 1, 0);
      c.end(); // unit
      if (u % 10 == 9) {
        c.end(); // group
      }
    }
    c.end(); // outer
    c.localGet(2).localGet(3).i32Add().localGet(4).i64(3).op(0x88).op(0xa7).i32Add();
    return c.end();
  }

  private static Code when(Code c, int mode, int u) {
    return c.localGet(0).i32(mode).op(0x46).localGet(1).i32(u).op(0x46).op(0x71).ifThen();
  }

  /** A canister whose queries call {@code big} in every mode, and reply with its result. */
  static byte[] module() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int big = w.function(types(I32, I32), types(I32), types(I32, I32, I64), big());
    int[][] calls = {{0, 0}, {1, 37}, {2, 55}, {3, 71}, {5, 42}, {1, 0}, {2, UNITS - 1}};
    for (int[] call : calls) {
      w.export("canister_query mode" + call[0] + "at" + call[1], w.function(types(), types(),
          types(), new Code().i32(0).i32(call[0]).i32(call[1]).call(big).i32Store()
              .i32(0).i32(4).call(append).call(reply).end()));
    }
    w.memory(1);
    return w.build();
  }

  /**
   * The module's script run compiled (split) and interpreted (as installed): every outcome
   * equal, replies, traps and instruction counts; the interpreted outcomes.
   */
  static List<ExecutionModesTest.Outcome> agree(byte[] module) {
    List<ExecutionModesTest.Outcome> compiled =
        ExecutionModesTest.script(module, ExecutionMode.COMPILED);
    List<ExecutionModesTest.Outcome> interpreted =
        ExecutionModesTest.script(module, ExecutionMode.INTERPRETED);
    assertEquals(interpreted.size(), compiled.size());
    for (int i = 0; i < compiled.size(); i++) {
      assertEquals(interpreted.get(i), compiled.get(i), interpreted.get(i).what());
    }
    return interpreted;
  }

  private static long traps(List<ExecutionModesTest.Outcome> outcomes) {
    return outcomes.stream().filter(ExecutionModesTest.Outcome::trapped).count();
  }

  private static Set<String> answers(List<ExecutionModesTest.Outcome> outcomes) {
    Set<String> answers = new TreeSet<>();
    outcomes.forEach(o -> answers.add(o.answer()));
    return answers;
  }

  @Test
  void hugeFunction_compiledSplit_agreesWithTheInterpreterOnTheModuleAsInstalled() {
    List<ExecutionModesTest.Outcome> interpreted = agree(module());
    // Each mode takes a different way out: distinct results, and the trap (run once for each
    // of the script's two arguments).
    assertEquals(2, traps(interpreted), interpreted.toString());
    assertTrue(answers(interpreted).size() >= 6, answers(interpreted).toString());
  }

  @Test
  void hugeFunction_split_everyMethodUnderTheJitLimit() {
    byte[] metered = ModuleRewriter.rewrite(module(), false, true, false).wasm();
    WasmModule split = Parser.parse(metered);
    WasmModule unsplit = Parser.parse(
        ModuleRewriter.rewrite(module(), false, false, false).wasm());
    assertTrue(split.functionSection().functionCount()
        > unsplit.functionSection().functionCount() + 3, "regions moved");
    Map<String, Integer> sizes = methodSizes(split);
    assertTrue(sizes.size() >= split.functionSection().functionCount(), sizes.toString());
    sizes.forEach((name, size) -> assertTrue(size < HUGE_METHOD_LIMIT, name + ": " + size));
    // Unsplit, the function is far over the limit: the test means something.
    int biggest = methodSizes(Parser.parse(meteredUnsplit())).values().stream()
        .max(Integer::compare).orElseThrow();
    assertTrue(biggest > 3 * HUGE_METHOD_LIMIT, "unsplit: " + biggest);
  }

  /**
   * {@code chain(mode, at)}: one expression {@link #LINKS} links long whose operand stack is
   * never empty (as in an unrolled hash: each link folds a rotated, shifted, selected or i64
   * detour of a local into the running value), inside a block with a result, so no cut of it
   * falls at height 0. At link {@code at}: mode 1 branches out of the outer block with values on
   * the stack, mode 2 returns, mode 3 traps, mode 4 leaves through a br_table. Every 13th link
   * goes through a block that takes the running value as its parameter.
   */
  static Code chain(int addOne) {
    Code c = new Code();
    c.op(0x02, 0x40); // block $outer
    c.op(0x02, 0x7f); // block $value (result i32)
    c.localGet(2);
    for (int u = 0; u < LINKS; u++) {
      c.localGet(3).i32(u).i32Add().op(0x22, 3).i32(7).op(0x77).op(0x73); // v ^= rotl(t, 7)
      c.localGet(2).i32(3).op(0x74).i32Add(); // v += acc << 3
      if (u % 5 == 0) { // an i64 detour: v = wrap(extend(v) + l4), l4 updated
        c.op(0xad).localGet(4).op(0x7c).op(0x22, 4).op(0xa7);
      }
      if (u % 7 == 0) { // select(v, v + 1, v & 1)
        c.localGet(2).i32(1).i32Add().localGet(3).i32(1).op(0x71).op(0x1b);
      }
      if (u % 13 == 0) { // block (param i32) (result i32): v + 5
        c.op(0x02, addOne).i32(5).i32Add().end();
      }
      if (u % 11 == 0) {
        c.localGet(2).i32(u).i32Add().localSet(2); // a height-0 store in the middle of it
      }
      whenLink(c, 1, u).br(2).end(); // if(0) value(1) outer(2): out of the outer block
      whenLink(c, 2, u).localGet(3).op(0x0f).end();
      whenLink(c, 3, u).op(0x00).end();
      // mode 4 at u: index 1, out of the outer block from inside $value; else index 0 (the if)
      c.localGet(0).i32(4).op(0x46).localGet(1).i32(u).op(0x46).op(0x71).ifThen()
          .localGet(0).i32(4).op(0x46).op(0x0e, 1, 0, 2).end();
    }
    c.end(); // $value
    c.localSet(2);
    c.end(); // $outer
    c.localGet(2).localGet(3).i32Add().localGet(4).op(0xa7).i32Add();
    return c.end();
  }

  static final int LINKS = 120;

  private static Code whenLink(Code c, int mode, int u) {
    return c.localGet(0).i32(mode).op(0x46).localGet(1).i32(u).op(0x46).op(0x71).ifThen();
  }

  /**
   * {@code cases(mode, selector)}: {@link #CASES} nested blocks, the innermost dispatching on
   * the selector with a br_table (selector s: case {@code CASES - 1 - s}), each level's case
   * code after its inner block's end and then a branch out of all of them (a Rust match as
   * rustc lowers it); mode 3 traps in case 41.
   */
  static Code cases() {
    Code c = new Code();
    for (int k = 0; k < CASES; k++) {
      c.op(0x02, 0x40);
    }
    c.localGet(1).op(0x0e, CASES);
    for (int k = 0; k < CASES; k++) {
      c.op(k);
    }
    c.op(CASES - 1);
    c.end();
    for (int k = CASES - 1; k >= 0; k--) {
      // case k, in the body of block k - 1 (the outermost's: of the function)
      for (int rep = 0; rep < 14; rep++) {
        c.localGet(2).i32(k * 31 + rep).i32Add().localGet(0).op(0x73).localSet(2);
        c.i32(8 * (rep % 4)).localGet(2).i32Store();
      }
      if (k == 41) {
        c.localGet(0).i32(3).op(0x46).ifThen().op(0x00).end();
      }
      if (k > 0) {
        c.br(k - 1);
        c.end();
      }
    }
    c.localGet(2).i32(0).i32Load().i32Add();
    return c.end();
  }

  static final int CASES = 80;

  /** A canister whose queries call chain and cases in every mode, and reply with the result. */
  static byte[] stackModule() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int addOne = w.typeIndex(types(I32), types(I32));
    int chain = w.function(types(I32, I32), types(I32), types(I32, I32, I64), chain(addOne));
    int cases = w.function(types(I32, I32), types(I32), types(I32), cases());
    int[][] chainCalls = {{0, 0}, {1, 37}, {2, 55}, {3, 101}, {4, 72}, {1, 0},
        {2, LINKS - 1}, {4, 110}};
    for (int[] call : chainCalls) {
      w.export("canister_query chain" + call[0] + "at" + call[1], caller(w, chain, call,
          reply, append));
    }
    int[][] caseCalls = {{0, 0}, {0, 5}, {0, 38}, {3, 38}, {3, 39}, {0, CASES - 1}, {0, 200}};
    for (int[] call : caseCalls) {
      w.export("canister_query case" + call[0] + "of" + call[1], caller(w, cases, call,
          reply, append));
    }
    w.memory(1);
    return w.build();
  }

  private static int caller(WasmBuilder w, int f, int[] args, int reply, int append) {
    return w.function(types(), types(), types(), new Code().i32(64).i32(args[0]).i32(args[1])
        .call(f).i32Store().i32(64).i32(4).call(append).call(reply).end());
  }

  @Test
  void stackNeverEmpty_cutWithValuesPassed_agreesWithTheInterpreter() {
    List<ExecutionModesTest.Outcome> interpreted = agree(stackModule());
    // chain mode 3 and case mode 3 at 41 trap (each run with the script's two arguments).
    assertEquals(4, traps(interpreted), interpreted.toString());
    assertTrue(answers(interpreted).size() >= 12, answers(interpreted).toString());
  }

  @Test
  void stackNeverEmpty_and_nestedCases_everyMethodUnderTheJitLimit() {
    WasmModule split = Parser.parse(ModuleRewriter.rewrite(stackModule(), false, true, false)
        .wasm());
    methodSizes(split).forEach((name, size) ->
        assertTrue(size < HUGE_METHOD_LIMIT, name + ": " + size));
    // Unsplit, both functions are far over it, and chain has no place at height 0 to cut.
    Map<String, Integer> unsplit = methodSizes(Parser.parse(
        ModuleRewriter.rewrite(stackModule(), false, true, false, false).wasm()));
    long over = unsplit.values().stream().filter(v -> v > 2 * HUGE_METHOD_LIMIT).count();
    assertEquals(2, over, unsplit.toString());
  }

  @Test
  void moduleWithoutHugeFunction_returnedAsItIs() {
    byte[] metered = ModuleRewriter.rewrite(DemoCanisters.targetV1(), false, true, false).wasm();
    assertSame(metered, FunctionOutliner.outline(metered));
  }

  /** The metered module as it was before the outliner. */
  private static byte[] meteredUnsplit() {
    return ModuleRewriter.rewrite(module(), false, true, false, false).wasm();
  }

  /** Chicory's compiled methods' bytecode sizes, by method name. */
  static Map<String, Integer> methodSizes(WasmModule module) {
    Map<String, byte[]> classes = Compiler.builder(module)
        .withInterpreterFallback(InterpreterFallback.SILENT).build().compile().classBytes();
    Map<String, Integer> sizes = new HashMap<>();
    for (Map.Entry<String, byte[]> e : classes.entrySet()) {
      codeSizes(e.getValue(), e.getKey(), sizes);
    }
    return sizes;
  }

  /** Reads each method's Code attribute length from a class file (JVMS 4.1, 4.4, 4.7.3). */
  private static void codeSizes(byte[] cls, String className, Map<String, Integer> sizes) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(cls);
    b.position(8);
    int count = b.getShort() & 0xffff;
    String[] utf8 = new String[count];
    for (int k = 1; k < count; k++) {
      int tag = b.get() & 0xff;
      switch (tag) {
        case 1 -> {
          byte[] text = new byte[b.getShort() & 0xffff];
          b.get(text);
          utf8[k] = new String(text, java.nio.charset.StandardCharsets.UTF_8);
        }
        case 7, 8, 16, 19, 20 -> b.position(b.position() + 2);
        case 15 -> b.position(b.position() + 3);
        case 3, 4, 9, 10, 11, 12, 17, 18 -> b.position(b.position() + 4);
        case 5, 6 -> {
          b.position(b.position() + 8);
          k++; // a long or double takes two entries
        }
        default -> throw new IllegalStateException("constant tag " + tag);
      }
    }
    b.position(b.position() + 6); // access, this, super
    int interfaces = b.getShort() & 0xffff;
    b.position(b.position() + 2 * interfaces);
    for (int kind = 0; kind < 2; kind++) { // fields, then methods
      int members = b.getShort() & 0xffff;
      for (int m = 0; m < members; m++) {
        b.getShort();
        String name = utf8[b.getShort() & 0xffff];
        b.getShort();
        int attributes = b.getShort() & 0xffff;
        for (int a = 0; a < attributes; a++) {
          String attribute = utf8[b.getShort() & 0xffff];
          int length = b.getInt();
          int next = b.position() + length;
          if (kind == 1 && "Code".equals(attribute)) {
            b.getShort(); // max_stack
            b.getShort(); // max_locals
            sizes.put(className + "." + name + "#" + m, b.getInt());
          }
          b.position(next);
        }
      }
    }
  }
}
