package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.icupgrade.replica.demo.WasmBuilder.Code;

/**
 * The demo's target canister, v1 and v2, as WebAssembly modules built here:
 * {@code get_version} ("v1" / "v2"), {@code get_lib_version} ("1.0" / "2.0"), {@code greet(text)}
 * ("Hello, World!" / "Greetings, World! (upgraded)"), and a counter ({@code increment},
 * {@code get_count : () -> (nat64)}) that survives upgrades through the pre/post-upgrade hooks and
 * stable memory. Replies are Candid. v2 carries 2.2 MiB of data, so it only fits a chunked install.
 * Names up to 100 bytes are greeted.
 */
public final class DemoCanisters {
  static final String CANDID = "service : {\n"
      + "  get_version : () -> (text) query;\n"
      + "  get_lib_version : () -> (text) query;\n"
      + "  greet : (text) -> (text) query;\n"
      + "  increment : () -> ();\n"
      + "  get_count : () -> (nat64) query;\n"
      + "}\n";

  private DemoCanisters() {}

  /**
   * Target v1.
   *
   * @return the module's bytes
   */
  public static byte[] targetV1() {
    return target("v1", "1.0", "Hello, ", "!", 0);
  }

  /**
   * Target v2, larger than 2 MiB.
   *
   * @return the module's bytes
   */
  public static byte[] targetV2() {
    return target("v2", "2.0", "Greetings, ", "! (upgraded)", 2_300_000);
  }

  /**
   * The Candid encoding of one text value.
   *
   * @param text the value
   * @return the Candid message: header, type table, the value
   */
  public static byte[] candidText(String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    if (t.length > 127) {
      throw new IllegalArgumentException("demo texts are at most 127 bytes");
    }
    byte[] out = new byte[8 + t.length];
    System.arraycopy(TEXT_HEADER, 0, out, 0, 7);
    out[7] = (byte) t.length;
    System.arraycopy(t, 0, out, 8, t.length);
    return out;
  }

  /** "DIDL", no type table entries, one argument of type text (-15 = 0x71). */
  static final byte[] TEXT_HEADER = {'D', 'I', 'D', 'L', 0, 1, 0x71};
  /** "DIDL", no types, one argument of type nat64 (-8 = 0x78). */
  static final byte[] NAT64_HEADER = {'D', 'I', 'D', 'L', 0, 1, 0x78};
  /** "DIDL", no types, no arguments: the reply {@code ()}. */
  static final byte[] EMPTY = {'D', 'I', 'D', 'L', 0, 0};

  // Memory layout.
  private static final int HEADER = 0;
  private static final int VERSION = 32;
  private static final int LIB = 64;
  private static final int PREFIX = 96;
  private static final int SUFFIX = 128;
  private static final int EMPTY_AT = 160;
  private static final int NAT64_AT = 176;
  private static final int SCRATCH = 200;
  private static final int LENGTH = 208;
  private static final int ARG = 1024;
  private static final int PADDING = 65_536;

  private static byte[] target(
      String version, String lib, String prefix, String suffix, int padding) {
    WasmBuilder w = new WasmBuilder();
    int argSize = w.importFunction("ic0", "msg_arg_data_size", types(), types(I32));
    int argCopy = w.importFunction("ic0", "msg_arg_data_copy", types(I32, I32, I32), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int stableSize = w.importFunction("ic0", "stable_size", types(), types(I32));
    int stableGrow = w.importFunction("ic0", "stable_grow", types(I32), types(I32));
    int stableRead = w.importFunction("ic0", "stable_read", types(I32, I32, I32), types());
    int stableWrite = w.importFunction("ic0", "stable_write", types(I32, I32, I32), types());
    int count = w.global(I64, true, 0);

    byte[] versionReply = candidText(version);
    byte[] libReply = candidText(lib);
    byte[] prefixBytes = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] suffixBytes = suffix.getBytes(StandardCharsets.UTF_8);

    w.export("canister_query get_version", w.function(types(), types(), types(), new Code()
        .i32(VERSION).i32(versionReply.length).call(append).call(reply).end()));
    w.export("canister_query get_lib_version", w.function(types(), types(), types(), new Code()
        .i32(LIB).i32(libReply.length).call(append).call(reply).end()));
    // greet: the argument is DIDL 00 01 71 <length> <name>; the reply the same with
    // prefix + name + suffix.
    w.export("canister_query greet", w.function(types(), types(), types(I32), new Code()
        .call(argSize).localSet(0)
        .i32(ARG).i32(0).localGet(0).call(argCopy)
        .i32(LENGTH).i32(ARG + 7).i32Load8u().i32(prefixBytes.length + suffixBytes.length)
        .i32Add().i32Store8()
        .i32(HEADER).i32(7).call(append)
        .i32(LENGTH).i32(1).call(append)
        .i32(PREFIX).i32(prefixBytes.length).call(append)
        .i32(ARG + 8).i32(ARG + 7).i32Load8u().call(append)
        .i32(SUFFIX).i32(suffixBytes.length).call(append)
        .call(reply).end()));
    w.export("canister_update increment", w.function(types(), types(), types(), new Code()
        .globalGet(count).i64(1).i64Add().globalSet(count)
        .i32(EMPTY_AT).i32(EMPTY.length).call(append).call(reply).end()));
    w.export("canister_query get_count", w.function(types(), types(), types(), new Code()
        .i32(SCRATCH).globalGet(count).i64Store()
        .i32(NAT64_AT).i32(7).call(append)
        .i32(SCRATCH).i32(8).call(append)
        .call(reply).end()));
    // The counter lives on the heap; the upgrade hooks carry it over in stable memory.
    w.export("canister_pre_upgrade", w.function(types(), types(), types(), new Code()
        .call(stableSize).i32Eqz().ifThen().i32(1).call(stableGrow).drop().end()
        .i32(SCRATCH).globalGet(count).i64Store()
        .i32(0).i32(SCRATCH).i32(8).call(stableWrite)
        .end()));
    w.export("canister_post_upgrade", w.function(types(), types(), types(), new Code()
        .call(stableSize).ifThen()
        .i32(SCRATCH).i32(0).i32(8).call(stableRead)
        .i32(SCRATCH).i64Load().globalSet(count)
        .end()
        .end()));

    w.data(HEADER, TEXT_HEADER).data(VERSION, versionReply).data(LIB, libReply)
        .data(PREFIX, prefixBytes).data(SUFFIX, suffixBytes).data(EMPTY_AT, EMPTY)
        .data(NAT64_AT, NAT64_HEADER);
    int pages = 1;
    if (padding > 0) {
      byte[] pad = new byte[padding];
      new SplittableRandom(2).nextBytes(pad);
      w.data(PADDING, pad);
      pages = (PADDING + padding) / 65_536 + 1;
    }
    w.memory(pages);
    w.custom("icp:public candid:service", CANDID.getBytes(StandardCharsets.UTF_8));
    return w.build();
  }
}
