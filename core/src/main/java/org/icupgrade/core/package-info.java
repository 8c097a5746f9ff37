/**
 * The vocabulary of canister upgrades: principals, digests, WASM modules and their chunks, install
 * modes, and the errors every service raises.
 */
@NullMarked
package org.icupgrade.core;

import org.jspecify.annotations.NullMarked;
