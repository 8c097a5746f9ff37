package org.icupgrade.benchmarks;

import java.util.SplittableRandom;

/** Deterministic benchmark inputs. */
final class Inputs {
  private Inputs() {}

  static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < size; i += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8 && i + j < size; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
    }
    return b;
  }

  /** Random bytes behind a WASM header, so that {@code WasmModule} accepts them. */
  static byte[] wasm(int size) {
    byte[] b = bytes(size, 7);
    byte[] magic = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    System.arraycopy(magic, 0, b, 0, Math.min(8, size));
    return b;
  }
}
