package org.icupgrade.replica;

import org.icupgrade.core.Principal;

/**
 * One call the replica received: who called which method of which canister, routed by which
 * effective canister id, with how many argument bytes, and whether it was answered or rejected.
 */
public record RecordedCall(
    Principal caller,
    Principal canisterId,
    String method,
    Principal effectiveCanisterId,
    int argBytes,
    boolean rejected) {}
