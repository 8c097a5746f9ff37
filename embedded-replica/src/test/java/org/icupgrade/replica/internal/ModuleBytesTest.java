package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.icupgrade.core.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModuleBytesTest {
  static final byte[] ALL = new byte[1000];

  static {
    new SplittableRandom(7).nextBytes(ALL);
  }

  /** ALL in chunks of 0, 300, 0, 1, 299 and 400 bytes, each a view into a larger array. */
  static ModuleBytes chunked() {
    int[] sizes = {0, 300, 0, 1, 299, 400};
    Chunk[] chunks = new Chunk[sizes.length];
    int at = 0;
    for (int i = 0; i < sizes.length; i++) {
      byte[] around = new byte[sizes[i] + 10];
      System.arraycopy(ALL, at, around, 5, sizes[i]);
      chunks[i] = new Chunk(around, 5, sizes[i]);
      at += sizes[i];
    }
    return ModuleBytes.of(List.of(chunks));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 299, 300, 301, 599, 600, 601, 999})
  void byteAtAndCopyTo_acrossChunkBoundaries_theConcatenation(int from) {
    ModuleBytes m = chunked();
    assertEquals(ALL.length, m.length());
    assertEquals(ALL[from], m.byteAt(from));
    assertArrayEquals(Arrays.copyOfRange(ALL, from, ALL.length), m.copyOfRange(from, ALL.length));
    assertArrayEquals(Arrays.copyOfRange(ALL, 0, from), m.copyOfRange(0, from));
    // Backwards after forwards: the chunk hint must not mislead.
    assertEquals(ALL[ALL.length - 1 - from], m.byteAt(ALL.length - 1 - from));
  }

  @Test
  void outOfRange_throws() {
    ModuleBytes m = chunked();
    assertThrows(IndexOutOfBoundsException.class, () -> m.byteAt(1000));
    assertThrows(IndexOutOfBoundsException.class, () -> m.byteAt(-1));
    assertThrows(IndexOutOfBoundsException.class, () -> m.copyTo(990, new byte[20], 0, 11));
  }

  @Test
  void streamHashAndWriteTo_asTheJoinedArray() throws IOException {
    ModuleBytes m = chunked();
    assertArrayEquals(ALL, m.inputStream().readAllBytes());
    assertEquals(Sha256.of(ALL), m.sha256());
    ByteArrayOutputStream chunked = new ByteArrayOutputStream();
    m.writeTo(new DataOutputStream(chunked));
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(joined);
    out.writeInt(ALL.length);
    out.write(ALL);
    assertArrayEquals(joined.toByteArray(), chunked.toByteArray());
  }

  @Test
  void toArray_oneWholeArray_isThatArray_elseACopy() {
    assertSame(ALL, ModuleBytes.of(ALL).toArray());
    assertArrayEquals(ALL, chunked().toArray());
    assertEquals(0, ModuleBytes.of(List.of()).length());
  }
}
