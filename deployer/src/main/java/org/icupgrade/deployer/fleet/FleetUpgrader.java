package org.icupgrade.deployer.fleet;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.plan.UpdateInfo;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.jspecify.annotations.Nullable;

/**
 * Upgrades a fleet of canisters a {@link StorageDeployer} deployed: selects them
 * ({@link FleetSelection}), plans each ({@link #plan}), and runs them in waves ({@link #start}): a
 * canary of {@link Builder#canary N}, then waves growing by {@link Builder#waveGrowth a factor} up
 * to {@link Builder#maxWaveSize a cap}, at most {@link Builder#concurrency} upgrades at once. After
 * each wave, a failure rate above {@link Builder#haltAboveFailureRate the threshold} halts the
 * rollout: the canisters not yet started are left on their old version (reported
 * {@link CanisterResult.Outcome#NOT_STARTED}).
 *
 * <p>Each canister's upgrade is the deployer's durable job ({@link StorageDeployer#upgradeStorage}):
 * claimed in the registry by compare-and-set, so several backend processes running the same fleet
 * over one registry never upgrade a canister twice (the one that loses reports it
 * {@link CanisterResult.Outcome#SKIPPED}, after waiting for the winner's job to end), and a job
 * whose runner died is taken over by {@link StorageDeployer#recoverAbandoned} once its lease has
 * expired, also while the fleet waits for it.
 *
 * <p>The call rate is limited per call, not here: give every upgrader's management canister a
 * {@link RateLimitedManagementCanister} over one shared {@link CallRateLimiter}.
 *
 * <pre>{@code
 * FleetUpgrader fleet = FleetUpgrader.builder(deployer, registry).canary(1).concurrency(8).build();
 * FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
 * FleetReport report = fleet.start(plan).await();
 * }</pre>
 */
public final class FleetUpgrader {
  final StorageDeployer deployer;
  final DeploymentRegistry registry;
  final int canary;
  final double waveGrowth;
  final int maxWaveSize;
  final int concurrency;
  final double haltAboveFailureRate;
  final FleetListener listener;
  final Duration pollInterval;
  final Duration jobTimeout;
  final Clock clock;
  final @Nullable SubnetStores sharedStores;
  final @Nullable ReleaseCatalog catalog;

  private FleetUpgrader(Builder b) {
    this.sharedStores = b.sharedStores;
    this.catalog = b.catalog;
    this.deployer = b.deployer;
    this.registry = b.registry;
    this.canary = b.canary;
    this.waveGrowth = b.waveGrowth;
    this.maxWaveSize = b.maxWaveSize;
    this.concurrency = b.concurrency;
    this.haltAboveFailureRate = b.haltAboveFailureRate;
    this.listener = b.listener;
    this.pollInterval = b.pollInterval;
    this.jobTimeout = b.jobTimeout;
    this.clock = b.clock;
  }

  /**
   * Starts configuring a fleet upgrader.
   *
   * @param deployer what upgrades each canister (its registry must be {@code registry})
   * @param registry the records the fleet is selected from
   * @return a builder
   */
  public static Builder builder(StorageDeployer deployer, DeploymentRegistry registry) {
    return new Builder(deployer, registry);
  }

  /**
   * Plans the selected canisters: each one's {@link UpdateInfo}, and the scope narrowed to the
   * parts that differ. A canister already on the release in this scope, or whose record is
   * neither {@code Completed} nor held by a job (it failed), is skipped. A canister with a job
   * (another runner's, or a crashed one's) is planned: its turn waits for that job, taking it over
   * once its lease has expired.
   *
   * @param selection which records
   * @param scope what to upgrade
   * @return the plan, canisters in canister-id order
   */
  public FleetPlan plan(FleetSelection selection, UpgradeScope scope) {
    List<FleetPlan.Entry> entries = new ArrayList<>();
    List<CanisterResult> skipped = new ArrayList<>();
    for (DeploymentRecord r : selection.select(registry)) {
      Optional<UpdateInfo> info = deployer.checkStorageUpdate(r.canisterId());
      if (info.isEmpty()) {
        skipped.add(new CanisterResult(r.canisterId(), CanisterResult.Outcome.SKIPPED, -1,
            "no release to compare with"));
        continue;
      }
      boolean wasm = scope.includesWasm() && info.get().wasmUpdateAvailable();
      boolean frontend = scope.includesFrontend() && info.get().frontendUpdateAvailable();
      if (!wasm && !frontend) {
        skipped.add(new CanisterResult(r.canisterId(), CanisterResult.Outcome.SKIPPED, -1,
            "already on the release for scope " + scope));
      } else if (r.status() != DeploymentStatus.COMPLETED && r.job().isEmpty()) {
        skipped.add(new CanisterResult(r.canisterId(), CanisterResult.Outcome.SKIPPED, -1,
            "its record is " + r.status() + ", not COMPLETED"));
      } else {
        UpgradeScope narrowed = wasm && frontend ? UpgradeScope.ALL
            : wasm ? UpgradeScope.WASM_ONLY : UpgradeScope.FRONTEND_ONLY;
        entries.add(new FleetPlan.Entry(r.canisterId(), r.owner(), info.get(), narrowed));
      }
    }
    return new FleetPlan(entries, skipped);
  }

