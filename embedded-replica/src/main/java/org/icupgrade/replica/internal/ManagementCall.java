package org.icupgrade.replica.internal;

import java.util.function.Function;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * One call of a management method, as {@link ManagementCanister} hands it to the family that
 * implements the method: who calls which method with what, on which canisters. {@code effective}
 * is null for calls from canisters: only ingress has an effective id.
 */
record ManagementCall(
    Canisters canisters, Principal caller, String method, byte[] arg,
    @Nullable Principal effective) {
  /** Whether the call is an ingress message (rather than a call from a canister). */
  boolean ingress() {
    return effective != null;
  }

  /** Spec, "Effective canister id": it must be the canister the call is about. */
  Principal about(Principal canisterId) {
    if (effective != null && !canisterId.equals(effective)) {
      throw Rejects.badRequest(method, "the effective canister id " + effective
          + " does not match canister_id " + canisterId + " of the call");
    }
    return canisterId;
  }

  /** The argument, decoded, once the canister it is about passed {@link #about}. */
  <A> A decode(Function<byte[], A> decoder, Function<A, Principal> canisterOf) {
    A a = decoder.apply(arg);
    about(canisterOf.apply(a));
    return a;
  }

  /** The canister of a {@code record { canister_id }} argument, checked with {@link #about}. */
  Principal canisterIdArg() {
    return about(ManagementCandid.decodeCanisterIdArgs(arg, method));
  }

  /** The canister, if the caller controls it ({@link Canisters#controlled}). */
  CanisterState controlled(Principal canisterId) {
    return canisters.controlled(caller, canisterId, method);
  }

  /** The canister, if the caller controls it or is it ({@link Canisters#controlledOrSelf}). */
  CanisterState controlledOrSelf(Principal canisterId) {
    return canisters.controlledOrSelf(caller, canisterId, method);
  }
}
