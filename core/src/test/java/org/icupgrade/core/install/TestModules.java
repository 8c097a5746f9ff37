package org.icupgrade.core.install;

import org.icupgrade.core.WasmModule;

/** Valid WASM modules of any size for the installer's tests: one custom section of filler. */
public final class TestModules {
  private TestModules() {}

  /**
   * A module of exactly {@code size} bytes (at least 14): the WASM header and one custom section
   * named {@code pad} whose bytes follow {@code seed} (0: all zeros).
   *
   * @param size the module's length
   * @param seed the filler's pattern
   * @return the module
   */
  public static WasmModule of(int size, int seed) {
    byte[] b = new byte[size];
    System.arraycopy(new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0}, 0, b, 0, 8);
    int lebLength = 1;
    while (8 + 1 + lebLength + 4 > size || lebLength(size - 9 - lebLength) > lebLength) {
      lebLength++;
      if (lebLength > 5) {
        throw new IllegalArgumentException("no module of " + size + " bytes");
      }
    }
    int content = size - 9 - lebLength;
    int at = 8;
    b[at++] = 0; // custom section
    for (int i = 0; i < lebLength; i++) {
      int bits = (content >>> (7 * i)) & 0x7f;
      b[at++] = (byte) (i < lebLength - 1 ? bits | 0x80 : bits);
    }
    b[at++] = 3;
    b[at++] = 'p';
    b[at++] = 'a';
    b[at++] = 'd';
    if (seed != 0) {
      for (int i = at; i < size; i++) {
        b[i] = (byte) (i * 31 + seed + i / 65_536);
      }
    }
    return WasmModule.of(b);
  }

  private static int lebLength(int v) {
    int n = 1;
    while ((v >>>= 7) != 0) {
      n++;
    }
    return n;
  }
}
