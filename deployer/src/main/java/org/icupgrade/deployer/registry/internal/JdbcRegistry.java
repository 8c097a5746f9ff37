package org.icupgrade.deployer.registry.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.registry.UpgradeJobState;
import org.jspecify.annotations.Nullable;

/** {@link DeploymentRegistry#jdbc}: its Javadoc says what it promises. */
public final class JdbcRegistry implements DeploymentRegistry {
  private static final String TABLE = "icupgrade_deployment";
  private static final String COLUMNS = "canister_id, owner, status, failure_reason, wasm_hash,"
      + " frontend_hash, release_tag, version, job";
  /** A job's text: progress (a few hundred characters) and at most ten snapshot ids. */
  private static final int JOB_LENGTH = 8000;

  private final DataSource dataSource;

  /** Uses {@code dataSource}, creating the table if it does not exist. */
  public JdbcRegistry(DataSource dataSource) {
    this.dataSource = dataSource;
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " ("
          + "canister_id VARCHAR(64) PRIMARY KEY, owner VARCHAR(64) NOT NULL,"
          + " status VARCHAR(32) NOT NULL, failure_reason VARCHAR(4000),"
          + " wasm_hash CHAR(64), frontend_hash CHAR(64), release_tag VARCHAR(256),"
          + " version BIGINT NOT NULL, job VARCHAR(" + JOB_LENGTH + "))");
      // Tables created before jobs were persisted: H2 and PostgreSQL both know IF NOT EXISTS.
      s.execute("ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS job VARCHAR(" + JOB_LENGTH
          + ")");
    } catch (SQLException e) {
      throw failure("create the table " + TABLE, e);
    }
  }

  @Override
  public Optional<DeploymentRecord> find(Principal canisterId) {
    List<DeploymentRecord> r = query("SELECT " + COLUMNS + " FROM " + TABLE
        + " WHERE canister_id = ?", canisterId.toText());
    return r.stream().findFirst();
  }

  @Override
  public List<DeploymentRecord> byOwner(Principal owner) {
    // Sorted here, not by SQL: the text form does not order as principals do.
    List<DeploymentRecord> out = new ArrayList<>(
        query("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE owner = ?", owner.toText()));
    out.sort(Comparator.comparing(DeploymentRecord::canisterId));
    return out;
  }

  @Override
  public List<DeploymentRecord> all() {
    List<DeploymentRecord> out =
        new ArrayList<>(query("SELECT " + COLUMNS + " FROM " + TABLE, null));
    out.sort(Comparator.comparing(DeploymentRecord::canisterId));
    return out;
  }

  @Override
  public List<DeploymentRecord> withJobs() {
    List<DeploymentRecord> out = new ArrayList<>(query("SELECT " + COLUMNS + " FROM " + TABLE
        + " WHERE job IS NOT NULL", null));
    out.sort(Comparator.comparing(DeploymentRecord::canisterId));
    return out;
  }

  @Override
  public DeploymentRecord insert(DeploymentRecord r) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE + " (" + COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      bind(s, r, r.version());
      s.executeUpdate();
      return r;
    } catch (SQLException e) {
      if (find(r.canisterId()).isPresent()) {
        throw new IllegalStateException("canister " + r.canisterId() + " already has a record");
      }
      throw failure("insert the record of " + r.canisterId(), e);
    }
  }

  @Override
  public Optional<DeploymentRecord> replace(DeploymentRecord expected, DeploymentRecord next) {
    Checks.sameCanister(expected, next);
    long version = expected.version() + 1;
    try (Connection c = dataSource.getConnection();
        PreparedStatement s = c.prepareStatement("UPDATE " + TABLE + " SET owner = ?,"
            + " status = ?, failure_reason = ?, wasm_hash = ?, frontend_hash = ?,"
            + " release_tag = ?, version = ?, job = ? WHERE canister_id = ? AND version = ?")) {
      s.setString(1, next.owner().toText());
      s.setString(2, next.status().name());
      s.setString(3, next.failureReason().orElse(null));
      s.setString(4, hex(next.moduleHash().orElse(null)));
      s.setString(5, hex(next.frontendHash().orElse(null)));
      s.setString(6, next.releaseTag().orElse(null));
      s.setLong(7, version);
      s.setString(8, jobText(next));
      s.setString(9, expected.canisterId().toText());
      s.setLong(10, expected.version());
      if (s.executeUpdate() != 1) {
        return Optional.empty();
      }
      return Optional.of(next.withVersion(version));
    } catch (SQLException e) {
      throw failure("update the record of " + expected.canisterId(), e);
    }
  }

  private List<DeploymentRecord> query(String sql, @Nullable String arg) {
    try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
      if (arg != null) {
        s.setString(1, arg);
      }
      List<DeploymentRecord> out = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new DeploymentRecord(Principal.fromText(rs.getString(1)),
              Principal.fromText(rs.getString(2)), DeploymentStatus.valueOf(rs.getString(3)),
              rs.getString(4), sha(rs.getString(5)), sha(rs.getString(6)), rs.getString(7),
              rs.getLong(8), job(rs.getString(9))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure("read deployment records", e);
    }
  }

  private static void bind(PreparedStatement s, DeploymentRecord r, long version)
      throws SQLException {
    s.setString(1, r.canisterId().toText());
    s.setString(2, r.owner().toText());
    s.setString(3, r.status().name());
    s.setString(4, r.failureReason().orElse(null));
    s.setString(5, hex(r.moduleHash().orElse(null)));
    s.setString(6, hex(r.frontendHash().orElse(null)));
    s.setString(7, r.releaseTag().orElse(null));
    s.setLong(8, version);
    s.setString(9, jobText(r));
  }

  private static @Nullable String jobText(DeploymentRecord r) {
    String text = r.job().map(UpgradeJobState::toText).orElse(null);
    if (text != null && text.length() > JOB_LENGTH) {
      throw new IllegalArgumentException("the job state of " + r.canisterId() + " has "
          + text.length() + " characters, more than the " + JOB_LENGTH + " the column holds");
    }
    return text;
  }

  private static @Nullable UpgradeJobState job(@Nullable String text) {
    return text == null ? null : UpgradeJobState.parse(text);
  }

  private static @Nullable String hex(@Nullable Sha256 h) {
    return h == null ? null : h.hex();
  }

  private static @Nullable Sha256 sha(@Nullable String hex) {
    return hex == null ? null : Sha256.fromHex(hex);
  }

  private static IcException failure(String what, SQLException e) {
    return new IcException("could not " + what + " in the deployment registry (" + e.getMessage()
        + "): check that the database is reachable and the user may create and write the table "
        + TABLE, e);
  }
}
