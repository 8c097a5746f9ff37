/** Implementations of {@link org.icupgrade.core.registry.DeploymentRegistry}; no API promise. */
@NullMarked
package org.icupgrade.core.registry.internal;

import org.jspecify.annotations.NullMarked;
