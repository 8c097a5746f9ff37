package org.icupgrade.core.assets;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A chunk uploaded to an asset canister ({@code ChunkId = nat}), referenced by a {@link
 * BatchOperation.SetAssetContent} when the batch is committed.
 *
 * @param value the canister's number for the chunk, never negative
 */
public record ChunkId(BigInteger value) {
  public ChunkId {
    Objects.requireNonNull(value, "value");
    if (value.signum() < 0) {
      throw new IllegalArgumentException("a chunk id is a nat, got " + value);
    }
  }

  /** The chunk with this number. */
  public static ChunkId of(long value) {
    return new ChunkId(BigInteger.valueOf(value));
  }

  @Override
  public String toString() {
    return "chunk " + value;
  }
}
