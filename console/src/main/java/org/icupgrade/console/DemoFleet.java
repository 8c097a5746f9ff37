package org.icupgrade.console;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.deployer.release.ReleaseSource;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.Fault;

/**
 * The console's demo data set on a fresh embedded replica (or on a replica over HTTP, see
 * {@link ReplicaAccess}): a backend running a
 * {@link StorageDeployer} over a directory of releases (latest {@code v2.0.0}), and three owners
 * whose storage canisters are behind that release in each way (module only, frontend only, both),
 * current, being created, or bound to fail (its asset commit is rejected as out of cycles).
 *
 * <p>The embedded replica lets the console act as any principal, so it makes the owner's
 * pre-upgrade calls ({@code update_settings}, {@code grant_permission}) on the owner's behalf, as
 * the owner's browser would with the owner's identity on a real replica.
 */
public final class DemoFleet implements AutoCloseable {
  /** The latest release's tag. */
  public static final String LATEST = "v2.0.0";

  private final ReplicaAccess access;
  private final Principal backend;
  private final String backendOrigin;
  private final Path releases;
  private final AssetSyncer syncer = AssetSyncers.builder().flavor(AssetCanisterFlavor.DFINITY)
      .protectedKeys(ProtectedKeys.storageDefaults()).build();
  private final DeploymentRegistry registry = DeploymentRegistry.inMemory();
  private final ReleaseCatalog catalog;
  private final ExecutorService upgrades = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "console-upgrade");
    t.setDaemon(true);
    return t;
  });
  private final StorageDeployer deployer;
  private final Map<String, Principal> owners = new LinkedHashMap<>();
  private final Map<Principal, String> labels = new LinkedHashMap<>();

  /**
   * Builds the fleet.
   *
   * @param stepDelay how long each module install and each asset commit waits on the replica, so
   *     that the progress of an upgrade can be seen while polling; zero for none
   * @param backendOrigin the origin of the backend's public API ({@code http://127.0.0.1:8080}),
   *     which the storage canisters' pages ask {@code checkStorageUpdate}; part of each release's
   *     {@code index.html}, as a real backend's releases name its public URL
   * @param access where the fleet runs: {@link ReplicaAccess#embedded()}, or a replica over HTTP
   *     (there the step delay and the canister bound to fail, which need the embedded replica's
   *     scripted faults, are left out)
   */
  public DemoFleet(Duration stepDelay, URI backendOrigin, ReplicaAccess access) {
    this.access = access;
    this.backendOrigin = backendOrigin.toString().replaceAll("/+$", "");
    this.backend = access.identity("backend", 0);
    try {
      releases = Files.createTempDirectory("icupgrade-console-releases");
      byte[] wasm1 = access.storageModule(1);
      byte[] wasm2 = access.storageModule(2);
      publish("v1.0.0", wasm1, frontendV1(this.backendOrigin));
      publish("v1.5.0", wasm1, frontendV2(this.backendOrigin));
      publish("v1.8.0", wasm2, frontendV1(this.backendOrigin));
      publish(LATEST, wasm2, frontendV2(this.backendOrigin));
      catalog = ReleaseCatalog.builder(ReleaseSource.directory(releases))
          .wasmAsset("storage.wasm").frontendAsset("frontend.tar", ReleaseReader.defaults()::read)
          .build();
      catalog.refresh();
      FrontendRelease f1 = ReleaseReader.defaults().read(releases.resolve("v1.0.0/frontend.tar"));
      FrontendRelease f2 = catalog.require().frontend();

      CanisterUpgrader upgrader = CanisterUpgrader.builder(backend, management(backend),
              ChunkedWasmInstaller.builder(management(backend)).build())
          .assets(syncer, id -> CandidAssetCanister.over(access.agentFor(backend), id))
          .build();
      deployer = StorageDeployer.builder(registry, catalog, upgrader, upgrades)
          .ownerCheck(management(backend)).build();

      Principal alice = owner("alice", 1);
      Principal bob = owner("bob", 2);
      Principal carol = owner("carol", 3);
      deploy(alice, "Photos", wasm1, f1, "v1.0.0");
      deploy(alice, "Notes", wasm1, f2, "v1.5.0");
      deploy(alice, "Music", wasm2, f1, "v1.8.0");
      deploy(alice, "Documents", wasm2, f2, LATEST);
      deploy(bob, "Backups", wasm1, f1, "v1.0.0");
      Principal creating = access.createCanister(bob);
      labels.put(creating, "Videos");
      deployer.register(DeploymentRecord.creating(creating, bob));
      Principal archive = deploy(bob, "Archive", wasm1, f1, "v1.0.0");
      deploy(carol, "Journal", wasm2, f1, "v1.8.0");

      access.embeddedReplica().ifPresent(replica -> {
        // Bound to fail: a permanent reject, so that the upgrader's retries cannot pass it.
        replica.fault(Fault.on("commit_batch").canister(archive).times(1_000_000).failBefore(
            () -> new CanisterRejectException(RejectCode.CANISTER_ERROR,
                "Canister " + archive + " is out of cycles", "IC0207", archive, "commit_batch")));
        if (!stepDelay.isZero()) {
          replica.fault(Fault.on("install_code").times(1_000_000).delay(stepDelay));
          replica.fault(Fault.on("commit_batch").times(1_000_000).delay(stepDelay));
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo releases to a temporary directory", e);
    }
  }

  private Principal owner(String name, int n) {
    Principal p = access.identity(name, n);
    owners.put(name, p);
    return p;
  }

  private Principal deploy(Principal owner, String label, byte[] wasm, FrontendRelease frontend,
      String tag) {
    Principal id = access.createStorageCanister(owner);
    ChunkedWasmInstaller.builder(management(owner)).build()
        .install(id, WasmModule.of(wasm), InstallMode.install());
    AssetCanister assets = assets(owner, id);
    assets.grantPermission(owner, Permission.COMMIT);
    syncer.sync(assets, frontend);
    deployer.register(new DeploymentRecord(id, owner, DeploymentStatus.COMPLETED, null,
        Sha256.of(wasm), frontend.frontendHash(), tag, 0));
    labels.put(id, label);
    return id;
  }

  /**
   * The management canister as {@code caller} sees it.
   *
   * @param caller who calls
   * @return the management canister port
   */
  public ManagementCanister management(Principal caller) {
    return CandidManagementCanister.over(access.agentFor(caller));
  }

  /**
   * A storage canister's asset interface as {@code caller} sees it.
   *
   * @param caller who calls
   * @param canisterId the storage canister
   * @return the asset canister port
   */
  public AssetCanister assets(Principal caller, Principal canisterId) {
    return CandidAssetCanister.over(access.agentFor(caller), canisterId);
  }

  /**
   * What a frontend upgrade would change on a canister: the syncer's dry run against the
   * latest release, reading the canister's listing (a public query).
   *
   * @param caller who reads the listing
   * @param canisterId the storage canister
   * @return the diff, or empty when no release is ready
   */
  public Optional<AssetDiff> frontendDiff(Principal caller, Principal canisterId) {
    return catalog.current().map(r -> syncer.diff(assets(caller, canisterId), r.frontend()));
  }

  /** The principal the backend (the deployer) acts as. */
  public Principal backend() {
    return backend;
  }

  /** The deployer the console serves. */
  public StorageDeployer deployer() {
    return deployer;
  }

  /**
   * Where a storage canister's frontend opens in a browser: the replica's local HTTP gateway,
   * {@code http://<id>.localhost:<port>/}.
   *
   * @param canisterId the storage canister
   * @return its frontend's URL
   */
  public URI frontendUrl(Principal canisterId) {
    return URI.create(gatewayOrigin(canisterId) + "/");
  }

  /**
   * The browser origin of a storage canister's frontend on the gateway, which the console's
   * public {@code checkStorageUpdate} answers across origins (CORS) for that canister only.
   *
   * @param canisterId the storage canister
   * @return {@code http://<id>.localhost:<port>}
   */
  public String gatewayOrigin(Principal canisterId) {
    return access.gatewayOrigin(canisterId);
  }

  /**
   * The embedded replica the fleet runs on.
   *
   * @return the replica
   * @throws IllegalStateException when the fleet runs on a replica over HTTP
   */
  public EmbeddedReplica replica() {
    return access.embeddedReplica().orElseThrow(() -> new IllegalStateException(
        "the fleet runs on a replica over HTTP, not on an embedded replica"));
  }

  /** The demo owners, by login name, in order. */
  public Map<String, Principal> owners() {
    return Collections.unmodifiableMap(owners);
  }

  /**
   * The name the demo gave a canister.
   *
   * @param canisterId the canister
   * @return its label, or its id when it has none
   */
  public String label(Principal canisterId) {
    return labels.getOrDefault(canisterId, canisterId.toText());
  }

  /** Stops the gateway and the upgrade threads and deletes the release files. */
  @Override
  public void close() {
    upgrades.shutdownNow();
    access.close();
    try (var files = Files.walk(releases)) {
      List<Path> all = new ArrayList<>(files.toList());
      Collections.reverse(all);
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A temporary directory left behind is harmless; the JVM's temp cleanup will see it.
    }
  }

  static Map<String, String> frontendV1(String backendOrigin) {
    Map<String, String> f = new TreeMap<>();
    f.put("/index.html", page("v1", "#6b7280", backendOrigin));
    f.put("/app.js", "document.title += ' (storage)';\n");
    f.put("/legacy.css", "body{font-family:serif}\n");
    return f;
  }

  static Map<String, String> frontendV2(String backendOrigin) {
    Map<String, String> f = new TreeMap<>(frontendV1(backendOrigin));
    f.put("/index.html", page("v2", "#2563eb", backendOrigin));
    f.remove("/legacy.css");
    f.put("/style.css", "body{font-family:system-ui,sans-serif}\n");
    return f;
  }

  /**
   * A storage canister's own page: it asks the backend's public {@code checkStorageUpdate} about
   * its own canister and shows a notice when an update is available, as seed 004 plans. Opened
   * through the replica's gateway ({@code http://<id>.localhost:<port>/}) it learns its canister
   * id from its host name and asks the backend named in its {@code storage-backend} meta tag,
   * across origins (the console answers with CORS for that canister's origin); opened through
   * the console ({@code /canister/<id>/}) it reads the id from the path and asks its own origin.
   */
  private static String page(String version, String colour, String backendOrigin) {
    return String.format(Locale.ROOT, """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>My storage (%1$s)</title>
        <meta name="storage-backend" content="%3$s">
        <style>body{font-family:system-ui,sans-serif;margin:3rem;color:#1f2937}
        h1{color:%2$s}#notice{background:#fef3c7;color:#b45309;padding:.8rem 1rem;
        border-radius:8px;max-width:40rem}</style></head>
        <body><h1>My storage</h1><p id="version">Frontend %1$s</p>
        <p id="notice" hidden></p>
        <script>
        const onGateway = location.hostname.endsWith(".localhost");
        const id = onGateway ? location.hostname.split(".")[0]
          : new URLSearchParams(location.search).get("canisterId")
            || location.pathname.split("/")[2];
        const backend = location.pathname.startsWith("/canister/") ? ""
          : document.querySelector("meta[name=storage-backend]").content;
        fetch(backend + "/api/check/" + id).then((r) => r.ok ? r.json() : null).then((u) => {
          if (!u || !(u.wasmUpdateAvailable || u.frontendUpdateAvailable)) return;
          const n = document.getElementById("notice");
          n.textContent = "An update is available: release " + u.availableReleaseTag
            + ". Open the storage console to upgrade.";
          n.hidden = false;
        }).finally(() => { document.body.dataset.checked = "true"; });
        </script></body></html>
        """, version, colour, backendOrigin);
  }

  private void publish(String tag, byte[] wasm, Map<String, String> frontend) throws IOException {
    Path d = Files.createDirectories(releases.resolve(tag));
    Files.write(d.resolve("storage.wasm"), wasm);
    try (OutputStream out = Files.newOutputStream(d.resolve("frontend.tar"))) {
      for (Map.Entry<String, String> e : frontend.entrySet()) {
        writeTarEntry(out, e.getKey().substring(1), e.getValue().getBytes(StandardCharsets.UTF_8));
      }
      out.write(new byte[1024]);
    }
  }

  /** One regular file in the POSIX ustar format: a 512-byte header, the data, padding. */
  private static void writeTarEntry(OutputStream out, String name, byte[] data)
      throws IOException {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format(Locale.ROOT, "%011o", data.length));
    put(h, 136, String.format(Locale.ROOT, "%011o", 0));
    h[156] = '0';
    put(h, 257, "ustar");
    put(h, 263, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format(Locale.ROOT, "%06o", sum));
    h[154] = 0;
    h[155] = ' ';
    out.write(h);
    out.write(data);
    out.write(new byte[(512 - data.length % 512) % 512]);
  }

  private static void put(byte[] header, int at, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, header, at, b.length);
  }
}
