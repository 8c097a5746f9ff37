package org.icupgrade.core.install;

import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;

/**
 * What an install did: {@link Installed} with the proven module hash and its cost, or
 * {@link AlreadyCurrent} when an upgrade would have installed the module the canister already runs.
 */
public sealed interface InstallOutcome {
  /** The target canister. */
  Principal canisterId();

  /** The module hash the canister runs now. */
  Sha256 moduleHash();

  /**
   * The module was installed and the canister's module hash read back equals its hash.
   *
   * @param chunked whether the chunked API was used (else one {@code install_code} message)
   * @param callsMade management canister calls made, retries included
   * @param bytesUploaded module bytes sent (chunks uploaded, or the whole module in one message)
   * @param chunksUploaded chunks sent with {@code upload_chunk}
   * @param chunksSkipped chunks already in the store, not sent again
   * @param chunkStoreCleared whether {@code clear_chunk_store} succeeded afterwards
   */
  record Installed(
      Principal canisterId,
      Sha256 moduleHash,
      boolean chunked,
      int callsMade,
      long bytesUploaded,
      int chunksUploaded,
      int chunksSkipped,
      boolean chunkStoreCleared)
      implements InstallOutcome {}

  /** Nothing was sent: the canister already runs a module with this hash (upgrade, not forced). */
  record AlreadyCurrent(Principal canisterId, Sha256 moduleHash, int callsMade)
      implements InstallOutcome {}
}
