package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetChange;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;

import org.junit.jupiter.api.Test;

/** Each benchmark's library and raw variants compute the same answer. */
class BenchmarkSanityTest {
  @Test
  void sha256_libraryAndRaw_sameDigest() throws Exception {
    Sha256Benchmark b = new Sha256Benchmark();
    b.size = 1024 * 1024 + 3;
    b.setUp();
    assertArrayEquals(b.raw(), b.library().toBytes());
  }

  @Test
  void bls12381_newAndReference_sameSignatureBothVerify() {
    Bls12381Benchmark b = new Bls12381Benchmark();
    b.setUp();
    assertArrayEquals(b.referenceSign(), b.sign());
    org.junit.jupiter.api.Assertions.assertTrue(b.verify());
    org.junit.jupiter.api.Assertions.assertTrue(b.referenceVerify());
    b.message = new byte[] {1};
    org.junit.jupiter.api.Assertions.assertFalse(b.verify());
    org.junit.jupiter.api.Assertions.assertFalse(b.referenceVerify());
  }

  @Test
  void chunking_libraryAndRaw_sameChunkHashes() {
    ChunkingBenchmark b = new ChunkingBenchmark();
    b.size = 3 * 1024 * 1024 + 5;
    b.setUp();
    List<Sha256> library = b.library();
    List<Sha256> raw = b.raw().stream().map(Sha256::fromBytes).toList();
    assertEquals(4, library.size());
    assertEquals(raw, library);
    int mib = org.icupgrade.core.WasmModule.CHUNK_SIZE;
    assertEquals(Sha256.of(java.util.Arrays.copyOfRange(b.bytes, mib, 2 * mib)), library.get(1));
    assertEquals(Sha256.of(java.util.Arrays.copyOfRange(b.bytes, 3 * mib, 3 * mib + 5)),
        library.get(3));
    // Each call cuts and hashes afresh: nothing is cached between operations.
    assertEquals(library, b.library());
  }

  @Test
  void installHeap_installsAndMeasures() {
    InstallHeapBenchmark b = new InstallHeapBenchmark();
    b.module = org.icupgrade.core.WasmModule.of(Inputs.wasm(3 * 1024 * 1024 + 5));
    InstallHeapBenchmark.Heap heap = new InstallHeapBenchmark.Heap();
    org.icupgrade.core.install.InstallOutcome.Installed i =
        (org.icupgrade.core.install.InstallOutcome.Installed) b.library(heap);
    assertEquals(b.module.hash(), i.moduleHash());
    assertEquals(4, i.chunksUploaded());
    org.junit.jupiter.api.Assertions.assertTrue(heap.peakHeapRatio > 0);
  }

  @Test
  void tarGzRead_small_libraryAndRawSameKeysAndHashes() throws Exception {
    TarGzReadBenchmark b = new TarGzReadBenchmark();
    b.shape = "5000-small";
    b.smallFiles = 500;
    b.setUp();
    try {
      TarGzReadBenchmark.RawRead raw = b.raw();
      FrontendRelease lib = b.library();
      assertEquals(500, raw.identity().size());
      assertEquals(raw.identity().keySet(), new HashSet<>(lib.keys()));
      Map<String, Sha256> libGzip = new HashMap<>();
      for (ReleaseAsset a : lib.assets()) {
        assertEquals(raw.identity().get(a.key()), a.sha256(), a.key());
        // The reader keeps identity only; the syncer makes the gzip of what it uploads.
        assertEquals(1, a.encodings().size(), a.key());
        org.icupgrade.assets.internal.ReleaseCollector.withGzip(a).encoding(ReleaseEncoding.GZIP)
            .ifPresent(e -> libGzip.put(a.key(), e.sha256()));
      }
      // Every text file (half of them) shrinks; the syncer gzips them all but JSON, as ic-asset
      // does, with the same bytes as GZIPOutputStream.
      assertEquals(250, raw.gzip().size());
      Map<String, Sha256> rawNoJson = new HashMap<>(raw.gzip());
      rawNoJson.keySet().removeIf(k -> k.endsWith(".json"));
      assertEquals(rawNoJson, libGzip);
      assertEquals(raw.identity(), b.rawWithoutGzip().identity());
      assertTrue(b.rawWithoutGzip().gzip().isEmpty());
    } finally {
      b.tearDown();
    }
  }

