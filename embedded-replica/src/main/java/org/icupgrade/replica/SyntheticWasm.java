package org.icupgrade.replica;

import java.io.ByteArrayOutputStream;
import java.util.SplittableRandom;
import org.icupgrade.core.internal.Leb128;

/**
 * Builds valid WebAssembly modules of a chosen size: one linear memory and one active data segment
 * holding pseudo-random bytes, so that the module parses, its chunks all differ, and gzip cannot
 * shrink it away.
 */
public final class SyntheticWasm {
  private SyntheticWasm() {}

  /**
   * A valid module of exactly {@code size} bytes (at least 64), seeded for reproducibility.
   *
   * @param size the module's length in bytes, at least 64
   * @param seed the same seed gives the same bytes
   * @return the module's bytes
   */
  public static byte[] ofSize(int size, long seed) {
    if (size < 64) {
      throw new IllegalArgumentException("size must be at least 64 bytes, got " + size);
    }
    // The LEB128 length fields grow with the payload, so a payload length may jump over the wanted
    // size; the last few bytes are made up by a longer (still valid: a u32 takes up to five LEB128
    // bytes) encoding of the memory's page count, whose section length stays one byte.
    for (int payload = size - 20; payload > size - 80; payload--) {
      int pages = Math.max(1, (payload + 65_535) / 65_536);
      for (int pad = 0; pad <= 5 - lebLength(pages); pad++) {
        if (encodedLength(payload, pad) == size) {
          return build(payload, seed, pad);
        }
      }
    }
    throw new IllegalStateException("no module layout of exactly " + size + " bytes");
  }

  private static int encodedLength(int payload, int pad) {
    int pages = Math.max(1, (payload + 65_535) / 65_536);
    int memoryContent = 2 + lebLength(pages) + pad;
    int dataContent = 2 + 3 + lebLength(payload) + payload;
    return 8 + 1 + lebLength(memoryContent) + memoryContent
        + 1 + lebLength(dataContent) + dataContent;
  }

  private static int lebLength(int value) {
    return Leb128.unsignedLength(value);
  }


  private static byte[] build(int payload, long seed, int pagesPadding) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload + 64);
    out.writeBytes(new byte[] {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
    int pages = Math.max(1, (payload + 65_535) / 65_536);
    ByteArrayOutputStream memory = new ByteArrayOutputStream();
    memory.write(1); // one memory
    memory.write(0); // limits: min only
    leb(memory, pages, pagesPadding);
    section(out, 5, memory.toByteArray());

    ByteArrayOutputStream data = new ByteArrayOutputStream(payload + 16);
    data.write(1); // one segment
    data.write(0); // active, memory 0
    data.writeBytes(new byte[] {0x41, 0x00, 0x0b}); // offset: i32.const 0; end
    leb(data, payload);
    byte[] bytes = new byte[payload];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < payload; i++) {
      bytes[i] = (byte) r.nextInt(256);
    }
    data.writeBytes(bytes);
    section(out, 11, data.toByteArray());
    return out.toByteArray();
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    leb(out, content.length);
    out.writeBytes(content);
  }

  private static void leb(ByteArrayOutputStream out, int value) {
    Leb128.writeUnsigned(out, value);
  }

  /** Unsigned LEB128 of {@code value}, made {@code padding} bytes longer than needed. */
  private static void leb(ByteArrayOutputStream out, int value, int padding) {
    Leb128.writeUnsigned(out, value, padding);
  }
}
