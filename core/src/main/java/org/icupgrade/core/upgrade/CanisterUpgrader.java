package org.icupgrade.core.upgrade;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
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
  private static final int MAX_SNAPSHOTS = 10;

  private final ManagementCanister managementCanister;
  private final ChunkedWasmInstaller installer;
  private final @Nullable AssetSyncer assetSyncer;
  private final Function<Principal, AssetCanister> assetCanisters;
  private final Principal upgrader;
  private final @Nullable HealthCheck healthCheck;

  private CanisterUpgrader(Builder b) {
    this.managementCanister = b.managementCanister;
    this.installer = b.installer;
    this.assetSyncer = b.assetSyncer;
    this.assetCanisters = b.assetCanisters;
    this.upgrader = b.upgrader;
    this.healthCheck = b.healthCheck;
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
    @Nullable AssetCanister assets;

    final UpgradeListener listener;

    Run(UpgradeJob job, UpgradeListener listener) {
      this.job = job;
      this.canisterId = job.canisterId();
      this.listener = listener;
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
          moduleHash = managementCanister.moduleHash(canisterId).orElse(null);
        } catch (IcException e) {
          steps.add("module hash could not be read back: " + e.getMessage());
        }
      }
    }

    private CanisterStatus preflight() {
      CanisterStatus status;
      try {
        status = managementCanister.canisterStatus(canisterId);
      } catch (CanisterRejectException e) {
        if (e.rejectCode() == RejectCode.DESTINATION_INVALID) {
          throw e;
        }
        throw new NotControllerException(canisterId, upgrader, e);
      }
      steps.add("preflight: " + upgrader + " is a controller of " + canisterId);
      AssetCanister a = assets;
      if (a != null) {
        List<Principal> committers;
        try {
          committers = a.listPermitted(Permission.COMMIT);
        } catch (CanisterRejectException e) {
          throw new MissingPermissionException(canisterId, upgrader, Permission.COMMIT, e);
        }
        if (!committers.contains(upgrader)) {
          throw new MissingPermissionException(canisterId, upgrader, Permission.COMMIT, null);
        }
        steps.add("preflight: " + upgrader + " holds Commit");
      }
      return status;
    }

    private void upgradeWasm(WasmModule module, CanisterStatus status) {
      managementCanister.stopCanister(canisterId);
      steps.add("stopped (was " + status.status().name().toLowerCase(java.util.Locale.ROOT) + ")");
      Snapshot snapshot = takeSnapshot();
      steps.add("snapshot " + snapshot.id() + " taken");
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
          managementCanister.startCanister(canisterId);
          steps.add("started");
        }
        HealthCheck check = healthCheck;
        if (check != null && installOutcome instanceof InstallOutcome.Installed) {
          try {
            check.check(canisterId);
            steps.add("health check passed");
          } catch (RuntimeException unhealthy) {
            steps.add("health check failed: " + unhealthy.getMessage());
            keepSnapshot = true;
            managementCanister.stopCanister(canisterId);
            managementCanister.loadCanisterSnapshot(canisterId, snapshot.id());
            managementCanister.startCanister(canisterId);
            snapshotRestored = true;
            keepSnapshot = false;
            steps.add("snapshot " + snapshot.id() + " loaded back and canister started");
            throw new IcException("the health check failed after upgrading " + canisterId
                + " to " + module.hash() + ", so the snapshot taken before was restored: "
                + unhealthy.getMessage(), unhealthy);
          }
        }
      } finally {
        if (keepSnapshot) {
          steps.add("snapshot " + snapshot.id() + " kept: restoring it did not finish");
        } else {
          deleteSnapshot(snapshot);
        }
      }
    }

    private Snapshot takeSnapshot() {
      List<Snapshot> existing = managementCanister.listCanisterSnapshots(canisterId);
      if (existing.size() >= MAX_SNAPSHOTS) {
        Snapshot oldest = existing.stream()
            .min(Comparator.comparingLong(s -> s.takenAtTimestampNanos() ^ Long.MIN_VALUE))
            .orElseThrow();
        steps.add("all " + MAX_SNAPSHOTS + " snapshot slots taken: replacing the oldest, "
            + oldest.id());
        return managementCanister.takeCanisterSnapshot(canisterId, oldest.id());
      }
      return managementCanister.takeCanisterSnapshot(canisterId, null);
    }

    private void deleteSnapshot(Snapshot snapshot) {
      try {
        managementCanister.deleteCanisterSnapshot(canisterId, snapshot.id());
        steps.add("snapshot " + snapshot.id() + " deleted");
      } catch (IcException e) {
        steps.add("snapshot " + snapshot.id() + " could not be deleted: " + e.getMessage());
      }
    }

    private void handBackRights() {
      boolean ok = true;
      AssetCanister a = assets;
      if (a == null && assetSyncer != null) {
        // A WASM-only upgrade may still have been granted Commit (the owner's dance grants
        // both); give it back too, if this canister answers the permission calls at all.
        try {
          AssetCanister candidate = assetCanisters.apply(canisterId);
          if (candidate.listPermitted(Permission.COMMIT).contains(upgrader)) {
            a = candidate;
          }
        } catch (RuntimeException e) {
          steps.add("no asset permissions to hand back: " + e.getMessage());
        }
      }
      if (a != null && !upgrader.equals(job.owner())) {
        try {
          a.revokePermission(upgrader, Permission.COMMIT);
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
              new ArrayList<>(managementCanister.canisterStatus(canisterId).controllers());
          controllers.remove(upgrader);
          if (!controllers.contains(job.owner())) {
            controllers.add(job.owner());
            steps.add("owner " + job.owner() + " was not a controller: added back");
          }
          managementCanister.updateSettings(canisterId, CanisterSettings.ofControllers(controllers));
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

    public CanisterUpgrader build() {
      return new CanisterUpgrader(this);
    }
  }
}
