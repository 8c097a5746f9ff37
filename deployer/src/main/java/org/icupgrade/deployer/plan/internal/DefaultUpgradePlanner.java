package org.icupgrade.deployer.plan.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.deployer.plan.StorageInfo;
import org.icupgrade.deployer.plan.UpdateInfo;
import org.icupgrade.deployer.plan.UpgradePlan;
import org.icupgrade.deployer.plan.UpgradePlanner;
import org.icupgrade.deployer.plan.UpgradeStorageException;
import org.icupgrade.deployer.plan.UpgradeStorageException.Reason;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseArtifacts;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.deployer.release.ReleaseNotReadyException;
import org.jspecify.annotations.Nullable;

/** The {@link UpgradePlanner}; its Javadoc says what it promises. */
public final class DefaultUpgradePlanner implements UpgradePlanner {
  private final DeploymentRegistry registry;
  private final ReleaseCatalog catalog;
  private final @Nullable Function<Principal, Optional<Sha256>> liveModuleHash;
  private final @Nullable Function<Principal, ? extends Collection<Principal>> controllersOf;

  public DefaultUpgradePlanner(DeploymentRegistry registry, ReleaseCatalog catalog,
      @Nullable Function<Principal, Optional<Sha256>> liveModuleHash,
      @Nullable Function<Principal, ? extends Collection<Principal>> controllersOf) {
    this.registry = registry;
    this.catalog = catalog;
    this.liveModuleHash = liveModuleHash;
    this.controllersOf = controllersOf;
  }

  @Override
  public Optional<UpdateInfo> checkStorageUpdate(Principal canisterId) {
    return registry.find(canisterId).map(r -> info(r, catalog.current().orElse(null)));
  }

  @Override
  public List<StorageInfo> listStorages(Principal caller) {
    ReleaseArtifacts latest = catalog.current().orElse(null);
    List<StorageInfo> out = new ArrayList<>();
    for (DeploymentRecord r : registry.byOwner(caller)) {
      out.add(new StorageInfo(r, settled(r) && latest != null ? info(r, latest) : null));
    }
    return out;
  }

  @Override
  public DeploymentRecord recordOf(Principal caller, Principal canisterId) {
    return registry.find(canisterId)
        .filter(x -> x.owner().equals(caller))
        .orElseThrow(() -> new UpgradeStorageException(Reason.NOT_FOUND, canisterId,
            "there is no record of canister " + canisterId + " for " + caller
                + ": only the owner who deployed it through this deployer may upgrade it"));
  }

  @Override
  public UpgradePlan plan(Principal caller, Principal canisterId, UpgradeScope scope) {
    return plan(recordOf(caller, canisterId), scope);
  }

  @Override
  public UpgradePlan plan(DeploymentRecord r, UpgradeScope scope) {
    Principal canisterId = r.canisterId();
    if (r.status().isUpgrading()) {
      throw new UpgradeStorageException(Reason.ALREADY_UPGRADING, canisterId,
          "an upgrade of " + canisterId + " is running (" + r.status()
              + "): poll listStorages until it settles");
    }
    if (!settled(r)) {
      throw new UpgradeStorageException(Reason.NOT_COMPLETED, canisterId, canisterId + " is "
          + r.status() + ": wait until its creation completes");
    }
    checkOwnerControls(r);
    ReleaseArtifacts latest;
    try {
      latest = catalog.require();
    } catch (ReleaseNotReadyException e) {
      throw new UpgradeStorageException(Reason.RELEASE_NOT_READY, canisterId, e.getMessage(), e);
    }
    UpdateInfo info = info(r, latest);
    boolean wasm = scope.includesWasm() && info.wasmUpdateAvailable();
    boolean frontend = scope.includesFrontend() && info.frontendUpdateAvailable();
    if (!wasm && !frontend) {
      throw new UpgradeStorageException(Reason.NO_UPDATE_AVAILABLE, canisterId, canisterId
          + " already runs what release " + latest.tag() + " offers for scope " + scope);
    }
    return new UpgradePlan(canisterId, scope, latest.tag(), wasm ? latest.wasmModule() : null,
        frontend ? latest.frontend() : null);
  }

  /** A failed upgrade may be retried: the record still says what the canister runs. */
  private static boolean settled(DeploymentRecord r) {
    return r.status() == DeploymentStatus.COMPLETED || r.status() == DeploymentStatus.FAILED;
  }

  private void checkOwnerControls(DeploymentRecord r) {
    if (controllersOf == null) {
      return;
    }
    Collection<Principal> controllers;
    try {
      controllers = controllersOf.apply(r.canisterId());
    } catch (IcException e) {
      // canister_status is for controllers only: before the owner adds the deployer, it
      // cannot look. The upgrade's preflight then says what the owner must do.
      return;
    }
    if (!controllers.contains(r.owner())) {
      throw new UpgradeStorageException(Reason.NOT_OWNER, r.canisterId(), r.owner()
          + " no longer controls " + r.canisterId() + ": only a controller's upgrade request"
          + " is served; the record's owner must be among the canister's controllers");
    }
  }

  private UpdateInfo info(DeploymentRecord r, @Nullable ReleaseArtifacts latest) {
    Sha256 currentWasm = liveModuleHash != null
        ? liveModuleHash.apply(r.canisterId()).orElse(null) : r.moduleHash().orElse(null);
    if (latest == null) {
      return new UpdateInfo(currentWasm, null, r.releaseTag().orElse(null), null, false, false,
          r.frontendHash().orElse(null), null);
    }
    return new UpdateInfo(currentWasm, latest.moduleHash(), r.releaseTag().orElse(null), latest.tag(),
        !latest.moduleHash().equals(currentWasm),
        !latest.frontendHash().equals(r.frontendHash().orElse(null)),
        r.frontendHash().orElse(null), latest.frontendHash());
  }
}
