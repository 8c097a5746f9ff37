package org.icupgrade.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WasmModuleTest {
  static final byte[] MINIMAL = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  static byte[] wasmOfSize(int size) {
    byte[] b = new byte[size];
    System.arraycopy(MINIMAL, 0, b, 0, MINIMAL.length);
    for (int i = MINIMAL.length; i < size; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  @Test
  void chunks_defaultSize_sameChunksEachTime_otherSizesFresh() {
    WasmModule m = WasmModule.of(wasmOfSize(WasmModule.CHUNK_SIZE * 2 + 5));
    List<WasmChunk> first = m.chunks();
    assertEquals(3, first.size());
    // one module installed into many canisters: its chunk hashes are computed once
    assertSame(first.get(2), m.chunks().get(2));
    assertSame(first.get(0), m.chunks(WasmModule.CHUNK_SIZE).get(0));
    assertNotSame(m.chunks(1000).get(0), m.chunks(1000).get(0));
    assertEquals(first.get(1).hash(), m.chunks(WasmModule.CHUNK_SIZE).get(1).hash());
  }

  @Test
  void of_empty_refused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WasmModule.of(new byte[0]));
    assertTrue(e.getMessage().contains("empty"));
  }

  @Test
  void of_htmlErrorPage_refusedNamingTheMagic() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WasmModule.of("<html>".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    assertTrue(e.getMessage().contains("0061736d"), e.getMessage());
  }

  @Test
  void of_gzipOfNonWasm_refused() throws IOException {
    byte[] gz = gzip("not wasm".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThrows(IllegalArgumentException.class, () -> WasmModule.of(gz));
  }

  @Test
  void of_truncatedGzip_refused() throws IOException {
    byte[] gz = gzip(MINIMAL);
    byte[] truncated = java.util.Arrays.copyOf(gz, 5);
    assertThrows(IllegalArgumentException.class, () -> WasmModule.of(truncated));
  }

  @Test
  void hash_gzipModule_isHashOfCompressedBytes() throws IOException {
    byte[] gz = gzip(wasmOfSize(5000));
    WasmModule m = WasmModule.of(gz);
    assertTrue(m.isGzip());
    assertEquals(Sha256.of(gz), m.hash());
    assertArrayEquals(wasmOfSize(5000), m.decompressed());
  }

  @Test
  void read_fileAndStream_sameModule(@TempDir Path dir) throws IOException {
    byte[] bytes = wasmOfSize(3000);
    Path f = dir.resolve("m.wasm");
    Files.write(f, bytes);
    WasmModule fromFile = WasmModule.read(f);
    WasmModule fromStream = WasmModule.read(new ByteArrayInputStream(bytes));
    assertEquals(fromFile.hash(), fromStream.hash());
    assertFalse(fromFile.isGzip());
    assertEquals(3000, fromFile.size());
  }

  @ParameterizedTest
  @ValueSource(ints = {8, WasmModule.CHUNK_SIZE - 1, WasmModule.CHUNK_SIZE,
      WasmModule.CHUNK_SIZE + 1, 3 * WasmModule.CHUNK_SIZE + 17})
  void chunks_anySize_concatenateToModule(int size) {
    byte[] bytes = wasmOfSize(size);
    WasmModule m = WasmModule.of(bytes);
    List<WasmChunk> chunks = m.chunks();
    assertEquals((size + WasmModule.CHUNK_SIZE - 1) / WasmModule.CHUNK_SIZE, chunks.size());
    ByteBuffer joined = ByteBuffer.allocate(size);
    for (WasmChunk c : chunks) {
      assertTrue(c.size() <= WasmModule.CHUNK_SIZE);
      assertEquals(Sha256.of(c.toBytes()), c.hash());
      joined.put(c.content());
    }
    assertArrayEquals(bytes, joined.array());
  }

  @Test
  void chunks_content_isReadOnlyView() {
    WasmModule m = WasmModule.of(wasmOfSize(100));
    ByteBuffer view = m.chunks().get(0).content();
    assertTrue(view.isReadOnly());
    assertEquals(100, view.remaining());
  }

  @Test
  void of_copiesInput_laterChangesIgnored() {
    byte[] bytes = wasmOfSize(64);
    WasmModule m = WasmModule.of(bytes);
    Sha256 h = m.hash();
    bytes[10] ^= 1;
    assertEquals(h, Sha256.of(m.toBytes()));
  }
}
