package org.icupgrade.core.management;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * The part of {@code canister_status}'s result this library uses: run status, controllers, module
 * hash, memory size, cycles and the memory the canister's snapshots use.
 */
public final class CanisterStatus {
  /** {@code status : variant { running; stopping; stopped }}. */
  public enum RunStatus {
    RUNNING,
    STOPPING,
    STOPPED
  }

  private final RunStatus status;
  private final List<Principal> controllers;
  private final @Nullable Sha256 moduleHash;
  private final BigInteger memorySize;
  private final BigInteger cycles;
  private final @Nullable BigInteger snapshotsSize;

  /** A status whose snapshot memory is unknown (see {@link #snapshotsSize()}). */
  public CanisterStatus(
      RunStatus status, List<Principal> controllers, @Nullable Sha256 moduleHash,
      BigInteger memorySize, BigInteger cycles) {
    this(status, controllers, moduleHash, memorySize, cycles, null);
  }

  /**
   * A status with the memory its snapshots use ({@code memory_metrics.snapshots_size}), or null
   * when the reply did not say.
   */
  public CanisterStatus(
      RunStatus status, List<Principal> controllers, @Nullable Sha256 moduleHash,
      BigInteger memorySize, BigInteger cycles, @Nullable BigInteger snapshotsSize) {
    this.status = status;
    this.controllers = List.copyOf(controllers);
    this.moduleHash = moduleHash;
    this.memorySize = memorySize;
    this.cycles = cycles;
    this.snapshotsSize = snapshotsSize;
  }

  public RunStatus status() {
    return status;
  }

  /** The controllers ({@code settings.controllers}). */
  public List<Principal> controllers() {
    return controllers;
  }

  /** The installed module's hash; empty when no code is installed. */
  public Optional<Sha256> moduleHash() {
    return Optional.ofNullable(moduleHash);
  }

  public BigInteger memorySize() {
    return memorySize;
  }

  public BigInteger cycles() {
    return cycles;
  }

  /**
   * The memory the canister's snapshots use, {@code memory_metrics.snapshots_size}; empty when
   * the reply did not carry it. Zero means the canister holds no snapshot: a snapshot always holds
   * the canister's module (interface spec, formal model, "Take canister snapshot": an empty
   * canister has nothing to snapshot and is refused).
   */
  public Optional<BigInteger> snapshotsSize() {
    return Optional.ofNullable(snapshotsSize);
  }

  @Override
  public String toString() {
    return "CanisterStatus[" + status + ", controllers=" + controllers + ", moduleHash="
        + moduleHash + ", memorySize=" + memorySize + ", cycles=" + cycles
        + (snapshotsSize == null ? "" : ", snapshotsSize=" + snapshotsSize) + "]";
  }
}
