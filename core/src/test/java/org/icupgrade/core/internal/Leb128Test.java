package org.icupgrade.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Leb128Test {
  @ParameterizedTest
  @CsvSource({"0, 00", "127, 7f", "128, 8001", "624485, e58e26", "4294967295, ffffffff0f"})
  void writeUnsigned_specExamples(long value, String hex) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Leb128.writeUnsigned(out, value);
    assertEquals(hex, HexFormat.of().formatHex(out.toByteArray()));
    assertEquals(hex.length() / 2, Leb128.unsignedLength(value));
  }

  @ParameterizedTest
  @CsvSource({"0, 00", "-1, 7f", "63, 3f", "64, c000", "-64, 40", "-65, bf7f", "-123456, c0bb78"})
  void writeSigned_specExamples(long value, String hex) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Leb128.writeSigned(out, value);
    assertEquals(hex, HexFormat.of().formatHex(out.toByteArray()));
  }

  @ParameterizedTest
  @CsvSource({"0, 2, 808000", "5, 1, 8500"})
  void writeUnsigned_padded_stillDecodesToValue(long value, int padding, String hex) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Leb128.writeUnsigned(out, value, padding);
    assertEquals(hex, HexFormat.of().formatHex(out.toByteArray()));
  }
}
