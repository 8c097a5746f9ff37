package org.icupgrade.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.WasmChunk;
import org.icupgrade.core.WasmModule;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cutting a 64 MiB module into 1 MiB upload chunks: {@link WasmModule#chunks()} (read-only views)
 * against copying each chunk out with {@link System#arraycopy}. Both touch every chunk's bytes once
 * (a checksum of the first and last byte would let the view skip the data, so each reads the whole
 * chunk) so that the comparison is of what an uploader does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ChunkingBenchmark {
  static final int SIZE = 64 * 1024 * 1024;

  byte[] bytes = new byte[0];
  WasmModule module = WasmModule.of(Inputs.wasm(8));

  @Setup
  public void setUp() {
    bytes = Inputs.wasm(SIZE);
    module = WasmModule.of(bytes);
  }

  @Benchmark
  public long library(Blackhole bh) {
    long sum = 0;
    for (WasmChunk c : module.chunks()) {
      ByteBuffer b = c.content();
      sum += sumOf(b);
      bh.consume(b);
    }
    return sum;
  }

  @Benchmark
  public long raw(Blackhole bh) {
    long sum = 0;
    for (int off = 0; off < bytes.length; off += WasmModule.CHUNK_SIZE) {
      int n = Math.min(WasmModule.CHUNK_SIZE, bytes.length - off);
      byte[] chunk = new byte[n];
      System.arraycopy(bytes, off, chunk, 0, n);
      sum += sumOf(ByteBuffer.wrap(chunk));
      bh.consume(chunk);
    }
    return sum;
  }

  /** Reads every byte, eight at a time, as an upload would. */
  static long sumOf(ByteBuffer b) {
    long s = 0;
    ByteBuffer d = b.duplicate();
    while (d.remaining() >= 8) {
      s += d.getLong();
    }
    while (d.hasRemaining()) {
      s += d.get();
    }
    return s;
  }
}
