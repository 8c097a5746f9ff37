package org.icupgrade.core.assets;

/**
 * A permission on an asset canister ({@code Permission} in {@code assetstorage.did}).
 *
 * <p>Being a controller of the canister is not the same as holding one of these: the DFINITY asset
 * canister checks {@code Commit} for {@code create_batch}, {@code create_chunk(s)} and {@code
 * commit_batch}, whoever the controllers are.
 */
public enum Permission {
  /** May create batches and chunks and commit batches ({@code Commit}). */
  COMMIT,
  /** May create batches and chunks and propose a batch, but not commit it ({@code Prepare}). */
  PREPARE,
  /** May grant and revoke permissions ({@code ManagePermissions}). */
  MANAGE_PERMISSIONS;

  /** The variant's name in Candid: {@code Commit}, {@code Prepare}, {@code ManagePermissions}. */
  public String candidName() {
    return switch (this) {
      case COMMIT -> "Commit";
      case PREPARE -> "Prepare";
      case MANAGE_PERMISSIONS -> "ManagePermissions";
    };
  }
}
