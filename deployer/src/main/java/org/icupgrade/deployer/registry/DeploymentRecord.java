package org.icupgrade.deployer.registry;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * One canister's record (seed 004's {@code StorageCreationRecord}): canister id, owner, status
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

  /** A new record of a canister being created. */
  public static DeploymentRecord creating(Principal canisterId, Principal owner) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.CREATING, null, null, null,
        null, 0);
  }

  /** This record with {@code status} (not FAILED: use {@link #failed}), the reason cleared. */
  public DeploymentRecord withStatus(DeploymentStatus status) {
    return new DeploymentRecord(canisterId, owner, status, null, wasmHash, frontendHash,
        releaseTag, version);
  }

  /** This record FAILED, with a reason for its owner (what failed, what to do). */
  public DeploymentRecord failed(String reason) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.FAILED,
        Objects.requireNonNull(reason), wasmHash, frontendHash, releaseTag, version);
  }

  /** This record with what the canister now runs. */
  public DeploymentRecord withInstalled(
      @Nullable Sha256 wasmHash, @Nullable Sha256 frontendHash, @Nullable String releaseTag) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, wasmHash, frontendHash,
        releaseTag, version);
  }

  /** This record with {@code version}; registries use it when they store a change. */
  public DeploymentRecord withVersion(long version) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, wasmHash, frontendHash,
        releaseTag, version);
  }

  public Optional<Sha256> installedWasmHash() {
    return Optional.ofNullable(wasmHash);
  }

  public Optional<Sha256> installedFrontendHash() {
    return Optional.ofNullable(frontendHash);
  }

  public Optional<String> installedReleaseTag() {
    return Optional.ofNullable(releaseTag);
  }
}
