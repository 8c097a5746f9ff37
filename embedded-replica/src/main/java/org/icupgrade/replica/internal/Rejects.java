package org.icupgrade.replica.internal;

import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;

/** The rejections the replica gives, with the reject codes and error codes the IC uses. */
final class Rejects {
  private Rejects() {}

  static CanisterRejectException notController(Principal canisterId, Principal caller, String method) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR,
        "Only controllers of canister " + canisterId + " can call ic00 method " + method
            + "; " + caller + " is not one of them",
        "IC0512", Principal.MANAGEMENT_CANISTER, method);
  }

  static CanisterRejectException notFound(Principal canisterId, String method) {
    return new CanisterRejectException(RejectCode.DESTINATION_INVALID,
        "Canister " + canisterId + " not found", "IC0301", Principal.MANAGEMENT_CANISTER, method);
  }

  static CanisterRejectException invalid(String method, String message, String errorCode) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR, message, errorCode,
        Principal.MANAGEMENT_CANISTER, method);
  }

  static CanisterRejectException badRequest(String method, String message) {
    return new CanisterRejectException(RejectCode.CANISTER_REJECT, message, "IC0406",
        Principal.MANAGEMENT_CANISTER, method);
  }
}
