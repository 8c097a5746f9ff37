package org.icupgrade.deployer.onreplica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.deployer.onreplica.FaultMatrixTest.Died;
import org.icupgrade.deployer.onreplica.FaultMatrixTest.Mortality;
import org.icupgrade.deployer.onreplica.UpgradeWorld.Kind;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.FakeScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two deployers (two processes, as far as the registry can tell: each its own DataSource on one
 * H2 database file) share the jobs: one dies mid-upgrade and the other takes the job over once
 * the lease has expired, on a fake clock without sleeping; a runner that lost its lease stops.
 */
class TwoDeployersOnOneDatabaseTest {
  @TempDir Path dir;

  JdbcDataSource h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + dir.resolve("registry").toAbsolutePath());
    return ds;
  }

  UpgradeWorld world(Kind kind) throws IOException {
    return new UpgradeWorld(kind, new UpgradeWorld.Releases(dir.resolve("releases"), kind),
        DeploymentRegistry.jdbc(h2()));
  }

  @Test
  void deployerDiesWithTheCanisterStopped_otherTakesOverOnceTheLeaseExpires_andCompletes()
      throws IOException {
    UpgradeWorld w = world(Kind.DEMO);
    // Dies after its 8th write: the canister is stopped and its snapshot taken.
    Mortality m = new Mortality(8);
    StorageDeployer a = w.deployer(
        FaultMatrixTest.mortal(w.replica.agentFor(UpgradeWorld.BACKEND), m),
        FaultMatrixTest.mortal(DeploymentRegistry.jdbc(h2()), m), "deployer-a");
    StorageDeployer b = w.deployer(w.replica.agentFor(UpgradeWorld.BACKEND),
        DeploymentRegistry.jdbc(h2()), "deployer-b");
    w.ownerGrantsRights();
    assertThrows(Died.class,
        () -> a.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope()));
    DeploymentRecord abandoned = w.registry.find(w.canister).orElseThrow();
    assertEquals(DeploymentStatus.UPGRADING_WASM, abandoned.status());
    assertEquals("deployer-a", abandoned.job().orElseThrow().holder());
    assertEquals(1, w.ic(UpgradeWorld.OWNER).listCanisterSnapshots(w.canister).size(),
        "the dead deployer's snapshot");

    FakeScheduler scheduler = new FakeScheduler();
    b.start(scheduler);
    scheduler.runAll();
    assertEquals(Optional.of(abandoned), w.registry.find(w.canister),
        "within the lease the job is still A's: B leaves it alone");

    w.clock.advance(UpgradeWorld.LEASE);
    scheduler.runAll();
    DeploymentRecord done = w.registry.find(w.canister).orElseThrow();
    assertEquals(DeploymentStatus.COMPLETED, done.status(), done.toString());
    assertEquals(Optional.of(Sha256.of(w.releases.v2)), done.moduleHash());
    assertEquals(Optional.of("v2.0.0"), done.releaseTag());
    assertEquals(List.of(), w.violations(false));
    assertTrue(b.lastRecoveryFailure().isEmpty());
  }

  @Test
  void runnerWhoseLeaseWasTakenOver_stopsAtItsNextSave_withoutActingAgain() throws IOException {
    UpgradeWorld w = world(Kind.ASSETS);
    StorageDeployer b = w.deployer(w.replica.agentFor(UpgradeWorld.BACKEND),
        DeploymentRegistry.jdbc(h2()), "deployer-b");
    AtomicBoolean takenOver = new AtomicBoolean();
    AtomicInteger callsAfterTakeOver = new AtomicInteger();
    Agent live = w.replica.agentFor(UpgradeWorld.BACKEND);
    // A hangs in its stop_canister call past its lease; meanwhile B takes the job over and
    // finishes it. Then A's call goes through (refused: the backend is no longer a controller).
    Agent slow = new InterceptingAgent(live) {
      @Override
      void before(String method) {
        if (method.equals("stop_canister") && takenOver.compareAndSet(false, true)) {
          w.clock.advance(UpgradeWorld.LEASE.plus(Duration.ofSeconds(1)));
          assertEquals(1, b.recoverAbandoned());
        } else if (takenOver.get()) {
          callsAfterTakeOver.incrementAndGet();
        }
      }
    };
    StorageDeployer a = w.deployer(slow, DeploymentRegistry.jdbc(h2()), "deployer-a");
    w.ownerGrantsRights();
    a.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    assertTrue(takenOver.get());
    DeploymentRecord done = w.registry.find(w.canister).orElseThrow();
    assertEquals(DeploymentStatus.COMPLETED, done.status(), done.toString());
    assertEquals(List.of(), w.violations(false));
    assertEquals(0, callsAfterTakeOver.get(),
        "A's in-flight stop_canister was its last call: its next save found the job B's");
  }

  @Test
  void phaseLongerThanTheLease_heartbeatRenewsIt_otherDeployerNeverTakesTheJob()
      throws IOException {
    UpgradeWorld w = world(Kind.DEMO);
    StorageDeployer b = w.deployer(w.replica.agentFor(UpgradeWorld.BACKEND),
        DeploymentRegistry.jdbc(h2()), "deployer-b");
    FakeScheduler aSchedule = new FakeScheduler();
    AtomicInteger takenByB = new AtomicInteger();
    AtomicBoolean once = new AtomicBoolean();
    Agent live = w.replica.agentFor(UpgradeWorld.BACKEND);
    // The install runs for two leases: A's schedule beats every 40 s of a 60 s lease.
    Agent slowInstall = new InterceptingAgent(live) {
      @Override
      void before(String method) {
        if (method.equals("install_chunked_code") && once.compareAndSet(false, true)) {
          for (int i = 0; i < 3; i++) {
            w.clock.advance(Duration.ofSeconds(40));
            aSchedule.runAll();
            takenByB.addAndGet(b.recoverAbandoned());
          }
        }
      }
    };
    StorageDeployer a = w.deployer(slowInstall, DeploymentRegistry.jdbc(h2()), "deployer-a");
    a.start(aSchedule);
    w.ownerGrantsRights();
    a.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    assertTrue(once.get(), "the install was slow");
    assertEquals(0, takenByB.get(), "A's lease was renewed while it installed");
    DeploymentRecord done = w.registry.find(w.canister).orElseThrow();
    assertEquals(DeploymentStatus.COMPLETED, done.status(), done.toString());
    assertEquals(List.of(), w.violations(false));
  }
}
