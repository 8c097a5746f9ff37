package org.icupgrade.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.upgrade.CanisterUpgrader;
import org.icupgrade.deployer.fleet.CallRateLimiter;
import org.icupgrade.deployer.fleet.CanisterResult;
import org.icupgrade.deployer.fleet.FleetListener;
import org.icupgrade.deployer.fleet.FleetPlan;
import org.icupgrade.deployer.fleet.FleetProgress;
import org.icupgrade.deployer.fleet.FleetReport;
import org.icupgrade.deployer.fleet.FleetSelection;
import org.icupgrade.deployer.fleet.FleetUpgrader;
import org.icupgrade.deployer.fleet.RateLimitedManagementCanister;
import org.icupgrade.deployer.fleet.SharedChunkStore;
import org.icupgrade.deployer.fleet.WaveSummary;
import org.icupgrade.deployer.plan.StorageDeployer;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.icupgrade.deployer.release.ReleaseCatalog;
import org.icupgrade.deployer.release.ReleaseSource;
import org.icupgrade.http.HttpAgent;
import org.icupgrade.http.Identity;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.Fault;
import org.icupgrade.replica.RecordedCall;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.http.ReplicaHttpServer;

/**
 * A fleet of canisters on the embedded replica, all at v1, upgraded to v2 in waves by
 * {@link FleetUpgrader}: a canary, then growing waves, the module uploaded once to a shared store
 * canister. A progress bar redraws itself on a terminal (carriage return); when the output is not
 * one ({@link System#console()} is null: a pipe, a file, a build log) each canister gets a plain
 * line. After each wave its summary, at the end the calls the replica received.
 *
 * <pre>
 * mvn -q -pl examples -am package -DskipTests -Pdemo -Ddemo.main=org.icupgrade.examples.FleetDemo
 * ... -Dexec.args="--canisters 40 --fail 1"   # 40 canisters, the second wave's first one fails
 * ... -Dexec.args="--http"    # the embedded replica served on 127.0.0.1, the backend an HttpAgent
 * </pre>
 */
public final class FleetDemo {
  static final Principal OWNER = Principal.fromBytes(new byte[] {0x0f, 0x1e, 0x01});
  static final Principal BACKEND = Principal.fromBytes(new byte[] {0x0f, 0x1e, 0x02});
  /** The module size of issue 13's measurement: 2.5 MB, three chunks. */
  static final int MODULE_SIZE = 2_500_000;
  static final int BAR_WIDTH = 30;
  /** The fleet's call rate: far above what the embedded replica needs, to show the limiter. */
  static final double CALLS_PER_SECOND = 500;
  static final int BURST = 50;

  private FleetDemo() {}

