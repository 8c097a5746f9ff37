package org.icupgrade.deployer.plan;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * What a canister runs against the latest release: the module hashes, release tags and frontend
 * hashes on both sides, and whether the module and the frontend differ. Before a release is ready
 * the available side is empty and nothing is reported as different. Immutable.
 */
public final class UpdateInfo {
  private final @Nullable Sha256 currentModuleHash;
  private final @Nullable Sha256 availableModuleHash;
  private final @Nullable String currentReleaseTag;
  private final @Nullable String availableReleaseTag;
  private final boolean wasmUpdateAvailable;
  private final boolean frontendUpdateAvailable;
  private final @Nullable Sha256 currentFrontendHash;
  private final @Nullable Sha256 availableFrontendHash;

  /**
   * @param currentModuleHash the installed module's hash (the record's, or the canister's live one);
   *     null when unknown or no module is installed
   * @param availableModuleHash the latest release's module hash; null before a release is ready
   * @param currentReleaseTag the release the record says is installed; null when unknown
   * @param availableReleaseTag the latest release's tag; null before a release is ready
   * @param wasmUpdateAvailable whether the module hashes differ (false before a release is ready)
   * @param frontendUpdateAvailable whether the frontend hashes differ (false before a release is
   *     ready)
   * @param currentFrontendHash the installed frontend's hash; null when unknown
   * @param availableFrontendHash the latest release's frontend hash; null before a release is
   *     ready
   */
  public UpdateInfo(
      @Nullable Sha256 currentModuleHash,
      @Nullable Sha256 availableModuleHash,
      @Nullable String currentReleaseTag,
      @Nullable String availableReleaseTag,
      boolean wasmUpdateAvailable,
      boolean frontendUpdateAvailable,
      @Nullable Sha256 currentFrontendHash,
      @Nullable Sha256 availableFrontendHash) {
    this.currentModuleHash = currentModuleHash;
    this.availableModuleHash = availableModuleHash;
    this.currentReleaseTag = currentReleaseTag;
    this.availableReleaseTag = availableReleaseTag;
    this.wasmUpdateAvailable = wasmUpdateAvailable;
    this.frontendUpdateAvailable = frontendUpdateAvailable;
    this.currentFrontendHash = currentFrontendHash;
    this.availableFrontendHash = availableFrontendHash;
  }

  /** The installed module's hash, when known. */
  public Optional<Sha256> currentModuleHash() {
    return Optional.ofNullable(currentModuleHash);
  }

  /** The latest release's module hash, once a release is ready. */
  public Optional<Sha256> availableModuleHash() {
    return Optional.ofNullable(availableModuleHash);
  }

  /** The release the record says is installed, when known. */
  public Optional<String> currentReleaseTag() {
    return Optional.ofNullable(currentReleaseTag);
  }

  /** The latest release's tag, once a release is ready. */
  public Optional<String> availableReleaseTag() {
    return Optional.ofNullable(availableReleaseTag);
  }

  /** Whether the module hashes differ (false before a release is ready). */
  public boolean wasmUpdateAvailable() {
    return wasmUpdateAvailable;
  }

  /** Whether the frontend hashes differ (false before a release is ready). */
  public boolean frontendUpdateAvailable() {
    return frontendUpdateAvailable;
  }

  /** The installed frontend's hash, when known. */
  public Optional<Sha256> currentFrontendHash() {
    return Optional.ofNullable(currentFrontendHash);
  }

  /** The latest release's frontend hash, once a release is ready. */
  public Optional<Sha256> availableFrontendHash() {
    return Optional.ofNullable(availableFrontendHash);
  }

  /** Whether anything can be updated: the module, the frontend or both. */
  public boolean updateAvailable() {
    return wasmUpdateAvailable || frontendUpdateAvailable;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof UpdateInfo u
        && Objects.equals(currentModuleHash, u.currentModuleHash)
        && Objects.equals(availableModuleHash, u.availableModuleHash)
        && Objects.equals(currentReleaseTag, u.currentReleaseTag)
        && Objects.equals(availableReleaseTag, u.availableReleaseTag)
        && wasmUpdateAvailable == u.wasmUpdateAvailable
        && frontendUpdateAvailable == u.frontendUpdateAvailable
        && Objects.equals(currentFrontendHash, u.currentFrontendHash)
        && Objects.equals(availableFrontendHash, u.availableFrontendHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(currentModuleHash, availableModuleHash, currentReleaseTag, availableReleaseTag,
        wasmUpdateAvailable, frontendUpdateAvailable, currentFrontendHash, availableFrontendHash);
  }

  @Override
  public String toString() {
    return "UpdateInfo[wasm " + currentModuleHash + " -> " + availableModuleHash
        + (wasmUpdateAvailable ? " (update)" : "") + ", frontend " + currentFrontendHash + " -> "
        + availableFrontendHash + (frontendUpdateAvailable ? " (update)" : "") + ", release "
        + currentReleaseTag + " -> " + availableReleaseTag + "]";
  }
}
