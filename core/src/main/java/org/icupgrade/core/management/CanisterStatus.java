package org.icupgrade.core.management;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * The part of {@code canister_status}'s result this library uses: run status, controllers, module
 * hash, memory size and cycles.
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

  public CanisterStatus(
      RunStatus status, List<Principal> controllers, @Nullable Sha256 moduleHash,
      BigInteger memorySize, BigInteger cycles) {
    this.status = status;
    this.controllers = List.copyOf(controllers);
    this.moduleHash = moduleHash;
    this.memorySize = memorySize;
    this.cycles = cycles;
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

  @Override
  public String toString() {
    return "CanisterStatus[" + status + ", controllers=" + controllers + ", moduleHash="
        + moduleHash + ", memorySize=" + memorySize + ", cycles=" + cycles + "]";
  }
}
