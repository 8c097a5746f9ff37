package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.wasm.Parser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SyntheticWasmTest {
  @ParameterizedTest
  @ValueSource(ints = {64, 100, 127, 128, 129, 200, 16_384, 16_400, 65_536, 2_097_152,
      2_097_153, 5 * 1024 * 1024})
  void ofSize_anySize_exactAndParses(int size) {
    byte[] m = SyntheticWasm.ofSize(size, 1);
    assertEquals(size, m.length);
    assertDoesNotThrow(() -> Parser.parse(m));
  }

  @ParameterizedTest
  @ValueSource(ints = {1000})
  void ofSize_sameSeed_sameBytes(int size) {
    assertArrayEquals(SyntheticWasm.ofSize(size, 9), SyntheticWasm.ofSize(size, 9));
  }
}
