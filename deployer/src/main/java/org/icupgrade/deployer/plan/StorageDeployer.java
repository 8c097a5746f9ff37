package org.icupgrade.deployer.plan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.icupgrade.core.IcException;
import org.icupgrade.core.calls.RetryListener;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.registry.UpgradeJobState;
import org.icupgrade.deployer.release.ReleaseArtifacts;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.core.upgrade.JobAbandonedException;
import org.icupgrade.core.upgrade.JobJournal;
import org.icupgrade.core.upgrade.UpgradeProgress;
import org.icupgrade.core.upgrade.UpgradeJob;
import org.icupgrade.core.upgrade.UpgradeListener;
import org.icupgrade.core.upgrade.UpgradeReport;
import org.jspecify.annotations.Nullable;

/**
 * A backend's storage deployer as a library service: owners ask it to upgrade one of the canisters
 * it deployed, by scope, after adding it as a controller and granting it {@code Commit} (see
 * {@link org.icupgrade.core.upgrade.OwnerSetup}). The request is checked at once (refused with an
 * {@link UpgradeStorageException} naming its {@link UpgradeStorageException.Reason reason}); the
 * upgrade itself runs on the executor, and its progress is visible by polling
 * {@link #listStorages}: the record goes {@code UpgradingWasm} or {@code UpgradingFrontend}, then
 * {@code Completed} with the new hashes and tag, or {@code Failed} with the reason.
 *
 * <p>Each upgrade is a durable job: its progress and lease live in the record (see
 * {@link UpgradeJobState}), so that when this deployer dies another one sharing the registry
 * takes the job over once the lease has expired ({@link #start}, {@link #recoverAbandoned}) and
 * finishes it; a job that could not start the canister again, delete its snapshot or hand the
 * rights back stays {@code HandbackPending} and is retried, never reported done while the backend
 * holds rights.
 *
 * <pre>{@code
 * StorageDeployer deployer = StorageDeployer.builder(registry, catalog, upgrader, executor).build();
 * deployer.upgradeStorage(owner, canisterId, UpgradeScope.ALL);
 * }</pre>
 */
