package org.icupgrade.core.assets;

/**
 * Progress of an asset sync. Every method has a no-op default; implementations must be thread-safe
 * because upload callbacks arrive from the upload executor's threads.
 */
public interface AssetSyncListener {
  /** A listener that ignores everything. */
  AssetSyncListener NONE = new AssetSyncListener() {};

  /** The diff is known and the sync is about to send it (not called when it is empty). */
  default void syncStarted(AssetDiff diff) {}

  /**
   * Every chunk of one encoding of {@code key} is on the canister, or was set aside to travel in
   * the commit as {@code last_chunk}.
   */
  default void assetUploaded(String key, String contentEncoding, long bytes) {}

  /** {@code delete_asset} removed {@code key} before the commit (the http-assets flavour). */
  default void assetDeleted(String key) {}

  /**
   * A {@code commit_batch} call succeeded.
   *
   * @param index 0-based number of this call
   * @param count how many calls the commit is split into
   * @param operations operations in this call
   */
  default void batchCommitted(int index, int count, int operations) {}

  /** The sync finished with this outcome. */
  default void syncFinished(SyncOutcome outcome) {}
}
