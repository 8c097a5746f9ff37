package org.icupgrade.core.assets;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a sync does to one key: create it, change it, or delete it as stale.
 *
 * <p>A {@link Kind#CHANGED} key whose content type stays the same needs only the encodings whose
 * SHA-256 differs ({@link #uploadEncodings()}) and the removal of encodings the release no longer
 * has ({@link #unsetEncodings()}); when its content type changes, or the canister cannot overwrite
 * a key in place (http-assets 0.2.0), it is deleted and created again with every encoding
 * ({@link #recreate()}).
 */
public final class AssetChange {
  /** The kind of change. */
  public enum Kind {
    /** The release has the key and the canister does not. */
    NEW,
    /** Both have the key and its content type or the SHA-256 of an encoding differs. */
    CHANGED,
    /** The canister has the key and the release does not. */
    STALE
  }

  private final String key;
  private final Kind kind;
  private final @Nullable ReleaseAsset asset;
  private final @Nullable AssetDetails existing;
  private final List<String> uploadEncodings;
  private final List<String> unsetEncodings;
  private final boolean recreate;

  private AssetChange(
      String key, Kind kind, @Nullable ReleaseAsset asset, @Nullable AssetDetails existing,
      List<String> uploadEncodings, List<String> unsetEncodings, boolean recreate) {
    this.key = Objects.requireNonNull(key, "key");
    this.kind = kind;
    this.asset = asset;
    this.existing = existing;
    this.uploadEncodings = List.copyOf(uploadEncodings);
    this.unsetEncodings = List.copyOf(unsetEncodings);
    this.recreate = recreate;
  }

  /** A key the canister lacks: created with every encoding of {@code asset}. */
  public static AssetChange created(ReleaseAsset asset) {
    return new AssetChange(asset.key(), Kind.NEW, asset, null,
        asset.encodings().stream().map(ReleaseEncoding::contentEncoding).toList(), List.of(), false);
  }

  /**
   * A key both have that differs.
   *
   * @param uploadEncodings encodings of {@code asset} to upload (all of them when
   *     {@code recreate})
   * @param unsetEncodings encodings the canister has and the release does not (empty when
   *     {@code recreate})
   * @param recreate whether the asset is deleted and created again (its content type changed, or
   *     the canister flavour cannot overwrite in place)
   */
  public static AssetChange changed(
      ReleaseAsset asset, AssetDetails existing, List<String> uploadEncodings,
      List<String> unsetEncodings, boolean recreate) {
    if (!asset.key().equals(existing.key())) {
      throw new IllegalArgumentException(
          "release asset " + asset.key() + " compared with canister asset " + existing.key());
    }
    return new AssetChange(asset.key(), Kind.CHANGED, asset, existing, uploadEncodings,
        unsetEncodings, recreate);
  }

  /** A key only the canister has: deleted. */
  public static AssetChange stale(AssetDetails existing) {
    return new AssetChange(existing.key(), Kind.STALE, null, existing, List.of(), List.of(), false);
  }

  public String key() {
    return key;
  }

  public Kind kind() {
    return kind;
  }

  /** The release's file; absent for {@link Kind#STALE}. */
  public Optional<ReleaseAsset> asset() {
    return Optional.ofNullable(asset);
  }

  /** What the canister has now; absent for {@link Kind#NEW}. */
  public Optional<AssetDetails> existing() {
    return Optional.ofNullable(existing);
  }

  /** Names of the encodings to upload. */
  public List<String> uploadEncodings() {
    return uploadEncodings;
  }

  /** Names of the encodings to remove from the canister. */
  public List<String> unsetEncodings() {
    return unsetEncodings;
  }

  /** Whether the key is deleted and created again because its content type changed. */
  public boolean recreate() {
    return recreate;
  }

  /** Bytes this change uploads. */
  public long uploadBytes() {
    if (asset == null) {
      return 0;
    }
    long n = 0;
    for (String e : uploadEncodings) {
      n += asset.encoding(e).map(ReleaseEncoding::length).orElse(0);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AssetChange c
        && key.equals(c.key)
        && kind == c.kind
        && Objects.equals(asset, c.asset)
        && Objects.equals(existing, c.existing)
        && uploadEncodings.equals(c.uploadEncodings)
        && unsetEncodings.equals(c.unsetEncodings)
        && recreate == c.recreate;
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, kind, asset, existing, uploadEncodings, unsetEncodings, recreate);
  }

  /** One line: kind, key, and what moves. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(switch (kind) {
      case NEW -> "+ ";
      case CHANGED -> "~ ";
      case STALE -> "- ";
    }).append(key);
    if (asset != null) {
      sb.append(" [").append(asset.contentType()).append(']');
    }
    if (!uploadEncodings.isEmpty()) {
      sb.append(" upload ").append(String.join(",", uploadEncodings))
          .append(" (").append(uploadBytes()).append(" bytes)");
    }
    if (!unsetEncodings.isEmpty()) {
      sb.append(" unset ").append(String.join(",", unsetEncodings));
    }
    if (recreate && existing != null) {
      sb.append(" recreate (content type was ").append(existing.contentType()).append(')');
    }
    return sb.toString();
  }
}
