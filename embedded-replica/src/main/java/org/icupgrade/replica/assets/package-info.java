/**
 * The embedded replica's built-in asset canister, in the DFINITY flavour and in the flavour of the
 * Motoko http-assets 0.2.0 library with its two known defects.
 */
@NullMarked
package org.icupgrade.replica.assets;

import org.jspecify.annotations.NullMarked;
