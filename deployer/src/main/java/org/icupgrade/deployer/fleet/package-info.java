/**
 * Fleet upgrades: keep every canister a backend deployed on the current release, in waves (a
 * canary, then growing waves) that halt when a wave's failure rate passes a threshold, with
 * bounded concurrency, a shared call-rate limit, pause, resume and cancel. Each canister's upgrade
 * is the {@link org.icupgrade.deployer.plan.StorageDeployer}'s durable job, so several backend
 * processes can share one fleet through the registry and a crashed one's jobs are taken over.
 */
@NullMarked
package org.icupgrade.deployer.fleet;

import org.jspecify.annotations.NullMarked;
