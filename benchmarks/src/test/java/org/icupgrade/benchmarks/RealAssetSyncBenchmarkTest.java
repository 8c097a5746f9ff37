package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RealAssetSyncBenchmark} needs a module this project does not carry: without one it
 * refuses, saying how to give it.
 */
class RealAssetSyncBenchmarkTest {
  @Test
  void setUp_noModulePath_refusesSayingHowToGiveIt() {
    String before = System.clearProperty(RealAssetSyncBenchmark.MODULE_PROPERTY);
    try {
      RealAssetSyncBenchmark b = new RealAssetSyncBenchmark();
      IllegalStateException e = assertThrows(IllegalStateException.class, b::setUp);
      assertTrue(e.getMessage().contains("-p modulePath=<path>"), e.getMessage());
      assertTrue(e.getMessage().contains("-D" + RealAssetSyncBenchmark.MODULE_PROPERTY),
          e.getMessage());
    } finally {
      if (before != null) {
        System.setProperty(RealAssetSyncBenchmark.MODULE_PROPERTY, before);
      }
    }
  }

  @Test
  void setUp_pathWithNoFile_refusesNamingIt(@TempDir Path dir) {
    RealAssetSyncBenchmark b = new RealAssetSyncBenchmark();
    b.modulePath = dir.resolve("missing.wasm.gz").toString();
    IllegalStateException e = assertThrows(IllegalStateException.class, b::setUp);
    assertTrue(e.getMessage().contains("missing.wasm.gz"), e.getMessage());
  }
}
