package org.icupgrade.assets.internal;

import java.util.ArrayList;
import java.util.List;
import org.icupgrade.core.assets.BatchOperation;

/** Splits commit operations into calls small enough for one ingress message. */
public final class CommitSplitter {
  private CommitSplitter() {}

  /**
   * Consecutive groups, in order, of at most {@code maxOperations} operations whose header and
   * inline bytes stay under {@code maxBytes}; an operation larger than that alone gets its own
   * group.
   */
  public static List<List<BatchOperation>> split(
      List<BatchOperation> ops, int maxOperations, int maxBytes) {
    List<List<BatchOperation>> groups = new ArrayList<>();
    List<BatchOperation> current = new ArrayList<>();
    long bytes = 0;
    for (BatchOperation op : ops) {
      long size = weight(op);
      if (!current.isEmpty() && (current.size() >= maxOperations || bytes + size >= maxBytes)) {
        groups.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(op);
      bytes += size;
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  static long weight(BatchOperation op) {
    long n = op.headerBytes();
    if (op instanceof BatchOperation.SetAssetContent s) {
      n += s.lastChunkLength();
    }
    return n;
  }
}
