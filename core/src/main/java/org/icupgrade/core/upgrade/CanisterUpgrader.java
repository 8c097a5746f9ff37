package org.icupgrade.core.upgrade;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Locale;
import java.util.function.BooleanSupplier;
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
import org.icupgrade.core.UpgradeScope;
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
import org.icupgrade.core.upgrade.UpgradeProgress.Phase;
import org.jspecify.annotations.Nullable;

/**
 * Carries out one whole upgrade of a canister as a temporary controller (added by the owner, see
 * {@link OwnerSetup}, and handing its rights back at the end), as a job of idempotent
 * {@link UpgradeProgress.Phase phases} whose progress a {@link JobJournal} persists before and
 * after each one, so that another runner can {@link #resume} it after a crash. It reports what
 * happened instead of throwing.
 *
 * <ol>
 *   <li>Preflight: the upgrader must be a controller ({@code canister_status} answers only
 *       controllers), and for a frontend scope must hold {@code Commit} on the asset canister; a
 *       snapshot slot must be free when a snapshot is wanted (the job never replaces or deletes a
 *       snapshot it did not take). Nothing is changed when any is missing. The run status and the
 *       module the canister had are persisted: they are what the job brings it back to.
 *   <li>WASM scopes: stop the canister (no calls in flight during the upgrade), take the job's
 *       snapshot (the job's is the one whose id {@code take_canister_snapshot} returned,
 *       persisted at once; when that reply is lost, the one snapshot that appeared, and when
 *       the owner took one meanwhile too, none: the job fails before installing rather than
 *       guess), install in mode upgrade (nothing when the module is already installed), start
 *       the canister again if it was running whatever the install did, run the health check if
 *       one is configured and load the snapshot back if it fails.
 *   <li>Frontend scopes: sync the release (only what changed), once the WASM part succeeded.
 *   <li>Whatever happened: delete the job's snapshot (kept only when loading it back failed),
 *       revoke the upgrader's {@code Commit} and remove it from the controllers, never removing
 *       the owner (who is added back if somehow absent). When that fails after every retry the
 *       report says {@link UpgradeProgress#handBackPending() hand-back pending}: the job is not
 *       over until a later {@link #resume} hands the rights back. The same holds when starting
 *       the canister again or deleting the job's snapshot fails: the rights are then kept, since
 *       only a controller can finish either.
 *   <li>Read the module hash back for the record.
 * </ol>
 *
 * <p>Every call goes through one {@link RetryPolicy}. A call whose reply was lost is resolved by
 * reading the canister's state (the snapshot list, the controllers, the module hash), never by
 * guessing; each phase reads before it acts, so a phase repeated after a crash does nothing twice.
 *
 * <p>Immutable and thread-safe; upgrades of different canisters may run in parallel. Callers must
 * not run two upgrades of the same canister at once (the storage deployer's registry and leases
 * prevent it).
 */
public final class CanisterUpgrader {
  /** Snapshots a canister may hold (interface spec, "take_canister_snapshot"). */
  private static final int MAX_SNAPSHOTS = 10;

  /**
   * A forward phase started this many times without finishing (its runner died in it each time)
   * is given up: the job is rolled back instead of trying a fourth time.
   */
  static final int MAX_PHASE_ATTEMPTS = 3;

  private final ManagementCanister managementCanister;
  private final ChunkedWasmInstaller installer;
  private final @Nullable AssetSyncer assetSyncer;
  private final Function<Principal, AssetCanister> assetCanisters;
  private final Principal upgrader;
  private final @Nullable HealthCheck healthCheck;
  private final RetryPolicy retryPolicy;