  @Test
  void textRelease_unchangedDiffCompressesNothing_firstSyncDiffsEveryFile() throws Exception {
    TextReleaseBenchmark b = new TextReleaseBenchmark();
    b.files = 300;
    b.setUp();
    try {
      assertEquals(300, b.raw().size());
      long before = org.icupgrade.assets.internal.Gzipper.compressions();
      assertTrue(b.library().isEmpty());
      assertEquals(0, org.icupgrade.assets.internal.Gzipper.compressions() - before);
      assertEquals(300, b.libraryFirstSync().changes().size());
      assertEquals(300, org.icupgrade.assets.internal.Gzipper.compressions() - before);
    } finally {
      b.tearDown();
    }
  }

  @Test
  void nativeReader_readsAndHashesTheFilesTheJavaReaderDoes() throws Exception {
    // The C baseline is compiled from the jar's resource (cc, zlib, OpenSSL: .ci/run installs
    // them) and must do the work it is credited with: every file read and hashed right.
    TextReleaseBenchmark b = new TextReleaseBenchmark();
    TextReleaseBenchmark.NativeReader reader = new TextReleaseBenchmark.NativeReader();
    b.setUp();
    reader.setUp();
    try {
      byte[] xor = new byte[32];
      for (Sha256 digest : b.raw().values()) {
        byte[] d = digest.toBytes();
        for (int i = 0; i < 32; i++) {
          xor[i] ^= d[i];
        }
      }
      String expected = TextReleaseBenchmark.FILES + " " + java.util.HexFormat.of().formatHex(xor);
      assertEquals(expected, b.nativeReader(reader));
      assertEquals(expected, b.nativeReader(reader), "a second read answers the same");
    } finally {
      reader.tearDown();
      b.tearDown();
    }
  }

  @Test
  void noOpSync_changesNothingAndCompressesNothing() throws Exception {
    NoOpSyncBenchmark b = new NoOpSyncBenchmark();
    b.files = 400;
    b.setUp();
    try {
      assertTrue(b.noOpSync().diff().isEmpty());
      assertEquals(0, b.compressions);
    } finally {
      b.tearDown();
    }
  }

  @Test
  void tarGzRead_big_libraryAndRawSameHash() throws Exception {
    TarGzReadBenchmark b = new TarGzReadBenchmark();
    b.shape = "one-64MiB";
    b.bigBytes = 8 * 1024 * 1024 + 3;
    b.setUp();
    try {
      TarGzReadBenchmark.RawRead raw = b.raw();
      FrontendRelease lib = b.library();
      assertEquals(List.of("/big.bin"), lib.keys());
      assertEquals(Sha256.of(Inputs.bytes(b.bigBytes, 5)), raw.identity().get("/big.bin"));
      assertEquals(raw.identity().get("/big.bin"), lib.assets().get(0).sha256());
      assertEquals(1, lib.assets().get(0).encodings().size());
      assertTrue(raw.gzip().isEmpty());
    } finally {
      b.tearDown();
    }
  }

  @Test
  void assetDiff_libraryAndRaw_sameCreatedChangedStaleKeys() {
    AssetDiffBenchmark b = new AssetDiffBenchmark();
    b.setUp();
    AssetDiff d = b.library();
    AssetDiffBenchmark.RawDiff raw = b.raw();
    assertEquals(500, raw.created().size());
    assertEquals(1000, raw.changed().size());
    assertEquals(500, raw.stale().size());
    assertEquals(new HashSet<>(raw.created()), keys(d, AssetChange.Kind.NEW));
    assertEquals(new HashSet<>(raw.changed()), keys(d, AssetChange.Kind.CHANGED));
    assertEquals(new HashSet<>(raw.stale()), keys(d, AssetChange.Kind.STALE));
    assertEquals(2000, d.changes().size());
  }

  private static Set<String> keys(AssetDiff d, AssetChange.Kind kind) {
    return d.changes(kind).stream().map(AssetChange::key).collect(Collectors.toSet());
  }
}
