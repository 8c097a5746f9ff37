/**
 * The management canister's Candid interface ({@code ic.did}): encoding and decoding of every call
 * this library makes, both directions, and the {@code ManagementCanister} port over any agent.
 */
@NullMarked
package org.icupgrade.candid.management;

import org.jspecify.annotations.NullMarked;
