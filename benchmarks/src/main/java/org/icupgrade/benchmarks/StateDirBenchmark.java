package org.icupgrade.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.DemoCanisters;
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
 * What keeping the replica's state in a directory costs ({@code EmbeddedReplica.open}: a
 * checkpoint of the whole state, forced to disk, after every update): one update call ({@code
 * increment} on the demo counter) on a replica in memory and on one in a state directory, side by
 * side, with {@code stateMiB} MiB of other state (random, so incompressible and never a zero page:
 * chunks in the canister's chunk store) that every checkpoint writes again. The ratio of the two
 * modes at one size is the cost of persistence per update.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class StateDirBenchmark {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 9});
  static final byte[] NO_ARGS = {'D', 'I', 'D', 'L', 0, 0};

  /** Where the state is: {@code memory} or {@code stateDir}. */
  @Param({"memory", "stateDir"})
  public String mode = "memory";

  /** MiB of state besides the counter canister's own (chunks of 1 MiB). */
  @Param({"0", "16"})
  public int stateMiB;

  EmbeddedReplica replica = EmbeddedReplica.start();
  Agent agent = replica.agentFor(ME);
  Principal canister = ME;
  Path dir = Path.of("unused");

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    if (mode.equals("stateDir")) {
      dir = Files.createTempDirectory("icupgrade-statedir-bench");
      replica = EmbeddedReplica.open(dir);
    } else {
      replica = EmbeddedReplica.start();
    }
    agent = replica.agentFor(ME);
    canister = replica.createCanister(ME);
    ManagementCanister ic = CandidManagementCanister.over(agent);
    ic.installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(DemoCanisters.targetV1()), NO_ARGS);
    Random random = new Random(42);
    for (int i = 0; i < stateMiB; i++) {
      byte[] chunk = new byte[1024 * 1024];
      random.nextBytes(chunk);
      ic.uploadChunk(canister, ByteBuffer.wrap(chunk));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    replica.close();
    if (mode.equals("stateDir")) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** One update; its reply (Candid) is returned so that it is not dead code. */
  @Benchmark
  public byte[] update() {
    return agent.update(canister, "increment", NO_ARGS);
  }
}
