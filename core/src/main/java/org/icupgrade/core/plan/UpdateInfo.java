package org.icupgrade.core.plan;

import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * What a canister runs against the latest release (seed 004's {@code UpdateInfo}): the current
 * and available WASM hash and release tag, whether the WASM differs, whether the frontend differs
 * (compared by frontend hash, which is also given).
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

  /** Whether anything can be updated. */
  public boolean updateAvailable() {
    return wasmUpdateAvailable || frontendUpdateAvailable;
  }

  public Optional<String> available() {
    return Optional.ofNullable(availableReleaseTag);
  }
}
