/** Candid plumbing shared by the bindings (our own encoder and decoder); no API promise. */
@NullMarked
package org.icupgrade.candid.internal;

import org.jspecify.annotations.NullMarked;
