package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/** Each benchmark's library and raw variants compute the same answer. */
class BenchmarkSanityTest {
  static final Blackhole BH = new Blackhole(
      "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");

  @Test
  void sha256_libraryAndRaw_sameDigest() throws Exception {
    Sha256Benchmark b = new Sha256Benchmark();
    b.size = 1024 * 1024 + 3;
    b.setUp();
    assertArrayEquals(b.raw(), b.library().toBytes());
  }

  @Test
  void chunking_libraryAndRaw_sameBytesSeen() {
    ChunkingBenchmark b = new ChunkingBenchmark();
    b.setUp();
    assertEquals(b.raw(BH), b.library(BH));
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
  void tarGzRead_libraryAndRaw_sameKeysAndHashes() throws Exception {
    TarGzReadBenchmark b = new TarGzReadBenchmark();
    b.shape = "5000-small";
    b.setUp();
    try {
      java.util.Map<String, org.icupgrade.core.Sha256> raw = b.raw();
      org.icupgrade.core.assets.FrontendRelease lib = b.library();
      assertEquals(5000, raw.size());
      assertEquals(raw.keySet(), new java.util.HashSet<>(lib.keys()));
      for (org.icupgrade.core.assets.ReleaseAsset a : lib.assets()) {
        assertEquals(raw.get(a.key()), a.sha256(), a.key());
      }
    } finally {
      b.tearDown();
    }
  }

  @Test
  void assetDiff_libraryAndRaw_sameWork() {
    AssetDiffBenchmark b = new AssetDiffBenchmark();
    b.setUp();
    org.icupgrade.core.assets.AssetDiff d = b.library();
    assertEquals(b.raw(), d.changes().size());
    assertEquals(500, d.changes(org.icupgrade.core.assets.AssetChange.Kind.NEW).size());
    assertEquals(500, d.changes(org.icupgrade.core.assets.AssetChange.Kind.STALE).size());
  }
}
