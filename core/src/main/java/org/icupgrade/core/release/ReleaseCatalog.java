package org.icupgrade.core.release;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.FrontendRelease;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the latest release of a {@link ReleaseSource} downloaded and verified: the WASM module
 * (its hash is of the bytes as they will be installed) and the frontend. Until a release is
 * fully downloaded and verified, {@link #current()} is empty and upgrades answer
 * {@code ReleaseNotReady}; a refresh that fails keeps the release held before.
 *
 * <p>Where the release publishes checksums, as a {@code SHA256SUMS} asset ({@code <hex>  <name>}
 * per line, as {@code sha256sum} writes) or as {@code <asset>.sha256}, every download is checked
 * against them and a mismatch is refused with {@link IntegrityException}.
 *
 * <p>Thread-safe; refreshes run one at a time.
 */
public final class ReleaseCatalog {
  /** The default refresh period: daily, as seed 004's backend checks. */
  public static final Duration DAILY = Duration.ofDays(1);

  private final ReleaseSource source;
  private final String wasmAsset;
  private final String frontendAsset;
  private final FrontendReader frontendReader;
  private final boolean includePrereleases;
  private final AtomicReference<@Nullable ReleaseArtifacts> current = new AtomicReference<>();
  private final AtomicReference<@Nullable RuntimeException> lastFailure = new AtomicReference<>();

  private ReleaseCatalog(Builder b) {
    this.source = b.source;
    this.wasmAsset = Objects.requireNonNull(b.wasmAsset, "wasmAsset");
    this.frontendAsset = Objects.requireNonNull(b.frontendAsset, "frontendAsset");
    this.frontendReader = Objects.requireNonNull(b.frontendReader, "frontendReader");
    this.includePrereleases = b.includePrereleases;
  }

  public static Builder builder(ReleaseSource source) {
    return new Builder(source);
  }

  /** The latest release fully downloaded and verified; empty until the first refresh succeeds. */
  public Optional<ReleaseArtifacts> current() {
    return Optional.ofNullable(current.get());
  }

  /** Why the last scheduled refresh failed, if it did. */
  public Optional<RuntimeException> lastFailure() {
    return Optional.ofNullable(lastFailure.get());
  }

  /**
   * Looks for a newer release and downloads it. Returns the release held afterwards (unchanged
   * when the latest tag is the one already held); throws when the download or verification
   * fails, keeping the previous release.
   */
  public synchronized Optional<ReleaseArtifacts> refresh() {
    Optional<Release> latest = includePrereleases
        ? source.releases().stream().filter(r -> !r.draft()).findFirst()
        : source.latest();
    if (latest.isEmpty()) {
      return current();
    }
    Release r = latest.get();
    ReleaseArtifacts held = current.get();
    if (held != null && held.tag().equals(r.tag())) {
      return Optional.of(held);
    }
    try {
      byte[] wasmBytes = download(r, wasmAsset);
      WasmModule module = WasmModule.of(wasmBytes);
      Path archive = Files.createTempFile("frontend-" + safe(r.tag()), ".archive");
      try {
        Files.write(archive, download(r, frontendAsset));
        FrontendRelease frontend = frontendReader.read(archive);
        ReleaseArtifacts artifacts = new ReleaseArtifacts(r.tag(), module, frontend);
        current.set(artifacts);
        lastFailure.set(null);
        return Optional.of(artifacts);
      } finally {
        Files.deleteIfExists(archive);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not download release " + r.tag() + " from " + source
          + ": " + e.getMessage(), e);
    }
  }

  /** Refreshes now and then every {@code period} on {@code scheduler}; failures are kept in {@link #lastFailure()}. */
  public ScheduledFuture<?> schedule(ScheduledExecutorService scheduler, Duration period) {
    return scheduler.scheduleAtFixedRate(() -> {
      try {
        refresh();
      } catch (RuntimeException e) {
        lastFailure.set(e);
      }
    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private byte[] download(Release r, String asset) throws IOException {
    byte[] bytes;
    try (InputStream in = source.download(r, asset)) {
      bytes = in.readAllBytes();
    }
    Optional<Sha256> expected = publishedChecksum(r, asset);
    if (expected.isPresent()) {
      Sha256 actual = Sha256.of(bytes);
      if (!actual.equals(expected.get())) {
        throw new IntegrityException("the download of " + asset + " of release " + r.tag()
            + " has SHA-256 " + actual + " but the release publishes " + expected.get()
            + ": refused (a tampered or truncated download)");
      }
    }
    return bytes;
  }

  private Optional<Sha256> publishedChecksum(Release r, String asset) throws IOException {
    if (r.assetNames().contains(asset + ".sha256")) {
      String text = read(r, asset + ".sha256").trim();
      return Optional.of(Sha256.fromHex(text.split("\\s+")[0]));
    }
    if (r.assetNames().contains("SHA256SUMS")) {
      for (String line : read(r, "SHA256SUMS").split("\\R")) {
        String[] parts = line.trim().split("\\s+", 2);
        if (parts.length == 2 && parts[1].replaceFirst("^\\*", "").equals(asset)) {
          return Optional.of(Sha256.fromHex(parts[0]));
        }
      }
    }
    return Optional.empty();
  }

  private String read(Release r, String asset) throws IOException {
    try (InputStream in = source.download(r, asset)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String safe(String tag) {
    return tag.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]", "_");
  }

  /** Configures a {@link ReleaseCatalog}. */
  public static final class Builder {
    private final ReleaseSource source;
    private @Nullable String wasmAsset;
    private @Nullable String frontendAsset;
    private @Nullable FrontendReader frontendReader;
    private boolean includePrereleases;

    private Builder(ReleaseSource source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /** The name of the release asset holding the WASM module (e.g. {@code storage.wasm.gz}). */
    public Builder wasmAsset(String name) {
      this.wasmAsset = name;
      return this;
    }

    /** The name of the release asset holding the frontend archive (tar or tar.gz). */
    public Builder frontendAsset(String name, FrontendReader reader) {
      this.frontendAsset = name;
      this.frontendReader = reader;
      return this;
    }

    /** Whether prereleases count as the latest release; drafts never do. Off by default. */
    public Builder includePrereleases(boolean includePrereleases) {
      this.includePrereleases = includePrereleases;
      return this;
    }

    public ReleaseCatalog build() {
      return new ReleaseCatalog(this);
    }
  }
}
