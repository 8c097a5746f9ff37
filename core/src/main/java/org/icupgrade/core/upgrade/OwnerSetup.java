package org.icupgrade.core.upgrade;

import java.util.ArrayList;
import java.util.List;
import org.icupgrade.core.Principal;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.ManagementCanister;
import org.jspecify.annotations.Nullable;

/**
 * The owner's side of a delegated upgrade: before asking a backend to
 * upgrade a canister, its owner adds the backend as a controller and, for a frontend upgrade,
 * grants it {@code Commit}. The backend hands both back when it is done (see
 * {@link CanisterUpgrader}).
 *
 * <p>Both ports must be called as the owner (a controller of the canister; for the asset
 * canister, a principal allowed to grant permissions).
 *
 * <pre>{@code
 * OwnerSetup.grantUpgradeRights(ownerManagement, ownerAssets, canisterId, backend);
 * deployer.upgradeStorage(owner, canisterId, UpgradeScope.ALL);
 * }</pre>
 */
public final class OwnerSetup {
  private OwnerSetup() {}

  /**
   * Adds {@code upgrader} to the canister's controllers (keeping every existing one) and, when
   * {@code assets} is given, grants it {@code Commit}. Repeating it changes nothing.
   */
  public static void grantUpgradeRights(
      ManagementCanister ownerManagement, @Nullable AssetCanister assets, Principal canisterId,
      Principal upgrader) {
    List<Principal> controllers =
        new ArrayList<>(ownerManagement.canisterStatus(canisterId).controllers());
    if (!controllers.contains(upgrader)) {
      controllers.add(upgrader);
      ownerManagement.updateSettings(canisterId, CanisterSettings.ofControllers(controllers));
    }
    if (assets != null) {
      assets.grantPermission(upgrader, Permission.COMMIT);
    }
  }
}
