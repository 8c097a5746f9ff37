package org.icupgrade.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * A WebAssembly module exactly as it will be installed: raw WASM or gzip-compressed WASM.
 *
 * <p>The bytes are never altered: the IC hashes a module as installed, so a {@code .wasm.gz} keeps
 * its compressed bytes and its hash is the hash of those bytes. Reading checks the magic bytes
 * ({@code 00 61 73 6d} for WASM, {@code 1f 8b 08} for gzip whose content must start with the WASM
 * magic), so a truncated download or an HTML error page is refused before any upload.
 *
 * <p>Instances are immutable and hold one copy of the module; {@link #chunks} returns read-only
 * views of it.
 */
public final class WasmModule {
  /** The chunk size of {@code upload_chunk}: at most 1 MiB (interface spec, "upload_chunk"). */
  public static final int CHUNK_SIZE = 1024 * 1024;

  private static final byte[] WASM_MAGIC = {0x00, 0x61, 0x73, 0x6d};
  private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b, 0x08};

  private final byte[] bytes;
  private final boolean gzip;
  private volatile @Nullable Sha256 hash;
  /**
   * The {@link #CHUNK_SIZE} chunks, made once: their hashes are computed once per module, not
   * once per install (a fleet installs one module into many canisters).
   */
  private volatile @Nullable List<WasmChunk> defaultChunks;

  private WasmModule(byte[] bytes, boolean gzip) {
    this.bytes = bytes;
    this.gzip = gzip;
  }

  /**
   * A module from these bytes (copied).
   *
   * @throws IllegalArgumentException when the bytes are empty or neither WASM nor gzipped WASM
   */
  public static WasmModule of(byte[] bytes) {
    return validated(bytes.clone(), "the given bytes");
  }

  /** Reads a module from a file, {@code .wasm} or {@code .wasm.gz}. */
  public static WasmModule read(Path file) throws IOException {
    return validated(Files.readAllBytes(file), file.toString());
  }

  /** Reads a module from a stream to its end; the stream is not closed. */
  public static WasmModule read(InputStream in) throws IOException {
    return validated(in.readAllBytes(), "the stream");
  }

  private static WasmModule validated(byte[] bytes, String source) {
    if (bytes.length == 0) {
      throw new IllegalArgumentException("empty WASM module from " + source);
    }
    if (startsWith(bytes, WASM_MAGIC)) {
      return new WasmModule(bytes, false);
    }
    if (startsWith(bytes, GZIP_MAGIC)) {
      byte[] head = new byte[WASM_MAGIC.length];
      int n = 0;
      try (InputStream in = new GZIPInputStream(
          new java.io.ByteArrayInputStream(bytes), 512)) {
        while (n < head.length) {
          int r = in.read(head, n, head.length - n);
          if (r < 0) {
            break;
          }
          n += r;
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "corrupt gzip in the WASM module from " + source + ": " + e.getMessage(), e);
      }
      if (n < head.length || !startsWith(head, WASM_MAGIC)) {
        throw new IllegalArgumentException(
            "the gzip file from " + source + " does not contain a WASM module"
                + " (its content does not start with \\0asm)");
      }
      return new WasmModule(bytes, true);
    }
    throw new IllegalArgumentException(
        "not a WASM module: " + source + " starts with "
            + java.util.HexFormat.of().formatHex(bytes, 0, Math.min(4, bytes.length))
            + ", expected 0061736d (WASM) or 1f8b08 (gzip)");
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Size in bytes as installed. */
  public int size() {
    return bytes.length;
  }

  /** Whether the module is gzip-compressed. */
  public boolean isGzip() {
    return gzip;
  }

  /** SHA-256 of the bytes as installed: what the IC reports as the module hash. */
  public Sha256 hash() {
    Sha256 h = hash;
    if (h == null) {
      h = Sha256.of(bytes);
      hash = h;
    }
    return h;
  }

  /** A read-only view of the whole module. */
  public ByteBuffer content() {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  /** A copy of the module's bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The module cut into {@link #CHUNK_SIZE} chunks. */
  public List<WasmChunk> chunks() {
    return chunks(CHUNK_SIZE);
  }

  /**
   * The module cut into chunks of {@code chunkSize} bytes (the last may be shorter), as views;
   * the {@link #CHUNK_SIZE} ones are the same instances each time, their hashes computed once.
   */
  public List<WasmChunk> chunks(int chunkSize) {
    if (chunkSize <= 0 || chunkSize > CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunk size must be between 1 and " + CHUNK_SIZE + ", got " + chunkSize);
    }
    if (chunkSize == CHUNK_SIZE) {
      List<WasmChunk> made = defaultChunks;
      if (made == null) {
        made = cut(chunkSize);
        defaultChunks = made;
      }
      return made;
    }
    return cut(chunkSize);
  }

  private List<WasmChunk> cut(int chunkSize) {
    int count = (bytes.length + chunkSize - 1) / chunkSize;
    List<WasmChunk> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int off = i * chunkSize;
      out.add(new WasmChunk(i, bytes, off, Math.min(chunkSize, bytes.length - off)));
    }
    return Collections.unmodifiableList(out);
  }

  /** The uncompressed WASM bytes: the module itself, or its gzip content inflated. */
  public byte[] decompressed() {
    if (!gzip) {
      return bytes.clone();
    }
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes), 64 * 1024)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length * 3);
      in.transferTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IntegrityException("corrupt gzip in WASM module: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "WasmModule[" + size() + " bytes" + (gzip ? ", gzip" : "") + ", sha256=" + hash() + "]";
  }
}
