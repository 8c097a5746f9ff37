/** Implementations of {@link org.icupgrade.deployer.release.ReleaseSource}; no API promise. */
@NullMarked
package org.icupgrade.deployer.release.internal;

import org.jspecify.annotations.NullMarked;
