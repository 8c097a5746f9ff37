package org.icupgrade.benchmarks;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmChunk;
import org.icupgrade.core.WasmModule;
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
 * Preparing a chunked install: cutting a module into 1 MiB upload chunks and hashing each (the
 * hashes make {@code install_chunked_code}'s {@code chunk_hashes_list} and are checked against
 * what {@code upload_chunk} returns). Both sides do exactly that work on the same bytes and return
 * the same list of chunk hashes:
 *
 * <ul>
 *   <li>{@code library()}: {@link WasmModule#chunks()} (read-only views of the module's one copy)
 *       and {@link WasmChunk#hash()} of each. Each call cuts afresh, so no hash is cached from one
 *       operation to the next.
 *   <li>{@code raw()}: {@link ByteBuffer#slice(int, int)} views of the same array, no copies, and
 *       one reused {@link MessageDigest} ({@code digest()} resets it) over each view.
 * </ul>
 *
 * <p>Sizes: 5 MiB and a few bytes (a short last chunk) and 100 MiB, the most a chunk store holds.
 * The work is SHA-256 of every byte once, so the bar is 0.95: the views and the per-chunk
 * {@code MessageDigest.getInstance} of the library must cost next to nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ChunkingBenchmark {
  /** Module size in bytes. */
  @Param({"5242887", "104857600"})
  public int size = 5 * 1024 * 1024 + 7;

  /** The module's bytes, which the raw side slices. */
  byte[] bytes = new byte[0];
  /** A module of the same bytes, which the library chunks. */
  WasmModule module = WasmModule.of(Inputs.wasm(8));

  @Setup
  public void setUp() {
    bytes = Inputs.wasm(size);
    module = WasmModule.of(bytes);
  }

  @Benchmark
  public List<Sha256> library() {
    List<WasmChunk> chunks = module.chunks();
    List<Sha256> hashes = new ArrayList<>(chunks.size());
    for (WasmChunk c : chunks) {
      hashes.add(c.hash());
    }
    return hashes;
  }

  @Benchmark
  public List<byte[]> raw() {
    MessageDigest md = Sha256.newDigest();
    ByteBuffer all = ByteBuffer.wrap(bytes);
    List<byte[]> hashes = new ArrayList<>(bytes.length / WasmModule.CHUNK_SIZE + 1);
    for (int off = 0; off < bytes.length; off += WasmModule.CHUNK_SIZE) {
      md.update(all.slice(off, Math.min(WasmModule.CHUNK_SIZE, bytes.length - off)));
      hashes.add(md.digest());
    }
    return hashes;
  }
}
