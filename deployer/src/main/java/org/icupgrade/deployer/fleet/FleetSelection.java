package org.icupgrade.deployer.fleet;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.icupgrade.core.Principal;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;

/**
 * Which records a fleet upgrade considers. Whether each actually needs an update is decided when
 * it is planned ({@link FleetUpgrader#plan}): a selected canister already on the release is
 * reported skipped.
 */
public final class FleetSelection {
  private final Predicate<DeploymentRecord> filter;
  private final String description;

  private FleetSelection(Predicate<DeploymentRecord> filter, String description) {
    this.filter = filter;
    this.description = description;
  }

  /**
   * Every record in the registry; those already on the current release are skipped at planning.
   *
   * @return the selection of all records behind the current release
   */
  public static FleetSelection behindCurrentRelease() {
    return new FleetSelection(r -> true, "all records behind the current release");
  }

  /**
   * The records of these canisters; a canister without a record is left out.
   *
   * @param canisterIds the canisters
   * @return the selection
   */
  public static FleetSelection of(Collection<Principal> canisterIds) {
    Set<Principal> ids = Set.copyOf(canisterIds);
    return new FleetSelection(r -> ids.contains(r.canisterId()), ids.size() + " listed canisters");
  }

  /**
   * The records {@code predicate} accepts (an owner, a status, a tag).
   *
   * @param predicate which records to take
   * @return the selection
   */
  public static FleetSelection matching(Predicate<DeploymentRecord> predicate) {
    return new FleetSelection(Objects.requireNonNull(predicate, "predicate"), "a predicate");
  }

  /**
   * The selected records, ordered by canister id.
   *
   * @param registry where the records are
   * @return the records selected
   */
  public List<DeploymentRecord> select(DeploymentRegistry registry) {
    return registry.all().stream().filter(filter).toList();
  }

  @Override
  public String toString() {
    return description;
  }
}
