package org.icupgrade.deployer.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every download of the catalog is bounded while it streams; a refusal does not end the schedule. */
class ReleaseCatalogBoundsTest {
  @TempDir Path root;

  /** Which asset the source serves without end (null: none), and how many bytes it served. */
  volatile String endless;
  final AtomicLong served = new AtomicLong();

  void release(String tag, byte[] wasm, byte[] frontend) throws IOException {
    Path d = Files.createDirectories(root.resolve(tag));
    Files.write(d.resolve("storage.wasm"), wasm);
    Files.write(d.resolve("frontend.tar"), frontend);
  }

  ReleaseSource source() {
    ReleaseSource dir = ReleaseSource.directory(root);
    return new ReleaseSource() {
      @Override
      public List<Release> releases() {
        return dir.releases();
      }

      @Override
      public InputStream download(Release release, String assetName) throws IOException {
        if (!assetName.equals(endless)) {
          return dir.download(release, assetName);
        }
        return new InputStream() {
          @Override
          public int read() {
            served.incrementAndGet();
            return 0;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 0);
            served.addAndGet(len);
            return len;
          }
        };
      }
    };
  }

  ReleaseCatalog.Builder builder() {
    return ReleaseCatalog.builder(source()).wasmAsset("storage.wasm")
        .frontendAsset("frontend.tar", ReleaseCatalogTest.READER);
  }

  @Test
  void schedule_endlessWasmDownload_refusedAt100MiBAndScheduleLives() throws IOException {
    release("v1.0.0", ReleaseCatalogTest.WASM_V1, new byte[] {1});
    ReleaseCatalog c = builder().build();
    FakeScheduler scheduler = new FakeScheduler();
    ScheduledFuture<?> f = c.schedule(scheduler, Duration.ofHours(6));
    scheduler.runAll();
    assertEquals("v1.0.0", c.require().tag());

    release("v1.1.0", ReleaseCatalogTest.WASM_V2, new byte[] {2});
    endless = "storage.wasm";
    scheduler.runAll();

    ReleaseSourceException e =
        assertInstanceOf(ReleaseSourceException.class, c.lastFailure().orElseThrow());
    assertTrue(e.getMessage().contains("storage.wasm") && e.getMessage().contains("104857600"),
        e.getMessage());
    // refused while streaming: at most one read beyond the bound was served
    assertTrue(served.get() <= ReleaseCatalog.MAX_WASM_BYTES + 64 * 1024, "" + served.get());
    assertEquals("v1.0.0", c.require().tag());
    assertFalse(f.isCancelled());

    endless = null;
    scheduler.runAll();
    assertEquals("v1.1.0", c.require().tag());
    assertTrue(c.lastFailure().isEmpty());
  }

  @Test
  void refresh_endlessFrontendDownload_refusedAtMaxFrontendBytes() throws IOException {
    release("v1.0.0", ReleaseCatalogTest.WASM_V1, new byte[] {1});
    endless = "frontend.tar";
    ReleaseCatalog c = builder().maxFrontendBytes(1 << 20).build();

    ReleaseSourceException e = assertThrows(ReleaseSourceException.class, c::refresh);

    assertTrue(e.getMessage().contains("frontend.tar"), e.getMessage());
    assertTrue(e.getMessage().contains("maxFrontendBytes"), e.getMessage());
    assertTrue(served.get() <= (1 << 20) + 64 * 1024, "" + served.get());
    assertEquals(e, c.lastFailure().orElseThrow());
    assertTrue(c.current().isEmpty());
  }

  @Test
  void refresh_endlessChecksumFile_refused() throws IOException {
    release("v1.0.0", ReleaseCatalogTest.WASM_V1, new byte[] {1});
    Files.writeString(root.resolve("v1.0.0").resolve("SHA256SUMS"), "");
    endless = "SHA256SUMS";

    ReleaseSourceException e =
        assertThrows(ReleaseSourceException.class, () -> builder().build().refresh());

    assertTrue(e.getMessage().contains("SHA256SUMS"), e.getMessage());
    assertTrue(served.get() <= (2 << 20), "" + served.get());
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {999, 1000, 1001})
  void refresh_frontendAroundTheBound_refusedOnlyAboveIt(int size) throws IOException {
    release("v1.0.0", ReleaseCatalogTest.WASM_V1, new byte[size]);
    ReleaseCatalog c = builder().maxFrontendBytes(1000).build();

    if (size <= 1000) {
      assertEquals("v1.0.0", c.refresh().orElseThrow().tag());
    } else {
      assertThrows(ReleaseSourceException.class, c::refresh);
    }
  }

  @Test
  void refresh_moduleTheIcWouldRefuse_refusedAndRecorded() throws IOException {
    // the header, then a memory section asking for 70,000 pages: more than 4 GiB of 32-bit memory
    byte[] hungry = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 1, 0, (byte) 0xf0, (byte) 0xa2, 4};
    release("v1.0.0", hungry, new byte[] {1});
    ReleaseCatalog c = builder().build();

    org.icupgrade.core.IntegrityException e =
        assertThrows(org.icupgrade.core.IntegrityException.class, c::refresh);

    assertTrue(e.getMessage().contains("storage.wasm") && e.getMessage().contains("pages"),
        e.getMessage());
    assertEquals(e, c.lastFailure().orElseThrow());
    assertTrue(c.current().isEmpty());
  }

  /** A tar whose first header is a GNU long name declaring {@code size} bytes, then noise. */
  static byte[] longNameTar(long size) {
    byte[] h = new byte[512];
    byte[] name = "././@LongLink".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(name, 0, h, 0, name.length);
    String octal = String.format("%011o", size);
    System.arraycopy(octal.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, h, 124, 11);
    h[156] = 'L';
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    String check = String.format("%06o", sum);
    System.arraycopy(check.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, h, 148, 6);
    h[154] = 0;
    byte[] tar = new byte[512 + 64 * 1024];
    System.arraycopy(h, 0, tar, 0, 512);
    java.util.Arrays.fill(tar, 512, tar.length, (byte) 'a');
    return tar;
  }

  @Test
  void schedule_archiveWith1GiBLongName_failureRecordedAndScheduleLives() throws IOException {
    byte[] good = new byte[2048]; // a tar of one file "index.html" holding "hi", then the end
    byte[] header = longNameTar(0);
    System.arraycopy(header, 0, good, 0, 512);
    java.util.Arrays.fill(good, 0, 100, (byte) 0);
    System.arraycopy("index.html".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, good,
        0, 10);
    System.arraycopy("00000000002".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0,
        good, 124, 11);
    good[156] = '0';
    java.util.Arrays.fill(good, 148, 156, (byte) ' ');
    int sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += good[i] & 0xff;
    }
    System.arraycopy(String.format("%06o", sum).getBytes(java.nio.charset.StandardCharsets
        .US_ASCII), 0, good, 148, 6);
    good[154] = 0;
    good[512] = 'h';
    good[513] = 'i';
    FrontendReader reader = org.icupgrade.assets.ReleaseReader.defaults()::read;
    ReleaseCatalog c = ReleaseCatalog.builder(source()).wasmAsset("storage.wasm")
        .frontendAsset("frontend.tar", reader).build();
    FakeScheduler scheduler = new FakeScheduler();
    ScheduledFuture<?> f = c.schedule(scheduler, Duration.ofHours(6));
    release("v1.0.0", ReleaseCatalogTest.WASM_V1, good);
    scheduler.runAll();
    assertEquals(List.of("/index.html"), c.require().frontend().keys());

    release("v1.1.0", ReleaseCatalogTest.WASM_V2, longNameTar(1L << 30));
    scheduler.runAll();

    org.icupgrade.assets.UnsafeArchiveException e = assertInstanceOf(
        org.icupgrade.assets.UnsafeArchiveException.class, c.lastFailure().orElseThrow());
    assertEquals("././@LongLink", e.entryName());
    assertEquals("v1.0.0", c.require().tag());
    assertFalse(f.isCancelled());
  }

  @Test
  void maxFrontendBytes_notPositive_refused() {
    assertThrows(IllegalArgumentException.class, () -> builder().maxFrontendBytes(0));
  }
}
