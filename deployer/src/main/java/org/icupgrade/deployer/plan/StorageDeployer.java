package org.icupgrade.deployer.plan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.core.upgrade.CanisterUpgrader;
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
 * <pre>{@code
 * StorageDeployer deployer = StorageDeployer.builder(registry, catalog, upgrader, executor).build();
 * deployer.upgradeStorage(owner, canisterId, UpgradeScope.ALL);
 * }</pre>
 */
public final class StorageDeployer {
  private final DeploymentRegistry registry;
  private final CanisterUpgrader upgrader;
  private final Executor executor;
  private final UpgradePlanner planner;
  private final Builder configuration;

  private StorageDeployer(Builder b) {
    this.configuration = b.copy();
    this.registry = b.registry;
    this.upgrader = b.upgrader;
    this.executor = b.executor;
    UpgradePlanner.Builder pb = UpgradePlanner.builder(registry, b.catalog);
    ManagementCanister mc = b.managementCanister;
    if (mc != null) {
      pb.ownerCheck(id -> mc.canisterStatus(id).controllers());
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
    UpgradePlan plan = planner.plan(record, scope);
    DeploymentStatus running = plan.wasmModule().isPresent()
        ? DeploymentStatus.UPGRADING_WASM : DeploymentStatus.UPGRADING_FRONTEND;
    DeploymentRecord started = registry.replace(record, record.withStatus(running))
        .orElseThrow(() -> new UpgradeStorageException(
            UpgradeStorageException.Reason.ALREADY_UPGRADING, canisterId,
            "another request for " + canisterId + " came first"));
    try {
      executor.execute(() -> run(started, plan));
    } catch (RejectedExecutionException e) {
      registry.replace(started, started.failed("the upgrade executor refused the job"));
      throw new IcException("could not start the upgrade of " + canisterId
          + ": the executor refused it", e);
    }
  }

  private void run(DeploymentRecord started, UpgradePlan plan) {
    UpgradeJob.Builder job =
        UpgradeJob.builder(started.canisterId(), started.owner(), scopeOf(plan));
    plan.wasmModule().ifPresent(job::wasmModule);
    plan.frontend().ifPresent(job::frontend);
    // The record follows the upgrade: UpgradingWasm, then UpgradingFrontend once the module is
    // in, so that owners polling listStorages see where it stands.
    java.util.concurrent.atomic.AtomicReference<DeploymentRecord> current =
        new java.util.concurrent.atomic.AtomicReference<>(started);
    UpgradeReport report;
    try {
      report = upgrader.upgrade(job.build(), (id, step) -> {
        DeploymentRecord now = current.get();
        if (step == UpgradeListener.Step.FRONTEND
            && now.status() != DeploymentStatus.UPGRADING_FRONTEND) {
          registry.replace(now, now.withStatus(DeploymentStatus.UPGRADING_FRONTEND))
              .ifPresent(current::set);
        }
      });
    } catch (RuntimeException e) {
      registry.replace(current.get(), current.get().failed("upgrade crashed: " + e));
      return;
    }
    DeploymentRecord latest = current.get();
    Sha256 wasm = report.moduleHash().orElse(latest.moduleHash().orElse(null));
    boolean frontendSynced = report.syncOutcome().isPresent();
    Sha256 frontend = frontendSynced && report.succeeded()
        ? plan.frontend().map(f -> f.frontendHash()).orElse(latest.frontendHash().orElse(null))
        : latest.frontendHash().orElse(null);
    boolean wasmCurrent = plan.wasmModule().map(m -> m.hash().equals(wasm)).orElse(true);
    String tag = report.succeeded() ? plan.releaseTag() : latest.releaseTag().orElse(null);
    DeploymentRecord next = latest.withInstalled(wasm, frontend, tag);
    if (report.succeeded() && wasmCurrent) {
      next = next.withStatus(DeploymentStatus.COMPLETED);
    } else {
      next = next.failed(report.failure().map(Throwable::getMessage)
          .orElse("the module hash read back is not the release's"));
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

    private Builder copy() {
      Builder b = new Builder(registry, catalog, upgrader, executor);
      b.managementCanister = managementCanister;
      return b;
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
