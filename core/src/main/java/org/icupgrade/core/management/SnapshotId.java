package org.icupgrade.core.management;

import java.util.Arrays;
import java.util.HexFormat;

/** A canister snapshot's id ({@code snapshot_id = blob}). Immutable; prints as hex. */
public final class SnapshotId {
  private final byte[] bytes;

  private SnapshotId(byte[] bytes) {
    this.bytes = bytes;
  }

  public static SnapshotId of(byte[] bytes) {
    return new SnapshotId(bytes.clone());
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SnapshotId s && Arrays.equals(bytes, s.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes);
  }
}
