package org.icupgrade.core.upgrade;

import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;

/**
 * The runner of an upgrade job lost the job (its lease expired and another runner took it over):
 * it stops at once, without handing anything back, since the job is the other runner's now.
 */
public final class JobAbandonedException extends IcException {
  private static final long serialVersionUID = 1L;

  /**
   * @param canisterId the job's canister
   * @param detail what was found instead of this runner's lease
   */
  public JobAbandonedException(Principal canisterId, String detail) {
    super("the upgrade job of " + canisterId + " is no longer this runner's: " + detail);
  }
}
