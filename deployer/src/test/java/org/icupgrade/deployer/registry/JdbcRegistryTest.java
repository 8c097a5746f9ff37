package org.icupgrade.deployer.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import org.h2.jdbcx.JdbcDataSource;
import org.icupgrade.core.IcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDBC registry against H2 in embedded file mode: a real database on disk. */
class JdbcRegistryTest extends DeploymentRegistryContract {
  @TempDir Path dir;
  private int databases;
  private final Map<DeploymentRegistry, String> urls = new IdentityHashMap<>();

  static JdbcDataSource h2(String url) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    return ds;
  }

  String newUrl() {
    return "jdbc:h2:file:" + dir.resolve("db" + databases++).toAbsolutePath();
  }

  @Override
  DeploymentRegistry registry() {
    String url = newUrl();
    DeploymentRegistry r = DeploymentRegistry.jdbc(h2(url));
    urls.put(r, url);
    return r;
  }

  /** A second DataSource and registry on the same database file, as another process has. */
  @Override
  DeploymentRegistry sameStorage(DeploymentRegistry first) {
    return DeploymentRegistry.jdbc(h2(urls.get(first)));
  }

  @Test
  void records_surviveCloseAndReopen() throws SQLException {
    String url = newUrl();
    JdbcDataSource before = h2(url);
    DeploymentRegistry first = DeploymentRegistry.jdbc(before);
    DeploymentRecord r = first.insert(DeploymentRecord.creating(CANISTER, OWNER));
    DeploymentRecord done = first.replace(r, r.withStatus(DeploymentStatus.COMPLETED)
        .withInstalled(WASM, FRONTEND, "v7")).orElseThrow();
    // Close the database as a stopping process does; the next open reads the file.
    try (Connection c = before.getConnection(); Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    }
    DeploymentRegistry reopened = DeploymentRegistry.jdbc(h2(url));
    assertEquals(done, reopened.find(CANISTER).orElseThrow());
    assertEquals(1, reopened.byOwner(OWNER).size());
    // the version survives too, so a compare-and-set against the old one still loses
    assertEquals(java.util.Optional.empty(), reopened.replace(r, r.failed("stale")));
  }

  @Test
  void jdbc_unreachableDatabase_saysWhatToCheck() {
    JdbcDataSource ds = h2("jdbc:h2:file:" + dir.resolve("db") + ";IFEXISTS=TRUE");
    IcException e = assertThrows(IcException.class, () -> DeploymentRegistry.jdbc(ds));
    assertTrue(e.getMessage().contains("check that the database is reachable"), e.getMessage());
  }

  @Test
  void tableOfAnEarlierVersion_gainsTheJobColumn_recordsKept() throws SQLException {
    JdbcDataSource ds = h2(newUrl());
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE icupgrade_deployment (canister_id VARCHAR(64) PRIMARY KEY,"
          + " owner VARCHAR(64) NOT NULL, status VARCHAR(32) NOT NULL,"
          + " failure_reason VARCHAR(4000), wasm_hash CHAR(64), frontend_hash CHAR(64),"
          + " release_tag VARCHAR(256), version BIGINT NOT NULL)");
      s.execute("INSERT INTO icupgrade_deployment VALUES ('" + CANISTER.toText() + "', '"
          + OWNER.toText() + "', 'COMPLETED', NULL, NULL, NULL, 'v1', 3)");
    }
    DeploymentRegistry r = DeploymentRegistry.jdbc(ds);
    DeploymentRecord old = r.find(CANISTER).orElseThrow();
    assertEquals(3, old.version());
    assertTrue(old.job().isEmpty());
    DeploymentRecord running = r.replace(old, old.withStatus(DeploymentStatus.UPGRADING_WASM)
        .withJob(job("a", 9))).orElseThrow();
    assertEquals(Optional.of(running), DeploymentRegistry.jdbc(ds).find(CANISTER));
  }
}
