/**
 * Update detection and whole upgrades of deployed canisters: what runs against what is released
 * ({@link org.icupgrade.deployer.plan.UpgradePlanner}), and the storage deployer that upgrades on its
 * owners' requests ({@link org.icupgrade.deployer.plan.StorageDeployer}).
 */
@NullMarked
package org.icupgrade.deployer.plan;

import org.jspecify.annotations.NullMarked;
