package org.icupgrade.replica.internal;

import java.util.Objects;

/**
 * Where a module's data segments' bytes are in the module (as installed, or its gunzipped
 * WebAssembly binary): each segment's start and length, in the module's order. Chicory is given
 * the segments with no bytes (their kinds and offsets stay, so it validates and instantiates
 * them as usual); {@link JournaledMemory} takes their bytes from here, so that a module of
 * 100 MiB of data is not copied into Chicory's segments.
 */
final class SegmentBytes {
  private final ModuleBytes source;
  private final int[] start;
  private final int[] length;

  SegmentBytes(ModuleBytes source, int[] start, int[] length) {
    if (start.length != length.length) {
      throw new IllegalArgumentException(start.length + " starts, " + length.length + " lengths");
    }
    for (int i = 0; i < start.length; i++) {
      Objects.checkFromIndexSize(start[i], length[i], source.length());
    }
    this.source = source;
    this.start = start.clone();
    this.length = length.clone();
  }

  int count() {
    return start.length;
  }

  /** The length of segment {@code i}. */
  int length(int i) {
    return length[i];
  }

  /** Copies {@code len} bytes of segment {@code i} from {@code from} into {@code dst}. */
  void copyTo(int i, int from, byte[] dst, int at, int len) {
    Objects.checkFromIndexSize(from, len, length[i]);
    source.copyTo(start[i] + from, dst, at, len);
  }
}
