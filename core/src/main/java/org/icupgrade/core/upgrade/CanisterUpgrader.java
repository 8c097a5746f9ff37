package org.icupgrade.core.upgrade;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.icupgrade.core.calls.RetryListener;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.MissingPermissionException;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/**
 * Carries out one whole upgrade of a canister as a temporary controller (added by the owner, see
 * {@link OwnerSetup}, and handing its rights back at the end), and reports what happened instead
 * of throwing.
 *
 * <ol>
 *   <li>Preflight: the upgrader must be a controller ({@code canister_status} answers only
 *       controllers), and for a frontend scope must hold {@code Commit} on the asset canister.
 *       Nothing is changed when either is missing.
 *   <li>WASM scopes: stop the canister (no calls in flight during the upgrade), take a snapshot
 *       (replacing the oldest when all 10 slots are taken), install in mode upgrade, start the
 *       canister again whatever the install did, run the health check if one is configured and
 *       load the snapshot back if it fails.
 *   <li>Frontend scopes: sync the release (only what changed), once the WASM step succeeded.
 *   <li>Whatever happened: revoke the upgrader's {@code Commit} and remove it from the
 *       controllers, never removing the owner (who is added back if somehow absent, so that the
 *       canister is never left without its owner as controller).
 *   <li>Read the module hash back for the record.
 * </ol>
 *
 * <p>Immutable and thread-safe; upgrades of different canisters may run in parallel. Callers must
 * not run two upgrades of the same canister at once (the storage deployer's registry prevents it).
 */
public final class CanisterUpgrader {
  /** Snapshots a canister may hold (interface spec, "take_canister_snapshot"). */
  private static final int MAX_SNAPSHOTS = 10;

  private final ManagementCanister managementCanister;
  private final ChunkedWasmInstaller installer;
  private final @Nullable AssetSyncer assetSyncer;
  private final Function<Principal, AssetCanister> assetCanisters;
  private final Principal upgrader;
  private final @Nullable HealthCheck healthCheck;
  private final RetryPolicy retryPolicy;

  private CanisterUpgrader(Builder b) {
    this.managementCanister = b.managementCanister;
    this.installer = b.installer;
    this.assetSyncer = b.assetSyncer;
    this.assetCanisters = b.assetCanisters;
    this.upgrader = b.upgrader;
    this.healthCheck = b.healthCheck;
    this.retryPolicy = b.retryPolicy;
  }

  /** A builder with this upgrader's configuration, to derive a variant. */
  public Builder newBuilder() {
    Builder b = new Builder(upgrader, managementCanister, installer);
    b.assetSyncer = assetSyncer;
    b.assetCanisters = assetCanisters;
    b.healthCheck = healthCheck;
    b.retryPolicy = retryPolicy;
    return b;
  }

  /**
   * An upgrader acting as {@code upgrader} (the principal the management canister port and the
   * asset canisters call as).
   */
  public static Builder builder(
      Principal upgrader, ManagementCanister managementCanister, ChunkedWasmInstaller installer) {
    return new Builder(upgrader, managementCanister, installer);
  }

  /** Runs the upgrade; never throws for what the IC or the canister did, see the report. */
  public UpgradeReport upgrade(UpgradeJob job) {
    return upgrade(job, UpgradeListener.NONE);
  }

  /** Runs the upgrade, telling {@code listener} as each part begins. */
  public UpgradeReport upgrade(UpgradeJob job, UpgradeListener listener) {
    Run run = new Run(job, listener);
    run.execute();
    return run.report();
  }

  private final class Run {
    final UpgradeJob job;
    final Principal canisterId;
    final List<String> steps = new ArrayList<>();
    @Nullable IcException failure;
    @Nullable InstallOutcome installOutcome;
    @Nullable SyncOutcome syncOutcome;
    @Nullable Sha256 moduleHash;
    boolean snapshotRestored;
    boolean rightsHandedBack;
    /** The ports call as someone other than {@code upgrader}: nothing can be handed back. */
    boolean callerUnknown;
    @Nullable AssetCanister assets;

    final UpgradeListener listener;

    Run(UpgradeJob job, UpgradeListener listener) {
      this.job = job;
      this.canisterId = job.canisterId();
      this.listener = listener;
    }

