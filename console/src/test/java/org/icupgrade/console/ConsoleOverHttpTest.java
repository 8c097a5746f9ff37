package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.assets.EmbeddedAssetCanister;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.junit.jupiter.api.Test;

/**
 * The console against a replica over HTTP: the embedded replica served on 127.0.0.1, the console's
 * fleet reaching it only through HttpAgent (every identity an Ed25519 key the replica has never
 * seen in-process), one upgrade driven through the console's API.
 */
class ConsoleOverHttpTest {
  @Test
  void replicaUrl_fleetBuiltOverHttp_oneUpgradeThroughTheApi() {
    EmbeddedReplica replica = EmbeddedReplica.start();
    try (ReplicaHttpServer served = replica.serveHttp(0)) {
      ReplicaAccess.StorageCanisters builtIn = new ReplicaAccess.StorageCanisters() {
        @Override
        public Principal create(Agent owner) {
          return EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY,
              owner.sender());
        }

        @Override
        public byte[] module(int version) {
          return SyntheticWasm.ofSize(200 * 1024 + (version - 1) * 64, version);
        }
      };
      assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
        try (ConsoleServer console = ConsoleServer.start(0, Duration.ZERO,
            ReplicaAccess.overHttp(served.url(), served.rootKey(), builtIn))) {
          ApiClient alice = ApiClient.loggedIn(console.uri(), "alice");
          Map<String, Object> notes = alice.storage("Notes");
          Principal id = ConsoleApiTest.id(notes);
          Principal owner = Principal.fromText(String.valueOf(
              alice.get("/api/me").object().get("principal")));
          assertEquals(List.of(owner), replica.controllers(id));
          assertEquals(29, owner.toBytes().length, "a self-authenticating principal: the"
              + " owner's key signed over HTTP");

          assertEquals(202, alice.post("/api/storages/" + id + "/upgrade",
              Map.of("scope", "WASM_ONLY")).status());
          Map<String, Object> done = alice.awaitSettled("Notes");
          assertEquals("COMPLETED", done.get("status"), String.valueOf(done));
          assertEquals(Optional.of(Sha256.of(builtIn.module(2))), replica.moduleHash(id));
          assertEquals(List.of(owner), replica.controllers(id), "the backend handed back");
          assertTrue(String.valueOf(done.get("frontendUrl"))
              .endsWith(".localhost:" + served.url().getPort() + "/"), String.valueOf(done));
        }
      });
    }
  }
}
