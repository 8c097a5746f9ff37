package org.icupgrade.deployer.release;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.install.ModuleCheck;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the latest release of a {@link ReleaseSource} downloaded and verified: the WASM module
 * (hashed as the bytes that will be installed) and the frontend, read by a
 * {@link FrontendReader}. Until a release is fully downloaded and verified, {@link #current()} is
 * empty and {@link #require()} throws {@link ReleaseNotReadyException}; a refresh that fails keeps
 * the release held before.
 *
 * <pre>{@code
 * ReleaseCatalog catalog = ReleaseCatalog.builder(ReleaseSource.gitHub("owner", "repo").build())
 *     .wasmAsset("storage.wasm.gz")
 *     .frontendAsset("frontend.tar.gz", ReleaseReader.defaults()::read)   // from assets-diff
 *     .build();
 * catalog.schedule(scheduler);   // now, then daily
 * }</pre>
 *
 * <h2>Checksums</h2>
 *
 * Every download is checked against every checksum the release publishes for it, and any
 * mismatch is refused with {@link IntegrityException}:
 * <ul>
 *   <li>the asset's own digest, where the source gives one (GitHub's {@code digest} field);
 *   <li>an asset named {@code <asset>.sha256} (for example {@code storage.wasm.gz.sha256}) whose
 *       first word is the hex SHA-256;
 *   <li>an asset named {@code SHA256SUMS}, in the format {@code sha256sum} writes
 *       ({@code <hex>  <name>} or {@code <hex> *<name>} per line). A release publishing
 *       {@code SHA256SUMS} that does not list an asset the catalog downloads is refused too: a
 *       checksum file that leaves out the module is a broken release, not an unsigned one.
 * </ul>
 * A release publishing none of these is taken as downloaded.
 *
 * <p>Thread-safe; refreshes run one at a time.
 */
public final class ReleaseCatalog {
  /** The default refresh period: daily. */
  public static final Duration DAILY = Duration.ofDays(1);

  static final String SHA256SUMS = "SHA256SUMS";

  /**
   * The largest WASM asset downloaded: the IC's limit on a module, 100 MiB (IC-NOTES "Limits";
   * the interface specification's {@code install_chunked_code} takes at most 100 chunks of
   * 1 MiB). A gzip module is smaller than what it expands to, so the bound holds for both.
   */
  public static final long MAX_WASM_BYTES = 100L << 20;

  /**
   * The default bound on the frontend archive: what {@code ReleaseReader.defaults()} of
   * {@code assets-diff} reads at most, 1 GiB of content in 100,000 entries, plus their tar headers
   * and padding (at most 2.5 KiB an entry with a PAX header), rounded up.
   */
  public static final long DEFAULT_MAX_FRONTEND_BYTES = (1L << 30) + (256L << 20);

  // A checksum file lists a few hashes: a megabyte is already a hostile one.
  static final long MAX_CHECKSUM_FILE_BYTES = 1L << 20;

  private final ReleaseSource source;
  private final String wasmAsset;
  private final String frontendAsset;
  private final FrontendReader frontendReader;
  private final boolean includePrereleases;
  private final long maxFrontendBytes;
  private final Clock clock;
  private final AtomicReference<@Nullable ReleaseArtifacts> current = new AtomicReference<>();
  private final AtomicReference<@Nullable RuntimeException> lastFailure = new AtomicReference<>();
  private final AtomicReference<@Nullable Instant> lastChecked = new AtomicReference<>();

  private ReleaseCatalog(Builder b) {
    this.source = b.source;
    if (b.wasmAsset == null || b.frontendAsset == null || b.frontendReader == null) {
      throw new IllegalStateException("set wasmAsset(...) and frontendAsset(...) before build():"
          + " the catalog must know which release assets to download");
    }
    this.wasmAsset = b.wasmAsset;
    this.frontendAsset = b.frontendAsset;
    this.frontendReader = b.frontendReader;
    this.includePrereleases = b.includePrereleases;
    this.maxFrontendBytes = b.maxFrontendBytes;
    this.clock = b.clock;
  }

  /**
   * Starts configuring a catalog of the releases of {@code source}.
   *
   * @param source where the releases are listed and downloaded
   * @return a builder
   */
  public static Builder builder(ReleaseSource source) {
    return new Builder(source);
  }

  /**
   * A builder with this catalog's configuration (source, asset names, reader, prereleases,
   * clock), to derive a variant. The catalog it builds starts empty: what this one downloaded is
   * not shared.
   *
   * @return a builder holding this catalog's configuration
   */
  public Builder newBuilder() {
    Builder b = new Builder(source);
    b.wasmAsset = wasmAsset;
    b.frontendAsset = frontendAsset;
    b.frontendReader = frontendReader;
    b.includePrereleases = includePrereleases;
    b.maxFrontendBytes = maxFrontendBytes;
    b.clock = clock;
    return b;
  }

  /**
   * The latest release fully downloaded and verified; empty until the first refresh succeeds.
   *
   * @return the release, or empty
   */
  public Optional<ReleaseArtifacts> current() {
    return Optional.ofNullable(current.get());
  }

  /**
   * The latest release fully downloaded and verified.
   *
   * @return the release
   * @throws ReleaseNotReadyException until a refresh has succeeded; its cause is why the last
   *     refresh failed, if one did
   */
  public ReleaseArtifacts require() {
    ReleaseArtifacts held = current.get();
    if (held != null) {
      return held;
    }
    RuntimeException failure = lastFailure.get();
    throw new ReleaseNotReadyException("no release of " + source + " has been downloaded and"
        + " verified yet" + (failure == null
            ? ": refresh the release catalog (refresh() or schedule(...))"
            : "; the last refresh failed: " + failure.getMessage()), failure);
  }

  /**
   * Why the last refresh failed; empty once one succeeds.
   *
   * @return the failure, or empty
   */
  public Optional<RuntimeException> lastFailure() {
    return Optional.ofNullable(lastFailure.get());
  }

  /**
   * When the source was last checked successfully, by the catalog's clock.
   *
   * @return the time, or empty before the first successful check
   */
  public Optional<Instant> lastChecked() {
    return Optional.ofNullable(lastChecked.get());
  }

  /**
   * Looks for a newer release and downloads and verifies it. Returns the release held afterwards:
   * unchanged when the latest tag is the one already held, empty when the source has no release
   * yet.
   *
   * @return the release held after the refresh, or empty
   * @throws IntegrityException when a download does not match the published checksum, or the
   *     WASM asset is not a WASM module; the previous release is kept
   * @throws IcException when the source cannot be read ({@link ReleaseSourceException}) or the
   *     frontend reader fails; the previous release is kept
   */
  public synchronized Optional<ReleaseArtifacts> refresh() {
    try {
      Optional<ReleaseArtifacts> held = doRefresh();
      lastFailure.set(null);
      lastChecked.set(clock.instant());
      return held;
    } catch (RuntimeException e) {
      lastFailure.set(e);
      throw e;
    } catch (StackOverflowError | OutOfMemoryError e) {
      // A hostile download can make a reader recurse or allocate beyond reason; the failed
      // allocation or the unwound stack holds nothing, so the catalog reports it and lives on
      // (an Error escaping here would also end the scheduled refreshes for good).
      IcException failure = new IcException("reading the latest release failed: " + e
          + "; the previous release is kept", e);
      lastFailure.set(failure);
      throw failure;
    }
  }

  private Optional<ReleaseArtifacts> doRefresh() {
    Optional<Release> latest = source.latest(includePrereleases);
    ReleaseArtifacts held = current.get();
    if (latest.isEmpty()) {
      return Optional.ofNullable(held);
    }
    Release r = latest.get();
    if (held != null && held.tag().equals(r.tag())) {
      return Optional.of(held);
    }
    Checksums checksums = new Checksums(r);
    try {
      byte[] wasmBytes = readAll(r, wasmAsset, MAX_WASM_BYTES, "the IC's limit on a WASM module");
      checksums.verify(wasmAsset, Sha256.of(wasmBytes));
      WasmModule module;
      try {
        module = WasmModule.of(wasmBytes);
      } catch (IllegalArgumentException e) {
        throw new IntegrityException("asset " + wasmAsset + " of release " + r.tag() + " is not"
            + " a WASM module (" + e.getMessage() + "): check the catalog's wasmAsset name");
      }
      try {
        // refused here, kept in lastFailure(), rather than by the IC after every chunk went up
        ModuleCheck.check(module);
      } catch (IntegrityException e) {
        throw new IntegrityException("asset " + wasmAsset + " of release " + r.tag() + ": "
            + e.getMessage());
      }
      Path archive = Files.createTempFile("icupgrade-frontend-", ".archive");
      try {
        try (InputStream in = bounded(r, frontendAsset, maxFrontendBytes,
            "the catalog's maxFrontendBytes")) {
          Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
        }
        Sha256 archiveHash;
        try (InputStream in = Files.newInputStream(archive)) {
          archiveHash = Sha256.of(in);
        }
        checksums.verify(frontendAsset, archiveHash);
        FrontendRelease frontend = frontendReader.read(archive);
        ReleaseArtifacts artifacts = ReleaseArtifacts.of(r, module, frontend, clock.instant());
        current.set(artifacts);
        return Optional.of(artifacts);
      } finally {
        Files.deleteIfExists(archive);
      }
    } catch (IOException e) {
      throw new ReleaseSourceException("could not download release " + r.tag() + " from "
          + source + " (" + e + "): try again later", true, e);
    }
  }

  /**
   * Refreshes now and then every day on {@code scheduler}; see
   * {@link #schedule(ScheduledExecutorService, Duration)}.
   *
   * @param scheduler the caller's scheduler
   * @return the schedule's future
   */
  public ScheduledFuture<?> schedule(ScheduledExecutorService scheduler) {
    return schedule(scheduler, DAILY);
  }

  /**
   * Refreshes now and then every {@code period} on {@code scheduler}, which the caller owns and
   * shuts down. A failed refresh does not stop the schedule: it is kept in
   * {@link #lastFailure()} and the previous release stays. Cancel the returned future to stop.
   *
   * @param scheduler the caller's scheduler
   * @param period the time between two refreshes
   * @return the schedule's future
   */
  public ScheduledFuture<?> schedule(ScheduledExecutorService scheduler, Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("the refresh period must be positive: " + period);
    }
    return scheduler.scheduleAtFixedRate(() -> {
      try {
        refresh();
      } catch (RuntimeException e) {
        // kept in lastFailure by refresh(); throwing would cancel every later run
      }
    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private byte[] readAll(Release r, String asset, long max, String limit) throws IOException {
    try (InputStream in = bounded(r, asset, max, limit)) {
      return in.readAllBytes();
    }
  }

  /** The asset's download, refused as soon as it goes beyond {@code max} bytes. */
  private InputStream bounded(Release r, String asset, long max, String limit)
      throws IOException {
    InputStream in = source.download(r, asset);
    return new FilterInputStream(in) {
      private long read;

      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          count(1);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        // one byte more than the bound, so that an asset of exactly max bytes is accepted
        int n = super.read(b, off, (int) Math.min(len, Math.max(1, max - read + 1)));
        if (n > 0) {
          count(n);
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        long k = super.skip(Math.min(n, max - read + 1));
        count(k);
        return k;
      }

      private void count(long n) {
        read += n;
        if (read > max) {
          throw new ReleaseSourceException("asset " + asset + " of release " + r.tag() + " from "
              + source + " is larger than " + max + " bytes (" + limit + "): refused while"
              + " downloading; check that the catalog names the right asset", false, null);
        }
      }
    };
  }

  @Override
  public String toString() {
    return "ReleaseCatalog[" + source + ", holding "
        + current().map(ReleaseArtifacts::tag).orElse("nothing yet") + "]";
  }

  /** The checksums one release publishes, read once per refresh. */
  private final class Checksums {
    private final Release release;
    private @Nullable Map<String, Sha256> sums;

    Checksums(Release release) {
      this.release = release;
    }

    void verify(String asset, Sha256 actual) throws IOException {
      List<String> sources = new ArrayList<>();
      List<Sha256> expected = new ArrayList<>();
      release.asset(asset).flatMap(Release.Asset::digest).ifPresent(d -> {
        sources.add("the source's digest");
        expected.add(d);
      });
      if (release.asset(asset + ".sha256").isPresent()) {
        String text = new String(readAll(release, asset + ".sha256", MAX_CHECKSUM_FILE_BYTES,
            "the bound on a checksum file"), StandardCharsets.UTF_8);
        sources.add(asset + ".sha256");
        expected.add(hex(text.trim().split("\\s+")[0], asset + ".sha256"));
      }
      if (release.asset(SHA256SUMS).isPresent()) {
        Sha256 listed = sums().get(asset);
        if (listed == null) {
          throw new IntegrityException("release " + release.tag() + " publishes " + SHA256SUMS
              + " but it does not list " + asset + ": refused; the release must list every"
              + " asset's checksum");
        }
        sources.add(SHA256SUMS);
        expected.add(listed);
      }
      for (int i = 0; i < expected.size(); i++) {
        if (!expected.get(i).equals(actual)) {
          throw new IntegrityException("the download of " + asset + " of release "
              + release.tag() + " has SHA-256 " + actual + " but " + sources.get(i) + " says "
              + expected.get(i) + ": refused as tampered or truncated; check the release");
        }
      }
    }

    private Map<String, Sha256> sums() throws IOException {
      Map<String, Sha256> m = sums;
      if (m == null) {
        m = new HashMap<>();
        String text = new String(readAll(release, SHA256SUMS, MAX_CHECKSUM_FILE_BYTES,
            "the bound on a checksum file"), StandardCharsets.UTF_8);
        for (String line : text.split("\\R")) {
          String t = line.strip();
          if (t.isEmpty() || t.startsWith("#")) {
            continue;
          }
          String[] parts = t.split("\\s+", 2);
          if (parts.length != 2) {
            throw new IntegrityException(SHA256SUMS + " of release " + release.tag()
                + " has a line that is not '<hex>  <name>': " + t);
          }
          String name = parts[1].startsWith("*") ? parts[1].substring(1) : parts[1];
          m.put(name, hex(parts[0], SHA256SUMS));
        }
        sums = m;
      }
      return m;
    }

    private Sha256 hex(String hex, String file) {
      try {
        return Sha256.fromHex(hex);
      } catch (IllegalArgumentException e) {
        throw new IntegrityException(file + " of release " + release.tag()
            + " does not hold a SHA-256 in hex: " + hex);
      }
    }
  }

  /** Configures a {@link ReleaseCatalog}. */
  public static final class Builder {
    private final ReleaseSource source;
    private @Nullable String wasmAsset;
    private @Nullable String frontendAsset;
    private @Nullable FrontendReader frontendReader;
    private boolean includePrereleases;
    private long maxFrontendBytes = DEFAULT_MAX_FRONTEND_BYTES;
    private Clock clock = Clock.systemUTC();

    private Builder(ReleaseSource source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * The name of the release asset holding the WASM module (e.g. {@code storage.wasm.gz}).
     *
     * @param name the asset's name
     * @return this builder
     */
    public Builder wasmAsset(String name) {
      this.wasmAsset = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * The name of the release asset holding the frontend archive, and how to read it (the
     * {@code assets-diff} module's {@code ReleaseReader.defaults()::read} reads tar and tar.gz).
     *
     * @param name the asset's name
     * @param reader reads the archive
     * @return this builder
     */
    public Builder frontendAsset(String name, FrontendReader reader) {
      this.frontendAsset = Objects.requireNonNull(name, "name");
      this.frontendReader = Objects.requireNonNull(reader, "reader");
      return this;
    }

    /**
     * Whether prereleases count as the latest release; drafts never do. Off by default.
     *
     * @param includePrereleases true to count prereleases
     * @return this builder
     */
    public Builder includePrereleases(boolean includePrereleases) {
      this.includePrereleases = includePrereleases;
      return this;
    }

    /**
     * The largest frontend archive downloaded; a larger one is refused while it streams, and the
     * failure is kept in {@link ReleaseCatalog#lastFailure()}. By default
     * {@link ReleaseCatalog#DEFAULT_MAX_FRONTEND_BYTES}, sized for {@code ReleaseReader.defaults()}; set it to
     * match a reader with other limits.
     *
     * @param maxFrontendBytes the bound, in bytes
     * @return this builder
     */
    public Builder maxFrontendBytes(long maxFrontendBytes) {
      if (maxFrontendBytes <= 0) {
        throw new IllegalArgumentException("maxFrontendBytes must be positive: "
            + maxFrontendBytes);
      }
      this.maxFrontendBytes = maxFrontendBytes;
      return this;
    }

    /**
     * The clock for {@link ReleaseArtifacts#downloadedAt()} and {@link #lastChecked()}.
     *
     * @param clock the clock; the system's by default
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the catalog, holding nothing until its first refresh.
     *
     * @return the catalog
     * @throws IllegalStateException when the WASM or frontend asset is not set
     */
    public ReleaseCatalog build() {
      return new ReleaseCatalog(this);
    }
  }
}
