/**
 * Update detection and whole upgrades of deployed canisters: what runs against what is released
 * ({@link org.icupgrade.core.plan.UpgradePlanner}), and the storage deployer that upgrades on its
 * owners' requests ({@link org.icupgrade.core.plan.StorageDeployer}).
 */
@NullMarked
package org.icupgrade.core.plan;

import org.jspecify.annotations.NullMarked;
