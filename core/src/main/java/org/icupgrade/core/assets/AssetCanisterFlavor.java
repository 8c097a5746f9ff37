package org.icupgrade.core.assets;

/**
 * Which implementation of the asset canister interface a canister runs. The two answer the same
 * Candid interface but differ in how a commit treats existing keys, so a syncer has to know.
 *
 * <p>We know of no reliable signal that tells them apart from the outside: they answer the same
 * interface, and the defect shows only when a commit touches an existing key, by which time the
 * commit has trapped. So the flavour is an explicit option and is not detected.
 */
public enum AssetCanisterFlavor {
  /** The DFINITY asset canister ({@code ic-certified-assets}): batch operations behave as specified. */
  DFINITY,
  /**
   * The Motoko {@code http-assets} library, version 0.2.0. Two defects: {@code DeleteAsset} inside
   * {@code commit_batch} does not remove the key from the main store, and {@code CreateAsset} or
   * {@code SetAssetContent} on an existing key that is not aliased traps during the commit's
   * merge. A syncer therefore removes stale and changed keys with direct {@code delete_asset}
   * calls before the commit and then creates changed keys afresh.
   */
  HTTP_ASSETS_0_2
}
