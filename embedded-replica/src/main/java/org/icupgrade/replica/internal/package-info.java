/**
 * The embedded replica's state machine; no API promise.
 *
 * <p>{@link org.icupgrade.replica.internal.Replica} is what {@code EmbeddedReplica} drives. Calls
 * go through {@code CallRouter} (ingress and inter-canister calls, effective canister ids) to the
 * management canister's method table, {@code ManagementCanister}, whose methods live one family
 * per class ({@code CanisterLifecycle}, {@code CodeInstall}, {@code ChunkStore}, {@code
 * Snapshots}), or to a canister's code, run by {@code MessageExecution}. WASM code runs in {@code
 * WasmCanister} behind the ic0 functions of {@code SystemApi}'s table, each defined once in the
 * class of its group ({@code Ic0Message}, {@code Ic0Call}, {@code Ic0Stable}, {@code
 * Ic0Canister}, {@code Ic0System}).
 */
@NullMarked
package org.icupgrade.replica.internal;

import org.jspecify.annotations.NullMarked;
