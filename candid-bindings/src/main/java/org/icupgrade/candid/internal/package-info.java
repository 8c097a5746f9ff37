/** Candid plumbing over ic4j-candid shared by the bindings; no API promise. */
@NullMarked
package org.icupgrade.candid.internal;

import org.jspecify.annotations.NullMarked;
