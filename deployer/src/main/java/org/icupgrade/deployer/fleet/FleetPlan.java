package org.icupgrade.deployer.fleet;

import java.util.List;
import java.util.Objects;
import org.icupgrade.core.Principal;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.deployer.plan.UpdateInfo;

/**
 * The canisters a fleet upgrade will upgrade, each with what it runs and what is available, in the
 * order the waves take them; and those it skips.
 *
 * @param entries the canisters to upgrade, canary first
 * @param skipped the selected canisters that need no upgrade in the scope asked, with why
 */
public record FleetPlan(List<Entry> entries, List<CanisterResult> skipped) {
  /**
   * One canister to upgrade.
   *
   * @param canisterId the canister
   * @param owner its owner, who the upgrade is done for
   * @param update what it runs and what the release offers
   * @param scope what is upgraded: the asked scope narrowed to the parts that differ
   */
  public record Entry(Principal canisterId, Principal owner, UpdateInfo update,
      UpgradeScope scope) {
    /** Checks the fields. */
    public Entry {
      Objects.requireNonNull(canisterId, "canisterId");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(update, "update");
      Objects.requireNonNull(scope, "scope");
    }
  }

  /** Copies the lists. */
  public FleetPlan {
    entries = List.copyOf(entries);
    skipped = List.copyOf(skipped);
  }
}
