package org.icupgrade.deployer.release;

import java.time.Instant;
import java.util.Objects;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.FrontendRelease;

/**
 * A release downloaded and verified, ready to install: its tag, the WASM module exactly as it will
 * be installed (so {@link #moduleHash()} is the module hash a canister reports after installing
 * it, compressed bytes included), and the frontend with its {@linkplain #frontendHash() frontend
 * hash}. Immutable.
 */
public final class ReleaseArtifacts {
  private final Release release;
  private final WasmModule wasmModule;
  private final FrontendRelease frontend;
  private final Instant downloadedAt;

  private ReleaseArtifacts(
      Release release, WasmModule wasmModule, FrontendRelease frontend, Instant downloadedAt) {
    this.release = Objects.requireNonNull(release, "release");
    this.wasmModule = Objects.requireNonNull(wasmModule, "wasmModule");
    this.frontend = Objects.requireNonNull(frontend, "frontend");
    this.downloadedAt = Objects.requireNonNull(downloadedAt, "downloadedAt");
  }

  /**
   * The artifacts of {@code release}; the {@link ReleaseCatalog} makes them after verifying the
   * downloads, tests may make them directly.
   *
   * @param release the release as its source listed it
   * @param wasmModule its WASM module
   * @param frontend its frontend
   * @param downloadedAt when the downloads were verified
   * @return the artifacts
   */
  public static ReleaseArtifacts of(
      Release release, WasmModule wasmModule, FrontendRelease frontend, Instant downloadedAt) {
    return new ReleaseArtifacts(release, wasmModule, frontend, downloadedAt);
  }

  /**
   * The release's tag.
   *
   * @return the tag
   */
  public String tag() {
    return release.tag();
  }

  /**
   * The release as its source listed it.
   *
   * @return the release
   */
  public Release release() {
    return release;
  }

  /**
   * The release's WASM module, as installed.
   *
   * @return the module
   */
  public WasmModule wasmModule() {
    return wasmModule;
  }

  /**
   * The release's frontend: its files and its frontend hash.
   *
   * @return the frontend
   */
  public FrontendRelease frontend() {
    return frontend;
  }

  /**
   * The SHA-256 of the module's bytes as installed: what {@code module_hash} will read.
   *
   * @return the module's hash
   */
  public Sha256 moduleHash() {
    return wasmModule.hash();
  }

  /**
   * The frontend hash of {@link #frontend()} (see {@link FrontendRelease}).
   *
   * @return the frontend hash
   */
  public Sha256 frontendHash() {
    return frontend.frontendHash();
  }

  /**
   * When the catalog finished downloading and verifying the release, by its clock.
   *
   * @return the time
   */
  public Instant downloadedAt() {
    return downloadedAt;
  }

  @Override
  public String toString() {
    return "ReleaseArtifacts[" + tag() + ", wasm " + moduleHash() + ", frontend " + frontendHash()
        + "]";
  }
}
