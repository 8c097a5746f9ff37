package org.icupgrade.replica.internal;

import java.util.function.Function;

/**
 * Reads a module's bytes for the replica's rewrites (metering, memory64 lowering, function
 * outlining): bytes and LEB128 integers (WebAssembly core spec 5.2.2), refusing bytes that run
 * past the end or an integer longer than its type with the exception each rewrite throws for a
 * module it does not handle.
 */
final class WasmReader {
  final byte[] bytes;
  int pos;
  private final Function<String, ? extends RuntimeException> refuse;

  WasmReader(byte[] bytes, int pos, Function<String, ? extends RuntimeException> refuse) {
    this.bytes = bytes;
    this.pos = pos;
    this.refuse = refuse;
  }

  /** A refusal with {@code message}, in the exception this reader was made with. */
  RuntimeException refused(String message) {
    return refuse.apply(message);
  }

  int u8() {
    if (pos >= bytes.length) {
      throw refuse.apply("module ends early");
    }
    return bytes[pos++] & 0xff;
  }

  /** An unsigned LEB128 of at most 64 bits (u32 and u64 immediates alike). */
  long u64() {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift > 63) {
        throw refuse.apply("LEB128 too long");
      }
      int b = u8();
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
  }

  /** An unsigned LEB128 that is an index or a count: at most {@link Integer#MAX_VALUE}. */
  int index() {
    long v = u64();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw refuse.apply("index too large");
    }
    return (int) v;
  }

  /** A signed LEB128 of at most 64 bits. */
  long s64() {
    long v = 0;
    int shift = 0;
    int b;
    do {
      if (shift > 63) {
        throw refuse.apply("LEB128 too long");
      }
      b = u8();
      v |= (long) (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    if (shift < 64 && (b & 0x40) != 0) {
      v |= -1L << shift;
    }
    return v;
  }

  /** Skips one LEB128, signed or not. */
  void skipLeb() {
    for (int n = 0; (u8() & 0x80) != 0; n++) {
      if (n >= 9) {
        throw refuse.apply("LEB128 too long");
      }
    }
  }
}
