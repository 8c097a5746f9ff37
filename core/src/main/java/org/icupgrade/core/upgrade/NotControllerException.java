package org.icupgrade.core.upgrade;

import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/** The principal doing an upgrade is not a controller of the canister. */
public final class NotControllerException extends IcException {
  private static final long serialVersionUID = 1L;

  private final Principal canisterId;
  private final Principal principal;

  public NotControllerException(Principal canisterId, Principal principal, @Nullable Throwable cause) {
    super(principal + " is not a controller of " + canisterId + ", so it cannot upgrade it. The"
        + " canister's owner must add it first, e.g. with OwnerSetup.grantUpgradeRights or"
        + " dfx canister update-settings " + canisterId + " --add-controller " + principal, cause);
    this.canisterId = canisterId;
    this.principal = principal;
  }

  public Principal canisterId() {
    return canisterId;
  }

  public Principal principal() {
    return principal;
  }
}
