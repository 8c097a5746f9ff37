package org.icupgrade.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.core.upgrade.HealthCheck;
import org.icupgrade.core.upgrade.OwnerSetup;
import org.icupgrade.core.upgrade.UpgradeJob;
import org.icupgrade.core.upgrade.UpgradeReport;
import org.icupgrade.http.HttpAgent;
import org.icupgrade.http.Identity;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.assets.EmbeddedAssetCanister;
import org.icupgrade.replica.demo.DemoCanisters;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's three main operations over real HTTP on 127.0.0.1: {@link HttpAgent} (every
 * certificate verified against the served replica's root key) against the embedded replica's
 * HTTP interface, as a user on a local replica would run them.
 */
class LibraryOverHttpTest {
  @TempDir Path dir;
  private EmbeddedReplica replica;
  private ReplicaHttpServer server;

  @BeforeEach
  void serve() {
    replica = EmbeddedReplica.start();
    server = replica.serveHttp(0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A new Ed25519 identity's agent: a principal the replica only ever meets over HTTP. */
  private Agent newIdentity(String name) throws IOException {
    Path pem = dir.resolve(name + ".pem");
    Identity.generateEd25519().writePem(pem);
    return HttpAgent.builder(server.url()).rootKey(server.rootKey()).identity(pem).build();
  }

  private static Principal create(ManagementCanister ic, Principal controller) {
    return ic.provisionalCreateCanisterWithCycles(BigInteger.valueOf(2_000_000_000_000L),
        CanisterSettings.ofControllers(List.of(controller)), null);
  }

  @Test
  void chunkedInstall_5MiB_throughTheChunkStore_moduleHashProvenOverHttp() throws Exception {
    Agent owner = newIdentity("owner");
    ManagementCanister ic = CandidManagementCanister.over(owner);
    Principal target = create(ic, owner.sender());
    WasmModule module = WasmModule.of(SyntheticWasm.ofSize(5 * 1024 * 1024, 5));
    InstallOutcome outcome = assertTimeoutPreemptively(Duration.ofMinutes(2), () ->
        ChunkedWasmInstaller.builder(ic).build().install(target, module, InstallMode.install()));
    InstallOutcome.Installed installed = assertInstanceOf(InstallOutcome.Installed.class, outcome);
    assertTrue(installed.bytesUploaded() >= module.size(), outcome.toString());
    assertEquals(Optional.of(module.hash()), replica.moduleHash(target));
    assertEquals(Optional.of(module.hash()), owner.moduleHash(target),
        "read back from the certified state tree");
    // Each chunk a separate signed HTTP call: over 2 MiB cannot go in one message.
    assertTrue(replica.calls("upload_chunk").size() >= 5, replica.calls("upload_chunk").toString());
    assertTrue(replica.calls("upload_chunk").stream()
        .allMatch(c -> c.caller().equals(owner.sender())));
  }

  @Test
  void frontendSync_changesOnly_thenServedByTheGateway() throws Exception {
    Agent owner = newIdentity("owner");
    Principal id = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY,
        owner.sender());
    AssetCanister assets = CandidAssetCanister.over(owner, id);
    assets.grantPermission(owner.sender(), Permission.COMMIT);
    AssetSyncer syncer = AssetSyncers.builder().flavor(AssetCanisterFlavor.DFINITY)
        .protectedKeys(ProtectedKeys.storageDefaults()).build();

    SyncOutcome first = assertTimeoutPreemptively(Duration.ofMinutes(1), () -> syncer.sync(
        assets, release("v1", Map.of("/index.html", "<h1>v1</h1>", "/app.js", "let v = 1;",
            "/old.css", "body{}"))));
    assertEquals(3, first.diff().changes().size(), first.toString());
    SyncOutcome second = assertTimeoutPreemptively(Duration.ofMinutes(1), () -> syncer.sync(
        assets, release("v2", Map.of("/index.html", "<h1>v2</h1>", "/app.js", "let v = 1;"))));
    assertEquals(2, second.diff().changes().size(), "index changed, old.css removed: "
        + second);
    assertEquals(1, second.diff().unchanged().size());

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(
        URI.create(server.url() + "/index.html?canisterId=" + id))
        .header("Accept-Encoding", "identity").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertEquals("<h1>v2</h1>", page.body());
  }

  private FrontendRelease release(String name, Map<String, String> files)
      throws IOException {
    Path root = dir.resolve(name);
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = root.resolve(f.getKey().substring(1));
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
    }
    return ReleaseReader.defaults().readDirectory(root);
  }

  @Test
  void upgrade_healthCheckFails_rolledBackFromTheSnapshot_stateKept_controlHandedBack()
      throws Exception {
    Agent owner = newIdentity("owner");
    Agent backend = newIdentity("backend");
    ManagementCanister ownerIc = CandidManagementCanister.over(owner);
    Principal target = create(ownerIc, owner.sender());
    WasmModule v1 = WasmModule.of(DemoCanisters.targetV1());
    ChunkedWasmInstaller.builder(ownerIc).build().install(target, v1, InstallMode.install());
    for (int i = 0; i < 3; i++) {
      owner.update(target, "increment", UpgradeDemo.NO_ARGS);
    }
    OwnerSetup.grantUpgradeRights(ownerIc, null, target, backend.sender());

    ManagementCanister backendIc = CandidManagementCanister.over(backend);
    CanisterUpgrader upgrader = CanisterUpgrader.builder(backend.sender(), backendIc,
            ChunkedWasmInstaller.builder(backendIc).build())
        // v2 answers "v2": a check that wants another version fails, and the job rolls back.
        .healthCheck(HealthCheck.query(backend, "get_version", UpgradeDemo.NO_ARGS,
            reply -> UpgradeDemo.text(reply).equals("v3")))
        .build();
    UpgradeReport report = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> upgrader.upgrade(
        UpgradeJob.builder(target, owner.sender(), UpgradeScope.WASM_ONLY)
            .wasmModule(WasmModule.of(DemoCanisters.targetV2())).build()));

    assertFalse(report.succeeded(), report.toString());
    assertTrue(report.snapshotRestored(), report.toString());
    assertTrue(report.rightsHandedBack(), report.toString());
    assertEquals(Optional.of(v1.hash()), owner.moduleHash(target));
    assertEquals("v1", UpgradeDemo.text(owner.query(target, "get_version", UpgradeDemo.NO_ARGS)));
    assertEquals(3, UpgradeDemo.nat64(owner.query(target, "get_count", UpgradeDemo.NO_ARGS)),
        "the counter, from before the upgrade, restored with the snapshot");
    assertEquals(List.of(owner.sender()), replica.controllers(target));
    assertTrue(replica.calls("load_canister_snapshot").stream()
        .anyMatch(c -> c.caller().equals(backend.sender())), "rolled back over HTTP");
  }
}