  /**
   * Runs the demo.
   *
   * @param args {@code --canisters N} (24 unless given), {@code --fail K} (K canisters of the
   *     second wave fail their install; none unless given), {@code --http} (the backend talks to
   *     the replica over HTTP, see {@link #runOverHttp})
   * @throws IOException when the releases cannot be written to a temporary directory
   */
  public static void main(String[] args) throws IOException {
    int canisters = 24;
    int fail = 0;
    boolean http = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--canisters" -> canisters = Integer.parseInt(value(args, ++i));
        case "--fail" -> fail = Integer.parseInt(value(args, ++i));
        case "--http" -> http = true;
        default -> {
          System.err.println("usage: FleetDemo [--canisters N] [--fail K] [--http]");
          System.exit(2);
        }
      }
    }
    Path dir = Files.createTempDirectory("icupgrade-fleet-demo");
    try {
      if (http) {
        runOverHttp(canisters, fail, dir, System.console() != null, System.out);
      } else {
        run(canisters, fail, dir, System.console() != null, System.out);
      }
    } finally {
      deleteTree(dir);
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      System.err.println(args[i - 1] + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  /**
   * The demo: {@code count} canisters at v1 with their records, a release v2 in a catalog over
   * {@code dir}, the fleet upgraded in waves.
   *
   * @param count how many canisters
   * @param fail how many canisters of the second wave fail their install (0 for none)
   * @param dir where the releases are written
   * @param terminal whether {@code out} is a terminal (a redrawn bar) or not (plain lines)
   * @param out where to print
   * @return the fleet's report
   */
  public static FleetReport run(int count, int fail, Path dir, boolean terminal,
      PrintStream out) {
    EmbeddedReplica replica = EmbeddedReplica.start();
    return run(count, fail, dir, terminal, out, replica, replica.agentFor(BACKEND),
        RetryPolicy.defaults(), CallRateLimiter.of(CALLS_PER_SECOND, BURST));
  }

  /**
   * The same demo over the IC's HTTP interface: a fresh embedded replica served on 127.0.0.1 (a
   * free port), the backend an {@link HttpAgent} against it signing as a new Ed25519 identity
   * (written to a temporary PEM file, deleted afterwards) that verifies every certificate
   * against the replica's root key. The owner creates and installs the canisters in-process.
   *
   * @param count how many canisters
   * @param fail how many canisters of the second wave fail their install (0 for none)
   * @param dir where the releases are written
   * @param terminal whether {@code out} is a terminal (a redrawn bar) or not (plain lines)
   * @param out where to print
   * @return the fleet's report
   * @throws IOException if the temporary identity file cannot be written
   */
  public static FleetReport runOverHttp(int count, int fail, Path dir, boolean terminal,
      PrintStream out) throws IOException {
    EmbeddedReplica replica = EmbeddedReplica.start();
    Path pem = Files.createTempFile("icupgrade-fleet-identity", ".pem");
    try (ReplicaHttpServer server = replica.serveHttp(0)) {
      Identity.generateEd25519().writePem(pem);
      out.println("Embedded replica served at " + server.url());
      Agent backend = HttpAgent.builder(server.url()).rootKey(server.rootKey())
          .identity(pem).build();
      return run(count, fail, dir, terminal, out, replica, backend, RetryPolicy.defaults(),
          CallRateLimiter.of(CALLS_PER_SECOND, BURST));
    } finally {
      Files.deleteIfExists(pem);
    }
  }

  /**
   * The demo with the backend calling through {@code backend} (in-process, or an HTTP agent
   * against {@code replica} served over HTTP), repeating calls by {@code retry} and keeping to
   * {@code limiter}.
   */
  static FleetReport run(int count, int fail, Path dir, boolean terminal, PrintStream out,
      EmbeddedReplica replica, Agent backend, RetryPolicy retry, CallRateLimiter limiter) {
    Principal backendId = backend.sender();
    byte[] v1 = SyntheticWasm.ofSize(MODULE_SIZE, 1);
    byte[] v2 = SyntheticWasm.ofSize(MODULE_SIZE + 100, 2);
    // The frontend is not what this demo upgrades: every release carries the same (empty) one.
    FrontendRelease frontend = FrontendRelease.of(List.of());
    publish(dir, "v1.0.0", v1);
    ReleaseCatalog catalog = ReleaseCatalog.builder(ReleaseSource.directory(dir))
        .wasmAsset("storage.wasm").frontendAsset("frontend.tar", archive -> frontend).build();

    // The owner's canisters, each with the backend as a second controller, deployed at v1.
    DeploymentRegistry registry = DeploymentRegistry.inMemory();
    ChunkedWasmInstaller ownerInstaller =
        ChunkedWasmInstaller.builder(CandidManagementCanister.over(replica.agentFor(OWNER)))
            .build();
    for (int i = 0; i < count; i++) {
      Principal id = replica.createCanister(OWNER, backendId);
      ownerInstaller.install(id, WasmModule.of(v1), InstallMode.install());
      registry.insert(new DeploymentRecord(id, OWNER, DeploymentStatus.COMPLETED, null,
          Sha256.of(v1), frontend.frontendHash(), "v1.0.0", 0));
    }
    publish(dir, "v2.0.0", v2);
    catalog.refresh();

    // The backend: one store canister for the module's chunks, the upgrader, the deployer.
    // Every management call of the fleet keeps to one rate, and waits when the IC pushes back.
    ManagementCanister mc = new RateLimitedManagementCanister(
        CandidManagementCanister.over(backend), limiter);
    SharedChunkStore store = new SharedChunkStore(mc, replica.createCanister(backendId), retry);
    CanisterUpgrader upgrader = CanisterUpgrader.builder(backendId, mc,
        store.installer(ChunkedWasmInstaller.builder(mc).retryPolicy(retry).build()))
        .retryPolicy(retry).build();
    StorageDeployer deployer = StorageDeployer.builder(registry, catalog, upgrader, Runnable::run)
        .ownerCheck(mc).build();
    Progress progress = new Progress(terminal, out);
    FleetUpgrader fleet = FleetUpgrader.builder(deployer, registry)
        .canary(2).waveGrowth(2).maxWaveSize(16).concurrency(4)
        .haltAboveFailureRate(0.25)
        .sharedStore(store, catalog)
        .listener(progress)
        .build();
    FleetPlan plan = fleet.plan(FleetSelection.behindCurrentRelease(), UpgradeScope.ALL);
    List<Integer> waves = fleet.waveSizes(plan.entries().size());
    out.println(plan.entries().size() + " canisters at v1, release v2 (" + MODULE_SIZE
        + " bytes); waves " + waves + ", 4 at a time, halting above 25% failures");
    if (fail > 0 && waves.size() > 1) {
      int first = waves.get(0);
      for (int k = 0; k < fail && first + k < plan.entries().size(); k++) {
        replica.fault(Fault.on("install_chunked_code")
            .canister(plan.entries().get(first + k).canisterId()).times(1_000)
            .failBefore(() -> new IcException("the demo's injected install failure")));
      }
    }
    replica.clearCalls();
    progress.planned = plan.entries().size();
    FleetReport report = fleet.start(plan).await();
    progress.end();

    out.println();
    out.println("done " + report.with(CanisterResult.Outcome.DONE).size() + ", failed "
        + report.with(CanisterResult.Outcome.FAILED).size() + ", not started "
        + report.with(CanisterResult.Outcome.NOT_STARTED).size() + ", skipped "
        + report.with(CanisterResult.Outcome.SKIPPED).size()
        + report.halted().map(h -> "; halted: " + h).orElse(""));
    Map<String, Integer> calls = new TreeMap<>();
    long bytes = 0;
    for (RecordedCall c : replica.calls()) {
      calls.merge(c.method(), 1, Integer::sum);
      bytes += c.argBytes();
    }
    out.println("calls to the replica: " + replica.calls().size() + " (" + bytes
        + " bytes of arguments), by method " + calls);
    out.println("rate limit: " + limiter.calls() + " management calls let through, "
        + limiter.pushBacks() + " push-backs from the IC");
    return report;
  }

  /** The bar (or the plain lines) and the wave summaries. */
  static final class Progress implements FleetListener {
    final boolean terminal;
    final PrintStream out;
    volatile int planned;
    private boolean barShown;

    Progress(boolean terminal, PrintStream out) {
      this.terminal = terminal;
      this.out = out;
    }

    @Override
    public synchronized void finished(CanisterResult result, FleetProgress p) {
      if (result.outcome() == CanisterResult.Outcome.NOT_STARTED) {
        return;
      }
      int ended = p.done() + p.failed() + p.skipped();
      if (terminal) {
        int filled = planned == 0 ? BAR_WIDTH : BAR_WIDTH * ended / planned;
        out.print("\r[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + ended
            + "/" + planned + "  done " + p.done() + "  failed " + p.failed() + "  running "
            + p.running() + "   ");
        out.flush();
        barShown = true;
      } else {
        out.println("  " + ended + "/" + planned + " " + result.canisterId() + " "
            + result.outcome() + (result.outcome() == CanisterResult.Outcome.DONE ? ""
            : ": " + result.detail()));
      }
    }

    @Override
    public synchronized void waveFinished(WaveSummary wave, FleetProgress p) {
      end();
      out.println("wave " + wave.index() + ": " + wave.size() + " canisters, " + wave.done()
          + " done, " + wave.failed() + " failed, " + wave.skipped() + " skipped"
          + (wave.halted() ? " -> halted" : ""));
    }

    /** Ends the bar's line, so that what follows starts on a line of its own. */
    synchronized void end() {
      if (barShown) {
        out.println();
        barShown = false;
      }
    }
  }

  private static void publish(Path dir, String tag, byte[] wasm) {
    try {
      Path d = Files.createDirectories(dir.resolve(tag));
      Files.write(d.resolve("storage.wasm"), wasm);
      Files.write(d.resolve("frontend.tar"), "unused".getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the demo's release " + tag + " to " + dir,
          e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
