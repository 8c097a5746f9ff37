package org.icupgrade.core.upgrade;

import java.util.List;
import java.util.Optional;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.core.install.InstallOutcome;
import org.jspecify.annotations.Nullable;

/**
 * What an upgrade did, step by step, whether it succeeded, and the state it left: the module hash
 * read back, whether a snapshot was restored, whether the temporary rights were handed back.
 */
public final class UpgradeReport {
  private final Principal canisterId;
  private final UpgradeScope scope;
  private final @Nullable IcException failure;
  private final @Nullable InstallOutcome installOutcome;
  private final @Nullable SyncOutcome syncOutcome;
  private final @Nullable Sha256 moduleHash;
  private final boolean snapshotRestored;
  private final boolean rightsHandedBack;
  private final List<String> steps;
  private final UpgradeProgress progress;

  UpgradeReport(
      Principal canisterId, UpgradeScope scope, @Nullable IcException failure,
      @Nullable InstallOutcome installOutcome, @Nullable SyncOutcome syncOutcome,
      @Nullable Sha256 moduleHash, boolean snapshotRestored, boolean rightsHandedBack,
      List<String> steps, UpgradeProgress progress) {
    this.canisterId = canisterId;
    this.scope = scope;
    this.failure = failure;
    this.installOutcome = installOutcome;
    this.syncOutcome = syncOutcome;
    this.moduleHash = moduleHash;
    this.snapshotRestored = snapshotRestored;
    this.rightsHandedBack = rightsHandedBack;
    this.steps = List.copyOf(steps);
    this.progress = progress;
  }

  public Principal canisterId() {
    return canisterId;
  }

  public UpgradeScope scope() {
    return scope;
  }

  public boolean succeeded() {
    return failure == null;
  }

  /** Why the upgrade failed; empty when it succeeded. */
  public Optional<IcException> failure() {
    return Optional.ofNullable(failure);
  }

  public Optional<InstallOutcome> installOutcome() {
    return Optional.ofNullable(installOutcome);
  }

  public Optional<SyncOutcome> syncOutcome() {
    return Optional.ofNullable(syncOutcome);
  }

  /** The module hash read back at the end; empty if it could not be read or no code is there. */
  public Optional<Sha256> moduleHash() {
    return Optional.ofNullable(moduleHash);
  }

  /** Whether a failed health check made the upgrade load the snapshot back. */
  public boolean snapshotRestored() {
    return snapshotRestored;
  }

  /** Whether {@code Commit} was revoked and the upgrader removed from the controllers. */
  public boolean rightsHandedBack() {
    return rightsHandedBack;
  }

  /**
   * The job's progress as its journal last saved it: at {@link UpgradeProgress.Phase#DONE}, with
   * {@link UpgradeProgress#handBackPending()} telling whether rights are still held.
   */
  public UpgradeProgress progress() {
    return progress;
  }

  /** What was done, in order, one line per step, for logs and people. */
  public List<String> steps() {
    return steps;
  }

  @Override
  public String toString() {
    return "UpgradeReport[" + canisterId + " " + scope + ": "
        + (failure == null ? "succeeded" : "failed: " + failure.getMessage()) + ", steps=" + steps
        + "]";
  }
}
