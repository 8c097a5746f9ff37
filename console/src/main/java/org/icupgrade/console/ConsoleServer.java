package org.icupgrade.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetChange;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.upgrade.OwnerSetup;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.plan.StorageInfo;
import org.icupgrade.deployer.plan.UpdateInfo;
import org.icupgrade.deployer.plan.UpgradeStorageException;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.jspecify.annotations.Nullable;

/**
 * The web console: a JSON API over a {@link StorageDeployer} and one page, served by the JDK's
 * {@link HttpServer}. Every owner-facing endpoint acts for the owner of the session cookie and
 * for that owner's canisters only; another owner's canister is answered as not found.
 *
 * <pre>
 * mvn -q -pl console -am package -DskipTests -Pconsole     # http://127.0.0.1:8080/
 * ... ConsoleServer --port 0 --step-delay-ms 0             # any free port, no visible steps
 * </pre>
 *
 * <table>
 * <caption>The API</caption>
 * <tr><td>{@code GET /api/owners}</td><td>the demo identities one may log in as</td></tr>
 * <tr><td>{@code POST /api/login {"owner":"alice"}}</td><td>sets the session cookie</td></tr>
 * <tr><td>{@code POST /api/logout}</td><td>ends the session</td></tr>
 * <tr><td>{@code GET /api/storages}</td><td>{@code listStorages}: the owner's canisters</td></tr>
 * <tr><td>{@code GET /api/storages/ID/plan}</td><td>what an upgrade would change, with the
 *     frontend diff</td></tr>
 * <tr><td>{@code POST /api/storages/ID/upgrade {"scope":"ALL"}}</td><td>the owner setup, then
 *     {@code upgradeStorage}</td></tr>
 * <tr><td>{@code GET /api/check/ID}</td><td>{@code checkStorageUpdate}, public as in the
 *     seed; readable across origins by that canister's own page on the replica's gateway
 *     ({@code http://ID.localhost:PORT}, CORS)</td></tr>
 * <tr><td>{@code GET /canister/ID/KEY}</td><td>the storage canister's own frontend, read from its
 *     assets</td></tr>
 * </table>
 */
public final class ConsoleServer implements AutoCloseable {
  /** The session cookie's name. */
  public static final String COOKIE = "console_session";

  private static final String STATIC = "/org/icupgrade/console/static/";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DemoFleet fleet;
  private final StorageDeployer deployer;
  private final HttpServer server;
  private final ExecutorService handlers;
  private final Map<String, Principal> sessions = new ConcurrentHashMap<>();

