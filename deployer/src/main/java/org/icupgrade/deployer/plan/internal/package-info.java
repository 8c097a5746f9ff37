/** Implementation of {@link org.icupgrade.deployer.plan.UpgradePlanner}; no API promise. */
@NullMarked
package org.icupgrade.deployer.plan.internal;

import org.jspecify.annotations.NullMarked;
