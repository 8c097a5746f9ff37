/**
 * Frontend releases and their sync: {@link org.icupgrade.assets.ReleaseReader} reads a release
 * from a tar, a tar.gz or a directory, refusing entries that could escape or lie; {@link
 * org.icupgrade.assets.AssetDiffer} compares it with what a canister lists; {@link
 * org.icupgrade.assets.AssetSyncers} builds the {@link org.icupgrade.core.assets.AssetSyncer} that
 * uploads only what changed.
 */
@NullMarked
package org.icupgrade.assets;

import org.jspecify.annotations.NullMarked;
