package org.icupgrade.replica.assets.internal;

import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.RejectCode;
import org.icupgrade.replica.BuiltinCanister.CallContext;

/** The rejections of the built-in asset canister, as each reference canister produces them. */
final class AssetRejects {
  private AssetRejects() {}

  static CanisterRejectException noMethod(CallContext ctx, String method, boolean query) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + ctx.canisterId()
        + " has no " + (query ? "query" : "update") + " method '" + method + "'", "IC0536",
        ctx.canisterId(), method);
  }

  /** A trap (Rust {@code trap(&msg)}, Motoko {@code assert} or {@code Debug.trap}). */
  static CanisterRejectException trap(String method, String message) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR,
        "Canister called `ic0.trap` with message: " + message, "IC0503", null, method);
  }

  /**
   * A canister reject: http-assets returns {@code #err} and its actor throws {@code
   * Error.reject}.
   */
  static CanisterRejectException reject(String method, String message) {
    return new CanisterRejectException(RejectCode.CANISTER_REJECT, message, null, null, method);
  }
}