  private ConsoleServer(int port, Duration stepDelay, ReplicaAccess access) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port
          + " (is another program using it? pass --port N, or --port 0 for any free port)", e);
    }
    // Bound first, so that the demo's releases can name the backend's origin (see DemoFleet).
    DemoFleet f;
    try {
      f = new DemoFleet(stepDelay, URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
          access);
    } catch (RuntimeException e) {
      server.stop(0);
      access.close();
      throw e;
    }
    this.fleet = f;
    this.deployer = fleet.deployer();
    handlers = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "console-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
  }

  /**
   * Starts a console on a new demo fleet.
   *
   * @param port the loopback port to listen on; 0 for any free port
   * @param stepDelay how long each module install and asset commit of an upgrade takes at least,
   *     so that its progress shows; zero for none
   * @return the running console
   */
  public static ConsoleServer start(int port, Duration stepDelay) {
    return start(port, stepDelay, ReplicaAccess.embedded());
  }

  /**
   * Starts a console on a new demo fleet at {@code access}: the embedded replica, or a replica
   * over HTTP through {@code HttpAgent}.
   *
   * @param port the loopback port to listen on; 0 for any free port
   * @param stepDelay as in {@link #start(int, Duration)}; only the embedded replica can slow its
   *     steps
   * @param access where the fleet runs; closed with the console
   * @return the running console
   */
  public static ConsoleServer start(int port, Duration stepDelay, ReplicaAccess access) {
    ConsoleServer console = new ConsoleServer(port, stepDelay, access);
    console.server.start();
    return console;
  }

  /**
   * Runs the console until the process is stopped.
   *
   * @param args {@code --port N} (8080 unless given), {@code --step-delay-ms N} (600 unless
   *     given); against a replica over HTTP: {@code --replica-url URL} with {@code --root-key
   *     HEX} (its DER root key, as the replica prints it) or {@code --fetch-root-key} (local
   *     replicas), and {@code --asset-wasm FILE} (an asset canister module, such as dfx's {@code
   *     assetstorage.wasm.gz}, that the storage canisters run)
   * @throws InterruptedException if interrupted while serving
   * @throws IOException if the asset canister module cannot be read
   */
  public static void main(String[] args) throws InterruptedException, IOException {
    int port = 8080;
    long delay = 600;
    URI replicaUrl = null;
    boolean fetchRootKey = false;
    byte[] rootKey = null;
    Path assetWasm = null;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--port" -> port = Integer.parseInt(args[++i]);
          case "--step-delay-ms" -> delay = Long.parseLong(args[++i]);
          case "--replica-url" -> replicaUrl = URI.create(args[++i]);
          case "--fetch-root-key" -> fetchRootKey = true;
          case "--root-key" -> rootKey = HexFormat.of().parseHex(args[++i]);
          case "--asset-wasm" -> assetWasm = Path.of(args[++i]);
          default -> throw new IllegalArgumentException(args[i]);
        }
      }
      if ((replicaUrl == null) != (assetWasm == null)
          || (replicaUrl != null && fetchRootKey == (rootKey != null))) {
        throw new IllegalArgumentException("--replica-url needs --asset-wasm and one of"
            + " --root-key, --fetch-root-key");
      }
    } catch (RuntimeException e) {
      System.err.println("usage: ConsoleServer [--port N] [--step-delay-ms N]"
          + " [--replica-url URL (--root-key HEX | --fetch-root-key) --asset-wasm FILE]"
          + " (on the embedded replica unless --replica-url; see README, \"Web console\")");
      System.exit(2);
    }
    ReplicaAccess access = replicaUrl == null ? ReplicaAccess.embedded()
        : ReplicaAccess.overHttp(replicaUrl, rootKey,
            ReplicaAccess.assetModule(Files.readAllBytes(assetWasm)));
    ConsoleServer console = start(port, Duration.ofMillis(delay), access);
    System.out.println("Web console on " + console.uri() + " ("
        + (replicaUrl == null ? "embedded replica" : "replica at " + replicaUrl)
        + "; log in as " + String.join(", ", console.fleet.owners().keySet())
        + "). Ctrl-C to stop.");
    new CountDownLatch(1).await();
  }

  /**
   * Where the console listens.
   *
   * @return its base address, ending with a slash
   */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /**
   * The demo fleet behind this console.
   *
   * @return the fleet
   */
  public DemoFleet fleet() {
    return fleet;
  }

  /** Stops serving and closes the fleet. */
  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
    fleet.close();
  }

  // ---- routing ----

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      String method = x.getRequestMethod();
      try {
        if (path.startsWith("/canister/") && method.equals("GET")) {
          serveCanisterAsset(x, path);
        } else if (!path.startsWith("/api/")) {
          serveStatic(x, path);
        } else if (path.equals("/api/owners") && method.equals("GET")) {
          List<Object> out = new ArrayList<>();
          fleet.owners().forEach((name, p) -> out.add(obj("name", name, "principal", p.toText())));
          json(x, 200, out);
        } else if (path.equals("/api/login") && method.equals("POST")) {
          login(x);
        } else if (path.equals("/api/logout") && method.equals("POST")) {
          session(x).ifPresent(s -> sessions.remove(s));
          x.getResponseHeaders().add("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0");
          json(x, 200, obj("loggedOut", true));
        } else if (path.startsWith("/api/check/") && method.equals("GET")) {
          Principal id = canisterId(path.substring("/api/check/".length()));
          allowCanisterOrigin(x, id);
          Optional<UpdateInfo> info = id == null ? Optional.empty()
              : deployer.checkStorageUpdate(id);
          if (info.isEmpty()) {
            json(x, 404, error("NOT_FOUND", "This canister was not created by this backend."));
          } else {
            json(x, 200, updateJson(info.get()));
          }
        } else {
          ownerRoute(x, path, method);
        }
      } catch (UpgradeStorageException e) {
        json(x, statusOf(e.reason()), error(e.reason().name(), sentence(e), e.getMessage()));
      } catch (BadRequest e) {
        json(x, 400, error("BAD_REQUEST", e.getMessage()));
      } catch (RuntimeException e) {
        json(x, 500, error("INTERNAL", "Something went wrong on the backend: " + e.getMessage()));
      }
    }
  }

  /**
   * CORS for {@code checkStorageUpdate}: the page of storage canister {@code id}, served by the
   * replica's gateway at {@code http://<id>.localhost:<port>}, is another origin than the
   * console's, so the browser lets it read the answer only if the console allows that origin
   * (Fetch standard, "CORS protocol"). Only that canister's own origin is allowed, and without
   * credentials: a canister's page learns its own canister's update state and nothing else, and
   * the session cookie (SameSite=Strict) is never sent with or exposed to it.
   */
  private void allowCanisterOrigin(HttpExchange x, @Nullable Principal id) {
    x.getResponseHeaders().add("Vary", "Origin");
    String origin = x.getRequestHeaders().getFirst("Origin");
    if (id != null && origin != null && origin.equals(fleet.gatewayOrigin(id))) {
      x.getResponseHeaders().set("Access-Control-Allow-Origin", origin);
    }
  }

  private void ownerRoute(HttpExchange x, String path, String method) throws IOException {
    Principal owner = session(x).map(sessions::get).orElse(null);
    if (owner == null) {
      json(x, 401, error("NOT_LOGGED_IN", "Please log in first."));
      return;
    }
    if (path.equals("/api/me") && method.equals("GET")) {
      json(x, 200, obj("owner", ownerName(owner), "principal", owner.toText(),
          "backend", fleet.backend().toText()));
      return;
    }
    if (path.equals("/api/storages") && method.equals("GET")) {
      List<Object> out = new ArrayList<>();
      for (StorageInfo s : deployer.listStorages(owner)) {
        out.add(storageJson(s));
      }
      json(x, 200, out);
      return;
    }
    String[] parts = path.split("/");
    // ["", "api", "storages", ID, action]
    if (parts.length == 5 && parts[2].equals("storages")) {
      Principal id = canisterId(parts[3]);
      if (id == null) {
        throw notFound(Principal.ANONYMOUS, owner);
      }
      if (parts[4].equals("plan") && method.equals("GET")) {
        json(x, 200, plan(owner, id));
        return;
      }
      if (parts[4].equals("upgrade") && method.equals("POST")) {
        upgrade(x, owner, id);
        return;
      }
    }
    json(x, 404, error("NO_SUCH_ENDPOINT", "There is no " + method + " " + path + "."));
  }

  private void login(HttpExchange x) throws IOException {
    Map<String, @Nullable Object> body = body(x);
    Object name = body.get("owner");
    Principal owner = name == null ? null : fleet.owners().get(name.toString());
    if (owner == null) {
      throw new BadRequest("There is no demo owner called " + name + "; choose one of "
          + fleet.owners().keySet() + ".");
    }
    byte[] token = new byte[32];
    RANDOM.nextBytes(token);
    String t = HexFormat.of().formatHex(token);
    sessions.put(t, owner);
    x.getResponseHeaders().add("Set-Cookie",
        COOKIE + "=" + t + "; Path=/; HttpOnly; SameSite=Strict");
    json(x, 200, obj("owner", name.toString(), "principal", owner.toText()));
  }

  // ---- the owner's operations ----

  private Map<String, @Nullable Object> plan(Principal owner, Principal id) {
    StorageInfo info = own(owner, id);
    Map<String, @Nullable Object> out = storageJson(info);
    List<Object> files = new ArrayList<>();
    boolean frontend = info.updateInfo().map(UpdateInfo::frontendUpdateAvailable).orElse(false);
    if (frontend) {
      Optional<AssetDiff> diff = fleet.frontendDiff(owner, id);
      if (diff.isPresent()) {
        for (AssetChange c : diff.get().changes()) {
          files.add(obj("key", c.key(), "kind", c.kind().name()));
        }
        out.put("unchangedFiles", diff.get().unchanged().size());
        out.put("uploadBytes", diff.get().uploadBytes());
      }
    }
    out.put("frontendChanges", files);
    return out;
  }

  private void upgrade(HttpExchange x, Principal owner, Principal id) throws IOException {
    Object s = body(x).get("scope");
    UpgradeScope scope;
    try {
      scope = UpgradeScope.valueOf(String.valueOf(s));
    } catch (IllegalArgumentException e) {
      throw new BadRequest("Choose what to update: ALL, WASM_ONLY or FRONTEND_ONLY (got " + s
          + ").");
    }
    // The deployer's refusals come before the owner's calls, so that a refused request leaves
    // the canister's controllers and permissions as they were.
    deployer.planner().plan(owner, id, scope);
    // The seed's pre-upgrade calls, made for the owner: update_settings adding the backend as a
    // controller, grant_permission Commit. The backend hands both back when the upgrade ends.
    try {
      OwnerSetup.grantUpgradeRights(fleet.management(owner), fleet.assets(owner, id), id,
          fleet.backend());
    } catch (IcException e) {
      json(x, 409, error("OWNER_SETUP_FAILED", "The upgrade did not start: adding the backend as"
          + " a controller of this canister, or granting it Commit, was refused. Check that you"
          + " are still one of its controllers.", e.getMessage()));
      return;
    }
    deployer.upgradeStorage(owner, id, scope);
    json(x, 202, storageJson(own(owner, id)));
  }

  private StorageInfo own(Principal owner, Principal id) {
    return deployer.listStorages(owner).stream()
        .filter(s -> s.record().canisterId().equals(id)).findFirst()
        .orElseThrow(() -> notFound(id, owner));
  }

  private static UpgradeStorageException notFound(Principal id, Principal owner) {
    return new UpgradeStorageException(UpgradeStorageException.Reason.NOT_FOUND, id,
        "there is no record of canister " + id + " for " + owner);
  }

  // ---- JSON shapes ----

  private Map<String, @Nullable Object> storageJson(StorageInfo s) {
    DeploymentRecord r = s.record();
    Map<String, @Nullable Object> out = obj(
        "canisterId", r.canisterId().toText(),
        "label", fleet.label(r.canisterId()),
        "status", r.status().name(),
        "failureReason", r.failureReason().orElse(null),
        "releaseTag", r.releaseTag().orElse(null),
        "moduleHash", hex(r.moduleHash()),
        "frontendHash", hex(r.frontendHash()),
        "frontendUrl", fleet.frontendUrl(r.canisterId()).toString());
    out.put("update", s.updateInfo().map(ConsoleServer::updateJson).orElse(null));
    return out;
  }

  private static Map<String, @Nullable Object> updateJson(UpdateInfo u) {
    String kind = u.wasmUpdateAvailable() && u.frontendUpdateAvailable() ? "BOTH"
        : u.wasmUpdateAvailable() ? "WASM" : u.frontendUpdateAvailable() ? "FRONTEND" : null;
    Map<String, @Nullable Object> out = obj(
        "wasmUpdateAvailable", u.wasmUpdateAvailable(),
        "frontendUpdateAvailable", u.frontendUpdateAvailable(),
        "kind", kind,
        "currentModuleHash", hex(u.currentModuleHash()),
        "availableModuleHash", hex(u.availableModuleHash()),
        "currentFrontendHash", hex(u.currentFrontendHash()),
        "availableFrontendHash", hex(u.availableFrontendHash()));
    out.put("currentReleaseTag", u.currentReleaseTag().orElse(null));
    out.put("availableReleaseTag", u.availableReleaseTag().orElse(null));
    return out;
  }

  private static @Nullable String hex(Optional<Sha256> h) {
    return h.map(Sha256::hex).orElse(null);
  }

  /** What a person is told for each refusal: what happened and what to do. */
  static String sentence(UpgradeStorageException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> "This storage canister is not one of yours, or it does not exist.";
      case NOT_OWNER -> "You are no longer a controller of this storage canister, so it cannot"
          + " be upgraded for you. Add yourself back as a controller, then try again.";
      case NOT_COMPLETED -> "This storage canister is still being created. You can upgrade it"
          + " once its creation has completed.";
      case NO_UPDATE_AVAILABLE -> "There is nothing to update for what you chose: this storage"
          + " canister already runs what the latest release offers for it.";
      case RELEASE_NOT_READY -> "The latest release has not been downloaded and verified yet."
          + " Please try again in a few minutes.";
      case ALREADY_UPGRADING -> "An upgrade of this storage canister is already running."
          + " Wait until it has finished.";
    };
  }

  private static int statusOf(UpgradeStorageException.Reason r) {
    return switch (r) {
      case NOT_FOUND -> 404;
      case NOT_OWNER -> 403;
      case RELEASE_NOT_READY -> 503;
      default -> 409;
    };
  }

  private static Map<String, @Nullable Object> error(String code, String message) {
    return obj("error", code, "message", message);
  }

  private static Map<String, @Nullable Object> error(String code, String message, String detail) {
    Map<String, @Nullable Object> out = error(code, message);
    out.put("detail", detail);
    return out;
  }

  private static Map<String, @Nullable Object> obj(@Nullable Object... kv) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(String.valueOf(kv[i]), kv[i + 1]);
    }
    return m;
  }

  // ---- HTTP plumbing ----

  private String ownerName(Principal owner) {
    return fleet.owners().entrySet().stream().filter(e -> e.getValue().equals(owner))
        .map(Map.Entry::getKey).findFirst().orElse(owner.toText());
  }

  private static @Nullable Principal canisterId(String text) {
    try {
      return Principal.fromText(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Optional<String> session(HttpExchange x) {
    for (String header : x.getRequestHeaders().getOrDefault("Cookie", List.of())) {
      for (String c : header.split(";")) {
        String t = c.trim();
        if (t.startsWith(COOKIE + "=")) {
          return Optional.of(t.substring(COOKIE.length() + 1));
        }
      }
    }
    return Optional.empty();
  }

  private static Map<String, @Nullable Object> body(HttpExchange x) throws IOException {
    byte[] b = x.getRequestBody().readNBytes(64 * 1024);
    try {
      return Json.parseObject(new String(b, StandardCharsets.UTF_8));
    } catch (IcException e) {
      throw new BadRequest("The request body must be a JSON object: " + e.getMessage());
    }
  }

  private static void json(HttpExchange x, int status, @Nullable Object value) throws IOException {
    send(x, status, "application/json; charset=utf-8",
        Json.write(value).getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange x, int status, String type, byte[] body)
      throws IOException {
    x.getResponseHeaders().set("Content-Type", type);
    x.getResponseHeaders().set("Cache-Control", "no-store");
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * {@code /canister/ID/KEY}: the asset {@code /KEY} of storage canister ID, read with the asset
   * canister's public {@code get} and {@code get_chunk} queries, so that a storage canister's
   * synced frontend opens in the browser ({@code /canister/ID/} serves {@code /index.html}).
   */
  private void serveCanisterAsset(HttpExchange x, String path) throws IOException {
    String rest = path.substring("/canister/".length());
    int slash = rest.indexOf('/');
    Principal id = canisterId(slash < 0 ? rest : rest.substring(0, slash));
    String key = slash < 0 || slash == rest.length() - 1 ? "/index.html" : rest.substring(slash);
    if (id == null || deployer.checkStorageUpdate(id).isEmpty()) {
      send(x, 404, "text/plain; charset=utf-8",
          ("No storage canister of this backend at " + path).getBytes(StandardCharsets.UTF_8));
      return;
    }
    AssetCanister assets = fleet.assets(Principal.ANONYMOUS, id);
    EncodedAsset asset;
    try {
      asset = assets.get(key, List.of("identity"));
    } catch (IcException e) {
      send(x, 404, "text/plain; charset=utf-8",
          ("Canister " + id + " serves no " + key).getBytes(StandardCharsets.UTF_8));
      return;
    }
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.write(asset.content());
    for (long i = 1; body.size() < asset.totalLength(); i++) {
      body.write(assets.getChunk(key, asset.contentEncoding(), i, null));
    }
    send(x, 200, asset.contentType(), body.toByteArray());
  }

  private static void serveStatic(HttpExchange x, String path) throws IOException {
    String name = path.equals("/") ? "index.html" : path.substring(1);
    String type = name.endsWith(".html") ? "text/html; charset=utf-8"
        : name.endsWith(".js") ? "text/javascript; charset=utf-8"
        : name.endsWith(".css") ? "text/css; charset=utf-8" : null;
    InputStream in = name.matches("[a-z]+\\.(html|js|css)") && type != null
        ? ConsoleServer.class.getResourceAsStream(STATIC + name) : null;
    if (in == null) {
      send(x, 404, "text/plain; charset=utf-8",
          ("Not found: " + path).getBytes(StandardCharsets.UTF_8));
      return;
    }
    try (in) {
      send(x, 200, type, in.readAllBytes());
    }
  }

  /** A request the console cannot make sense of; its message is shown to the person. */
  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

}
