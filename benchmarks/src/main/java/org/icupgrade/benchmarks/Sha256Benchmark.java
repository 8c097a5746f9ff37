package org.icupgrade.benchmarks;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.Sha256;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SHA-256 through {@link Sha256} against the raw {@link MessageDigest} on the same bytes, from
 * 1 KiB to 100 MiB (the largest module a chunk store holds).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class Sha256Benchmark {
  @Param({"1024", "1048576", "104857600"})
  public int size;

  byte[] data = new byte[0];

  @Setup
  public void setUp() {
    data = Inputs.bytes(size, 42);
  }

  @Benchmark
  public Sha256 library() {
    return Sha256.of(data);
  }

  @Benchmark
  public byte[] raw() throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }
}
