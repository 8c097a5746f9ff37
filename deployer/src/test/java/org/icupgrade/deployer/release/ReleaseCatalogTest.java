package org.icupgrade.deployer.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseCatalogTest {
  // valid modules (the catalog checks them): the header and an empty-named custom section
  static final byte[] WASM_V1 = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, 1, 0};
  static final byte[] WASM_V2 = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0, 2, 1, 'a'};
  static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");

  @TempDir Path root;
  Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  /** When set, the source fails every call as an unreachable server would. */
  volatile boolean sourceDown;

  /** Reads the "archive" as one file named /index.html holding the archive's bytes. */
  static final FrontendReader READER = archive -> {
    try {
      byte[] b = Files.readAllBytes(archive);
      return FrontendRelease.of(List.of(ReleaseAsset.of("/index.html", "text/html",
          List.of(ReleaseEncoding.of("identity", b)))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  };

  static Sha256 frontendHash(String content) {
    return READER.read(writeTemp(content)).frontendHash();
  }

  static Path writeTemp(String content) {
    try {
      Path p = Files.createTempFile("frontend", ".tar");
      Files.writeString(p, content);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void release(String tag, byte[] wasm, String frontend) throws IOException {
    Path d = Files.createDirectories(root.resolve(tag));
    Files.write(d.resolve("storage.wasm"), wasm);
    Files.writeString(d.resolve("frontend.tar"), frontend);
  }

  ReleaseSource source() {
    ReleaseSource dir = ReleaseSource.directory(root);
    return new ReleaseSource() {
      @Override
      public List<Release> releases() {
        if (sourceDown) {
          throw new ReleaseSourceException("source is down", true, null);
        }
        return dir.releases();
      }

      @Override
      public InputStream download(Release release, String assetName) throws IOException {
        return dir.download(release, assetName);
      }
    };
  }

  ReleaseCatalog.Builder builder() {
    return ReleaseCatalog.builder(source()).wasmAsset("storage.wasm")
        .frontendAsset("frontend.tar", READER).clock(clock);
  }

  ReleaseCatalog catalog() {
    return builder().build();
  }

  @Test
  void current_beforeAnyRefresh_emptyAndRequireSaysNotReady() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    ReleaseCatalog c = catalog();
    assertEquals(Optional.empty(), c.current());
    ReleaseNotReadyException e = assertThrows(ReleaseNotReadyException.class, c::require);
    assertTrue(e.getMessage().contains("refresh"), e.getMessage());
  }

  @Test
  void refresh_noReleaseYet_stillNotReady() {
    ReleaseCatalog c = catalog();
    assertEquals(Optional.empty(), c.refresh());
    assertThrows(ReleaseNotReadyException.class, c::require);
    assertEquals(Optional.of(T0), c.lastChecked());
  }

  @Test
  void refresh_takesNewestByVersion_keepsBothHashes() throws IOException {
    release("v1.9.0", WASM_V1, "one");
    release("v1.10.0", WASM_V2, "two");
    release("v2.0.0-rc1", WASM_V1, "rc");
    ReleaseCatalog c = catalog();
    ReleaseArtifacts a = c.refresh().orElseThrow();
    assertEquals("v1.10.0", a.tag());
    assertEquals(Sha256.of(WASM_V2), a.moduleHash());
    assertEquals(frontendHash("two"), a.frontendHash());
    assertEquals(T0, a.downloadedAt());
    assertSame(a, c.require());
  }

  @Test
  void newBuilder_sameConfigurationOwnState() throws IOException {
    release("v1.9.0", WASM_V1, "one");
    release("v2.0.0-rc1", WASM_V2, "rc");
    ReleaseCatalog c = catalog();
    c.refresh();
    ReleaseCatalog withRcs = c.newBuilder().includePrereleases(true).build();
    assertEquals(Optional.empty(), withRcs.current(), "a derived catalog starts empty");
    assertEquals("v2.0.0-rc1", withRcs.refresh().orElseThrow().tag());
    assertEquals("v1.9.0", c.require().tag(), "the original keeps its own release and options");
  }

  @Test
  void refresh_sameTagAgain_keepsWhatItHolds() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    ReleaseCatalog c = catalog();
    ReleaseArtifacts first = c.refresh().orElseThrow();
    assertSame(first, c.refresh().orElseThrow());
  }

  @Test
  void refresh_newerRelease_replacesTheHeldOne() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    ReleaseCatalog c = catalog();
    c.refresh();
    release("v1.1.0", WASM_V1, "two");
    assertEquals("v1.1.0", c.refresh().orElseThrow().tag());
    assertEquals(frontendHash("two"), c.require().frontendHash());
  }

  @Test
  void refresh_prereleasesIncludedWhenAsked() throws IOException {
    release("v1.9.0", WASM_V1, "one");
    release("v2.0.0-rc1", WASM_V2, "rc");
    ReleaseCatalog c = builder().includePrereleases(true).build();
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
    assertEquals("v1.0.0", c.require().tag());
    assertSame(e, c.lastFailure().orElseThrow());
  }

  @Test
  void refresh_sha256SumsWithoutTheAsset_refused() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    Files.writeString(root.resolve("v1.0.0/SHA256SUMS"),
        "# checksums\n" + Sha256.of(WASM_V1).hex() + "  storage.wasm\n");
    IntegrityException e = assertThrows(IntegrityException.class, catalog()::refresh);
    assertTrue(e.getMessage().contains("does not list frontend.tar"), e.getMessage());
  }

  @Test
  void refresh_matchingChecksums_accepted() throws IOException {
    release("v2.0.0", WASM_V2, "two");
    Files.writeString(root.resolve("v2.0.0/storage.wasm.sha256"),
        Sha256.of(WASM_V2).hex() + "  storage.wasm\n");
    Files.writeString(root.resolve("v2.0.0/SHA256SUMS"),
        Sha256.of(WASM_V2).hex() + "  storage.wasm\n"
            + Sha256.of("two".getBytes(StandardCharsets.UTF_8)).hex() + " *frontend.tar\n");
    assertEquals("v2.0.0", catalog().refresh().orElseThrow().tag());
  }

  @Test
  void refresh_tamperedAgainstDotSha256_refused() throws IOException {
    release("v2.0.0", WASM_V2, "two");
    Files.writeString(root.resolve("v2.0.0/frontend.tar.sha256"),
        Sha256.of("one".getBytes(StandardCharsets.UTF_8)).hex() + "\n");
    IntegrityException e = assertThrows(IntegrityException.class, catalog()::refresh);
    assertTrue(e.getMessage().contains("frontend.tar.sha256"), e.getMessage());
  }

  @Test
  void refresh_malformedChecksumFile_refused() throws IOException {
    release("v2.0.0", WASM_V2, "two");
    Files.writeString(root.resolve("v2.0.0/storage.wasm.sha256"), "not-hex  storage.wasm\n");
    assertThrows(IntegrityException.class, catalog()::refresh);
  }

  @Test
  void refresh_notAWasmModule_refusedAndNothingHeld() throws IOException {
    release("v1.0.0", "<html>".getBytes(StandardCharsets.UTF_8), "one");
    ReleaseCatalog c = catalog();
    IntegrityException e = assertThrows(IntegrityException.class, c::refresh);
    assertTrue(e.getMessage().contains("not a WASM module"), e.getMessage());
    assertEquals(Optional.empty(), c.current());
  }

  @Test
  void refresh_sourceDown_previousKeptAndFailureReported() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    ReleaseCatalog c = catalog();
    c.refresh();
    sourceDown = true;
    assertThrows(ReleaseSourceException.class, c::refresh);
    assertEquals("v1.0.0", c.require().tag());
    assertTrue(c.lastFailure().isPresent());
    sourceDown = false;
    c.refresh();
    assertEquals(Optional.empty(), c.lastFailure());
  }

  @Test
  void refresh_frontendReaderRefusesArchive_previousKept() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    FrontendReader picky = archive -> {
      FrontendRelease f = READER.read(archive);
      if (f.frontendHash().equals(frontendHash("corrupt"))) {
        throw new IntegrityException("not a tar archive");
      }
      return f;
    };
    ReleaseCatalog c = ReleaseCatalog.builder(ReleaseSource.directory(root))
        .wasmAsset("storage.wasm").frontendAsset("frontend.tar", picky).build();
    c.refresh();
    release("v1.1.0", WASM_V2, "corrupt");
    assertThrows(IntegrityException.class, c::refresh);
    assertEquals("v1.0.0", c.require().tag());
  }

  @Test
  void require_afterFailedFirstRefresh_notReadyCarriesTheCause() {
    sourceDown = true;
    ReleaseCatalog c = catalog();
    assertThrows(ReleaseSourceException.class, c::refresh);
    ReleaseNotReadyException e = assertThrows(ReleaseNotReadyException.class, c::require);
    assertTrue(e.getCause() instanceof ReleaseSourceException);
    assertTrue(e.getMessage().contains("source is down"), e.getMessage());
  }

  @Test
  void schedule_readerOverflowsItsStack_failureRecordedAndScheduleLives() throws IOException {
    release("v1.0.0", WASM_V1, "one");
    boolean[] hostile = {false};
    FrontendReader recursing = archive -> {
      if (hostile[0]) {
        throw new StackOverflowError("2,100 PAX headers in a row");
      }
      return READER.read(archive);
    };
    ReleaseCatalog c = ReleaseCatalog.builder(ReleaseSource.directory(root))
        .wasmAsset("storage.wasm").frontendAsset("frontend.tar", recursing).build();
    FakeScheduler scheduler = new FakeScheduler();
    ScheduledFuture<?> f = c.schedule(scheduler, Duration.ofHours(6));
    scheduler.runAll();
    assertEquals("v1.0.0", c.require().tag());

    hostile[0] = true;
    release("v1.1.0", WASM_V2, "two");
    scheduler.runAll();
    IcException failure = assertInstanceOf(IcException.class, c.lastFailure().orElseThrow());
    assertTrue(failure.getMessage().contains("StackOverflowError"), failure.getMessage());
    assertEquals("v1.0.0", c.require().tag());
    assertFalse(f.isCancelled());

    hostile[0] = false;
    scheduler.runAll();
    assertEquals("v1.1.0", c.require().tag());
  }

  @Test
  void schedule_dailyByDefault_firstRunAtOnce() {
    FakeScheduler scheduler = new FakeScheduler();
    catalog().schedule(scheduler);
    FakeScheduler.Task t = scheduler.tasks.get(0);
    assertEquals(Duration.ZERO, t.initialDelay);
    assertEquals(Duration.ofDays(1), t.period);
  }

  @Test
  void schedule_eachRunRefreshes_failuresKeptAndScheduleContinues() throws IOException {
    FakeScheduler scheduler = new FakeScheduler();
    ReleaseCatalog c = catalog();
    ScheduledFuture<?> f = c.schedule(scheduler, Duration.ofHours(6));
    scheduler.runAll();
    assertTrue(c.current().isEmpty(), "nothing published yet");

    release("v1.0.0", WASM_V1, "one");
    scheduler.runAll();
    assertEquals("v1.0.0", c.require().tag());

    sourceDown = true;
    scheduler.runAll();   // a failing run must not throw out of the task: that would cancel it
    assertTrue(c.lastFailure().isPresent());
    assertEquals("v1.0.0", c.require().tag());
    assertFalse(f.isCancelled());

    sourceDown = false;
    release("v1.1.0", WASM_V2, "two");
    scheduler.runAll();
    assertEquals("v1.1.0", c.require().tag());
  }

  @Test
  void schedule_nonPositivePeriod_refused() {
    assertThrows(IllegalArgumentException.class,
        () -> catalog().schedule(new FakeScheduler(), Duration.ZERO));
  }

  @Test
  void build_withoutAssets_refused() {
    assertThrows(IllegalStateException.class,
        () -> ReleaseCatalog.builder(source()).wasmAsset("storage.wasm").build());
  }
}
