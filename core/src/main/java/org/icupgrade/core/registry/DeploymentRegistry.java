package org.icupgrade.core.registry;

import java.util.List;
import java.util.Optional;
import org.icupgrade.core.Principal;

/**
 * Where a deployer keeps its {@link DeploymentRecord}s. Implementations: {@link InMemoryRegistry}
 * and {@link JdbcRegistry}. All methods are atomic and thread-safe.
 */
public interface DeploymentRegistry {
  Optional<DeploymentRecord> find(Principal canisterId);

  /** The records of {@code owner}, ordered by canister id. */
  List<DeploymentRecord> byOwner(Principal owner);

  /**
   * Adds a record.
   *
   * @throws IllegalStateException when the canister already has one
   */
  DeploymentRecord insert(DeploymentRecord record);

  /**
   * Replaces {@code expected} by {@code next} if the stored record is still {@code expected}
   * (same version); returns the stored record (its version incremented), or empty when another
   * change came first. This is what keeps two upgrades of one canister from both starting.
   */
  Optional<DeploymentRecord> replace(DeploymentRecord expected, DeploymentRecord next);
}
