package org.icupgrade.deployer.plan;

import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * What a canister runs against the latest release: the installed and available module hashes and
 * release tags, and the two frontend hashes the frontend comparison is made on.
 *
 * @param currentWasmHash the installed module's hash (the record's, or the canister's live one);
 *     null when unknown or no module is installed
 * @param availableWasmHash the latest release's module hash; null before a release is ready
 * @param currentReleaseTag the release the record says is installed; null when unknown
 * @param availableReleaseTag the latest release's tag; null before a release is ready
 * @param wasmUpdateAvailable whether the module hashes differ (false before a release is ready)
 * @param frontendUpdateAvailable whether the frontend hashes differ (false before a release is
 *     ready)
 * @param currentFrontendHash the installed frontend's hash; null when unknown
 * @param availableFrontendHash the latest release's frontend hash; null before a release is ready
 */
public record UpdateInfo(
    @Nullable Sha256 currentWasmHash,
    @Nullable Sha256 availableWasmHash,
    @Nullable String currentReleaseTag,
    @Nullable String availableReleaseTag,
    boolean wasmUpdateAvailable,
    boolean frontendUpdateAvailable,
    @Nullable Sha256 currentFrontendHash,
    @Nullable Sha256 availableFrontendHash) {

  /**
   * Whether anything can be updated: the module, the frontend or both.
   *
   * @return true when the module or the frontend differs from the latest release
   */
  public boolean updateAvailable() {
    return wasmUpdateAvailable || frontendUpdateAvailable;
  }
}
