package org.icupgrade.core.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.registry.DeploymentRecord;
import org.icupgrade.core.registry.DeploymentRegistry;
import org.icupgrade.core.registry.DeploymentStatus;
import org.icupgrade.core.release.ReleaseArtifacts;
import org.icupgrade.core.release.ReleaseCatalog;

/**
 * Compares what each deployed canister runs (its record's WASM hash, frontend hash and release
 * tag) with the latest release of the catalog, and says what an upgrade of a scope will do.
 * Immutable and thread-safe.
 */
public final class UpgradePlanner {
  private final DeploymentRegistry registry;
  private final ReleaseCatalog catalog;

  private UpgradePlanner(DeploymentRegistry registry, ReleaseCatalog catalog) {
    this.registry = registry;
    this.catalog = catalog;
  }

  public static UpgradePlanner over(DeploymentRegistry registry, ReleaseCatalog catalog) {
    return new UpgradePlanner(Objects.requireNonNull(registry), Objects.requireNonNull(catalog));
  }

  /**
   * The update information of any canister this deployer created, for any caller (seed 004:
   * a public query, so that a canister's own frontend can show an update badge). Empty when there
   * is no record.
   */
  public Optional<UpdateInfo> checkStorageUpdate(Principal canisterId) {
    return registry.find(canisterId).map(r -> info(r, catalog.current().orElse(null)));
  }

  /** The caller's canisters, each with its update information once completed. */
  public List<StorageInfo> listStorages(Principal caller) {
    ReleaseArtifacts latest = catalog.current().orElse(null);
    List<StorageInfo> out = new ArrayList<>();
    for (DeploymentRecord r : registry.byOwner(caller)) {
      boolean settled = r.status() == DeploymentStatus.COMPLETED
          || r.status() == DeploymentStatus.FAILED;
      out.add(new StorageInfo(r, settled && latest != null ? info(r, latest) : null));
    }
    return out;
  }

  /**
   * What upgrading {@code canisterId} with {@code scope} will do, for its owner.
   *
   * @throws UpgradeStorageException NOT_FOUND, NOT_COMPLETED, ALREADY_UPGRADING,
   *     RELEASE_NOT_READY or NO_UPDATE_AVAILABLE
   */
  public UpgradePlan plan(Principal caller, Principal canisterId, UpgradeScope scope) {
    DeploymentRecord r = registry.find(canisterId)
        .filter(x -> x.owner().equals(caller))
        .orElseThrow(() -> new UpgradeStorageException(UpgradeStorageException.Reason.NOT_FOUND,
            canisterId, "no record of canister " + canisterId + " for " + caller));
    return plan(r, scope);
  }

  UpgradePlan plan(DeploymentRecord r, UpgradeScope scope) {
    Principal canisterId = r.canisterId();
    if (r.status().isUpgrading()) {
      throw new UpgradeStorageException(UpgradeStorageException.Reason.ALREADY_UPGRADING,
          canisterId, "an upgrade of " + canisterId + " is running (" + r.status() + ")");
    }
    // A failed upgrade may be retried: the record says what the canister runs.
    if (r.status() != DeploymentStatus.COMPLETED && r.status() != DeploymentStatus.FAILED) {
      throw new UpgradeStorageException(UpgradeStorageException.Reason.NOT_COMPLETED, canisterId,
          canisterId + " is " + r.status() + "; wait until its creation completes");
    }
    ReleaseArtifacts latest = catalog.current().orElseThrow(() -> new UpgradeStorageException(
        UpgradeStorageException.Reason.RELEASE_NOT_READY, canisterId,
        "no release has been downloaded and verified yet; refresh the release catalog"));
    UpdateInfo info = info(r, latest);
    boolean wasm = scope.includesWasm() && info.wasmUpdateAvailable();
    boolean frontend = scope.includesFrontend() && info.frontendUpdateAvailable();
    if (!wasm && !frontend) {
      throw new UpgradeStorageException(UpgradeStorageException.Reason.NO_UPDATE_AVAILABLE,
          canisterId, canisterId + " already runs what " + latest.tag() + " offers for " + scope);
    }
    return new UpgradePlan(canisterId, scope, latest.tag(), wasm ? latest.wasmModule() : null,
        frontend ? latest.frontend() : null);
  }

  static UpdateInfo info(DeploymentRecord r, @org.jspecify.annotations.Nullable ReleaseArtifacts latest) {
    if (latest == null) {
      return new UpdateInfo(r.wasmHash(), null, r.releaseTag(), null, false, false,
          r.frontendHash(), null);
    }
    return new UpdateInfo(r.wasmHash(), latest.wasmHash(), r.releaseTag(), latest.tag(),
        !latest.wasmHash().equals(r.wasmHash()),
        !latest.frontendHash().equals(r.frontendHash()),
        r.frontendHash(), latest.frontendHash());
  }
}