public final class StorageDeployer {
  /** The lease of a running job unless configured: five minutes. */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);

  private final DeploymentRegistry registry;
  private final CanisterUpgrader upgrader;
  private final Executor executor;
  private final UpgradePlanner planner;
  private final ReleaseCatalog catalog;
  private final Clock clock;
  private final Duration leaseDuration;
  private final String holderId;
  private final Builder configuration;
  private volatile @Nullable RuntimeException lastRecoveryFailure;
  /** This deployer's jobs running now, whose leases its schedule renews. */
  private final Map<Principal, Lease> runningJobs = new ConcurrentHashMap<>();
  /**
   * The status the owner check of this thread's {@link #upgradeStorage} read: handed to the job,
   * whose preflight judges it instead of reading it again.
   */
  private final ThreadLocal<@Nullable Reading> ownerCheckReading = new ThreadLocal<>();

  /**
   * A job that starts later than this after the owner check's reading (it waited for the
   * executor) reads the status again in its preflight.
   */
  private static final long FRESH_READING_NANOS = TimeUnit.SECONDS.toNanos(2);

  private record Reading(Principal canisterId, CanisterStatus status, long atNanos) {}

  private StorageDeployer(Builder b) {
    this.configuration = b.copy();
    this.registry = b.registry;
    this.upgrader = b.upgrader;
    this.executor = b.executor;
    this.catalog = b.catalog;
    this.clock = b.clock;
    this.leaseDuration = b.leaseDuration;
    this.holderId = b.holderId;
    UpgradePlanner.Builder pb = UpgradePlanner.builder(registry, b.catalog);
    ManagementCanister mc = b.managementCanister;
    if (mc != null) {
      RetryPolicy retry = b.upgrader.retryPolicy();
      pb.ownerCheck(id -> {
        CanisterStatus status = retry.call("canister_status", () -> mc.canisterStatus(id),
            RetryListener.NONE);
        ownerCheckReading.set(new Reading(id, status, System.nanoTime()));
        return status.controllers();
      });
    }
    this.planner = pb.build();
  }

  /**
   * Starts configuring a deployer.
   *
   * @param registry the records of the canisters it deployed
   * @param catalog where the release to upgrade to comes from
   * @param upgrader what carries out each upgrade
   * @param executor where upgrades run, in the background of {@link #upgradeStorage}
   * @return a builder
   */
  public static Builder builder(
      DeploymentRegistry registry, ReleaseCatalog catalog, CanisterUpgrader upgrader,
      Executor executor) {
    return new Builder(registry, catalog, upgrader, executor);
  }

  /**
   * The planner this deployer checks requests with.
   *
   * @return the planner
   */
  public UpgradePlanner planner() {
    return planner;
  }

  /**
   * Whether a canister this deployer created can be updated, and to what: for any caller (see
   * {@link UpgradePlanner#checkStorageUpdate}).
   *
   * @param canisterId the canister
   * @return its update information; empty when this deployer has no record of it
   */
  public Optional<UpdateInfo> checkStorageUpdate(Principal canisterId) {
    return planner.checkStorageUpdate(canisterId);
  }

  /**
   * The caller's canisters with their update information (see {@link UpgradePlanner#listStorages}).
   *
   * @param caller the owner
   * @return the owner's canisters, ordered by canister id
   */
  public List<StorageInfo> listStorages(Principal caller) {
    return planner.listStorages(caller);
  }

  /**
   * A builder with this deployer's configuration, to derive a variant (another executor, another
   * upgrader) over the same registry and catalog.
   *
   * @return a builder holding this deployer's configuration
   */
  public Builder newBuilder() {
    return configuration.copy();
  }

  /**
   * Records a canister this deployer created (status Creating, or Completed with what it runs).
   *
   * @param record the new record
   * @return the record as stored
   */
  public DeploymentRecord register(DeploymentRecord record) {
    return registry.insert(record);
  }

  /**
   * Starts an upgrade of {@code canisterId} for its owner {@code caller}; returns once it is
   * accepted and running in the background.
   *
   * @param caller who asks: the record's owner
   * @param canisterId the canister to upgrade
   * @param scope what to upgrade: the module, the frontend or both
   * @throws UpgradeStorageException NOT_FOUND (no record for this canister and caller), NOT_OWNER
   *     (the owner no longer controls the canister), NOT_COMPLETED, NO_UPDATE_AVAILABLE (for this
   *     scope), RELEASE_NOT_READY, ALREADY_UPGRADING
   */
  public void upgradeStorage(Principal caller, Principal canisterId, UpgradeScope scope) {
    DeploymentRecord record = planner.recordOf(caller, canisterId);
    UpgradePlan plan;
    @Nullable Reading reading;
    ownerCheckReading.remove();
    try {
      plan = planner.plan(record, scope);
      reading = ownerCheckReading.get();
    } finally {
      ownerCheckReading.remove();
    }
    UpgradeJob.Builder jb =
        UpgradeJob.builder(record.canisterId(), record.owner(), scopeOf(plan));
    plan.wasmModule().ifPresent(jb::wasmModule);
    plan.frontend().ifPresent(jb::frontend);
    if (reading != null && reading.canisterId().equals(canisterId)) {
      jb.observedStatus(reading.status());
    }
    UpgradeJob job = jb.build();
    long readAt = reading == null ? 0 : reading.atNanos();
    UpgradeProgress progress = UpgradeProgress.start(job);
    DeploymentStatus running = statusFor(progress, record.status());
    UpgradeJobState state =
        new UpgradeJobState(progress, holderId, leaseEnd(), plan.releaseTag());
    DeploymentRecord started = registry.replace(record,
            record.withStatus(running).withJob(state))
        .orElseThrow(() -> new UpgradeStorageException(
            UpgradeStorageException.Reason.ALREADY_UPGRADING, canisterId,
            "another request for " + canisterId + " came first"));
    try {
      executor.execute(() -> drive(started,
          System.nanoTime() - readAt > FRESH_READING_NANOS ? job.withoutObservedStatus() : job,
          progress, plan.releaseTag()));
    } catch (RejectedExecutionException e) {
      registry.replace(started,
          started.withJob(null).failed("the upgrade executor refused the job"));
      throw new IcException("could not start the upgrade of " + canisterId
          + ": the executor refused it", e);
    }
  }

  /**
   * Takes over the upgrade jobs whose lease has expired (their runner died or hung: another
   * thread, another process on the same database) and resumes each from its last persisted phase
   * on the executor; retries the hand-back of jobs left {@code HANDBACK_PENDING} once their retry
   * time (the lease) has come. Taking a job over is a compare-and-set on its record, so of several
   * deployers sharing a registry exactly one resumes each job.
   *
   * <p>A resumed job whose release the catalog no longer offers is rolled back rather than
   * forward (see {@link UpgradeJob.Builder#resuming()}).
   *
   * @return how many jobs this call took over
   */
  public int recoverAbandoned() {
    int taken = 0;
    Instant now = clock.instant();
    for (DeploymentRecord r : registry.withJobs()) {
      UpgradeJobState state = r.job().orElseThrow();
      if (!state.expiredAt(now) || runningJobs.containsKey(r.canisterId())) {
        continue; // alive, or still running here (its lease renewed by the schedule)
      }
      UpgradeProgress progress = state.progress().handBackPending()
          ? state.progress().retryHandBack() : state.progress();
      Optional<DeploymentRecord> claimed =
          registry.replace(r, r.withJob(state.with(progress, holderId, leaseEnd())));
      if (claimed.isEmpty()) {
        continue; // another deployer took it first
      }
      UpgradeJob job = resumedJob(progress);
      String tag = state.releaseTag().orElse(null);
      DeploymentRecord mine = claimed.get();
      try {
        executor.execute(() -> drive(mine, job, progress, tag));
        taken++;
      } catch (RejectedExecutionException e) {
        // The lease runs out again and the next recovery tries once more.
        lastRecoveryFailure = e;
      }
    }
    return taken;
  }

  /**
   * Recovers abandoned jobs now and then every third of a lease, on {@code scheduler}: what a
   * backend calls once when it starts. Each round first renews the leases of this deployer's
   * own running jobs, so that a phase longer than the lease (a large install) is not taken for
   * abandoned. A failing round (the database unreachable) is kept in
   * {@link #lastRecoveryFailure()} and the schedule goes on.
   *
   * @param scheduler where the recovery rounds run
   * @return the schedule, to cancel it
   */
  public ScheduledFuture<?> start(ScheduledExecutorService scheduler) {
    long period = Math.max(1000, leaseDuration.toMillis() / 3);
    return scheduler.scheduleWithFixedDelay(() -> {
      try {
        for (Lease running : runningJobs.values()) {
          running.renew();
        }
        recoverAbandoned();
        lastRecoveryFailure = null;
      } catch (RuntimeException e) {
        lastRecoveryFailure = e;
      }
    }, 0, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Why the last recovery round failed, if it did.
   *
   * @return the failure, or empty when the last round went through
   */
  public Optional<RuntimeException> lastRecoveryFailure() {
    return Optional.ofNullable(lastRecoveryFailure);
  }

  /**
   * The id this deployer holds job leases under.
   *
   * @return the holder id
   */
  public String holderId() {
    return holderId;
  }

  private UpgradeJob resumedJob(UpgradeProgress progress) {
    UpgradeJob.Builder b = UpgradeJob.builder(progress.canisterId(), progress.owner(),
        progress.scope()).resuming();
    Optional<ReleaseArtifacts> current = catalog.current();
    if (current.isPresent()) {
      ReleaseArtifacts a = current.get();
      if (progress.targetModuleHash().map(a.moduleHash()::equals).orElse(false)) {
        b.wasmModule(a.wasmModule());
      }
      if (progress.targetFrontendHash().map(a.frontendHash()::equals).orElse(false)) {
        b.frontend(a.frontend());
      }
    }
    return b.build();
  }

  private Instant leaseEnd() {
    return clock.instant().plus(leaseDuration);
  }

  /** The journal of one job run: every save renews the lease, or finds the job taken over. */
  private final class Lease implements JobJournal {
    final AtomicReference<DeploymentRecord> current;

    Lease(DeploymentRecord claimed) {
      this.current = new AtomicReference<>(claimed);
    }

    /**
     * Renews the lease with the progress last saved: the heartbeat of a phase that runs long (a
     * large install, a large sync), from the deployer's schedule. Synchronized with
     * {@link #save}, so the two never race on the record's version. A lease already lost stays
     * lost: the job's next save finds it out and stops.
     */
    synchronized void renew() {
      DeploymentRecord now = current.get();
      Optional<UpgradeJobState> state = now.job();
      if (state.isEmpty() || !state.get().holder().equals(holderId)) {
        return;
      }
      try {
        save(state.get().progress());
      } catch (JobAbandonedException e) {
        // Taken over: the job itself stops at its next save.
      }
    }

    @Override
    public synchronized void save(UpgradeProgress progress) {
      DeploymentRecord now = current.get();
      UpgradeJobState state = now.job().orElseThrow(() -> new JobAbandonedException(
          now.canisterId(), "its record has no job"));
      DeploymentRecord next = now.withJob(state.with(progress, holderId, leaseEnd()));
      DeploymentStatus status = statusFor(progress, now.status());
      if (status != now.status()) {
        next = next.withStatus(status);
      }
      Optional<DeploymentRecord> stored = registry.replace(now, next);
      if (stored.isEmpty()) {
        throw new JobAbandonedException(now.canisterId(), "its record changed under it (now "
            + registry.find(now.canisterId()).map(DeploymentRecord::toString).orElse("gone")
            + ")");
      }
      current.set(stored.get());
    }
  }

  /** The record's status while the job stands at {@code progress}: what owners poll. */
  private static DeploymentStatus statusFor(UpgradeProgress progress, DeploymentStatus was) {
    if (was == DeploymentStatus.HANDBACK_PENDING) {
      return was;
    }
    return switch (progress.phase()) {
      case PREFLIGHT, STOP, SNAPSHOT, INSTALL, START, HEALTH, ROLLBACK ->
          progress.targetModuleHash().isPresent()
              ? DeploymentStatus.UPGRADING_WASM : DeploymentStatus.UPGRADING_FRONTEND;
      case FRONTEND -> DeploymentStatus.UPGRADING_FRONTEND;
      default -> was;
    };
  }

  private void drive(
      DeploymentRecord claimed, UpgradeJob job, UpgradeProgress from, @Nullable String tag) {
    Lease lease = new Lease(claimed);
    UpgradeReport report;
    runningJobs.put(claimed.canisterId(), lease);
    try {
      report = upgrader.resume(job, from, lease, UpgradeListener.NONE);
    } catch (JobAbandonedException e) {
      return; // the job is another runner's now: it writes the record
    } catch (RuntimeException e) {
      // Our own bug: the lease runs out and another round resumes the job where it stood.
      lastRecoveryFailure = e;
      return;
    } finally {
      runningJobs.remove(claimed.canisterId(), lease);
      synchronized (lease) {
        // A renewal in flight ends before the record is read for the last write.
      }
    }
    DeploymentRecord latest = lease.current.get();
    UpgradeProgress end = report.progress();
    Sha256 wasm = report.moduleHash().orElse(latest.moduleHash().orElse(null));
    Sha256 frontend = end.frontendSynced()
        ? end.targetFrontendHash().orElse(latest.frontendHash().orElse(null))
        : latest.frontendHash().orElse(null);
    boolean wasmCurrent = end.targetModuleHash().map(h -> h.equals(wasm)).orElse(true);
    boolean frontendCurrent = end.targetFrontendHash().isEmpty() || end.frontendSynced();
    boolean upgraded = end.failure().isEmpty() && wasmCurrent && frontendCurrent;
    String releaseTag = upgraded && tag != null ? tag : latest.releaseTag().orElse(null);
    DeploymentRecord next = latest.withInstalled(wasm, frontend, releaseTag);
    if (end.handBackPending()) {
      // Not over: the backend still holds rights. Retried once the lease (the retry time) ends.
      String why = report.failure().map(Throwable::getMessage)
          .orElse("the rights could not be handed back");
      next = next.handBackPending("the backend keeps its rights on this canister until it has"
          + " finished bringing it back (" + end.pendingPhase().orElseThrow() + " failed; it keeps"
          + " retrying): " + why)
          .withJob(latest.job().orElseThrow().with(end, holderId, leaseEnd()));
    } else if (upgraded) {
      next = next.withStatus(DeploymentStatus.COMPLETED).withJob(null);
    } else {
      next = next.failed(end.failure().orElse(wasmCurrent
              ? "the frontend was not synced" : "the module hash read back is not the release's"))
          .withJob(null);
    }
    registry.replace(latest, next);
  }

  /** The scope the job needs: only the parts that differ. */
  private static UpgradeScope scopeOf(UpgradePlan plan) {
    if (plan.wasmModule().isPresent() && plan.frontend().isPresent()) {
      return UpgradeScope.ALL;
    }
    return plan.wasmModule().isPresent() ? UpgradeScope.WASM_ONLY : UpgradeScope.FRONTEND_ONLY;
  }

  /** Configures a {@link StorageDeployer}. */
  public static final class Builder {
    private final DeploymentRegistry registry;
    private final ReleaseCatalog catalog;
    private CanisterUpgrader upgrader;
    private Executor executor;
    private @Nullable ManagementCanister managementCanister;
    private Clock clock = Clock.systemUTC();
    private Duration leaseDuration = DEFAULT_LEASE;
    private String holderId = "deployer-" + UUID.randomUUID();

    private Builder copy() {
      Builder b = new Builder(registry, catalog, upgrader, executor);
      b.managementCanister = managementCanister;
      b.clock = clock;
      b.leaseDuration = leaseDuration;
      b.holderId = holderId;
      return b;
    }

    /**
     * The clock leases are measured with; the system clock by default.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How long a job's lease lasts without renewal ({@link #DEFAULT_LEASE} by default). A
     * running job renews it at every phase, so it must be longer than the longest phase (an
     * install of a large module, a large frontend sync) takes, unless the deployer was
     * {@link StorageDeployer#start started} on a scheduler, whose rounds also renew the leases of
     * the jobs running in this deployer (every third of a lease). Once a lease has expired
     * another deployer may take the job over. It is also the wait between hand-back retries.
     *
     * @param leaseDuration a positive duration
     * @return this builder
     */
    public Builder leaseDuration(Duration leaseDuration) {
      if (leaseDuration.isNegative() || leaseDuration.isZero()) {
        throw new IllegalArgumentException("the lease must be positive, got " + leaseDuration);
      }
      this.leaseDuration = leaseDuration;
      return this;
    }

    /**
     * The id this deployer holds leases under: unique among the deployers sharing a registry
     * (a random one by default; give a stable one, such as the host name, to read it in
     * records).
     *
     * @param holderId one non-empty line
     * @return this builder
     */
    public Builder holderId(String holderId) {
      if (holderId.isEmpty() || holderId.contains("\n")) {
        throw new IllegalArgumentException("a holder id is one non-empty line");
      }
      this.holderId = holderId;
      return this;
    }

    private Builder(
        DeploymentRegistry registry, ReleaseCatalog catalog, CanisterUpgrader upgrader,
        Executor executor) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      this.upgrader = Objects.requireNonNull(upgrader, "upgrader");
      this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * What carries out each upgrade.
     *
     * @param upgrader the upgrader
     * @return this builder
     */
    public Builder upgrader(CanisterUpgrader upgrader) {
      this.upgrader = Objects.requireNonNull(upgrader, "upgrader");
      return this;
    }

    /**
     * Where upgrades run in the background.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The deployer's view of the management canister, to refuse upgrades the record's owner no
     * longer controls (NOT_OWNER) before starting them.
     *
     * @param managementCanister the management canister, as seen by the deployer
     * @return this builder
     */
    public Builder ownerCheck(ManagementCanister managementCanister) {
      this.managementCanister = managementCanister;
      return this;
    }

    /**
     * Builds the deployer.
     *
     * @return the deployer
     */
    public StorageDeployer build() {
      return new StorageDeployer(this);
    }
  }
}
