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
 * costs a client (decoding and subgroup check of the signature, hash to G1, two Miller loops and
 * one final exponentiation; the public key's decoding, subgroup check and lines are cached per
 * key, as for a client checking certificate after certificate against one root key), {@code sign}
 * what every certificate costs the embedded replica. The aims: verify under 3 ms, sign under 1 ms.
 *
 * <p>{@code referenceVerify} and {@code referenceSign} run {@link ReferenceBls12381}, the previous
 * {@link java.math.BigInteger} implementation, on the same key, message and signature, so one run
 * gives old and new side by side.
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
  ReferenceBls12381 reference = ReferenceBls12381.generate(new SecureRandom());

  @Setup
  public void setUp() {
    publicKey = key.publicKey();
    signature = key.sign(message);
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    secret[0] &= 0x3f; // below r
    secret[31] |= 1; // not zero
    key = Bls12381.fromSecretKey(secret);
    reference = ReferenceBls12381.fromSecretKey(secret);
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

  @Benchmark
  public boolean referenceVerify() {
    return ReferenceBls12381.verify(publicKey, message, signature);
  }

  @Benchmark
  public byte[] referenceSign() {
    return reference.sign(message);
  }
}
