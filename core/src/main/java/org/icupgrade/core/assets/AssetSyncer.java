package org.icupgrade.core.assets;

/**
 * Brings an asset canister's frontend up to date with a {@link FrontendRelease}, sending only what
 * changed: new files and files whose content type or encodings' SHA-256 differ are uploaded,
 * encodings the release no longer has are unset, and stale files are deleted; protected keys
 * (user data such as {@code /info.json}) are never deleted or overwritten.
 *
 * <p>A sync first checks that the caller holds {@link Permission#COMMIT} ({@code list_permitted})
 * and fails with {@link MissingPermissionException} before anything is uploaded otherwise; then it
 * lists the canister (paged), computes the {@link AssetDiff}, and, unless the diff is empty,
 * creates one batch, uploads the chunks, and commits the operations (split into several
 * {@code commit_batch} calls when large). A second sync of the same release sends no chunk and no
 * operation.
 *
 * <p>Instances are immutable and thread-safe; build one (see {@code org.icupgrade.assets.AssetSyncers}
 * in the {@code assets-diff} module) and share it across canisters.
 */
public interface AssetSyncer {
  /**
   * The dry run: what {@link #sync} would do, computed from the canister's {@code list} alone.
   * Sends nothing that changes the canister.
   */
  AssetDiff diff(AssetCanister canister, FrontendRelease release);

  /**
   * Syncs the release: {@link #diff}, then {@link #apply}.
   *
   * @throws MissingPermissionException when the caller lacks {@code Commit}; nothing was uploaded
   * @throws org.icupgrade.core.CanisterRejectException when the canister refuses a call
   * @throws org.icupgrade.core.TransportException when the IC cannot be reached
   */
  SyncOutcome sync(AssetCanister canister, FrontendRelease release);

  /**
   * Carries out a diff computed earlier, e.g. after a person read its summary. The diff must have
   * been computed against this canister ({@link AssetDiff#canisterId()}); if the canister changed
   * since, the commit may be refused (e.g. {@code CreateAsset} of a key that now exists), and
   * nothing of that commit call is applied.
   *
   * @throws IllegalArgumentException when the diff is for another canister
   * @throws MissingPermissionException when the caller lacks {@code Commit}; nothing was uploaded
   */
  SyncOutcome apply(AssetCanister canister, AssetDiff diff);

  /**
   * This syncer with its calls retried by {@code retryPolicy}: the upgrader calls it so that every
   * call of an upgrade, the frontend's included, follows the upgrade's one policy. A syncer that
   * retries calls must return a copy using {@code retryPolicy} (the library's does); the default
   * returns this syncer, for one that never retries.
   *
   * @param retryPolicy the policy its calls are to follow
   * @return a syncer like this one whose calls follow {@code retryPolicy}
   */
  default AssetSyncer withRetryPolicy(org.icupgrade.core.calls.RetryPolicy retryPolicy) {
    return this;
  }
}
