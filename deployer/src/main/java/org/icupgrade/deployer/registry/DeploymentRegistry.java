package org.icupgrade.deployer.registry;

import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.icupgrade.core.Principal;
import org.icupgrade.deployer.registry.internal.InMemoryRegistry;
import org.icupgrade.deployer.registry.internal.JdbcRegistry;

/**
 * Where a deployer keeps one {@link DeploymentRecord} per canister it created. Two
 * implementations come with the library: {@link #inMemory()} and {@link #jdbc(DataSource)}.
 *
 * <p>Every method is atomic and thread-safe. Changes go through {@link #replace}, a
 * compare-and-set on the record's version: this is what keeps two upgrade requests for one
 * canister from both starting, within one process and, with the JDBC registry, across processes
 * sharing a database.
 */
public interface DeploymentRegistry {
  /**
   * The record of {@code canisterId}, if there is one.
   *
   * @param canisterId the canister
   * @return the record, or empty
   */
  Optional<DeploymentRecord> find(Principal canisterId);

  /**
   * The records of {@code owner}, ordered by canister id.
   *
   * @param owner the owner
   * @return the records, possibly none
   */
  List<DeploymentRecord> byOwner(Principal owner);

  /**
   * Adds a record, as it is given (its version included).
   *
   * @param record the record
   * @return the record as stored
   * @throws IllegalStateException when the canister already has one
   */
  DeploymentRecord insert(DeploymentRecord record);

  /**
   * Compare-and-set: replaces the stored record by {@code next} if it is still {@code expected}
   * (same canister, same version), and returns what is stored now ({@code next} with the version
   * incremented). Returns empty, changing nothing, when another change came first or there is no
   * record: the caller re-reads and decides again.
   *
   * @param expected the record as the caller read it
   * @param next the record to store instead
   * @return the record stored now, or empty when nothing changed
   * @throws IllegalArgumentException when {@code next} is another canister's record
   */
  Optional<DeploymentRecord> replace(DeploymentRecord expected, DeploymentRecord next);

  /**
   * The records with an upgrade job (running, abandoned by a dead runner, or with a hand-back
   * pending), ordered by canister id: what a deployer looks through to take over jobs whose
   * lease has expired.
   *
   * @return the records whose {@link DeploymentRecord#job()} is present
   */
  List<DeploymentRecord> withJobs();

  /**
   * Every record, ordered by canister id: what a fleet upgrade selects from. The library's
   * registries implement it; a registry of one's own that does not is refused by fleet upgrades.
   *
   * @return all records
   * @throws UnsupportedOperationException when the registry cannot list its records
   */
  default List<DeploymentRecord> all() {
    throw new UnsupportedOperationException(getClass().getName() + " does not list all its"
        + " records: implement DeploymentRegistry.all() to use it for fleet upgrades");
  }

  /**
   * A registry in memory: for tests, and for services that keep no records across restarts.
   *
   * @return an empty registry
   */
  static DeploymentRegistry inMemory() {
    return new InMemoryRegistry();
  }

  /**
   * A registry in a SQL database through plain JDBC: one table, {@code icupgrade_deployment},
   * created if absent, so records survive restarts. {@link #replace} is one
   * {@code UPDATE ... WHERE canister_id = ? AND version = ?}, atomic in any SQL database, so
   * processes sharing the database cannot both start an upgrade of one canister, nor both take
   * over an abandoned job. A running job's progress and lease are stored in the column
   * {@code job} (added to a table created by an earlier version). Tested against H2; the SQL is
   * portable (VARCHAR, CHAR, BIGINT).
   *
   * @param dataSource the caller's, who owns its pooling and closes it
   * @return the registry
   * @throws org.icupgrade.core.IcException when the table cannot be created
   */
  static DeploymentRegistry jdbc(DataSource dataSource) {
    return new JdbcRegistry(dataSource);
  }
}
