package org.icupgrade.deployer.onreplica;

import java.nio.file.Path;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.PostgresRegistryTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two fleet upgraders sharing one PostgreSQL registry split the fleet with no canister done twice
 * (the same test as {@link FleetUpgradeTest}'s on H2, which always runs). Runs under the
 * deployer's {@code postgres} profile (ICUPGRADE_TEST_POSTGRES_URL set, see
 * {@link PostgresRegistryTest}); without the URL it fails.
 */
class PostgresFleetTest {
  @TempDir Path dir;

  @BeforeAll
  static void serverReachable() {
    PostgresRegistryTest.serverReachable();
  }

  @AfterAll
  static void dropSchemas() {
    PostgresRegistryTest.dropSchemas();
  }

  @Test
  void twoBackendsOnOnePostgresRegistry_shareTheFleet_noCanisterUpgradedTwice() throws Exception {
    String schema = PostgresRegistryTest.newSchema();
    FleetUpgradeTest fleet = new FleetUpgradeTest();
    fleet.dir = dir;
    fleet.twoBackendsShareTheFleet(
        () -> DeploymentRegistry.jdbc(PostgresRegistryTest.dataSource(schema)));
  }
}
