package org.icupgrade.core.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseCatalogTest {
  static final byte[] WASM_V1 = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1};
  static final byte[] WASM_V2 = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2};

  @TempDir Path root;

  /** Reads the "archive" as one file named /index.html with the archive's bytes. */
  static final FrontendReader READER = archive -> {
    try {
      byte[] b = Files.readAllBytes(archive);
      return FrontendRelease.of(List.of(ReleaseAsset.of("/index.html", "text/html",
          List.of(ReleaseEncoding.of("identity", b)))));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  };

  void release(String tag, byte[] wasm, String frontend) throws IOException {
    Path d = Files.createDirectories(root.resolve(tag));
    Files.write(d.resolve("storage.wasm"), wasm);
    Files.writeString(d.resolve("frontend.tar"), frontend);
  }

  ReleaseCatalog catalog() {
    return ReleaseCatalog.builder(new DirectoryReleaseSource(root))
        .wasmAsset("storage.wasm").frontendAsset("frontend.tar", READER).build();
  }

  @Test
  void current_beforeAnyRefresh_empty() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    assertEquals(Optional.empty(), catalog().current());
  }

  @Test
  void refresh_takesNewestByVersionAndKeepsHashes() throws IOException {
    release("v1.9.0", WASM_V1, "one");
    release("v1.10.0", WASM_V2, "two");
    release("v2.0.0-rc1", WASM_V1, "rc");
    ReleaseCatalog c = catalog();
    ReleaseArtifacts a = c.refresh().orElseThrow();
    assertEquals("v1.10.0", a.tag());
    assertEquals(Sha256.of(WASM_V2), a.wasmHash());
    assertEquals(a, c.current().orElseThrow());
  }

  @Test
  void refresh_prereleasesIncludedWhenAsked() throws IOException {
    release("v1.9.0", WASM_V1, "one");
    release("v2.0.0-rc1", WASM_V2, "rc");
    ReleaseCatalog c = ReleaseCatalog.builder(new DirectoryReleaseSource(root))
        .wasmAsset("storage.wasm").frontendAsset("frontend.tar", READER)
        .includePrereleases(true).build();
    assertEquals("v2.0.0-rc1", c.refresh().orElseThrow().tag());
  }

  @Test
  void refresh_tamperedDownload_refusedAndPreviousKept() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    ReleaseCatalog c = catalog();
    c.refresh();
    release("v2.0.0", WASM_V2, "two");
    Files.writeString(root.resolve("v2.0.0/SHA256SUMS"),
        Sha256.of(WASM_V1).hex() + "  storage.wasm\n"
            + Sha256.of("two".getBytes(StandardCharsets.UTF_8)).hex() + "  frontend.tar\n");
    IntegrityException e = assertThrows(IntegrityException.class, c::refresh);
    assertTrue(e.getMessage().contains("storage.wasm"), e.getMessage());
    assertEquals("v1.0.0", c.current().orElseThrow().tag());
  }

  @Test
  void refresh_matchingChecksums_accepted() throws IOException {
    release("v2.0.0", WASM_V2, "two");
    Files.writeString(root.resolve("v2.0.0/storage.wasm.sha256"),
        Sha256.of(WASM_V2).hex() + "  storage.wasm\n");
    assertEquals("v2.0.0", catalog().refresh().orElseThrow().tag());
  }

  @Test
  void refresh_notAWasmModule_refusedAndNothingHeld() throws IOException {
    release("v1.0.0", "<html>".getBytes(StandardCharsets.UTF_8), "one");
    ReleaseCatalog c = catalog();
    assertThrows(IllegalArgumentException.class, c::refresh);
    assertEquals(Optional.empty(), c.current());
  }

  @Test
  void schedule_refreshesAndRecordsFailuresWithoutThrowing() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      release("v1.0.0", "garbage".getBytes(StandardCharsets.UTF_8), "one");
      ReleaseCatalog c = catalog();
      ScheduledFuture<?> f = c.schedule(scheduler, Duration.ofDays(1));
      // the first run happens at once; wait for it on the scheduler's own thread
      scheduler.submit(() -> { }).get(10, TimeUnit.SECONDS);
      assertTrue(c.lastFailure().isPresent());
      assertTrue(c.current().isEmpty());
      assertTrue(!f.isDone(), "a failure does not stop the schedule");
      f.cancel(false);
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void directorySource_draftsMarkedAndEscapingNamesRefused() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    Files.writeString(root.resolve("v1.0.0/DRAFT"), "");
    DirectoryReleaseSource s = new DirectoryReleaseSource(root);
    List<Release> all = new ArrayList<>(s.releases());
    assertTrue(all.get(0).draft());
    assertEquals(Optional.empty(), s.latest());
    assertThrows(ReleaseSourceException.class, () -> s.download(all.get(0), "../../etc/passwd"));
  }
}
