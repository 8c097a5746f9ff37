package org.icupgrade.deployer.release;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * A published release as its {@link ReleaseSource} lists it: tag, display name, whether it is a
 * draft or a prerelease, when it was published, and its downloadable assets. Immutable.
 *
 * <pre>{@code
 * Release r = Release.builder("v1.2.0").published(Instant.parse("2026-11-01T10:00:00Z"))
 *     .asset(Release.Asset.of("storage.wasm.gz")).build();
 * }</pre>
 */
public final class Release {
  private final String tag;
  private final String name;
  private final boolean draft;
  private final boolean prerelease;
  private final @Nullable Instant publishedAt;
  private final List<Asset> assets;

  private Release(Builder b) {
    this.tag = b.tag;
    this.name = b.name != null ? b.name : b.tag;
    this.draft = b.draft;
    this.prerelease = b.prerelease;
    this.publishedAt = b.publishedAt;
    this.assets = List.copyOf(b.assets);
  }

  /**
   * Starts a release with tag {@code tag}; its name defaults to the tag.
   *
   * @param tag the tag, not empty
   * @return a builder
   */
  public static Builder builder(String tag) {
    return new Builder(tag);
  }

  /**
   * The release's tag ({@code v1.2.0}), which identifies it at its source.
   *
   * @return the tag
   */
  public String tag() {
    return tag;
  }

  /**
   * The release's display name; the tag when the source gives none.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * A draft is never offered as the latest release.
   *
   * @return true for a draft
   */
  public boolean draft() {
    return draft;
  }

  /**
   * A prerelease is offered as the latest release only when the caller asks for prereleases.
   *
   * @return true for a prerelease
   */
  public boolean prerelease() {
    return prerelease;
  }

  /**
   * When the release was published; empty for drafts and sources that do not say.
   *
   * @return the time, or empty
   */
  public Optional<Instant> publishedAt() {
    return Optional.ofNullable(publishedAt);
  }

  /**
   * The downloadable assets, in the source's order.
   *
   * @return the assets
   */
  public List<Asset> assets() {
    return assets;
  }

  /**
   * The names of {@link #assets()}.
   *
   * @return the names
   */
  public List<String> assetNames() {
    return assets.stream().map(Asset::name).toList();
  }

  /**
   * The asset named {@code name}, if the release has one.
   *
   * @param name the asset's name
   * @return the asset, or empty
   */
  public Optional<Asset> asset(String name) {
    return assets.stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /**
   * Returns a builder holding this release's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(tag).name(name).draft(draft).prerelease(prerelease);
    b.publishedAt = publishedAt;
    b.assets.addAll(assets);
    return b;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Release r && tag.equals(r.tag) && name.equals(r.name) && draft == r.draft
        && prerelease == r.prerelease && Objects.equals(publishedAt, r.publishedAt)
        && assets.equals(r.assets);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tag, name, draft, prerelease, publishedAt, assets);
  }

  @Override
  public String toString() {
    return "Release[" + tag + (draft ? ", draft" : "") + (prerelease ? ", prerelease" : "")
        + ", assets " + assetNames() + "]";
  }

  /**
   * One downloadable file of a release: its name and, when the source publishes it (GitHub's
   * asset {@code digest}), the SHA-256 of its bytes, which a download is checked against.
   */
  public static final class Asset {
    private final String name;
    private final @Nullable Sha256 digest;

    private Asset(String name, @Nullable Sha256 digest) {
      if (name.isEmpty()) {
        throw new IllegalArgumentException("an asset name must not be empty");
      }
      this.name = name;
      this.digest = digest;
    }

    /**
     * An asset whose checksum the source does not publish alongside it.
     *
     * @param name the asset's name
     * @return the asset
     */
    public static Asset of(String name) {
      return new Asset(name, null);
    }

    /**
     * An asset with the SHA-256 its source publishes for it.
     *
     * @param name the asset's name
     * @param digest the published SHA-256
     * @return the asset
     */
    public static Asset of(String name, Sha256 digest) {
      return new Asset(name, Objects.requireNonNull(digest, "digest"));
    }

    /**
     * The asset's name, unique within its release.
     *
     * @return the name
     */
    public String name() {
      return name;
    }

    /**
     * The SHA-256 the source publishes for this asset, if it does.
     *
     * @return the SHA-256, or empty
     */
    public Optional<Sha256> digest() {
      return Optional.ofNullable(digest);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Asset a && name.equals(a.name) && Objects.equals(digest, a.digest);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, digest);
    }

    @Override
    public String toString() {
      return digest == null ? name : name + " (sha256 " + digest + ")";
    }
  }

  /** Configures a {@link Release}; sources build them, tests too. */
  public static final class Builder {
    private final String tag;
    private @Nullable String name;
    private boolean draft;
    private boolean prerelease;
    private @Nullable Instant publishedAt;
    private final List<Asset> assets = new ArrayList<>();

    private Builder(String tag) {
      if (tag.isEmpty()) {
        throw new IllegalArgumentException("a release tag must not be empty");
      }
      this.tag = tag;
    }

    /**
     * The display name; the tag by default.
     *
     * @param name the name; null or blank for the tag
     * @return this builder
     */
    public Builder name(@Nullable String name) {
      this.name = name == null || name.isBlank() ? null : name;
      return this;
    }

    /**
     * Whether the release is a draft; false by default.
     *
     * @param draft true for a draft
     * @return this builder
     */
    public Builder draft(boolean draft) {
      this.draft = draft;
      return this;
    }

    /**
     * Whether the release is a prerelease; false by default.
     *
     * @param prerelease true for a prerelease
     * @return this builder
     */
    public Builder prerelease(boolean prerelease) {
      this.prerelease = prerelease;
      return this;
    }

    /**
     * When the release was published; unknown by default.
     *
     * @param publishedAt the time, or null when unknown
     * @return this builder
     */
    public Builder published(@Nullable Instant publishedAt) {
      this.publishedAt = publishedAt;
      return this;
    }

    /**
     * Adds an asset; names are unique within a release.
     *
     * @param asset the asset
     * @return this builder
     * @throws IllegalArgumentException when the release has an asset of that name already
     */
    public Builder asset(Asset asset) {
      if (assets.stream().anyMatch(a -> a.name().equals(asset.name()))) {
        throw new IllegalArgumentException("release " + tag + " already has an asset named "
            + asset.name());
      }
      assets.add(asset);
      return this;
    }

    /**
     * Builds the release.
     *
     * @return the release
     */
    public Release build() {
      return new Release(this);
    }
  }
}
