package org.icupgrade.deployer.plan;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.deployer.plan.internal.DefaultUpgradePlanner;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.jspecify.annotations.Nullable;

/**
 * Update detection: compares what each deployed canister runs, by its record's WASM
 * hash, frontend hash and release tag (or the canister's live module hash, when given one), with
 * the latest release of a {@link ReleaseCatalog}, and says what an upgrade of a scope will do.
 *
 * <pre>{@code
 * UpgradePlanner planner = UpgradePlanner.builder(registry, catalog)
 *     .liveModuleHash(agent::moduleHash)   // optional: trust the canister, not the record
 *     .build();
 * planner.listStorages(owner);             // each record with its UpdateInfo
 * UpgradePlan plan = planner.plan(owner, canisterId, UpgradeScope.ALL);
 * }</pre>
 *
 * <p>Refusals are one exception type, {@link UpgradeStorageException}, whose
 * {@link UpgradeStorageException#reason() reason} says which refusal it is;
 * {@link #plan} documents which reasons it raises, checked in this order: {@code NOT_FOUND},
 * {@code ALREADY_UPGRADING}, {@code NOT_COMPLETED}, {@code NOT_OWNER}, {@code RELEASE_NOT_READY},
 * {@code NO_UPDATE_AVAILABLE}. Planning changes nothing: starting the upgrade (and winning the
 * registry's compare-and-set) is the orchestrator's job.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface UpgradePlanner {
  /**
   * The record of {@code caller}'s canister {@code canisterId}.
   *
   * @param caller who asks: the record's owner
   * @param canisterId the canister
   * @return its record
   * @throws UpgradeStorageException with reason {@code NOT_FOUND} when there is no record of this
   *     canister, or it belongs to someone else (a stranger learns nothing about it)
   */
  DeploymentRecord recordOf(Principal caller, Principal canisterId);

  /**
   * Whether a canister can be updated, and to what, for any caller (a canister's own frontend
   * shows an update badge with it): the update information of a canister this deployer has a record of,
   * or empty when it has none. Before any release is ready, the available fields are empty and
   * nothing is reported as available.
   *
   * @param canisterId the canister
   * @return its update information, or empty
   */
  Optional<UpdateInfo> checkStorageUpdate(Principal canisterId);

  /**
   * The caller's records, ordered by canister id, each with its
   * update information when the record is settled ({@code COMPLETED} or {@code FAILED}) and a
   * release is ready; creating and upgrading records carry none.
   *
   * @param caller the owner
   * @return the owner's records with their update information
   */
  List<StorageInfo> listStorages(Principal caller);

  /**
   * What upgrading {@code canisterId} with {@code scope} will do, for {@code caller}: the module
   * to install when the scope includes the WASM and it differs, the frontend to sync when the
   * scope includes the frontend and it differs.
   *
   * @param caller who asks: the record's owner
   * @param canisterId the canister to upgrade
   * @param scope what to upgrade
   * @return what the upgrade will install and sync
   * @throws UpgradeStorageException with reason {@code NOT_FOUND} (no record of this canister
   *     for this caller: a stranger is not told that the record exists),
   *     {@code ALREADY_UPGRADING}, {@code NOT_COMPLETED} (still being created; a {@code FAILED}
   *     record may be retried), {@code NOT_OWNER} (the record's owner no longer controls the
   *     canister; checked only with {@link Builder#ownerCheck}), {@code RELEASE_NOT_READY} or
   *     {@code NO_UPDATE_AVAILABLE} (nothing differs within {@code scope})
   */
  UpgradePlan plan(Principal caller, Principal canisterId, UpgradeScope scope);

  /**
   * {@link #plan(Principal, Principal, UpgradeScope)} for an orchestrator that has read the
   * record already (and will compare-and-set against exactly that version); the caller has
   * checked ownership, so {@code NOT_FOUND} is not raised.
   *
   * @param record the canister's record, as read
   * @param scope what to upgrade
   * @return what the upgrade will install and sync
   */
  UpgradePlan plan(DeploymentRecord record, UpgradeScope scope);

  /**
   * A planner comparing records with the catalog's latest release, with no live lookups.
   *
   * @param registry the records
   * @param catalog the releases
   * @return the planner
   */
  static UpgradePlanner over(DeploymentRegistry registry, ReleaseCatalog catalog) {
    return builder(registry, catalog).build();
  }

  /**
   * Starts configuring a planner over {@code registry} and {@code catalog}.
   *
   * @param registry the records
   * @param catalog the releases
   * @return a builder
   */
  static Builder builder(DeploymentRegistry registry, ReleaseCatalog catalog) {
    return new Builder(registry, catalog);
  }

  /** Configures an {@link UpgradePlanner}. */
  final class Builder {
    private final DeploymentRegistry registry;
    private final ReleaseCatalog catalog;
    private @Nullable Function<Principal, Optional<Sha256>> liveModuleHash;
    private @Nullable Function<Principal, ? extends Collection<Principal>> controllersOf;

    private Builder(DeploymentRegistry registry, ReleaseCatalog catalog) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    /**
     * Reads a canister's installed module hash live (for instance {@code agent::moduleHash},
     * which anyone may read from the certified state tree) instead of trusting the record: a
     * canister upgraded behind the deployer's back then shows the right answer. Empty means no
     * module is installed. Its failures propagate.
     *
     * @param liveModuleHash a canister's installed module hash, read live
     * @return this builder
     */
    public Builder liveModuleHash(Function<Principal, Optional<Sha256>> liveModuleHash) {
      this.liveModuleHash = Objects.requireNonNull(liveModuleHash, "liveModuleHash");
      return this;
    }

    /**
     * Reads a canister's controllers (for instance from {@code canister_status}) so that
     * {@link UpgradePlanner#plan} refuses with {@code NOT_OWNER} when the record's owner no
     * longer controls the canister. {@code canister_status} is for controllers only: when the
     * lookup fails with an {@link org.icupgrade.core.IcException} (the deployer is not a
     * controller yet) the check is skipped, and the upgrade's own preflight reports it.
     *
     * @param controllersOf a canister's controllers, read live
     * @return this builder
     */
    public Builder ownerCheck(Function<Principal, ? extends Collection<Principal>> controllersOf) {
      this.controllersOf = Objects.requireNonNull(controllersOf, "controllersOf");
      return this;
    }

    /**
     * Builds the planner.
     *
     * @return the planner
     */
    public UpgradePlanner build() {
      return new DefaultUpgradePlanner(registry, catalog, liveModuleHash, controllersOf);
    }
  }
}
