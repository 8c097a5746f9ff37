package org.icupgrade.core.install;

import org.icupgrade.core.IcException;
import org.icupgrade.core.Sha256;

/**
 * Progress of an install. Every method has a no-op default; implementations must be thread-safe
 * because chunk callbacks arrive from the upload executor's threads.
 */
public interface InstallListener {
  /** A listener that ignores everything. */
  InstallListener NONE = new InstallListener() {};

  /** The install begins; {@code chunkCount} is 0 for a single-message install. */
  default void installStarted(InstallRequest request, boolean chunked, int chunkCount) {}

  /** The chunk at {@code index} was already in the store and is not sent again. */
  default void chunkSkipped(int index, Sha256 hash) {}

  /** The chunk at {@code index} was uploaded; {@code uploaded} of {@code toUpload} are done. */
  default void chunkUploaded(int index, Sha256 hash, int size, int uploaded, int toUpload) {}

  /** A call failed transiently and will be repeated after {@code delayMillis}. */
  default void retrying(String method, int attempt, long delayMillis, IcException failure) {}

  /** The store's unrelated chunks left no room for this module and it was cleared first. */
  default void chunkStoreCleared(int unrelatedChunks) {}

  /** The install finished with this outcome. */
  default void installFinished(InstallOutcome outcome) {}
}
