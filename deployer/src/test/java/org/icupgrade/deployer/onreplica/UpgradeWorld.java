package org.icupgrade.deployer.onreplica;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.core.upgrade.OwnerSetup;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.deployer.release.ReleaseSource;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ManualClock;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.assets.EmbeddedAssetCanister;
import org.icupgrade.replica.demo.DemoCanisters;

/**
 * One canister deployed at v1 on a fresh embedded replica, with its record, and a release v2 to
 * upgrade it to: either the demo canister (real WASM with a counter, WASM-only upgrade, a health
 * check) or an asset canister (module and frontend). Deployers are built over any agent and
 * registry, so that a test can make one of them die; {@link #violations} checks every invariant
 * of "never leave a canister worse than it was".
 */
final class UpgradeWorld {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 1, 1, 7});
  static final Principal BACKEND = Principal.fromBytes(new byte[] {0x0b, 0x0a, 7});
  static final byte[] NO_ARGS = {'D', 'I', 'D', 'L', 0, 0};
  static final Duration LEASE = Duration.ofMinutes(1);
  static final int INCREMENTS = 3;

  /** The two kinds of canister the matrix runs on. */
  enum Kind {
    DEMO,
    ASSETS
  }

  /** The releases on disk, written once per test class. */
  static final class Releases {
    final Path dir;
    final byte[] v1;
    final byte[] v2;

    Releases(Path dir, Kind kind) throws IOException {
      this(dir, kind == Kind.DEMO ? DemoCanisters.targetV1() : SyntheticWasm.ofSize(100_000, 1),
          kind == Kind.DEMO ? DemoCanisters.targetV2() : SyntheticWasm.ofSize(100_100, 2));
    }

    /** Releases of the given modules (v1 published now, v2 by {@link #publishV2}). */
    Releases(Path dir, byte[] v1, byte[] v2) throws IOException {
      this.dir = dir;
      this.v1 = v1;
      this.v2 = v2;
      publish("v1.0.0", v1, frontend(1));
    }

    void publishV2() throws IOException {
      publish("v2.0.0", v2, frontend(2));
    }

    void publish(String tag, byte[] wasm, Map<String, String> frontend)
        throws IOException {
      Path d = Files.createDirectories(dir.resolve(tag));
      Files.write(d.resolve("storage.wasm"), wasm);
      Files.write(d.resolve("frontend.tar"), tarOf(frontend));
    }

    ReleaseCatalog catalog(Clock clock) {
      ReleaseCatalog c = ReleaseCatalog.builder(ReleaseSource.directory(dir))
          .wasmAsset("storage.wasm").frontendAsset("frontend.tar", ReleaseReader.defaults()::read)
          .clock(clock).build();
      c.refresh();
      return c;
    }
  }

  /** A plain tar of {@code files} (key to text content), keys without their leading slash. */
  static byte[] tarOf(Map<String, String> files) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      for (Map.Entry<String, String> e : files.entrySet()) {
        byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey().substring(1));
        entry.setSize(b.length);
        tar.putArchiveEntry(entry);
        tar.write(b);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  static Map<String, String> frontend(int version) {
    Map<String, String> f = new TreeMap<>();
    f.put("/index.html", "<html>storage v" + version + "</html>");
    f.put("/app.js", "console.log('v" + version + "');");
    if (version == 1) {
      f.put("/old.css", "body{}");
    }
    return f;
  }

  final Kind kind;
  final Releases releases;
  final ManualClock clock = ManualClock.at(Instant.parse("2026-12-01T00:00:00Z"));
  final EmbeddedReplica replica = EmbeddedReplica.start();
  final DeploymentRegistry registry;
  final ReleaseCatalog catalog;
  final Principal canister;
  final DeploymentRecord original;
  final Sha256 frontendV2Hash;

  UpgradeWorld(Kind kind, Releases releases, DeploymentRegistry registry) throws IOException {
    this(kind, releases, registry, true);
  }

  /** A world whose v2 is published only when {@code publishV2}; else the test publishes. */
  UpgradeWorld(Kind kind, Releases releases, DeploymentRegistry registry, boolean publishV2)
      throws IOException {
    this.kind = kind;
    this.releases = releases;
    this.registry = registry;
    ReleaseCatalog atV1 = releases.catalog(clock);
    Sha256 frontendV1 = atV1.current().orElseThrow().frontendHash();
    if (kind == Kind.DEMO) {
      canister = replica.createCanister(OWNER);
      ChunkedWasmInstaller.builder(ic(OWNER)).build()
          .install(canister, WasmModule.of(releases.v1), InstallMode.install());
      for (int i = 0; i < INCREMENTS; i++) {
        replica.agentFor(OWNER).update(canister, "increment", NO_ARGS);
      }
      original = registry.insert(new DeploymentRecord(canister, OWNER,
          DeploymentStatus.COMPLETED, null, Sha256.of(releases.v1), null, "v1.0.0", 0));
    } else {
      canister = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, OWNER);
      ChunkedWasmInstaller.builder(ic(OWNER)).build()
          .install(canister, WasmModule.of(releases.v1), InstallMode.install());
      assets(OWNER).grantPermission(OWNER, Permission.COMMIT);
      syncer(RetryPolicy.none()).sync(assets(OWNER), atV1.current().orElseThrow().frontend());
      original = registry.insert(new DeploymentRecord(canister, OWNER,
          DeploymentStatus.COMPLETED, null, Sha256.of(releases.v1), frontendV1, "v1.0.0", 0));
    }
    if (publishV2) {
      releases.publishV2();
    }
    catalog = releases.catalog(clock);
    frontendV2Hash = publishV2 ? catalog.current().orElseThrow().frontendHash() : frontendV1;
  }

  UpgradeScope scope() {
    return kind == Kind.DEMO ? UpgradeScope.WASM_ONLY : UpgradeScope.ALL;
  }

  ManagementCanister ic(Principal as) {
    return CandidManagementCanister.over(replica.agentFor(as));
  }

  AssetCanister assets(Principal as) {
    return CandidAssetCanister.over(replica.agentFor(as), canister);
  }

  static AssetSyncer syncer(RetryPolicy retry) {
    return AssetSyncers.builder().flavor(AssetCanisterFlavor.DFINITY)
        .protectedKeys(ProtectedKeys.storageDefaults()).retryPolicy(retry).build();
  }

  /** The owner's part of seed 004: add the backend as a controller (and grant it Commit). */
  void ownerGrantsRights() {
    if (kind == Kind.ASSETS) {
      OwnerSetup.grantUpgradeRights(ic(OWNER), assets(OWNER), canister, BACKEND);
    } else {
      ic(OWNER).updateSettings(canister,
          CanisterSettings.ofControllers(List.of(OWNER, BACKEND)));
    }
  }

  /** A retry policy that does not sleep: the fault matrix runs hundreds of upgrades. */
  static RetryPolicy fastRetries() {
    return RetryPolicy.exponential(5, Duration.ofMillis(1), Duration.ofMillis(4))
        .withSleeper(d -> {});
  }

  /** A deployer acting through {@code backendAgent} on {@code reg}, running jobs in the caller. */
  StorageDeployer deployer(Agent backendAgent, DeploymentRegistry reg, String holder) {
    RetryPolicy retry = fastRetries();
    ManagementCanister mc = CandidManagementCanister.over(backendAgent);
    CanisterUpgrader.Builder upgrader = CanisterUpgrader.builder(BACKEND, mc,
            ChunkedWasmInstaller.builder(mc).retryPolicy(retry).build())
        .assets(syncer(retry), id -> CandidAssetCanister.over(backendAgent, id))
        .retryPolicy(retry);
    if (kind == Kind.DEMO) {
      // The new module must answer its version query, else it is rolled back.
      upgrader.healthCheck(id -> backendAgent.query(id, "get_version", NO_ARGS));
    }
    return StorageDeployer.builder(reg, catalog, upgrader.build(), Runnable::run)
        .ownerCheck(mc).clock(clock).leaseDuration(LEASE).holderId(holder).build();
  }

  /**
   * Every way the canister or its record could be worse than before the upgrade; empty when it
   * runs v1 or v2 with its state, running, the owner its only controller, the backend holding no
   * rights, no snapshot left, and the record saying exactly that.
   *
   * @param refused the request was refused before any job started (the owner's grant stands)
   */
  List<String> violations(boolean refused) {
    List<String> v = new ArrayList<>();
    DeploymentRecord r = registry.find(canister).orElseThrow();
    Sha256 v1 = Sha256.of(releases.v1);
    Sha256 v2 = Sha256.of(releases.v2);
    Optional<Sha256> actual = replica.moduleHash(canister);
    if (refused) {
      if (!r.equals(original)) {
        v.add("refused, yet the record changed: " + r);
      }
    } else {
      if (r.status() != DeploymentStatus.COMPLETED && r.status() != DeploymentStatus.FAILED) {
        v.add("record left " + r.status() + ": " + r);
      }
      if (r.job().isPresent()) {
        v.add("record still holds a job: " + r.job().get());
      }
    }
    if (actual.isEmpty() || !(actual.get().equals(v1) || actual.get().equals(v2))) {
      v.add("runs neither v1 nor v2: " + actual);
    }
    if (!r.moduleHash().equals(actual)) {
      v.add("record says module " + r.moduleHash() + ", canister runs " + actual);
    }
    if (r.status() == DeploymentStatus.COMPLETED && !actual.equals(Optional.of(v2))) {
      v.add("record COMPLETED but the canister runs " + actual);
    }
    if (replica.runStatus(canister) != CanisterStatus.RunStatus.RUNNING) {
      v.add("left " + replica.runStatus(canister) + " (was running)");
    }
    List<Principal> controllers = replica.controllers(canister);
    if (!controllers.contains(OWNER)) {
      v.add("owner is not a controller: " + controllers);
    }
    if (!refused && controllers.contains(BACKEND)) {
      v.add("backend still a controller: " + controllers);
    }
    int snapshots = ic(OWNER).listCanisterSnapshots(canister).size();
    if (snapshots != 0) {
      v.add(snapshots + " snapshot(s) left behind");
    }
    if (kind == Kind.DEMO) {
      long count = nat64(replica.agentFor(OWNER).query(canister, "get_count", NO_ARGS));
      if (count != INCREMENTS) {
        v.add("state lost: count " + count + ", was " + INCREMENTS);
      }
    } else {
      if (!refused && assets(OWNER).listPermitted(Permission.COMMIT).contains(BACKEND)) {
        v.add("backend still holds Commit");
      }
      String index = text(assets(OWNER).get("/index.html", List.of("identity")));
      boolean hasOld = assets(OWNER).list(0, 100).stream().map(AssetDetails::key)
          .anyMatch("/old.css"::equals);
      boolean siteV1 = index.contains("v1") && hasOld;
      boolean siteV2 = index.contains("v2") && !hasOld;
      if (!siteV1 && !siteV2) {
        v.add("frontend half-applied: index " + index + ", old.css " + hasOld);
      }
      boolean recordV2 = r.frontendHash().equals(Optional.of(frontendV2Hash));
      if (recordV2 != siteV2) {
        v.add("record says frontend " + (recordV2 ? "v2" : "v1") + ", site is "
            + (siteV2 ? "v2" : "v1"));
      }
    }
    return v;
  }

  private static String text(EncodedAsset asset) {
    return new String(asset.content(), StandardCharsets.UTF_8);
  }

  /** The one nat64 of a Candid reply {@code (nat64)}: the last 8 bytes, little-endian. */
  static long nat64(byte[] reply) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v |= (reply[reply.length - 8 + i] & 0xffL) << (8 * i);
    }
    return v;
  }
}
