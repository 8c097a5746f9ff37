package org.icupgrade.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.http.HttpAgent;
import org.icupgrade.http.Identity;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What checking a query answer's node signature costs: the same query over HTTP to the embedded
 * replica served on 127.0.0.1, {@link #library()} with {@link HttpAgent}'s default verification
 * (Ed25519 over the answer's hash, node keys cached after the first read of {@code /subnet}),
 * {@link #raw()} with {@code verifyQuerySignatures(false)}. {@link BenchmarkMain}'s library / raw
 * table gives the ratio of their throughputs, measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class QuerySignatureBenchmark {
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 1, 1, 4});
  static final byte[] ARG = {'D', 'I', 'D', 'L', 0, 1, 0x71, 3, 'a', 'b', 'c'};

  EmbeddedReplica replica;
  ReplicaHttpServer server;
  Principal canister;
  HttpAgent verifying;
  HttpAgent unverified;

  /** A replica with an echo canister, served; both agents as one new Ed25519 identity. */
  @Setup(Level.Trial)
  public void setUp() {
    replica = EmbeddedReplica.start();
    canister = replica.createBuiltinCanister(new BuiltinCanister() {
      @Override
      public byte[] query(CallContext ctx, String method, byte[] arg) {
        return arg;
      }

      @Override
      public byte[] update(CallContext ctx, String method, byte[] arg) {
        throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "queries only", null,
            ctx.canisterId(), method);
      }
    }, OWNER);
    server = replica.serveHttp(0);
    Identity me = Identity.generateEd25519();
    verifying = HttpAgent.builder(server.url()).identity(me).rootKey(server.rootKey())
        .timeout(Duration.ofSeconds(30)).build();
    unverified = HttpAgent.builder(server.url()).identity(me).rootKey(server.rootKey())
        .timeout(Duration.ofSeconds(30)).verifyQuerySignatures(false).build();
    // The node keys are read once, outside the measurement.
    verifying.query(canister, "echo", ARG);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    server.close();
  }

  /** The query, its node signature verified. */
  @Benchmark
  public byte[] library() {
    return verifying.query(canister, "echo", ARG);
  }

  /** The same query, its signature not checked. */
  @Benchmark
  public byte[] raw() {
    return unverified.query(canister, "echo", ARG);
  }
}