  /**
   * The sizes of the waves for {@code count} canisters: the canary, then each wave
   * {@link Builder#waveGrowth} times the one before (rounded up), capped.
   *
   * @param count how many canisters are planned
   * @return the wave sizes, summing to {@code count}
   */
  public List<Integer> waveSizes(int count) {
    List<Integer> sizes = new ArrayList<>();
    int left = count;
    int size = canary;
    while (left > 0) {
      int s = Math.min(size, left);
      sizes.add(s);
      left -= s;
      size = (int) Math.min(maxWaveSize, Math.max(size + 1L, (long) Math.ceil(size * waveGrowth)));
    }
    return sizes;
  }

  /**
   * Starts the rollout of {@code plan} on a thread of its own; returns at once.
   *
   * @param plan what {@link #plan} returned
   * @return the running fleet, to pause, resume, cancel, follow and await
   */
  public FleetRun start(FleetPlan plan) {
    FleetRun run = new FleetRun(this, plan);
    run.begin();
    return run;
  }

  /**
   * Starts the rollout of {@code plan} paused: nothing is upgraded until {@link FleetRun#resume}.
   *
   * @param plan what {@link #plan} returned
   * @return the paused fleet
   */
  public FleetRun startPaused(FleetPlan plan) {
    FleetRun run = new FleetRun(this, plan);
    run.pause();
    run.begin();
    return run;
  }

  /** Configures a {@link FleetUpgrader}. */
  public static final class Builder {
    private final StorageDeployer deployer;
    private final DeploymentRegistry registry;
    private int canary = 1;
    private double waveGrowth = 2;
    private int maxWaveSize = 100;
    private int concurrency = 4;
    private double haltAboveFailureRate = 0;
    private FleetListener listener = FleetListener.NONE;
    private Duration pollInterval = Duration.ofMillis(200);
    private Duration jobTimeout = Duration.ofHours(1);
    private Clock clock = Clock.systemUTC();
    private @Nullable SubnetStores sharedStores;
    private @Nullable ReleaseCatalog catalog;

    private Builder(StorageDeployer deployer, DeploymentRegistry registry) {
      this.deployer = Objects.requireNonNull(deployer, "deployer");
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The size of the first wave, the canary (1 unless set).
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder canary(int n) {
      this.canary = atLeastOne(n, "canary");
      return this;
    }

    /**
     * How much each wave grows over the one before (2 unless set: 1, 2, 4, 8, ...).
     *
     * @param factor at least 1
     * @return this builder
     */
    public Builder waveGrowth(double factor) {
      if (!(factor >= 1)) {
        throw new IllegalArgumentException("waveGrowth must be at least 1, not " + factor);
      }
      this.waveGrowth = factor;
      return this;
    }

    /**
     * The largest wave (100 unless set).
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder maxWaveSize(int n) {
      this.maxWaveSize = atLeastOne(n, "maxWaveSize");
      return this;
    }

    /**
     * How many upgrades run at once within a wave (4 unless set).
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder concurrency(int n) {
      this.concurrency = atLeastOne(n, "concurrency");
      return this;
    }

    /**
     * The failure rate of a wave (failed over failed plus done) above which the rollout halts; 0
     * unless set, so any failure halts it.
     *
     * @param rate from 0 to 1
     * @return this builder
     */
    public Builder haltAboveFailureRate(double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException("the failure-rate threshold is from 0 to 1, not "
            + rate);
      }
      this.haltAboveFailureRate = rate;
      return this;
    }

    /**
     * Who follows the rollout.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(FleetListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How often the registry is read while an upgrade runs on another thread or process (200 ms
     * unless set).
     *
     * @param interval the interval
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * How long the fleet waits for one canister's job before reporting it failed (its job goes
     * on); an hour unless set.
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder jobTimeout(Duration timeout) {
      this.jobTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * The clock leases are judged by: the deployer's (the system clock unless set).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * One upload per fleet: before the first wave the release's module (from {@code catalog},
     * the deployer's) is uploaded once to {@code store}, whose {@link SharedChunkStore#installer}
     * the upgraders install through; when the fleet ends (done, halted, cancelled) the store is
     * cleared.
     *
     * @param store the shared store
     * @param catalog the deployer's catalog, for the module
     * @return this builder
     */
    public Builder sharedStore(SharedChunkStore store, ReleaseCatalog catalog) {
      return sharedStores(SubnetStores.single(Objects.requireNonNull(store, "store")), catalog);
    }

    /**
     * One upload per subnet: before the first wave the release's module is uploaded once to the
     * store of each subnet the plan's targets are on (a target whose subnet has no store is
     * refused before anything is upgraded); the upgraders install through
     * {@link SubnetStores#installer}; when the fleet ends (done, halted, cancelled) every store
     * is cleared.
     *
     * @param stores a store per subnet
     * @param catalog the deployer's catalog, for the module
     * @return this builder
     */
    public Builder sharedStores(SubnetStores stores, ReleaseCatalog catalog) {
      this.sharedStores = Objects.requireNonNull(stores, "stores");
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      return this;
    }

    /**
     * Builds the fleet upgrader.
     *
     * @return the fleet upgrader
     */
    public FleetUpgrader build() {
      return new FleetUpgrader(this);
    }

    private static int atLeastOne(int n, String what) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be at least 1, not " + n);
      }
      return n;
    }
  }
}
