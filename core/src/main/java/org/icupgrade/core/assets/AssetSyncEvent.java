package org.icupgrade.core.assets;

import java.time.Duration;
import org.icupgrade.core.IcException;

/** What an asset sync reports to its {@link AssetSyncListener}, in the order they happen. */
public sealed interface AssetSyncEvent {
  /** The diff is known and the sync is about to send it (not sent when the diff is empty). */
  record Started(AssetDiff diff) implements AssetSyncEvent {}

  /**
   * Every chunk of one encoding of {@code key} is on the canister, or was set aside to travel in
   * the commit as {@code last_chunk}.
   */
  record AssetUploaded(String key, String contentEncoding, long bytes) implements AssetSyncEvent {}

  /** {@code delete_asset} removed {@code key} before the commit (the http-assets flavour). */
  record AssetDeleted(String key) implements AssetSyncEvent {}

  /**
   * A {@code commit_batch} call succeeded.
   *
   * @param index 0-based number of this call
   * @param count how many calls the commit is split into
   * @param operations operations in this call
   */
  record BatchCommitted(int index, int count, int operations) implements AssetSyncEvent {}

  /** A call failed transiently and is repeated after {@code delay}. */
  record Retrying(String method, int attempt, Duration delay, IcException failure)
      implements AssetSyncEvent {}

  /** The sync finished with this outcome. */
  record Finished(SyncOutcome outcome) implements AssetSyncEvent {}
}
