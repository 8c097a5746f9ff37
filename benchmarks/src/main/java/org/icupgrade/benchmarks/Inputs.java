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

  /**
   * A valid WASM module of {@code size} bytes: the header and, from 11 bytes on, one custom
   * section (empty name) of random bytes, which the installer's local module check accepts.
   */
  static byte[] wasm(int size) {
    byte[] b = bytes(size, 7);
    byte[] magic = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    System.arraycopy(magic, 0, b, 0, Math.min(8, size));
    if (size >= 11) {
      int lebLength = 1;
      while (lebLength(size - 9 - lebLength) > lebLength) { // a padded LEB128 is valid
        lebLength++;
      }
      int content = size - 9 - lebLength;
      b[8] = 0; // custom section
      for (int i = 0; i < lebLength; i++) {
        int bits = (content >>> (7 * i)) & 0x7f;
        b[9 + i] = (byte) (i < lebLength - 1 ? bits | 0x80 : bits);
      }
      b[9 + lebLength] = 0; // its name is empty
    }
    return b;
  }

  private static int lebLength(int v) {
    int n = 1;
    for (int x = v >>> 7; x != 0; x >>>= 7) {
      n++;
    }
    return n;
  }
}