  private CanisterUpgrader(Builder b) {
    this.managementCanister = b.managementCanister;
    // One retry policy for every call of an upgrade: the install's and the frontend's calls
    // follow the upgrader's policy, not whatever their services were built with.
    this.installer = b.installer.withRetryPolicy(b.retryPolicy);
    this.assetSyncer = b.assetSyncer == null ? null : b.assetSyncer.withRetryPolicy(b.retryPolicy);
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

  /** How every call of an upgrade is repeated after transient failures. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** The principal this upgrader acts as. */
  public Principal principal() {
    return upgrader;
  }

  /** Runs the upgrade; never throws for what the IC or the canister did, see the report. */
  public UpgradeReport upgrade(UpgradeJob job) {
    return upgrade(job, UpgradeListener.NONE);
  }

  /** Runs the upgrade, telling {@code listener} as each part begins. */
  public UpgradeReport upgrade(UpgradeJob job, UpgradeListener listener) {
    return upgrade(job, JobJournal.NONE, listener);
  }

  /**
   * Runs the upgrade, persisting its progress in {@code journal} before and after each phase.
   *
   * @throws JobAbandonedException when the journal says another runner took the job over
   */
  public UpgradeReport upgrade(UpgradeJob job, JobJournal journal, UpgradeListener listener) {
    return resume(job, UpgradeProgress.start(job), journal, listener);
  }

  /**
   * Continues a job from {@code progress} (as its journal last saved it, possibly by a runner that
   * died): the phase it stood at is run again, reading the canister's state first, and the job
   * goes on to its end. {@code job} must be the same upgrade (canister, owner, scope); its
   * module and frontend must be the ones the progress names, or be missing (see
   * {@link UpgradeJob.Builder#resuming()}), in which case the job is rolled back.
   *
   * @throws JobAbandonedException when the journal says another runner took the job over
   * @throws IllegalArgumentException when {@code progress} is another canister's
   */
  public UpgradeReport resume(
      UpgradeJob job, UpgradeProgress progress, JobJournal journal, UpgradeListener listener) {
    if (!progress.canisterId().equals(job.canisterId()) || !progress.owner().equals(job.owner())) {
      throw new IllegalArgumentException("the progress of " + progress.canisterId() + " (owner "
          + progress.owner() + ") does not belong to " + job);
    }
    Run run = new Run(job, progress, Objects.requireNonNull(journal, "journal"),
        Objects.requireNonNull(listener, "listener"));
    run.execute();
    return run.report();
  }

  /**
   * Hands back what an owner granted for an upgrade that will not run (the request was refused
   * after the owner made the upgrader a controller and granted it {@code Commit}): revokes
   * {@code Commit} where the upgrader holds it and removes the upgrader from the controllers,
   * the owner kept (or put back) among them; every call through the one retry policy, a lost
   * reply resolved by reading state. A canister the upgrader does not control, or an upgrader
   * that is the owner, is left as it is.
   *
   * @param canisterId the canister
   * @param owner its owner, who stays a controller
   * @return what was done, one line per step
   * @throws IcException when a right could not be handed back after the retries
   */
  public List<String> handBackRights(Principal canisterId, Principal owner) {
    UpgradeJob job = UpgradeJob.builder(canisterId, owner, UpgradeScope.WASM_ONLY).resuming()
        .build();
    Run run = new Run(job, UpgradeProgress.start(job), JobJournal.NONE, UpgradeListener.NONE);
    run.handBack();
    return List.copyOf(run.steps);
  }

  private final class Run {
    final UpgradeJob job;
    final Principal canisterId;
    final JobJournal journal;
    final UpgradeListener listener;
    final List<String> steps = new ArrayList<>();

    // The persisted part (see UpgradeProgress).
    Phase phase;
    int attempts;
    CanisterStatus.@Nullable RunStatus originalStatus;
    @Nullable Sha256 previousModuleHash;
    final @Nullable Sha256 targetModuleHash;
    final @Nullable Sha256 targetFrontendHash;
    @Nullable List<SnapshotId> snapshotsBefore;
    @Nullable SnapshotId snapshotId;
    boolean keepSnapshot;
    boolean rolledBack;
    boolean callerMismatch;
    boolean frontendSynced;
    @Nullable Phase pendingFrom;
    boolean cleanup;
    @Nullable IcException failure;

    // This run's observations.
    @Nullable InstallOutcome installOutcome;
    @Nullable SyncOutcome syncOutcome;
    @Nullable Sha256 moduleHash;
    boolean rightsHandedBack;
    @Nullable IcException handBackProblem;
    UpgradeListener.@Nullable Step lastStep;

    Run(UpgradeJob job, UpgradeProgress p, JobJournal journal, UpgradeListener listener) {
      this.job = job;
      this.canisterId = job.canisterId();
      this.journal = journal;
      this.listener = listener;
      this.phase = p.phase;
      this.attempts = p.attempts;
      this.originalStatus = p.originalStatus;
      this.previousModuleHash = p.previousModuleHash;
      this.targetModuleHash = p.targetModuleHash;
      this.targetFrontendHash = p.targetFrontendHash;
      this.snapshotsBefore = p.snapshotsBefore == null ? null : new ArrayList<>(p.snapshotsBefore);
      this.snapshotId = p.snapshotId;
      this.keepSnapshot = p.keepSnapshot;
      this.rolledBack = p.rolledBack;
      this.callerMismatch = p.callerMismatch;
      this.frontendSynced = p.frontendSynced;
      this.pendingFrom = p.pendingFrom;
      this.cleanup = p.cleanup;
      this.failure = p.failure == null ? null : new IcException(p.failure);
      if (phase == Phase.DONE) {
        // Saved as done, but the record may not have been written: read back once more.
        phase = Phase.RECORD;
      }
      // Resumed past the hand-back: it was done (a pending one comes back at HAND_BACK).
      this.rightsHandedBack = phase.compareTo(Phase.HAND_BACK) > 0 && job.handBackRights()
          && !callerMismatch && pendingFrom == null;
      if (p.attempts > 0 || p.phase != Phase.PREFLIGHT) {
        steps.add("resumed at " + p.phase + (p.attempts > 0 ? " (started " + p.attempts
            + " time" + (p.attempts == 1 ? "" : "s") + " before)" : ""));
      }
    }

    UpgradeProgress progress() {
      return new UpgradeProgress(canisterId, job.owner(), job.scope(), phase, attempts,
          originalStatus, previousModuleHash, targetModuleHash, targetFrontendHash,
          snapshotsBefore, snapshotId, keepSnapshot, rolledBack, callerMismatch, frontendSynced,
          pendingFrom, cleanup, failure == null ? null : failure.getMessage());
    }

    /** Every IC call of the upgrade, repeated after transient failures by the one policy. */
    private <T extends @Nullable Object> T ic(String method, Supplier<T> call) {
      return retryPolicy.call(method, call, RetryListener.NONE);
    }

    private void ic(String method, Runnable call) {
      retryPolicy.run(method, call, RetryListener.NONE);
    }

    /** A call whose lost reply {@code alreadyDone} resolves by reading state. */
    private void ic(String method, Runnable call, BooleanSupplier alreadyDone) {
      retryPolicy.call(method, () -> {
        call.run();
        return Boolean.TRUE;
      }, alreadyDone, RetryListener.NONE);
    }

    void execute() {
      if (job.scope().includesFrontend() && assetSyncer == null) {
        fail(new IcException("scope " + job.scope()
            + " needs an AssetSyncer: set one on the builder (CanisterUpgrader.Builder.assets)"));
        phase = Phase.RECORD;
      }
      while (phase != Phase.DONE) {
        Phase next = unavailablePart();
        if (next == null) {
          next = givenUp();
        }
        if (next != null) {
          phase = next;
          attempts = 0;
          continue;
        }
        attempts++;
        journal.save(progress());
        announce(phase);
        try {
          next = runPhase(phase);
        } catch (JobAbandonedException e) {
          throw e;
        } catch (IcException e) {
          failIn(phase, e);
          next = afterFailure(phase);
        } catch (RuntimeException e) {
          failIn(phase, new IcException(
              "upgrade of " + canisterId + " failed in " + phase + ": " + e, e));
          next = afterFailure(phase);
        }
        phase = next;
        attempts = 0;
        journal.save(progress());
      }
    }

    /** A forward phase whose part the (resumed) job no longer has: roll back instead. */
    private @Nullable Phase unavailablePart() {
      boolean wasmPhase = phase == Phase.STOP || phase == Phase.SNAPSHOT || phase == Phase.INSTALL;
      if (wasmPhase && !job.wasmModule().map(m -> m.hash().equals(targetModuleHash))
          .orElse(false)) {
        fail(new IcException("the module " + targetModuleHash + " this upgrade of " + canisterId
            + " was started with is no longer available (the release changed while the job was"
            + " abandoned): nothing was installed; upgrade again to the current release"));
        return Phase.START;
      }
      if (phase == Phase.FRONTEND && !job.frontend().map(f -> f.frontendHash()
          .equals(targetFrontendHash)).orElse(false)) {
        fail(new IcException("the frontend " + targetFrontendHash + " this upgrade of "
            + canisterId + " was started with is no longer available (the release changed while"
            + " the job was abandoned): it was not synced; upgrade again to the current release"));
        return Phase.DELETE_SNAPSHOT;
      }
      return null;
    }

    /** A forward phase its runners died in too often: give it up and roll back. */
    private @Nullable Phase givenUp() {
      if (attempts < MAX_PHASE_ATTEMPTS) {
        return null;
      }
      Phase next = switch (phase) {
        case PREFLIGHT -> Phase.HAND_BACK;
        case STOP, SNAPSHOT, INSTALL, HEALTH -> Phase.START;
        case FRONTEND -> Phase.DELETE_SNAPSHOT;
        default -> null;
      };
      if (next != null) {
        fail(new IcException("the upgrade of " + canisterId + " was started " + attempts
            + " times at " + phase + " and its runner never finished it: given up, the canister"
            + " is brought back to where it was"));
      }
      return next;
    }

    private void announce(Phase p) {
      UpgradeListener.Step step = switch (p) {
        case PREFLIGHT -> UpgradeListener.Step.PREFLIGHT;
        case STOP, SNAPSHOT, INSTALL, START, HEALTH, ROLLBACK -> UpgradeListener.Step.WASM;
        case FRONTEND -> UpgradeListener.Step.FRONTEND;
        case HAND_BACK -> UpgradeListener.Step.HAND_BACK;
        default -> null;
      };
      if (step != null && step != lastStep) {
        lastStep = step;
        listener.stepStarted(canisterId, step);
      }
    }

    private Phase runPhase(Phase p) {
      return switch (p) {
        case PREFLIGHT -> preflight();
        case STOP -> stop();
        case SNAPSHOT -> snapshot();
        case INSTALL -> install();
        case START -> start();
        case HEALTH -> health();
        case ROLLBACK -> rollback();
        case FRONTEND -> frontend();
        case DELETE_SNAPSHOT -> deleteSnapshot();
        case HAND_BACK -> handBack();
        case RECORD -> record();
        case DONE -> Phase.DONE;
      };
    }

    /** Where the job goes when {@code p} failed: back towards the state it found. */
    private Phase afterFailure(Phase p) {
      return switch (p) {
        case PREFLIGHT -> handBackOrRecord();
        case STOP, SNAPSHOT, INSTALL -> Phase.START;
        case ROLLBACK -> {
          keepSnapshot = true;
          yield Phase.START;
        }
        case HEALTH, FRONTEND -> Phase.DELETE_SNAPSHOT;
        case START, DELETE_SNAPSHOT, HAND_BACK -> {
          // The rights stay with the job: only a controller can start the canister or delete
          // the snapshot later. The job is pending and retried (see retryHandBack).
          if (pendingFrom == null) {
            pendingFrom = p;
          }
          yield Phase.RECORD;
        }
        case RECORD, DONE -> Phase.DONE;
      };
    }

    /** After the module's part: the frontend, if the job syncs one, else the cleanup. */
    private Phase afterWasm() {
      return targetFrontendHash != null ? Phase.FRONTEND : Phase.DELETE_SNAPSHOT;
    }

    /** The hand-back, unless the job keeps its rights: then the final read. */
    private Phase handBackOrRecord() {
      return job.handBackRights() ? Phase.HAND_BACK : Phase.RECORD;
    }

    private boolean wasRunning() {
      return originalStatus != CanisterStatus.RunStatus.STOPPED;
    }

    private Phase preflight() {
      // The caller's reading made just before this job (its owner check), on a new job's first
      // attempt only: the same checks below judge it as they would judge a reading of our own.
      CanisterStatus status = attempts == 1 && originalStatus == null
          ? job.observedStatus().orElse(null) : null;
      try {
        if (status == null) {
          status = ic("canister_status", () -> managementCanister.canisterStatus(canisterId));
        }
      } catch (CanisterRejectException e) {
        // Only the canister's verdict means "not a controller"; a system failure (the retries
        // used up on SYS_TRANSIENT, a SYS_FATAL) or a missing canister is passed on as it is.
        if (!isVerdict(e)) {
          throw e;
        }
        throw new NotControllerException(canisterId, upgrader, e);
      }
      if (!status.controllers().contains(upgrader)) {
        callerMismatch = true;
        // canister_status answered, so whoever the port calls as is a controller, but it is not
        // the principal this upgrader was built for: handing back would remove the wrong one.
        throw new IcException("the management canister port answers canister_status of "
            + canisterId + ", but " + upgrader + ", the principal this upgrader was built for,"
            + " is not among its controllers " + status.controllers() + ": build the upgrader"
            + " with the principal its ports call as");
      }
      if (originalStatus == null) {
        originalStatus = status.status();
        previousModuleHash = status.moduleHash().orElse(null);
      }
      steps.add("preflight: " + upgrader + " is a controller of " + canisterId + ", which is "
          + status.status().name().toLowerCase(Locale.ROOT));
      if (job.scope().includesFrontend()) {
        AssetCanister a = assetCanisters.apply(canisterId);
        List<Principal> committers;
        try {
          committers = ic("list_permitted", () -> a.listPermitted(Permission.COMMIT));
        } catch (CanisterRejectException e) {
          if (!isVerdict(e)) {
            throw e;
          }
          throw new MissingPermissionException(canisterId, upgrader, Permission.COMMIT, e);
        }
        if (!committers.contains(upgrader)) {
          throw new MissingPermissionException(canisterId, upgrader, Permission.COMMIT, null);
        }
        steps.add("preflight: " + upgrader + " holds Commit");
      }
      if (targetModuleHash != null && job.takeSnapshot() && snapshotId == null) {
        // No snapshot memory means no snapshot (each holds the canister's module, see
        // CanisterStatus.snapshotsSize): nothing to list.
        List<Snapshot> existing = status.snapshotsSize().map(BigInteger.ZERO::equals).orElse(false)
            ? List.of()
            : ic("list_canister_snapshots",
                () -> managementCanister.listCanisterSnapshots(canisterId));
        // What the snapshot phase tells a snapshot of unknown origin by (persisted with this
        // phase's end), needed only when the take's reply is lost: the job's snapshot is the id
        // the take returns. A snapshot the owner takes meanwhile makes a lost reply ambiguous,
        // and the job then refuses to guess (see soleNewSnapshot).
        snapshotsBefore = ids(existing);
        if (existing.size() >= MAX_SNAPSHOTS) {
          // The snapshots are the owner's: replacing one would lose their data.
          throw new IcException("all " + MAX_SNAPSHOTS + " snapshot slots of " + canisterId
              + " are taken, and the upgrade never replaces a snapshot it did not take: delete"
              + " one (delete_canister_snapshot), or upgrade without a snapshot"
              + " (UpgradeJob.Builder.takeSnapshot(false))");
        }
      }
      return targetModuleHash != null ? Phase.STOP : Phase.FRONTEND;
    }

    private Phase stop() {
      ic("stop_canister", () -> managementCanister.stopCanister(canisterId));
      steps.add("stopped (was " + String.valueOf(originalStatus).toLowerCase(Locale.ROOT) + ")");
      return job.takeSnapshot() ? Phase.SNAPSHOT : Phase.INSTALL;
    }

    private Phase snapshot() {
      if (snapshotId != null) {
        return Phase.INSTALL;
      }
      if (snapshotsBefore == null) {
        // Persisted before the take: a snapshot that appears after a crash or a lost reply and
        // is not among these may be the job's. (The preflight reads them; a job saved by an
        // older version may not have them.)
        snapshotsBefore = ids(ic("list_canister_snapshots",
            () -> managementCanister.listCanisterSnapshots(canisterId)));
        journal.save(progress());
      } else if (attempts > 1) {
        // Started before: its take may have gone through before the runner died.
        SnapshotId adopted = soleNewSnapshot("the job's runner died during take_canister_snapshot");
        if (adopted != null) {
          return adopt(adopted, "found: taken before the job was interrupted");
        }
      }
      Snapshot taken = retryPolicy.call("take_canister_snapshot",
          () -> managementCanister.takeCanisterSnapshot(canisterId, null),
          () -> !newSnapshots().isEmpty(), RetryListener.NONE);
      if (taken == null) {
        // The reply was lost but a snapshot appeared: the job's, unless the owner took one too.
        SnapshotId adopted = soleNewSnapshot("the reply of take_canister_snapshot was lost");
        if (adopted == null) {
          throw new IcException("take_canister_snapshot of " + canisterId
              + " was reported done, yet no new snapshot is listed");
        }
        return adopt(adopted, "found after its reply was lost");
      }
      // The id the IC returned is the job's snapshot, whatever else the owner takes meanwhile:
      // persisted before anything relies on it (a rollback loads it, the cleanup deletes it).
      snapshotId = taken.id();
      journal.save(progress());
      steps.add("snapshot " + snapshotId + " taken");
      return Phase.INSTALL;
    }

    private Phase adopt(SnapshotId id, String how) {
      snapshotId = id;
      journal.save(progress());
      steps.add("snapshot " + id + " " + how);
      return Phase.INSTALL;
    }

    /**
     * The one snapshot listed now that was not before the take, when the take's outcome is
     * unknown ({@code why}); null when there is none. Several new ones cannot be told apart: the
     * owner took a snapshot while the job's outcome was unknown, and loading or deleting the
     * wrong one would lose the owner's data, so the job fails before installing anything and
     * names them.
     */
    private @Nullable SnapshotId soleNewSnapshot(String why) {
      List<SnapshotId> added = newSnapshots();
      if (added.size() > 1) {
        throw new IcException(why + " and " + added.size() + " new snapshots of " + canisterId
            + " are listed (" + added + "): one may be the job's, the others the owner's, and"
            + " they cannot be told apart. Nothing was installed and none of them is loaded or"
            + " deleted by the upgrade: check them (list_canister_snapshots), delete the one"
            + " that is not the owner's, and upgrade again");
      }
      return added.isEmpty() ? null : added.get(0);
    }

    private List<SnapshotId> newSnapshots() {
      List<SnapshotId> before = snapshotsBefore == null ? List.of() : snapshotsBefore;
      List<SnapshotId> added = new ArrayList<>();
      for (SnapshotId id : ids(ic("list_canister_snapshots",
          () -> managementCanister.listCanisterSnapshots(canisterId)))) {
        if (!before.contains(id)) {
          added.add(id);
        }
      }
      return added;
    }

    private Phase install() {
      WasmModule module = job.wasmModule().orElseThrow();
      installOutcome = installer.install(InstallRequest.builder(canisterId, module)
          .installMode(InstallMode.upgrade())
          .arg(job.upgradeArg())
          .build());
      steps.add("installed: " + describe(installOutcome));
      return Phase.START;
    }

    private Phase start() {
      if (wasRunning()) {
        // A canister left stopped is an outage: start it whatever the install did.
        ic("start_canister", () -> managementCanister.startCanister(canisterId));
        steps.add("started");
      } else {
        steps.add("left stopped, as it was");
      }
      if (failure != null || rolledBack || cleanup) {
        return Phase.DELETE_SNAPSHOT;
      }
      if (healthCheck != null && wasRunning() && targetModuleHash != null) {
        return Phase.HEALTH;
      }
      return afterWasm();
    }

    private Phase health() {
      HealthCheck check = Objects.requireNonNull(healthCheck);
      Throwable unhealthy = healthFailure(check);
      if (unhealthy == null) {
        steps.add("health check passed");
        return afterWasm();
      }
      steps.add("health check failed: " + unhealthy.getMessage());
      if (snapshotId == null) {
        fail(new IcException("the health check failed after upgrading " + canisterId + " to "
            + targetModuleHash + ", and no snapshot was taken to roll back to: "
            + unhealthy.getMessage(), unhealthy));
        return Phase.DELETE_SNAPSHOT;
      }
      fail(new IcException("the health check failed after upgrading " + canisterId + " to "
          + targetModuleHash + ", so the snapshot taken before was restored: "
          + unhealthy.getMessage(), unhealthy));
      // Kept until the rollback finishes: it is the way back, for a person to load.
      keepSnapshot = true;
      return Phase.ROLLBACK;
    }

    private Phase rollback() {
      SnapshotId id = Objects.requireNonNull(snapshotId);
      ic("stop_canister", () -> managementCanister.stopCanister(canisterId));
      ic("load_canister_snapshot", () -> managementCanister.loadCanisterSnapshot(canisterId, id));
      rolledBack = true;
      keepSnapshot = false;
      steps.add("snapshot " + id + " loaded back");
      return Phase.START;
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

    private Phase frontend() {
      AssetSyncer syncer = Objects.requireNonNull(assetSyncer);
      FrontendRelease release = job.frontend().orElseThrow();
      syncOutcome = syncer.sync(assetCanisters.apply(canisterId), release);
      frontendSynced = true;
      steps.add("frontend synced: " + syncOutcome.diff().counts());
      return Phase.DELETE_SNAPSHOT;
    }

    private Phase deleteSnapshot() {
      SnapshotId id = snapshotId;
      if (id == null) {
        return handBackOrRecord();
      }
      if (keepSnapshot) {
        steps.add("snapshot " + id + " kept: restoring it did not finish");
      } else {
        ic("delete_canister_snapshot",
            () -> managementCanister.deleteCanisterSnapshot(canisterId, id),
            () -> !ids(managementCanister.listCanisterSnapshots(canisterId)).contains(id));
        steps.add("snapshot " + id + " deleted");
      }
      return handBackOrRecord();
    }

    private Phase handBack() {
      if (callerMismatch) {
        rightsHandedBack = false;
        steps.add("rights not handed back: the ports call as a controller other than " + upgrader);
        return Phase.RECORD;
      }
      if (upgrader.equals(job.owner())) {
        rightsHandedBack = true;
        return Phase.RECORD;
      }
      @Nullable IcException problem = null;
      if (assetSyncer != null) {
        try {
          revokeCommit();
        } catch (IcException e) {
          problem = new IcException("could not revoke Commit from " + upgrader + " on "
              + canisterId + ": " + e.getMessage(), e);
        }
      }
      try {
        leaveControllers();
      } catch (IcException e) {
        IcException c = new IcException("could not remove " + upgrader + " from the controllers"
            + " of " + canisterId + ": " + e.getMessage(), e);
        if (problem == null) {
          problem = c;
        } else {
          problem.addSuppressed(c);
        }
      }
      if (problem != null) {
        throw problem;
      }
      rightsHandedBack = true;
      return Phase.RECORD;
    }

    /** Revokes Commit if the upgrader holds it (a WASM-only job may have been granted it too). */
    private void revokeCommit() {
      AssetCanister a;
      List<Principal> holders;
      try {
        a = assetCanisters.apply(canisterId);
        AssetCanister asked = a;
        holders = ic("list_permitted", () -> asked.listPermitted(Permission.COMMIT));
      } catch (CanisterRejectException e) {
        if (isVerdict(e) && !job.scope().includesFrontend()) {
          steps.add("no asset permissions to hand back: " + e.getMessage());
          return;
        }
        throw e;
      } catch (IcException e) {
        throw e;
      } catch (RuntimeException e) {
        if (!job.scope().includesFrontend()) {
          steps.add("no asset permissions to hand back: " + e.getMessage());
          return;
        }
        throw e;
      }
      if (holders.contains(upgrader)) {
        AssetCanister holder = a;
        ic("revoke_permission", () -> holder.revokePermission(upgrader, Permission.COMMIT));
        steps.add("Commit revoked from " + upgrader);
      }
    }

    private void leaveControllers() {
      CanisterStatus status;
      try {
        status = ic("canister_status", () -> managementCanister.canisterStatus(canisterId));
      } catch (CanisterRejectException e) {
        if (isNotController(e)) {
          // Only controllers may ask: the upgrader is no longer one (an earlier update_settings
          // whose reply or progress was lost, or the owner removed it already).
          steps.add(upgrader + " is no longer a controller of " + canisterId);
          return;
        }
        throw e;
      }
      List<Principal> controllers = new ArrayList<>(status.controllers());
      boolean ownerMissing = !controllers.contains(job.owner());
      if (!controllers.contains(upgrader) && !ownerMissing) {
        return;
      }
      controllers.remove(upgrader);
      if (ownerMissing) {
        controllers.add(job.owner());
        steps.add("owner " + job.owner() + " was not a controller: added back");
      }
      ic("update_settings",
          () -> managementCanister.updateSettings(
              canisterId, CanisterSettings.ofControllers(controllers)),
          this::noLongerController);
      steps.add("removed " + upgrader + " from the controllers, now " + controllers);
    }

    /** After a lost update_settings reply: canister_status refused means it took effect. */
    private boolean noLongerController() {
      try {
        return !managementCanister.canisterStatus(canisterId).controllers().contains(upgrader);
      } catch (CanisterRejectException e) {
        if (isNotController(e)) {
          return true;
        }
        throw e;
      }
    }

    private Phase record() {
      try {
        moduleHash =
            ic("module_hash", () -> managementCanister.moduleHash(canisterId)).orElse(null);
      } catch (IcException e) {
        steps.add("module hash could not be read back: " + e.getMessage());
      }
      return Phase.DONE;
    }

    /**
     * A failed part of bringing the canister back (start, snapshot deletion, hand-back) is this
     * run's problem, not the job's outcome: it is reported, and the job is left pending, but not
     * persisted as the job's failure, so that a later attempt that succeeds reports the upgrade
     * as it went.
     */
    private void failIn(Phase p, IcException e) {
      if (p != Phase.START && p != Phase.DELETE_SNAPSHOT && p != Phase.HAND_BACK) {
        fail(e);
        return;
      }
      if (handBackProblem == null) {
        handBackProblem = e;
      } else {
        handBackProblem.addSuppressed(e);
      }
      steps.add(p + " failed, retried later: " + e.getMessage());
    }

    private void fail(IcException e) {
      if (failure == null) {
        failure = e;
      } else if (failure != e) {
        failure.addSuppressed(e);
      }
      steps.add("failed: " + e.getMessage());
    }

    UpgradeReport report() {
      IcException reported = failure;
      if (reported == null) {
        reported = handBackProblem;
      } else if (handBackProblem != null && handBackProblem != reported) {
        reported.addSuppressed(handBackProblem);
      }
      return new UpgradeReport(canisterId, job.scope(), reported, installOutcome, syncOutcome,
          moduleHash, rolledBack, rightsHandedBack, steps, progress());
    }
  }

  /** The canister's (or the management canister's) own verdict, not a system failure. */
  private static boolean isVerdict(CanisterRejectException e) {
    return e.rejectCode() != RejectCode.DESTINATION_INVALID
        && e.rejectCode() != RejectCode.SYS_FATAL
        && e.rejectCode() != RejectCode.SYS_TRANSIENT
        && e.rejectCode() != RejectCode.SYS_UNKNOWN;
  }

  /**
   * The management canister's "only controllers may call this" answer: error code IC0512
   * (CanisterInvalidController, in the IC's error code list, rs/types/error_types), or, from a
   * transport that gives no error code, any verdict of the canister. Other refusals (a canister
   * out of cycles, a rate limit) say nothing about who controls the canister.
   */
  private static boolean isNotController(CanisterRejectException e) {
    return e.errorCode().map("IC0512"::equals).orElseGet(() -> isVerdict(e));
  }

  private static List<SnapshotId> ids(List<Snapshot> snapshots) {
    List<SnapshotId> ids = new ArrayList<>(snapshots.size());
    for (Snapshot s : snapshots) {
      ids.add(s.id());
    }
    return ids;
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
     * failures; by default {@link RetryPolicy#defaults()}. It is the one policy of the upgrade:
     * the installer's calls (chunk uploads, the install) and the syncer's follow it too, whatever
     * policy those were built with ({@link ChunkedWasmInstaller#withRetryPolicy}, {@link
     * AssetSyncer#withRetryPolicy}).
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
