package org.icupgrade.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.h2.jdbcx.JdbcDataSource;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryTest {
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 2});

  @TempDir Path dir;

  JdbcDataSource h2(String name) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve(name).toAbsolutePath() + ";DB_CLOSE_DELAY=0");
    return ds;
  }

  List<DeploymentRegistry> registries() {
    return List.of(new InMemoryRegistry(), new JdbcRegistry(h2("db")));
  }

  @Test
  void insertFindReplace_bothImplementations() {
    for (DeploymentRegistry r : registries()) {
      DeploymentRecord created = r.insert(DeploymentRecord.creating(CANISTER, OWNER));
      assertThrows(IllegalStateException.class,
          () -> r.insert(DeploymentRecord.creating(CANISTER, OWNER)));
      DeploymentRecord done = r.replace(created, created.withStatus(DeploymentStatus.COMPLETED)
          .withInstalled(Sha256.of(new byte[] {1}), Sha256.of(new byte[] {2}), "v1"))
          .orElseThrow();
      assertEquals(1, done.version());
      assertEquals(done, r.find(CANISTER).orElseThrow());
      assertEquals(List.of(done), r.byOwner(OWNER));
      // a stale expectation loses
      assertEquals(Optional.empty(), r.replace(created, created.failed("late")));
      DeploymentRecord failed = r.replace(done, done.failed("post_upgrade trapped")).orElseThrow();
      assertEquals("post_upgrade trapped", r.find(CANISTER).orElseThrow().failureReason());
      assertEquals(DeploymentStatus.FAILED, failed.status());
    }
  }

  @Test
  void jdbc_recordsSurviveARestart() {
    JdbcRegistry first = new JdbcRegistry(h2("restart"));
    DeploymentRecord r = first.insert(DeploymentRecord.creating(CANISTER, OWNER));
    first.replace(r, r.withStatus(DeploymentStatus.COMPLETED).withInstalled(
        Sha256.of(new byte[] {7}), null, "v7"));
    JdbcRegistry reopened = new JdbcRegistry(h2("restart"));
    DeploymentRecord back = reopened.find(CANISTER).orElseThrow();
    assertEquals(DeploymentStatus.COMPLETED, back.status());
    assertEquals(Sha256.of(new byte[] {7}), back.wasmHash());
    assertEquals("v7", back.releaseTag());
  }

  @Test
  void jdbc_twoRacingUpgrades_exactlyOneWins() throws Exception {
    JdbcRegistry shared = new JdbcRegistry(h2("race"));
    DeploymentRecord done = shared.insert(new DeploymentRecord(CANISTER, OWNER,
        DeploymentStatus.COMPLETED, null, null, null, "v1", 0));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch go = new CountDownLatch(1);
      Callable<Boolean> attempt = () -> {
        // each "process" opens its own registry on the same database
        JdbcRegistry mine = new JdbcRegistry(h2("race"));
        go.await();
        return mine.replace(done, done.withStatus(DeploymentStatus.UPGRADING_WASM)).isPresent();
      };
      Future<Boolean> a = pool.submit(attempt);
      Future<Boolean> b = pool.submit(attempt);
      go.countDown();
      assertTrue(a.get() ^ b.get(), "exactly one wins");
      assertEquals(DeploymentStatus.UPGRADING_WASM, shared.find(CANISTER).orElseThrow().status());
    } finally {
      pool.shutdownNow();
    }
  }
}
