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

  private static final String[] WORDS = {
    "function", "return", "const", "let", "var", "if", "else", "for", "while", "class",
    "export", "import", "default", "from", "this", "new", "null", "true", "false", "await",
    "async", "div", "span", "margin", "padding", "color", "width", "height", "display", "flex",
    "{", "}", "(", ")", ";", "=", "=>", ".", ",", ":", "\"value\"", "0", "1", "px", "\n"
  };

  /**
   * ASCII that looks like minified web source (keywords and punctuation chosen at random): it
   * compresses with gzip to roughly a third, as real JavaScript and CSS do.
   */
  static byte[] text(int size, long seed) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(seed);
    int i = 0;
    while (i < size) {
      String w = WORDS[r.nextInt(WORDS.length)];
      for (int j = 0; j < w.length() && i < size; j++) {
        b[i++] = (byte) w.charAt(j);
      }
      if (i < size) {
        b[i++] = ' ';
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
