/**
 * The asset canister's Candid interface ({@code assetstorage.did}): encoding and decoding of the
 * calls the syncer makes, both directions, and the {@code AssetCanister} port over any agent.
 */
@NullMarked
package org.icupgrade.candid.assets;

import org.jspecify.annotations.NullMarked;
