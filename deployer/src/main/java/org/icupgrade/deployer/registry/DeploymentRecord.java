package org.icupgrade.deployer.registry;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * One canister's record, kept by the backend that deployed it: canister id, owner, status
 * (with the reason when {@link DeploymentStatus#FAILED}), the installed WASM hash, frontend hash
 * and release tag, and a version that every stored change increments, so that
 * {@link DeploymentRegistry#replace} can refuse a stale change. Immutable; the {@code with...}
 * methods return changed copies with the same version, which the registry then increments.
 */
public record DeploymentRecord(
    Principal canisterId,
    Principal owner,
    DeploymentStatus status,
    @Nullable String failureReason,
    @Nullable Sha256 wasmHash,
    @Nullable Sha256 frontendHash,
    @Nullable String releaseTag,
    long version) {
  /**
   * Failure reasons are cut to this many characters (ending in an ellipsis), so that every
   * registry stores exactly what it was given: the JDBC registry's column holds 4,000.
   */
  public static final int MAX_REASON_LENGTH = 4000;

  /**
   * Checks the record and cuts a long failure reason to {@link #MAX_REASON_LENGTH}.
   *
   * @param canisterId the canister
   * @param owner who may upgrade it
   * @param status where its deployment stands
   * @param failureReason why it failed, for its owner: present with {@code FAILED} only
   * @param wasmHash the installed module's hash, or null when unknown
   * @param frontendHash the installed frontend's hash, or null when unknown
   * @param releaseTag the release it runs, or null when unknown
   * @param version incremented by the registry at every stored change
   * @throws IllegalArgumentException when a failure reason comes without {@code FAILED}, or
   *     {@code FAILED} without one
   */
  public DeploymentRecord {
    Objects.requireNonNull(canisterId, "canisterId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(status, "status");
    if ((status == DeploymentStatus.FAILED) != (failureReason != null)) {
      throw new IllegalArgumentException("a failure reason goes with status FAILED, and only");
    }
    if (failureReason != null && failureReason.length() > MAX_REASON_LENGTH) {
      failureReason = failureReason.substring(0, MAX_REASON_LENGTH - 1) + "\u2026";
    }
  }

  /**
   * A new record of a canister being created.
   *
   * @param canisterId the canister
   * @param owner who may upgrade it
   * @return a {@code CREATING} record, version 0
   */
  public static DeploymentRecord creating(Principal canisterId, Principal owner) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.CREATING, null, null, null,
        null, 0);
  }

  /**
   * This record with {@code status} (not FAILED: use {@link #failed}), the reason cleared.
   *
   * @param status the new status
   * @return the changed copy
   */
  public DeploymentRecord withStatus(DeploymentStatus status) {
    return new DeploymentRecord(canisterId, owner, status, null, wasmHash, frontendHash,
        releaseTag, version);
  }

  /**
   * This record FAILED, with a reason for its owner (what failed, what to do).
   *
   * @param reason what failed, and what to do
   * @return the changed copy
   */
  public DeploymentRecord failed(String reason) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.FAILED,
        Objects.requireNonNull(reason), wasmHash, frontendHash, releaseTag, version);
  }

  /**
   * This record with what the canister now runs.
   *
   * @param wasmHash the installed module's hash, or null when unknown
   * @param frontendHash the installed frontend's hash, or null when unknown
   * @param releaseTag the release it runs, or null when unknown
   * @return the changed copy
   */
  public DeploymentRecord withInstalled(
      @Nullable Sha256 wasmHash, @Nullable Sha256 frontendHash, @Nullable String releaseTag) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, wasmHash, frontendHash,
        releaseTag, version);
  }

  /**
   * This record with {@code version}; registries use it when they store a change.
   *
   * @param version the version
   * @return the changed copy
   */
  public DeploymentRecord withVersion(long version) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, wasmHash, frontendHash,
        releaseTag, version);
  }

  /**
   * The installed module's hash.
   *
   * @return the hash, or empty when unknown
   */
  public Optional<Sha256> installedWasmHash() {
    return Optional.ofNullable(wasmHash);
  }

  /**
   * The installed frontend's hash.
   *
   * @return the hash, or empty when unknown
   */
  public Optional<Sha256> installedFrontendHash() {
    return Optional.ofNullable(frontendHash);
  }

  /**
   * The release the canister runs.
   *
   * @return the tag, or empty when unknown
   */
  public Optional<String> installedReleaseTag() {
    return Optional.ofNullable(releaseTag);
  }
}
