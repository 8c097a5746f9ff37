package org.icupgrade.replica;

import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;

/**
 * A canister whose code is Java, hosted by the embedded replica at a canister id (the built-in
 * asset canister is one). Calls arrive serialized per canister, with Candid bytes in and out; throw
 * {@link CanisterRejectException} to reject. An update that throws must leave no state change.
 */
public interface BuiltinCanister {
  /** Who is calling what. */
  record CallContext(Principal caller, Principal canisterId, boolean callerIsController) {}

  /**
   * A query: must not change state.
   *
   * @param context who calls which canister
   * @param method the method's name
   * @param arg the Candid-encoded arguments
   * @return the Candid-encoded reply
   */
  byte[] query(CallContext context, String method, byte[] arg);

  /**
   * An update call.
   *
   * @param context who calls which canister
   * @param method the method's name
   * @param arg the Candid-encoded arguments
   * @return the Candid-encoded reply
   */
  byte[] update(CallContext context, String method, byte[] arg);
}
