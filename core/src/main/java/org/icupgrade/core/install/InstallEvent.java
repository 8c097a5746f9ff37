package org.icupgrade.core.install;

import java.time.Duration;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Sha256;

/** What an install reports to its {@link InstallListener}, in the order they happen. */
public sealed interface InstallEvent {
  /**
   * The install begins.
   *
   * @param chunked whether the chunk store is used (else one {@code install_code} message)
   * @param chunkCount the module's chunks, 0 for a single-message install
   */
  record Started(InstallRequest request, boolean chunked, int chunkCount) implements InstallEvent {}

  /** The store's unrelated chunks left no room for this module, and the store was cleared first. */
  record ChunkStoreCleared(int unrelatedChunks) implements InstallEvent {}

  /** The chunk at {@code index} is already in the store and is not sent again. */
  record ChunkSkipped(int index, Sha256 hash) implements InstallEvent {}

  /** The chunk at {@code index} was uploaded; {@code uploaded} of {@code toUpload} are done. */
  record ChunkUploaded(int index, Sha256 hash, int size, int uploaded, int toUpload)
      implements InstallEvent {}

  /** A call failed transiently and is repeated after {@code delay}. */
  record Retrying(String method, int attempt, Duration delay, IcException failure)
      implements InstallEvent {}

  /** The install finished with this outcome. */
  record Finished(InstallOutcome outcome) implements InstallEvent {}
}
