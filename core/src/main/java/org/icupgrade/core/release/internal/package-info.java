/** Implementations of {@link org.icupgrade.core.release.ReleaseSource}; no API promise. */
@NullMarked
package org.icupgrade.core.release.internal;

import org.jspecify.annotations.NullMarked;