    /** Every IC call of the upgrade, repeated after transient failures by the one policy. */
    private <T extends @Nullable Object> T ic(String method, Supplier<T> call) {
      return retryPolicy.call(method, call, RetryListener.NONE);
    }

    private void ic(String method, Runnable call) {
      retryPolicy.run(method, call, RetryListener.NONE);
    }

    void execute() {
      try {
        if (job.scope().includesFrontend()) {
          if (assetSyncer == null) {
            throw new IllegalStateException(
                "scope " + job.scope() + " needs an AssetSyncer: set one on the builder");
          }
          assets = assetCanisters.apply(canisterId);
        }
        listener.stepStarted(canisterId, UpgradeListener.Step.PREFLIGHT);
        CanisterStatus status = preflight();
        Optional<WasmModule> module = job.wasmModule();
        if (module.isPresent()) {
          listener.stepStarted(canisterId, UpgradeListener.Step.WASM);
          upgradeWasm(module.get(), status);
        }
        Optional<FrontendRelease> frontend = job.frontend();
        if (frontend.isPresent() && assets != null && assetSyncer != null) {
          listener.stepStarted(canisterId, UpgradeListener.Step.FRONTEND);
          syncOutcome = assetSyncer.sync(assets, frontend.get());
          steps.add("frontend synced: " + syncOutcome.diff().counts());
        }
      } catch (IcException e) {
        fail(e);
      } catch (RuntimeException e) {
        fail(new IcException("upgrade of " + canisterId + " failed: " + e.getMessage(), e));
      } finally {
        if (job.handBackRights()) {
          listener.stepStarted(canisterId, UpgradeListener.Step.HAND_BACK);
          handBackRights();
        }
        try {
          moduleHash =
              ic("module_hash", () -> managementCanister.moduleHash(canisterId)).orElse(null);
        } catch (IcException e) {
          steps.add("module hash could not be read back: " + e.getMessage());
        }
      }
    }

    private CanisterStatus preflight() {
      CanisterStatus status;
      try {
        status = ic("canister_status", () -> managementCanister.canisterStatus(canisterId));
      } catch (CanisterRejectException e) {
        // Only the canister's verdict means "not a controller"; a system failure (the retries
        // used up on SYS_TRANSIENT, a SYS_FATAL) or a missing canister is passed on as it is.
        if (e.rejectCode() == RejectCode.DESTINATION_INVALID
            || e.rejectCode() == RejectCode.SYS_FATAL
            || e.rejectCode() == RejectCode.SYS_TRANSIENT
            || e.rejectCode() == RejectCode.SYS_UNKNOWN) {
          throw e;
        }
        throw new NotControllerException(canisterId, upgrader, e);
      }
      if (!status.controllers().contains(upgrader)) {
        callerUnknown = true;
        // canister_status answered, so whoever the port calls as is a controller, but it is not
        // the principal this upgrader was built for: handing back would remove the wrong one.
        throw new IcException("the management canister port answers canister_status of "
            + canisterId + ", but " + upgrader + ", the principal this upgrader was built for,"
            + " is not among its controllers " + status.controllers() + ": build the upgrader"
            + " with the principal its ports call as");
      }
      steps.add("preflight: " + upgrader + " is a controller of " + canisterId);
      AssetCanister a = assets;
      if (a != null) {
        List<Principal> committers;
        try {
          committers = ic("list_permitted", () -> a.listPermitted(Permission.COMMIT));
        } catch (CanisterRejectException e) {
          throw new MissingPermissionException(canisterId, upgrader, Permission.COMMIT, e);
        }
        if (!committers.contains(upgrader)) {
          throw new MissingPermissionException(canisterId, upgrader, Permission.COMMIT, null);
        }
        steps.add("preflight: " + upgrader + " holds Commit");
      }
      if (job.wasmModule().isPresent() && job.takeSnapshot()) {
        List<Snapshot> existing = ic("list_canister_snapshots",
            () -> managementCanister.listCanisterSnapshots(canisterId));
        if (existing.size() >= MAX_SNAPSHOTS) {
          // The snapshots are the owner's: replacing one would lose their data.
          throw new IcException("all " + MAX_SNAPSHOTS + " snapshot slots of " + canisterId
              + " are taken, and the upgrade never replaces a snapshot it did not take: delete"
              + " one (delete_canister_snapshot), or upgrade without a snapshot"
              + " (UpgradeJob.Builder.takeSnapshot(false))");
        }
      }
      return status;
    }

