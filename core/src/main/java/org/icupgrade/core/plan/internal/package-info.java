/** Implementation of {@link org.icupgrade.core.plan.UpgradePlanner}; no API promise. */
@NullMarked
package org.icupgrade.core.plan.internal;

import org.jspecify.annotations.NullMarked;
