/**
 * Installing and upgrading WASM modules of any legal size through the management canister, with
 * proof of the result by the module hash.
 */
@NullMarked
package org.icupgrade.core.install;

import org.jspecify.annotations.NullMarked;