    private void upgradeWasm(WasmModule module, CanisterStatus status) {
      // The canister is brought back to the run status it had: a stopped one stays stopped.
      boolean wasRunning = status.status() != CanisterStatus.RunStatus.STOPPED;
      ic("stop_canister", () -> managementCanister.stopCanister(canisterId));
      steps.add("stopped (was " + status.status().name().toLowerCase(java.util.Locale.ROOT) + ")");
      Snapshot snapshot = job.takeSnapshot()
          ? ic("take_canister_snapshot",
              () -> managementCanister.takeCanisterSnapshot(canisterId, null))
          : null;
      if (snapshot != null) {
        steps.add("snapshot " + snapshot.id() + " taken");
      }
      // The snapshot is deleted at the end, unless restoring from it failed half-way: then it is
      // the way back, for a person to load.
      boolean keepSnapshot = false;
      try {
        try {
          installOutcome = installer.install(InstallRequest.builder(canisterId, module)
              .installMode(InstallMode.upgrade())
              .arg(job.upgradeArg())
              .build());
          steps.add("installed: " + describe(installOutcome));
        } finally {
          // A canister left stopped is an outage: start it whatever the install did.
          if (wasRunning) {
            ic("start_canister", () -> managementCanister.startCanister(canisterId));
            steps.add("started");
          } else {
            steps.add("left stopped, as it was");
          }
        }
        HealthCheck check = healthCheck;
        if (check != null && wasRunning && installOutcome instanceof InstallOutcome.Installed) {
          Throwable unhealthy = healthFailure(check);
          if (unhealthy == null) {
            steps.add("health check passed");
          } else {
            steps.add("health check failed: " + unhealthy.getMessage());
            if (snapshot == null) {
              throw new IcException("the health check failed after upgrading " + canisterId
                  + " to " + module.hash() + ", and no snapshot was taken to roll back to: "
                  + unhealthy.getMessage(), unhealthy);
            }
            keepSnapshot = true;
            SnapshotId id = snapshot.id();
            ic("stop_canister", () -> managementCanister.stopCanister(canisterId));
            ic("load_canister_snapshot",
                () -> managementCanister.loadCanisterSnapshot(canisterId, id));
            ic("start_canister", () -> managementCanister.startCanister(canisterId));
            snapshotRestored = true;
            keepSnapshot = false;
            steps.add("snapshot " + snapshot.id() + " loaded back and canister started");
            throw new IcException("the health check failed after upgrading " + canisterId
                + " to " + module.hash() + ", so the snapshot taken before was restored: "
                + unhealthy.getMessage(), unhealthy);
          }
        }
      } finally {
        if (snapshot != null) {
          if (keepSnapshot) {
            steps.add("snapshot " + snapshot.id() + " kept: restoring it did not finish");
          } else {
            deleteSnapshot(snapshot);
          }
        }
      }
    }

    /**
     * Runs the health check; a transient failure is repeated by the retry policy before the
     * module is judged, and anything else thrown, an {@code Error} too, is unhealthy.
     */
    private @Nullable Throwable healthFailure(HealthCheck check) {
      try {
        ic("health_check", () -> check.check(canisterId));
        return null;
      } catch (RuntimeException | Error e) {
        return e;
      }
    }

    private void deleteSnapshot(Snapshot snapshot) {
      try {
        ic("delete_canister_snapshot",
            () -> managementCanister.deleteCanisterSnapshot(canisterId, snapshot.id()));
        steps.add("snapshot " + snapshot.id() + " deleted");
      } catch (IcException e) {
        steps.add("snapshot " + snapshot.id() + " could not be deleted: " + e.getMessage());
      }
    }

