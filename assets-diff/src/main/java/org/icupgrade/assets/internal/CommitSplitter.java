package org.icupgrade.assets.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.icupgrade.core.assets.BatchOperation;

/** Splits commit operations into calls small enough for one ingress message and one execution. */
public final class CommitSplitter {
  private CommitSplitter() {}

  /**
   * Consecutive groups, in order, of at most {@code maxOperations} operations whose header and
   * inline bytes stay under {@code maxBytes}; an operation larger than that alone gets its own
   * group.
   */
  public static List<List<BatchOperation>> split(
      List<BatchOperation> ops, int maxOperations, int maxBytes) {
    return split(ops, maxOperations, maxBytes, Long.MAX_VALUE, CommitSplitter::inlineBytes);
  }

  /**
   * As {@link #split(List, int, int)}, and the content bytes a group refers to (chunks and inline
   * content, as the canister hashes them while committing) stay at most {@code maxContentBytes};
   * the content of a {@code SetAssetContent} whose chunk sizes the splitter cannot see is
   * estimated from its inline part only, so callers that know better use the other overload.
   */
  public static List<List<BatchOperation>> split(
      List<BatchOperation> ops, int maxOperations, int maxBytes, long maxContentBytes) {
    return split(ops, maxOperations, maxBytes, maxContentBytes, CommitSplitter::inlineBytes);
  }

  /**
   * As {@link #split(List, int, int, long)}, with {@code contentBytes} telling how many content
   * bytes an operation refers to.
   */
  public static List<List<BatchOperation>> split(
      List<BatchOperation> ops, int maxOperations, int maxBytes, long maxContentBytes,
      ToLongFunction<BatchOperation> contentBytes) {
    List<List<BatchOperation>> groups = new ArrayList<>();
    List<BatchOperation> current = new ArrayList<>();
    long bytes = 0;
    long content = 0;
    for (BatchOperation op : ops) {
      long size = weight(op);
      long c = contentBytes.applyAsLong(op);
      if (!current.isEmpty() && (current.size() >= maxOperations || bytes + size >= maxBytes
          || content + c > maxContentBytes)) {
        groups.add(current);
        current = new ArrayList<>();
        bytes = 0;
        content = 0;
      }
      current.add(op);
      bytes += size;
      content += c;
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  static long weight(BatchOperation op) {
    return op.headerBytes() + inlineBytes(op);
  }

  private static long inlineBytes(BatchOperation op) {
    return op instanceof BatchOperation.SetAssetContent s ? s.lastChunkLength() : 0;
  }
}
