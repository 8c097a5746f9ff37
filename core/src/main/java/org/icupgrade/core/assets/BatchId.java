package org.icupgrade.core.assets;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A batch on an asset canister ({@code BatchId = nat}): the unit that groups uploaded chunks until
 * {@code commit_batch} uses them.
 *
 * @param value the canister's number for the batch, never negative
 */
public record BatchId(BigInteger value) {
  public BatchId {
    Objects.requireNonNull(value, "value");
    if (value.signum() < 0) {
      throw new IllegalArgumentException("a batch id is a nat, got " + value);
    }
  }

  /** The batch with this number. */
  public static BatchId of(long value) {
    return new BatchId(BigInteger.valueOf(value));
  }

  @Override
  public String toString() {
    return "batch " + value;
  }
}
