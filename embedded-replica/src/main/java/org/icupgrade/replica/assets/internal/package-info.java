/** The built-in asset canister's code: no compatibility promise. */
@NullMarked
package org.icupgrade.replica.assets.internal;

import org.jspecify.annotations.NullMarked;
