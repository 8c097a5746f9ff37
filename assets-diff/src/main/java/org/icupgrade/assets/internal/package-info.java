/** Implementations behind {@link org.icupgrade.assets}; no compatibility promise. */
@NullMarked
package org.icupgrade.assets.internal;

import org.jspecify.annotations.NullMarked;
