package org.icupgrade.core.assets;

import java.util.List;
import java.util.Objects;

/**
 * The argument of {@code commit_batch} ({@code CommitBatchArguments}): the batch whose chunks the
 * operations use, and the operations, applied in order, all or none.
 */
public final class CommitBatchArguments {
  private final BatchId batchId;
  private final List<BatchOperation> operations;

  private CommitBatchArguments(BatchId batchId, List<BatchOperation> operations) {
    this.batchId = Objects.requireNonNull(batchId, "batchId");
    this.operations = List.copyOf(operations);
  }

  public static CommitBatchArguments of(BatchId batchId, List<? extends BatchOperation> operations) {
    return new CommitBatchArguments(batchId, List.copyOf(operations));
  }

  public BatchId batchId() {
    return batchId;
  }

  public List<BatchOperation> operations() {
    return operations;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CommitBatchArguments c
        && batchId.equals(c.batchId)
        && operations.equals(c.operations);
  }

  @Override
  public int hashCode() {
    return Objects.hash(batchId, operations);
  }

  @Override
  public String toString() {
    return "CommitBatchArguments[" + batchId + ", " + operations.size() + " operations]";
  }
}
