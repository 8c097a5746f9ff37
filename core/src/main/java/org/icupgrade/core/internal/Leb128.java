package org.icupgrade.core.internal;

import java.io.ByteArrayOutputStream;

/**
 * LEB128 integers, as both the Candid and the WebAssembly binary formats write them: unsigned
 * (length prefixes, ids) and signed (type opcodes, constants).
 */
public final class Leb128 {
  private Leb128() {}

  /** Writes {@code value} as unsigned LEB128, {@code padding} bytes longer than needed. */
  public static void writeUnsigned(ByteArrayOutputStream out, long value, int padding) {
    int total = unsignedLength(value) + padding;
    long v = value;
    for (int i = 0; i < total; i++) {
      int b = (int) (v & 0x7f);
      v >>>= 7;
      out.write(i < total - 1 ? b | 0x80 : b);
    }
  }

  public static void writeUnsigned(ByteArrayOutputStream out, long value) {
    writeUnsigned(out, value, 0);
  }

  public static void writeSigned(ByteArrayOutputStream out, long value) {
    long v = value;
    while (true) {
      int b = (int) (v & 0x7f);
      v >>= 7;
      boolean done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
      out.write(done ? b : b | 0x80);
      if (done) {
        return;
      }
    }
  }

  /** How many bytes the shortest unsigned encoding of {@code value} takes. */
  public static int unsignedLength(long value) {
    int n = 1;
    for (long v = value >>> 7; v != 0; v >>>= 7) {
      n++;
    }
    return n;
  }
}
