package org.icupgrade.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.http.HttpAgent;
import org.icupgrade.http.Identity;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the HTTP path costs: the same chunked install ({@link InstallE2eBenchmark}'s, 5 MiB by
 * default) into an empty canister of a fresh embedded replica, {@link #inProcess()} through the
 * replica's own agent and {@link #overHttp()} through {@link HttpAgent} against the replica served
 * on 127.0.0.1 (CBOR envelopes signed with Ed25519, v3 calls answered with BLS-signed
 * certificates that the agent verifies, module hashes read from certified state). {@link
 * BenchmarkMain}'s report gives the ratio of the two times.
 *
 * <p>Before each operation (outside the time): a fresh replica, served on a free port for {@code
 * overHttp}, one empty canister controlled by the caller, the module made afresh from its bytes,
 * and for {@code overHttp} an agent pinned to that replica's root key.
 *
 * <p>{@code replica=shared} measures the steady state instead: one replica, one server and one
 * agent for the whole trial (connections open, the root key's precomputed pairing lines and the
 * node keys of signed queries already held), a fresh empty canister per operation. {@code fresh}
 * is a backend's first install after it starts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class InstallOverHttpBenchmark {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 3});

  /** Module size in bytes. */
  @Param({"5242880"})
  public int size = 5 * 1024 * 1024;

  /** {@code fresh}: a new replica, server and agent per operation; {@code shared}: one per trial. */
  @Param({"fresh", "shared"})
  public String replicaPerOp = "fresh";

  byte[] wasm = new byte[0];
  Path identity = Path.of("identity.pem");
  WasmModule module = WasmModule.of(Inputs.wasm(8));
  EmbeddedReplica replica = EmbeddedReplica.start();
  ReplicaHttpServer server;
  Agent agent;
  Principal localCanister = ME;
  Principal httpCanister = ME;
  ChunkedWasmInstaller local = installer(replica.agentFor(ME));
  ChunkedWasmInstaller http = local;

  private static ChunkedWasmInstaller installer(Agent agent) {
    return ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build();
  }

  /** The module's bytes, and one Ed25519 identity for every HTTP install. */
  @Setup(Level.Trial)
  public void setUp() {
    wasm = SyntheticWasm.ofSize(size, 1);
    try {
      identity = Files.createTempFile("icupgrade-bench-identity", ".pem");
      Identity.generateEd25519().writePem(identity);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @TearDown(Level.Trial)
  public void deleteIdentity() throws IOException {
    if (server != null && shared()) {
      server.close();
    }
    Files.deleteIfExists(identity);
  }

  private boolean shared() {
    return replicaPerOp.equals("shared");
  }

  /**
   * An empty canister for each caller; with {@code fresh}, on a new replica served anew and
   * reached by a new agent.
   */
  @Setup(Level.Invocation)
  public void freshReplica() {
    if (server == null || !shared()) {
      replica = EmbeddedReplica.start();
      server = replica.serveHttp(0);
      agent = HttpAgent.builder(server.url()).rootKey(server.rootKey()).identity(identity)
          .build();
      http = installer(agent);
      local = installer(replica.agentFor(ME));
    }
    module = WasmModule.of(wasm);
    System.gc();
    localCanister = replica.createCanister(ME);
    httpCanister = replica.createCanister(agent.sender());
  }

  @TearDown(Level.Invocation)
  public void stopServing() {
    if (!shared()) {
      server.close();
    }
  }

  @Benchmark
  public InstallOutcome inProcess() {
    return install(local, localCanister);
  }

  @Benchmark
  public InstallOutcome overHttp() {
    return install(http, httpCanister);
  }

  private InstallOutcome install(ChunkedWasmInstaller installer, Principal target) {
    InstallOutcome outcome = installer.install(target, module, InstallMode.install());
    if (!(outcome instanceof InstallOutcome.Installed i) || !i.chunked()) {
      throw new IllegalStateException("expected a chunked install, got " + outcome);
    }
    return outcome;
  }
}
