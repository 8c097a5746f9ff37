/** The record a deployer keeps per canister it created: owner, status, hashes, release tag. */
@NullMarked
package org.icupgrade.deployer.registry;

import org.jspecify.annotations.NullMarked;
