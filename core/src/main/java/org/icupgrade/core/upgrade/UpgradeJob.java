package org.icupgrade.core.upgrade;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.management.CanisterStatus;
import org.jspecify.annotations.Nullable;

/**
 * One canister to upgrade: its id, its owner (never removed from the controllers), the scope, and
 * what to bring it to: a module with its upgrade argument, and/or a frontend release.
 */
public final class UpgradeJob {
  private final Principal canisterId;
  private final Principal owner;
  private final UpgradeScope scope;
  private final @Nullable WasmModule wasmModule;
  private final byte[] upgradeArg;
  private final @Nullable FrontendRelease frontend;
  private final boolean handBackRights;
  private final boolean takeSnapshot;
  private final boolean resuming;
  private final @Nullable CanisterStatus observedStatus;

  private UpgradeJob(Builder b) {
    this.canisterId = b.canisterId;
    this.owner = b.owner;
    this.scope = b.scope;
    this.wasmModule = b.wasmModule;
    this.upgradeArg = b.upgradeArg;
    this.frontend = b.frontend;
    this.handBackRights = b.handBackRights;
    this.takeSnapshot = b.takeSnapshot;
    this.resuming = b.resuming;
    this.observedStatus = b.observedStatus;
    if (resuming && observedStatus != null) {
      throw new IllegalArgumentException("a resumed job reads the canister's status itself: a"
          + " status observed before the job was abandoned may be stale");
    }
    if (!scope.includesWasm() && wasmModule != null) {
      throw new IllegalArgumentException("scope " + scope + " installs no module, yet the job"
          + " names one: build it with a scope that includes the WASM, or without the module");
    }
    if (!scope.includesFrontend() && frontend != null) {
      throw new IllegalArgumentException("scope " + scope + " syncs no frontend, yet the job"
          + " names one: build it with a scope that includes the frontend, or without it");
    }
    if (scope.includesWasm() && wasmModule == null && !resuming) {
      throw new IllegalArgumentException("scope " + scope + " needs a WASM module");
    }
    if (scope.includesFrontend() && frontend == null && !resuming) {
      throw new IllegalArgumentException("scope " + scope + " needs a frontend release");
    }
  }

  public static Builder builder(Principal canisterId, Principal owner, UpgradeScope scope) {
    return new Builder(canisterId, owner, scope);
  }

  public Principal canisterId() {
    return canisterId;
  }

  public Principal owner() {
    return owner;
  }

  public UpgradeScope scope() {
    return scope;
  }

  public Optional<WasmModule> wasmModule() {
    return Optional.ofNullable(wasmModule);
  }

  public byte[] upgradeArg() {
    return upgradeArg.clone();
  }

  public Optional<FrontendRelease> frontend() {
    return Optional.ofNullable(frontend);
  }

  /**
   * Whether to revoke the upgrader's {@code Commit} and remove it from the controllers afterwards
   * (the upgrader holds those rights only for the upgrade); true by default.
   */
  /**
   * Whether a snapshot is taken before installing, to roll back to when the install or the health
   * check fails; true unless the caller opted out.
   */
  public boolean takeSnapshot() {
    return takeSnapshot;
  }

  public boolean handBackRights() {
    return handBackRights;
  }

  /**
   * Whether this job finishes an abandoned one, whose parts may no longer all be available (see
   * {@link Builder#resuming()}).
   */
  public boolean resuming() {
    return resuming;
  }

  /**
   * The canister's status as the caller read it just before starting the job (see
   * {@link Builder#observedStatus}); empty unless given.
   *
   * @return the status read for the job
   */
  public Optional<CanisterStatus> observedStatus() {
    return Optional.ofNullable(observedStatus);
  }

  /**
   * This job without its {@link #observedStatus()}: what to run when the reading has grown old
   * (the job waited in a queue), so that the preflight reads the status itself.
   *
   * @return the same job, reading the status in its preflight
   */
  public UpgradeJob withoutObservedStatus() {
    if (observedStatus == null) {
      return this;
    }
    Builder b = new Builder(canisterId, owner, scope);
    b.wasmModule = wasmModule;
    b.upgradeArg = upgradeArg;
    b.frontend = frontend;
    b.handBackRights = handBackRights;
    b.takeSnapshot = takeSnapshot;
    b.resuming = resuming;
    return new UpgradeJob(b);
  }

  @Override
  public String toString() {
    return "UpgradeJob[" + canisterId + ", owner " + owner + ", " + scope + "]";
  }

  /** Builds an {@link UpgradeJob}. */
  public static final class Builder {
    private final Principal canisterId;
    private final Principal owner;
    private final UpgradeScope scope;
    private @Nullable WasmModule wasmModule;
    private byte[] upgradeArg = {'D', 'I', 'D', 'L', 0, 0};
    private @Nullable FrontendRelease frontend;
    private boolean handBackRights = true;
    private boolean takeSnapshot = true;
    private boolean resuming;
    private @Nullable CanisterStatus observedStatus;

    private Builder(Principal canisterId, Principal owner, UpgradeScope scope) {
      this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
      this.owner = Objects.requireNonNull(owner, "owner");
      this.scope = Objects.requireNonNull(scope, "scope");
    }

    public Builder wasmModule(WasmModule wasmModule) {
      this.wasmModule = wasmModule;
      return this;
    }

    /** The Candid argument for {@code canister_post_upgrade}; {@code ()} by default. */
    public Builder upgradeArg(byte[] upgradeArg) {
      this.upgradeArg = upgradeArg.clone();
      return this;
    }

    public Builder frontend(FrontendRelease frontend) {
      this.frontend = frontend;
      return this;
    }

    public Builder handBackRights(boolean handBackRights) {
      this.handBackRights = handBackRights;
      return this;
    }

    /**
     * Whether to take a snapshot before installing (default true). Without one, a failed health
     * check cannot be rolled back; with one, the upgrade needs a free snapshot slot, since it
     * never replaces or deletes a snapshot it did not take.
     */
    public Builder takeSnapshot(boolean takeSnapshot) {
      this.takeSnapshot = takeSnapshot;
      return this;
    }

    /**
     * Marks the job as the continuation of an abandoned one (see
     * {@link CanisterUpgrader#resume}): a part its scope names may be missing when the release it
     * was started for is no longer available. A phase that needs a missing part is not run: the
     * job is then rolled back rather than forward (the canister started as it was, the job's
     * snapshot deleted, the rights handed back) and reported failed.
     */
    public Builder resuming() {
      this.resuming = true;
      return this;
    }

    /**
     * The canister's {@code canister_status} as the caller read it just before starting the job
     * (a deployer's owner check): the preflight judges this reading instead of reading the status
     * again, one call less per upgrade. It must be fresh: the run status and the module it names
     * are what the job brings the canister back to. Only the first attempt of a new job's
     * preflight uses it; a preflight run again reads the status itself.
     *
     * @param status the status read for this job
     * @return this builder
     */
    public Builder observedStatus(@Nullable CanisterStatus status) {
      this.observedStatus = status;
      return this;
    }

    /**
     * The job.
     *
     * @throws IllegalArgumentException when its parts contradict its scope: a module without the
     *     WASM in scope, a frontend without the frontend in scope, a part the scope needs
     *     missing, or an observed status on a resumed job
     */
    public UpgradeJob build() {
      return new UpgradeJob(this);
    }
  }
}
