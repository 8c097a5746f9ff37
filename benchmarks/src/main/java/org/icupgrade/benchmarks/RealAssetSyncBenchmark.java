package org.icupgrade.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.icupgrade.assets.AssetSyncers;
import org.icupgrade.assets.ProtectedKeys;
import org.icupgrade.assets.ReleaseReader;
import org.icupgrade.candid.assets.CandidAssetCanister;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.SyncOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * A first sync of a frontend release of N files (300, the release of {@link
 * AssetSyncE2eBenchmark}) through the {@link AssetSyncers} syncer into the real DFINITY asset
 * canister running on the embedded replica, its WASM compiled ({@code compiledSync()}, how the
 * replica runs code by default) and interpreted with a listener counting every instruction
 * ({@code interpretedSync()}, how the replica ran every module before); {@link BenchmarkMain}
 * prints the interpreted time as a multiple of the compiled one, both from the same run, in wall
 * time and in the CPU time of the benchmark thread and the replica's execution threads
 * ({@link Cpu}). Issue 11's goal: the sync at least 10 times faster than the interpreter's (77 s there).
 *
 * <p>The module is not part of this project: give its path, for example that of {@code
 * src/distributed/assetstorage.wasm.gz} of the dfinity/sdk repository, as {@code -p
 * modulePath=/path/assetstorage.wasm.gz} or as the system property {@value #MODULE_PROPERTY}.
 * Without one the benchmark refuses to run, saying so.
 *
 * <p>Each operation reads the release and syncs it into a canister installed just before, on a
 * fresh replica, outside the time (installing compiles the module); the owner grants the
 * deployer {@code Commit} then, also outside the time. The interpreter's side runs once after
 * one warm-up: one sync there takes tens of seconds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class RealAssetSyncBenchmark {
  /** The system property that may name the asset canister's module. */
  public static final String MODULE_PROPERTY = "icupgrade.assetCanisterWasm";

  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal DEPLOYER = Principal.fromBytes(new byte[] {8, 8, 8, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  /** The asset canister module's path; empty: the system property {@value #MODULE_PROPERTY}. */
  @Param({""})
  public String modulePath = "";

  /** Files in the release, {@code /index.html} included. */
  @Param({"300"})
  public int files = 300;

  byte[] module = new byte[0];
  Path archive = Path.of("");
  final AssetSyncer syncer = AssetSyncers.builder().flavor(AssetCanisterFlavor.DFINITY)
      .protectedKeys(ProtectedKeys.storageDefaults()).build();
  EmbeddedReplica compiled = EmbeddedReplica.start();
  EmbeddedReplica interpreted = EmbeddedReplica.start();
  AssetCanister compiledCanister;
  AssetCanister interpretedCanister;

  /** The module's path as given, or a refusal saying how to give it. */
  static Path modulePath(String param) {
    String p = !param.isEmpty() ? param : System.getProperty(MODULE_PROPERTY, "");
    if (p.isEmpty()) {
      throw new IllegalStateException("RealAssetSyncBenchmark needs the DFINITY asset canister's"
          + " module, which this project does not carry: give its path with -p modulePath=<path>"
          + " or -D" + MODULE_PROPERTY + "=<path> (for example src/distributed/"
          + "assetstorage.wasm.gz of the dfinity/sdk repository)");
    }
    Path path = Path.of(p);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("RealAssetSyncBenchmark: no module at " + path);
    }
    return path;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    module = Files.readAllBytes(modulePath(modulePath));
    archive = Files.createTempFile("frontend", ".tar.gz");
    AssetSyncE2eBenchmark.write(archive, files);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(archive);
  }

  /**
   * Installs the module in a new canister of {@code replica} whose code runs as {@code mode};
   * the owner grants the deployer {@code Commit}. Returns the canister as the deployer sees it.
   */
  static AssetCanister install(EmbeddedReplica replica, byte[] module, ExecutionMode mode) {
    Principal id = replica.createCanister(OWNER);
    CandidManagementCanister.over(replica.agentFor(OWNER))
        .installCode(id, InstallMode.install(), ByteBuffer.wrap(module), NONE);
    if (replica.executionMode(id).orElseThrow() != mode) {
      throw new IllegalStateException("the asset canister does not run " + mode);
    }
    CandidAssetCanister.over(replica.agentFor(OWNER), id)
        .grantPermission(DEPLOYER, Permission.COMMIT);
    return CandidAssetCanister.over(replica.agentFor(DEPLOYER), id);
  }

  static EmbeddedReplica replica(ExecutionMode mode) {
    return EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, mode);
  }

  /** A fresh replica and canister for the side about to run (JMH tells which). */
  @Setup(Level.Invocation)
  public void freshCanister(BenchmarkParams params) {
    if (params.getBenchmark().endsWith("interpretedSync")) {
      interpreted = replica(ExecutionMode.INTERPRETED);
      interpretedCanister = install(interpreted, module, ExecutionMode.INTERPRETED);
    } else {
      compiled = replica(ExecutionMode.COMPILED);
      compiledCanister = install(compiled, module, ExecutionMode.COMPILED);
    }
  }

  /**
   * The CPU time (benchmark and execution threads) of the syncs measured, and their number: on
   * this project's shared machine the wall time depends on what else runs, the CPU time much
   * less. The syncer runs every call on the calling thread (no upload executor is given), so
   * this is the sync's.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Cpu {
    /** CPU milliseconds spent syncing: the benchmark thread and the replica's execution threads. */
    public long syncCpuMillis;
    /** Syncs measured. */
    public long syncs;
  }

  SyncOutcome sync(AssetCanister canister, Cpu cpu) {
    long before = WorkThreads.cpuNanos();
    FrontendRelease release = ReleaseReader.defaults().read(archive);
    SyncOutcome outcome = syncer.sync(canister, release);
    cpu.syncCpuMillis += (WorkThreads.cpuNanos() - before) / 1_000_000;
    cpu.syncs++;
    if (outcome.diff().changes().size() != files) {
      throw new IllegalStateException("expected " + files + " new files, got " + outcome);
    }
    return outcome;
  }

  @Benchmark
  @Warmup(iterations = 2)
  @Measurement(iterations = 3)
  public SyncOutcome compiledSync(Cpu cpu) {
    return sync(compiledCanister, cpu);
  }

  /**
   * {@link #compiledSync} on a JVM told to JIT huge methods too. HotSpot leaves a method over
   * 8,000 bytes of bytecode to its interpreter unless {@code -XX:-DontCompileHugeMethods} is
   * given, and the real asset canister has a function Chicory compiles into such a method (a JFR
   * profile showed half the samples in it, interpreted): measured here 6.8 s of CPU per sync
   * without the flag, 1.4 s with it. The replica now splits such functions (FunctionOutliner),
   * all but two: without the flag 3.0 to 3.2 s; this fork stays as the comparison.
   */
  @Benchmark
  @Warmup(iterations = 2)
  @Measurement(iterations = 3)
  @Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:-DontCompileHugeMethods"})
  public SyncOutcome compiledSyncHugeMethodsJitted(Cpu cpu) {
    return sync(compiledCanister, cpu);
  }

  @Benchmark
  @Warmup(iterations = 1)
  @Measurement(iterations = 1)
  public SyncOutcome interpretedSync(Cpu cpu) {
    return sync(interpretedCanister, cpu);
  }
}