    private void handBackRights() {
      if (callerUnknown) {
        rightsHandedBack = false;
        steps.add("rights not handed back: the ports call as a controller other than " + upgrader);
        return;
      }
      boolean ok = true;
      AssetCanister a = assets;
      if (a == null && assetSyncer != null) {
        // A WASM-only upgrade may still have been granted Commit (the owner's dance grants
        // both); give it back too, if this canister answers the permission calls at all.
        try {
          AssetCanister candidate = assetCanisters.apply(canisterId);
          if (ic("list_permitted", () -> candidate.listPermitted(Permission.COMMIT))
              .contains(upgrader)) {
            a = candidate;
          }
        } catch (RuntimeException e) {
          steps.add("no asset permissions to hand back: " + e.getMessage());
        }
      }
      if (a != null && !upgrader.equals(job.owner())) {
        AssetCanister holder = a;
        try {
          ic("revoke_permission", () -> holder.revokePermission(upgrader, Permission.COMMIT));
          steps.add("Commit revoked from " + upgrader);
        } catch (IcException e) {
          ok = false;
          fail(new IcException("could not revoke Commit from " + upgrader + " on " + canisterId
              + ": " + e.getMessage(), e));
        }
      }
      if (!upgrader.equals(job.owner())) {
        try {
          List<Principal> controllers =
              new ArrayList<>(ic("canister_status",
                  () -> managementCanister.canisterStatus(canisterId)).controllers());
          controllers.remove(upgrader);
          if (!controllers.contains(job.owner())) {
            controllers.add(job.owner());
            steps.add("owner " + job.owner() + " was not a controller: added back");
          }
          ic("update_settings", () -> managementCanister.updateSettings(
              canisterId, CanisterSettings.ofControllers(controllers)));
          steps.add("removed " + upgrader + " from the controllers, now " + controllers);
        } catch (IcException e) {
          ok = false;
          fail(new IcException("could not remove " + upgrader + " from the controllers of "
              + canisterId + ": " + e.getMessage(), e));
        }
      }
      rightsHandedBack = ok;
    }

    private void fail(IcException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
      steps.add("failed: " + e.getMessage());
    }

    UpgradeReport report() {
      return new UpgradeReport(canisterId, job.scope(), failure, installOutcome, syncOutcome,
          moduleHash, snapshotRestored, rightsHandedBack, steps);
    }
  }

  private static String describe(@Nullable InstallOutcome outcome) {
    if (outcome instanceof InstallOutcome.Installed i) {
      return i.moduleHash() + (i.chunked() ? " (chunked, " + i.chunksUploaded() + " chunks)" : "");
    }
    if (outcome instanceof InstallOutcome.AlreadyCurrent c) {
      return "already current at " + c.moduleHash();
    }
    return "nothing";
  }

  /** Configures a {@link CanisterUpgrader}. */
  public static final class Builder {
    private final Principal upgrader;
    private final ManagementCanister managementCanister;
    private final ChunkedWasmInstaller installer;
    private @Nullable AssetSyncer assetSyncer;
    private Function<Principal, AssetCanister> assetCanisters = id -> {
      throw new IllegalStateException("no asset canisters configured");
    };
    private @Nullable HealthCheck healthCheck;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();

    private Builder(
        Principal upgrader, ManagementCanister managementCanister, ChunkedWasmInstaller installer) {
      this.upgrader = Objects.requireNonNull(upgrader, "upgrader");
      this.managementCanister = Objects.requireNonNull(managementCanister, "managementCanister");
      this.installer = Objects.requireNonNull(installer, "installer");
    }

    /** How frontends are synced, and how to reach a canister's asset interface. */
    public Builder assets(AssetSyncer assetSyncer, Function<Principal, AssetCanister> assetCanisters) {
      this.assetSyncer = Objects.requireNonNull(assetSyncer, "assetSyncer");
      this.assetCanisters = Objects.requireNonNull(assetCanisters, "assetCanisters");
      return this;
    }

    /** Checked after each successful install; when it fails the snapshot is loaded back. */
    public Builder healthCheck(@Nullable HealthCheck healthCheck) {
      this.healthCheck = healthCheck;
      return this;
    }

    /**
     * How every management and asset canister call of an upgrade is repeated after transient
     * failures; by default {@link RetryPolicy#defaults()}. The install's own calls follow the
     * installer's policy.
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** An immutable, thread-safe upgrader. */
    public CanisterUpgrader build() {
      return new CanisterUpgrader(this);
    }
  }
}
