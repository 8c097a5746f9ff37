package org.icupgrade.replica.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.icupgrade.core.internal.Leb128;

/**
 * Writes WebAssembly binary modules (WebAssembly core spec, "Binary format"): function types,
 * imports, functions with their code, one memory, globals, exports, active data segments and
 * custom sections. Enough to write canisters by hand for tests and demos; Maven Central offers no
 * text-format compiler that runs with the Chicory version used here.
 */
public final class WasmBuilder {
  /** Value type i32. */
  public static final byte I32 = 0x7f;
  /** Value type i64. */
  public static final byte I64 = 0x7e;

  private record Import(String module, String name, int type) {}

  private record Function(int type, byte[] locals, byte[] body) {}

  private record Export(String name, int function) {}

  /** A data segment; {@code offset} -1: passive. */
  private record Data(int offset, byte[] bytes) {}

  private record Global(byte type, boolean mutable, long init) {}

  private record Custom(String name, byte[] bytes) {}

  private final List<byte[]> types = new ArrayList<>();
  private final List<Import> imports = new ArrayList<>();
  private final List<Function> functions = new ArrayList<>();
  private final List<Export> exports = new ArrayList<>();
  private final List<Data> data = new ArrayList<>();
  private final List<Global> globals = new ArrayList<>();
  private final List<Custom> customs = new ArrayList<>();
  private int memoryPages = -1;
  private int start = -1;
  private int[] table = new int[0];

  /**
   * The index of the function type {@code params -> results}, added when it is new: the block
   * type of a {@code block}, {@code loop} or {@code if} that takes values from the stack or
   * leaves several (multi-value), written as {@code op(0x02, index)} for an index under 64.
   *
   * @param params the parameter types
   * @param results the result types
   * @return the type's index
   */
  public int typeIndex(byte[] params, byte[] results) {
    return type(params, results);
  }

