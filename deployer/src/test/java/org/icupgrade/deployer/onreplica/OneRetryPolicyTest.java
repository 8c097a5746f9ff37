package org.icupgrade.deployer.onreplica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.deployer.onreplica.UpgradeWorld.Kind;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.replica.Fault;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every call of an upgrade follows the upgrader's one retry policy: the installer and the syncer
 * here were built never to retry, the upgrader retries, and a transient failure of a chunk
 * upload or of the frontend's batch is retried and the upgrade completes.
 */
class OneRetryPolicyTest {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"DEMO, upload_chunk", "ASSETS, create_batch"})
  void transientFailureInTheInstallOrTheSync_retriedByTheUpgradersPolicy(Kind kind,
      String method) throws IOException {
    UpgradeWorld w = new UpgradeWorld(kind, new UpgradeWorld.Releases(dir, kind),
        DeploymentRegistry.inMemory());
    Agent backend = w.replica.agentFor(UpgradeWorld.BACKEND);
    ManagementCanister mc = CandidManagementCanister.over(backend);
    CanisterUpgrader.Builder upgrader = CanisterUpgrader.builder(UpgradeWorld.BACKEND, mc,
            ChunkedWasmInstaller.builder(mc).retryPolicy(RetryPolicy.none()).build())
        .assets(UpgradeWorld.syncer(RetryPolicy.none()),
            id -> CandidAssetCanister.over(backend, id))
        .retryPolicy(UpgradeWorld.fastRetries());
    StorageDeployer deployer = StorageDeployer.builder(w.registry, w.catalog, upgrader.build(),
        Runnable::run).ownerCheck(mc).clock(w.clock).leaseDuration(UpgradeWorld.LEASE).build();
    w.ownerGrantsRights();
    w.replica.clearCalls();
    w.replica.fault(Fault.on(method).canister(w.canister).failBefore(
        () -> new CanisterRejectException(RejectCode.SYS_TRANSIENT, "injected: subnet busy",
            null, w.canister, method)));

    deployer.upgradeStorage(UpgradeWorld.OWNER, w.canister, w.scope());

    assertEquals(DeploymentStatus.COMPLETED, w.registry.find(w.canister).orElseThrow().status(),
        w.registry.find(w.canister).toString());
    assertFalse(w.replica.calls(method).size() < 2, "the failed call was sent again");
    assertEquals(List.of(), w.violations(false));
  }
}
