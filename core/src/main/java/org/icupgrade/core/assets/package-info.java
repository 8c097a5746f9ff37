/**
 * Frontend assets: the {@link org.icupgrade.core.assets.AssetCanister} port (a typed view of the
 * asset canister interface, {@code assetstorage.did}), the {@link
 * org.icupgrade.core.assets.AssetSyncer} service that brings a canister's assets up to date with a
 * {@link org.icupgrade.core.assets.FrontendRelease}, and the values both exchange.
 */
@NullMarked
package org.icupgrade.core.assets;

import org.jspecify.annotations.NullMarked;
