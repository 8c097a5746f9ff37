package org.icupgrade.core;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * One chunk of a {@link WasmModule}: a read-only view of its bytes, never a copy.
 *
 * <p>The chunk hash is the SHA-256 of the chunk's bytes, as {@code upload_chunk} returns it and
 * {@code install_chunked_code} expects it in {@code chunk_hashes_list}.
 */
public final class WasmChunk {
  private final int index;
  private final byte[] module;
  private final int offset;
  private final int size;
  private volatile @Nullable Sha256 hash;

  WasmChunk(int index, byte[] module, int offset, int size) {
    this.index = index;
    this.module = module;
    this.offset = offset;
    this.size = size;
  }

  /** Position of this chunk in the module, from 0. */
  public int index() {
    return index;
  }

  /** Offset of the chunk's first byte in the module. */
  public int offset() {
    return offset;
  }

  /** Number of bytes. */
  public int size() {
    return size;
  }

  /** A fresh read-only view of the chunk's bytes. */
  public ByteBuffer content() {
    return ByteBuffer.wrap(module, offset, size).slice().asReadOnlyBuffer();
  }

  /** A copy of the chunk's bytes, for transports that need an array. */
  public byte[] toBytes() {
    byte[] out = new byte[size];
    System.arraycopy(module, offset, out, 0, size);
    return out;
  }

  /** SHA-256 of the chunk's bytes, computed once. */
  public Sha256 hash() {
    Sha256 h = hash;
    if (h == null) {
      MessageDigest md = Sha256.newDigest();
      md.update(module, offset, size);
      h = Sha256.fromDigest(md);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return "WasmChunk[" + index + ", " + size + " bytes at " + offset + "]";
  }
}
