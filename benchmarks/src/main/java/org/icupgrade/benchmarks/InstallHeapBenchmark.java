package org.icupgrade.benchmarks;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Installing a 100 MiB module needs no more heap than 3× its size. The JVM is forked with
 * {@code -Xmx320m} (3 × 100 MiB and 20 MiB for the JVM and JMH), so a library that copied the
 * module twice would fail with {@code OutOfMemoryError}; the peak heap over the module size is
 * reported as the {@code peakHeapRatio} counter.
 *
 * <p>The management canister is a sink that Candid-encodes every call as the HTTP agent would
 * and keeps only the chunk hashes: on the IC the chunks live on the subnet, not in this JVM, so
 * this measures what the library itself holds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
// One measured install: JMH sums an event counter over iterations, and the peak is per install.
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx320m", "-XX:+UseSerialGC"})
public class InstallHeapBenchmark {
  static final int SIZE = 100 * 1024 * 1024;
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");

  WasmModule module = WasmModule.of(Inputs.wasm(8));

  /** The peak heap of the last install, over the module's size. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Heap {
    public double peakHeapRatio;
  }

  @Setup(Level.Trial)
  public void setUp() {
    module = WasmModule.of(Inputs.wasm(SIZE));
    module.hash();
  }

  @Benchmark
  public InstallOutcome library(Heap heap) {
    System.gc();
    // Heap in use from zero, so the module the caller holds counts too.
    HeapPeak.Sampled<InstallOutcome> sampled = HeapPeak.during(
        () -> ChunkedWasmInstaller.builder(new Sink()).build()
            .install(CANISTER, module, InstallMode.install()));
    heap.peakHeapRatio = (double) sampled.peak() / module.size();
    return sampled.result();
  }

  /** Encodes each call as the wire would carry it, then keeps only what a replica reports. */
  static final class Sink implements ManagementCanister {
    private final Set<Sha256> stored = new HashSet<>();
    private Sha256 installed;

    @Override
    public synchronized Sha256 uploadChunk(Principal canisterId, ByteBuffer chunk) {
      ManagementCandid.encodeUploadChunkArgs(canisterId, chunk);
      Sha256 h = Sha256.of(chunk);
      stored.add(h);
      return h;
    }

    @Override
    public synchronized List<Sha256> storedChunks(Principal canisterId) {
      return List.copyOf(stored);
    }

    @Override
    public synchronized void clearChunkStore(Principal canisterId) {
      stored.clear();
    }

    @Override
    public synchronized void installChunkedCode(InstallChunkedCodeRequest request) {
      ManagementCandid.encodeInstallChunkedCodeArgs(request);
      if (!stored.containsAll(request.chunkHashes())) {
        throw new IllegalStateException("a chunk is missing");
      }
      installed = request.wasmModuleHash();
    }

    @Override
    public Optional<Sha256> moduleHash(Principal canisterId) {
      return Optional.ofNullable(installed);
    }

    @Override
    public void installCode(Principal c, InstallMode m, ByteBuffer w, byte[] a) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Principal createCanister(CanisterSettings settings) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Principal provisionalCreateCanisterWithCycles(
        BigInteger amount, CanisterSettings settings, Principal specifiedId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void updateSettings(Principal canisterId, CanisterSettings settings) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CanisterStatus canisterStatus(Principal canisterId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void startCanister(Principal canisterId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void stopCanister(Principal canisterId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Snapshot takeCanisterSnapshot(Principal canisterId, SnapshotId replaceSnapshot) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void loadCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Snapshot> listCanisterSnapshots(Principal canisterId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void deleteCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
      throw new UnsupportedOperationException();
    }
  }
}
