package org.icupgrade.deployer.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.icupgrade.core.IcException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The JDBC registry against a real PostgreSQL server: the same contract as H2.
 *
 * <p>Runs under the deployer's {@code postgres} Maven profile, active when
 * {@code ICUPGRADE_TEST_POSTGRES_URL} is set ({@code .ci/run} starts Debian's PostgreSQL and sets
 * it). Each registry gets a fresh schema, dropped at the end. Without the URL the test fails.
 */
public class PostgresRegistryTest extends DeploymentRegistryContract {
  static final String URL_VARIABLE = "ICUPGRADE_TEST_POSTGRES_URL";
  private static final List<String> SCHEMAS = new ArrayList<>();
  private final Map<DeploymentRegistry, String> schemas = new IdentityHashMap<>();

  /**
   * The server's URL, from the environment or a system property; fails the test without one.
   *
   * @return the JDBC URL
   */
  public static String url() {
    String url = System.getenv(URL_VARIABLE);
    if (url == null || url.isBlank()) {
      url = System.getProperty(URL_VARIABLE);
    }
    if (url == null || url.isBlank()) {
      fail(URL_VARIABLE + " is not set: start PostgreSQL (Debian: apt-get install postgresql;"
          + " pg_ctlcluster 15 main start; create a user and database) and set it to e.g."
          + " jdbc:postgresql://127.0.0.1:5432/icupgrade_test?user=icupgrade&password=icupgrade,"
          + " or run .ci/run, which does all of this");
    }
    return url;
  }

  /**
   * A data source on {@code schema} (the server's default when null).
   *
   * @param schema the schema
   * @return a new data source, as another process would open
   */
  public static PGSimpleDataSource dataSource(String schema) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(url());
    if (schema != null) {
      ds.setCurrentSchema(schema);
    }
    return ds;
  }

  static void execute(String sql) {
    try (Connection c = dataSource(null).getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL at " + URL_VARIABLE + " refused: " + sql, e);
    }
  }

  /** Fails at once when the server does not answer. */
  @BeforeAll
  public static void serverReachable() {
    execute("SELECT 1");
  }

  /** Drops the schemas made by {@link #newSchema}. */
  @AfterAll
  public static void dropSchemas() {
    synchronized (SCHEMAS) {
      for (String schema : SCHEMAS) {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
      SCHEMAS.clear();
    }
  }

  /**
   * A fresh schema, dropped once the test class is done.
   *
   * @return its name
   */
  public static String newSchema() {
    String schema = "icupgrade_test_" + UUID.randomUUID().toString().replace("-", "");
    execute("CREATE SCHEMA " + schema);
    synchronized (SCHEMAS) {
      SCHEMAS.add(schema);
    }
    return schema;
  }

  @Override
  DeploymentRegistry registry() {
    String schema = newSchema();
    DeploymentRegistry r = DeploymentRegistry.jdbc(dataSource(schema));
    schemas.put(r, schema);
    return r;
  }

  /** A second DataSource and registry on the same schema, as another process has. */
  @Override
  DeploymentRegistry sameStorage(DeploymentRegistry first) {
    return DeploymentRegistry.jdbc(dataSource(schemas.get(first)));
  }

  @Test
  void records_surviveANewConnectionPool() {
    String schema = newSchema();
    DeploymentRegistry first = DeploymentRegistry.jdbc(dataSource(schema));
    DeploymentRecord r = first.insert(DeploymentRecord.creating(CANISTER, OWNER));
    DeploymentRecord done = first.replace(r, r.withStatus(DeploymentStatus.COMPLETED)
        .withInstalled(WASM, FRONTEND, "v7")).orElseThrow();
    DeploymentRegistry reopened = DeploymentRegistry.jdbc(dataSource(schema));
    assertEquals(done, reopened.find(CANISTER).orElseThrow());
    assertEquals(java.util.Optional.empty(), reopened.replace(r, r.failed("stale")));
  }

  @Test
  void jdbc_wrongPassword_saysWhatToCheck() {
    PGSimpleDataSource ds = dataSource(newSchema());
    ds.setPassword("not-the-password-" + UUID.randomUUID());
    ds.setUser("icupgrade_no_such_user");
    IcException e = assertThrows(IcException.class, () -> DeploymentRegistry.jdbc(ds));
    assertTrue(e.getMessage().contains("check that the database is reachable"), e.getMessage());
  }
}