  private int type(byte[] params, byte[] results) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    t.write(0x60);
    vec(t, params);
    vec(t, results);
    byte[] b = t.toByteArray();
    for (int i = 0; i < types.size(); i++) {
      if (java.util.Arrays.equals(types.get(i), b)) {
        return i;
      }
    }
    types.add(b);
    return types.size() - 1;
  }

  /**
   * Imports a function; returns its index. All imports must come before any function.
   *
   * @param module the module it comes from ({@code ic0} for the system API)
   * @param name the function's name
   * @param params its parameter types
   * @param results its result types
   * @return the function's index
   */
  public int importFunction(String module, String name, byte[] params, byte[] results) {
    if (!functions.isEmpty()) {
      throw new IllegalStateException("imports come before functions");
    }
    imports.add(new Import(module, name, type(params, results)));
    return imports.size() - 1;
  }

  /**
   * Defines a function; returns its index. {@code locals} are the extra locals' types.
   *
   * @param params its parameter types
   * @param results its result types
   * @param locals the types of its locals beyond the parameters
   * @param body its code
   * @return the function's index
   */
  public int function(byte[] params, byte[] results, byte[] locals, Code body) {
    functions.add(new Function(type(params, results), locals, body.bytes()));
    return imports.size() + functions.size() - 1;
  }

  /**
   * Exports a function under {@code name} (for a canister: {@code canister_query greet},
   * {@code canister_update set}, ...).
   *
   * @param name the export's name
   * @param function the function's index
   * @return this builder
   */
  public WasmBuilder export(String name, int function) {
    exports.add(new Export(name, function));
    return this;
  }

  /**
   * A function table holding these functions at indices 0, 1, ... (callbacks of inter-canister
   * calls are table indices).
   *
   * @param functions the functions' indices
   * @return this builder
   */
  public WasmBuilder table(int... functions) {
    this.table = functions.clone();
    return this;
  }

  /**
   * Makes {@code function} (no parameters, no results) the module's {@code (start)} function.
   *
   * @param function the function's index
   * @return this builder
   */
  public WasmBuilder start(int function) {
    this.start = function;
    return this;
  }

  /**
   * The module's one memory, of {@code pages} 64 KiB pages to start with.
   *
   * @param pages the initial size in pages
   * @return this builder
   */
  public WasmBuilder memory(int pages) {
    this.memoryPages = pages;
    return this;
  }

  /**
   * A global initialised to {@code init}; returns its index.
   *
   * @param type {@link #I32} or {@link #I64}
   * @param mutable whether code may set it
   * @param init its initial value
   * @return the global's index
   */
  public int global(byte type, boolean mutable, long init) {
    globals.add(new Global(type, mutable, init));
    return globals.size() - 1;
  }

  /**
   * An active data segment: {@code bytes} copied into memory at {@code offset} when the module is
   * instantiated.
   *
   * @param offset the address in memory
   * @param bytes the content
   * @return this builder
   */
  public WasmBuilder data(int offset, byte[] bytes) {
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset);
    }
    data.add(new Data(offset, bytes.clone()));
    return this;
  }

  /**
   * A passive data segment: {@code bytes} that {@code memory.init} copies into memory (the
   * module then has a data count section, as {@code memory.init} requires).
   *
   * @param bytes the content
   * @return the segment's index
   */
  public int passiveData(byte[] bytes) {
    data.add(new Data(-1, bytes.clone()));
    return data.size() - 1;
  }

  /**
   * A custom section, such as {@code icp:public candid:service}.
   *
   * @param name the section's name
   * @param bytes its content
   * @return this builder
   */
  public WasmBuilder custom(String name, byte[] bytes) {
    customs.add(new Custom(name, bytes.clone()));
    return this;
  }

  /**
   * Writes the module.
   *
   * @return the module's bytes
   */
  public byte[] build() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0});
    section(out, 1, types.size(), s -> types.forEach(s::writeBytes));
    section(out, 2, imports.size(), s -> imports.forEach(i -> {
      name(s, i.module());
      name(s, i.name());
      s.write(0x00);
      leb(s, i.type());
    }));
    section(out, 3, functions.size(), s -> functions.forEach(f -> leb(s, f.type())));
    if (table.length > 0) {
      section(out, 4, 1, s -> {
        s.write(0x70); // funcref
        s.write(0x00);
        leb(s, table.length);
      });
    }
    if (memoryPages >= 0) {
      section(out, 5, 1, s -> {
        s.write(0x00);
        leb(s, memoryPages);
      });
    }
    section(out, 6, globals.size(), s -> globals.forEach(g -> {
      s.write(g.type());
      s.write(g.mutable() ? 1 : 0);
      s.write(g.type() == I64 ? 0x42 : 0x41);
      sleb(s, g.init());
      s.write(0x0b);
    }));
    section(out, 7, exports.size(), s -> exports.forEach(e -> {
      name(s, e.name());
      s.write(0x00);
      leb(s, e.function());
    }));
    if (start >= 0) {
      ByteArrayOutputStream s = new ByteArrayOutputStream();
      leb(s, start);
      out.write(8);
      leb(out, s.size());
      out.writeBytes(s.toByteArray());
    }
    if (table.length > 0) {
      section(out, 9, 1, s -> {
        s.write(0x00); // active, table 0
        s.write(0x41);
        sleb(s, 0);
        s.write(0x0b);
        leb(s, table.length);
        for (int f : table) {
          leb(s, f);
        }
      });
    }
    if (data.stream().anyMatch(d -> d.offset() < 0)) {
      ByteArrayOutputStream s = new ByteArrayOutputStream();
      leb(s, data.size());
      out.write(12); // the data count section
      leb(out, s.size());
      out.writeBytes(s.toByteArray());
    }
    section(out, 10, functions.size(), s -> functions.forEach(f -> {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      leb(body, f.locals().length);
      for (byte l : f.locals()) {
        body.write(1);
        body.write(l);
      }
      body.writeBytes(f.body());
      leb(s, body.size());
      s.writeBytes(body.toByteArray());
    }));
    section(out, 11, data.size(), s -> data.forEach(d -> {
      if (d.offset() < 0) {
        s.write(0x01); // passive
      } else {
        s.write(0x00);
        s.write(0x41);
        sleb(s, d.offset());
        s.write(0x0b);
      }
      leb(s, d.bytes().length);
      s.writeBytes(d.bytes());
    }));
    for (Custom c : customs) {
      ByteArrayOutputStream s = new ByteArrayOutputStream();
      name(s, c.name());
      s.writeBytes(c.bytes());
      out.write(0);
      leb(out, s.size());
      out.writeBytes(s.toByteArray());
    }
    return out.toByteArray();
  }

  private static void section(ByteArrayOutputStream out, int id, int count, java.util.function.Consumer<ByteArrayOutputStream> items) {
    if (count == 0) {
      return;
    }
    ByteArrayOutputStream s = new ByteArrayOutputStream();
    leb(s, count);
    items.accept(s);
    out.write(id);
    leb(out, s.size());
    out.writeBytes(s.toByteArray());
  }

  private static void vec(ByteArrayOutputStream s, byte[] items) {
    leb(s, items.length);
    s.writeBytes(items);
  }

  private static void name(ByteArrayOutputStream s, String n) {
    byte[] b = n.getBytes(StandardCharsets.UTF_8);
    leb(s, b.length);
    s.writeBytes(b);
  }

  static void leb(ByteArrayOutputStream out, long value) {
    Leb128.writeUnsigned(out, value);
  }

  static void sleb(ByteArrayOutputStream out, long value) {
    Leb128.writeSigned(out, value);
  }

  /**
   * Parameter or result types.
   *
   * @param t the types, {@link #I32} or {@link #I64}
   * @return the types
   */
  public static byte[] types(byte... t) {
    return t;
  }

  /** A function body: instructions, ended by {@link #end()}. */
  public static final class Code {
    private final ByteArrayOutputStream b = new ByteArrayOutputStream();

    /**
     * {@code i32.const v}.
     *
     * @param v the constant
     * @return this sequence
     */
    public Code i32(int v) {
      b.write(0x41);
      sleb(b, v);
      return this;
    }

    /**
     * {@code i64.const v}.
     *
     * @param v the constant
     * @return this sequence
     */
    public Code i64(long v) {
      b.write(0x42);
      sleb(b, v);
      return this;
    }

    /**
     * {@code call function}.
     *
     * @param function the called function's index
     * @return this sequence
     */
    public Code call(int function) {
      b.write(0x10);
      leb(b, function);
      return this;
    }

    /**
     * {@code local.get i}.
     *
     * @param i the local's index
     * @return this sequence
     */
    public Code localGet(int i) {
      b.write(0x20);
      leb(b, i);
      return this;
    }

    /**
     * {@code local.set i}.
     *
     * @param i the local's index
     * @return this sequence
     */
    public Code localSet(int i) {
      b.write(0x21);
      leb(b, i);
      return this;
    }

    /**
     * {@code global.get i}.
     *
     * @param i the global's index
     * @return this sequence
     */
    public Code globalGet(int i) {
      b.write(0x23);
      leb(b, i);
      return this;
    }

    /**
     * {@code global.set i}.
     *
     * @param i the global's index
     * @return this sequence
     */
    public Code globalSet(int i) {
      b.write(0x24);
      leb(b, i);
      return this;
    }

    /**
     * i32.load8_u at the address on the stack.
     *
     * @return this sequence
     */
    public Code i32Load8u() {
      b.writeBytes(new byte[] {0x2d, 0, 0});
      return this;
    }

    /**
     * {@code i32.store8}: pops a value and an address, stores the value's low byte.
     *
     * @return this sequence
     */
    public Code i32Store8() {
      b.writeBytes(new byte[] {0x3a, 0, 0});
      return this;
    }

    /**
     * {@code i32.store}: pops a value and an address, stores 4 bytes.
     *
     * @return this sequence
     */
    public Code i32Store() {
      b.writeBytes(new byte[] {0x36, 2, 0});
      return this;
    }

    /**
     * {@code i64.load}: pops an address, pushes the 8 bytes there.
     *
     * @return this sequence
     */
    public Code i64Load() {
      b.writeBytes(new byte[] {0x29, 3, 0});
      return this;
    }

    /**
     * {@code i64.store}: pops a value and an address, stores 8 bytes.
     *
     * @return this sequence
     */
    public Code i64Store() {
      b.writeBytes(new byte[] {0x37, 3, 0});
      return this;
    }

    /**
     * {@code i32.sub}.
     *
     * @return this sequence
     */
    public Code i32Sub() {
      b.write(0x6b);
      return this;
    }

    /**
     * {@code i32.load}: pops an address, pushes the 4 bytes there.
     *
     * @return this sequence
     */
    public Code i32Load() {
      b.writeBytes(new byte[] {0x28, 2, 0});
      return this;
    }

    /**
     * {@code i32.add}.
     *
     * @return this sequence
     */
    public Code i32Add() {
      b.write(0x6a);
      return this;
    }

    /**
     * {@code i64.add}.
     *
     * @return this sequence
     */
    public Code i64Add() {
      b.write(0x7c);
      return this;
    }

    /**
     * {@code i32.eqz}: pushes 1 when the popped value is 0, else 0.
     *
     * @return this sequence
     */
    public Code i32Eqz() {
      b.write(0x45);
      return this;
    }

    /**
     * {@code drop}: pops a value.
     *
     * @return this sequence
     */
    public Code drop() {
      b.write(0x1a);
      return this;
    }

    /**
     * {@code memory.size}: pushes the memory's size in pages.
     *
     * @return this sequence
     */
    public Code memorySize() {
      b.write(0x3f);
      b.write(0x00);
      return this;
    }

    /**
     * {@code memory.grow}: pops a page count, pushes the old size (or -1).
     *
     * @return this sequence
     */
    public Code memoryGrow() {
      b.write(0x40);
      b.write(0x00);
      return this;
    }

    /**
     * {@code if} with no result; close it with {@link #end()}.
     *
     * @return this sequence
     */
    public Code ifThen() {
      b.write(0x04);
      b.write(0x40);
      return this;
    }

    /**
     * {@code loop} with no result; {@link #br(int) br 0} jumps back to its start.
     *
     * @return this sequence
     */
    public Code loop() {
      b.write(0x03);
      b.write(0x40);
      return this;
    }

    /**
     * {@code br depth}: jumps to the end of the enclosing block {@code depth} levels out, or to the
     * start of a loop.
     *
     * @param depth 0 for the innermost block
     * @return this sequence
     */
    public Code br(int depth) {
      b.write(0x0c);
      leb(b, depth);
      return this;
    }

    /**
     * {@code end}: closes a block, a loop, an {@code if} or the function body.
     *
     * @return this sequence
     */
    public Code end() {
      b.write(0x0b);
      return this;
    }

    /**
     * Raw instruction bytes (an opcode and its immediates, LEB128 already encoded), for an
     * instruction this builder has no method for ({@code else}, {@code br_if}, {@code
     * br_table}, {@code return}, {@code unreachable}, {@code call_indirect}, ...).
     *
     * @param bytes the bytes, each 0 to 255
     * @return this sequence
     */
    public Code op(int... bytes) {
      for (int x : bytes) {
        b.write(x);
      }
      return this;
    }

    /**
     * Appends another sequence of instructions (without its own {@code end}).
     *
     * @param other the instructions to append
     * @return this sequence
     */
    public Code append(Code other) {
      b.writeBytes(other.bytes());
      return this;
    }

    byte[] bytes() {
      return b.toByteArray();
    }
  }
}
