package org.icupgrade.core.assets;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a sync did: the diff it carried out and the calls and bytes it took. A sync of a release
 * the canister already serves has an empty diff and zero of everything.
 */
public final class SyncOutcome {
  private final AssetDiff diff;
  private final @Nullable BatchId batchId;
  private final int chunkCalls;
  private final int chunksUploaded;
  private final long bytesUploaded;
  private final long bytesInlined;
  private final int commitCalls;
  private final int operationsCommitted;
  private final int directDeletes;

  private SyncOutcome(Builder b) {
    this.diff = Objects.requireNonNull(b.diff, "diff");
    this.batchId = b.batchId;
    this.chunkCalls = b.chunkCalls;
    this.chunksUploaded = b.chunksUploaded;
    this.bytesUploaded = b.bytesUploaded;
    this.bytesInlined = b.bytesInlined;
    this.commitCalls = b.commitCalls;
    this.operationsCommitted = b.operationsCommitted;
    this.directDeletes = b.directDeletes;
  }

  public static Builder builder(AssetDiff diff) {
    return new Builder(diff);
  }

  /** The diff that was carried out. */
  public AssetDiff diff() {
    return diff;
  }

  /** The batch used; absent when there was nothing to do. */
  public Optional<BatchId> batchId() {
    return Optional.ofNullable(batchId);
  }

  /** {@code create_chunk} plus {@code create_chunks} calls. */
  public int chunkCalls() {
    return chunkCalls;
  }

  /** Chunks created on the canister. */
  public int chunksUploaded() {
    return chunksUploaded;
  }

  /** Bytes sent in chunks. */
  public long bytesUploaded() {
    return bytesUploaded;
  }

  /** Bytes sent inline as {@code last_chunk} in the commit. */
  public long bytesInlined() {
    return bytesInlined;
  }

  /** {@code commit_batch} calls carrying operations. */
  public int commitCalls() {
    return commitCalls;
  }

  /** Operations committed over all {@code commit_batch} calls. */
  public int operationsCommitted() {
    return operationsCommitted;
  }

  /** Direct {@code delete_asset} calls (the http-assets flavour). */
  public int directDeletes() {
    return directDeletes;
  }

  /** Whether nothing was sent because the canister already served the release. */
  public boolean alreadyCurrent() {
    return diff.isEmpty();
  }

  @Override
  public String toString() {
    return "SyncOutcome[" + diff.counts() + "; " + chunkCalls + " chunk calls, " + chunksUploaded
        + " chunks, " + bytesUploaded + " bytes in chunks, " + bytesInlined + " bytes inline, "
        + commitCalls + " commits of " + operationsCommitted + " operations, " + directDeletes
        + " direct deletes]";
  }

  /** Assembles a {@link SyncOutcome}; every count starts at 0. */
  public static final class Builder {
    private final AssetDiff diff;
    private @Nullable BatchId batchId;
    private int chunkCalls;
    private int chunksUploaded;
    private long bytesUploaded;
    private long bytesInlined;
    private int commitCalls;
    private int operationsCommitted;
    private int directDeletes;

    private Builder(AssetDiff diff) {
      this.diff = Objects.requireNonNull(diff, "diff");
    }

    public Builder batchId(BatchId batchId) {
      this.batchId = batchId;
      return this;
    }

    public Builder chunkCalls(int chunkCalls) {
      this.chunkCalls = chunkCalls;
      return this;
    }

    public Builder chunksUploaded(int chunksUploaded) {
      this.chunksUploaded = chunksUploaded;
      return this;
    }

    public Builder bytesUploaded(long bytesUploaded) {
      this.bytesUploaded = bytesUploaded;
      return this;
    }

    public Builder bytesInlined(long bytesInlined) {
      this.bytesInlined = bytesInlined;
      return this;
    }

    public Builder commitCalls(int commitCalls) {
      this.commitCalls = commitCalls;
      return this;
    }

    public Builder operationsCommitted(int operationsCommitted) {
      this.operationsCommitted = operationsCommitted;
      return this;
    }

    public Builder directDeletes(int directDeletes) {
      this.directDeletes = directDeletes;
      return this;
    }

    public SyncOutcome build() {
      return new SyncOutcome(this);
    }
  }
}
