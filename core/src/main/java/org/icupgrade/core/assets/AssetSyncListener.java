package org.icupgrade.core.assets;

/**
 * Hears the progress of an asset sync, one {@link AssetSyncEvent} at a time, so a lambda is a
 * listener. Upload events arrive from the upload executor's threads, one at a time; an
 * implementation must not assume a particular thread. An exception thrown by a listener fails
 * the sync.
 */
@FunctionalInterface
public interface AssetSyncListener {
  /** A listener that ignores everything. */
  AssetSyncListener NONE = event -> {};

  /** Something happened; see the subtypes of {@link AssetSyncEvent}. */
  void onEvent(AssetSyncEvent event);
}
