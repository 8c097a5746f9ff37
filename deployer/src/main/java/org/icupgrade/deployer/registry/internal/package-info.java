/** Implementations of {@link org.icupgrade.deployer.registry.DeploymentRegistry}; no API promise. */
@NullMarked
package org.icupgrade.deployer.registry.internal;

import org.jspecify.annotations.NullMarked;
