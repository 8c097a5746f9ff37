package org.icupgrade.benchmarks;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.icupgrade.protocol.Bls12381;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure-Java BLS12-381 of {@link Bls12381}: {@code verify} is what every certificate check
 * costs a client (decoding and subgroup checks of both points, hash to G1, two Miller loops and
 * one final exponentiation), {@code sign} what every certificate costs the embedded replica. The
 * aim for {@code verify} is well under 200 ms per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Bls12381Benchmark {
  Bls12381 key = Bls12381.generate(new SecureRandom());
  byte[] publicKey = new byte[0];
  byte[] message = "\ric-state-root and a 32-byte tree digest.".getBytes(StandardCharsets.US_ASCII);
  byte[] signature = new byte[0];

  @Setup
  public void setUp() {
    publicKey = key.publicKey();
    signature = key.sign(message);
  }

  @Benchmark
  public boolean verify() {
    return Bls12381.verify(publicKey, message, signature);
  }

  @Benchmark
  public byte[] sign() {
    return key.sign(message);
  }
}
