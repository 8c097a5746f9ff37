package org.icupgrade.core.assets;

import java.util.Objects;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * The caller lacks a permission an asset canister requires, found out before anything was
 * uploaded. Repeating the call does not help: someone holding {@code ManagePermissions} must call
 * {@code grant_permission} for the caller first.
 */
public final class MissingPermissionException extends IcException {
  private static final long serialVersionUID = 1L;

  private final Principal canisterId;
  private final Principal caller;
  private final Permission permission;

  public MissingPermissionException(
      Principal canisterId, Principal caller, Permission permission, @Nullable Throwable cause) {
    super(describe(canisterId, caller, permission, cause), cause);
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
    this.caller = Objects.requireNonNull(caller, "caller");
    this.permission = Objects.requireNonNull(permission, "permission");
  }

  private static String describe(
      Principal canisterId, Principal caller, Permission permission, @Nullable Throwable cause) {
    String how = cause == null
        ? "it is not in list_permitted(" + permission.candidName() + ")"
        : "list_permitted(" + permission.candidName() + ") was refused: " + cause.getMessage();
    return caller + " lacks the " + permission.candidName() + " permission on asset canister "
        + canisterId + " (" + how + "); nothing was uploaded. Have a principal with"
        + " ManagePermissions call grant_permission(record { to_principal = principal \"" + caller
        + "\"; permission = variant { " + permission.candidName() + " } }) and sync again.";
  }

  public Principal canisterId() {
    return canisterId;
  }

  public Principal caller() {
    return caller;
  }

  public Permission permission() {
    return permission;
  }
}
