package org.icupgrade.core.assets;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One entry of the asset canister's {@code list}: a key, its content type and its encodings. */
public final class AssetDetails {
  private final String key;
  private final String contentType;
  private final List<AssetEncodingDetails> encodings;

  private AssetDetails(String key, String contentType, List<AssetEncodingDetails> encodings) {
    this.key = Objects.requireNonNull(key, "key");
    this.contentType = Objects.requireNonNull(contentType, "contentType");
    this.encodings = List.copyOf(encodings);
  }

  /** An entry as {@code list} reports it ({@code key}, {@code content_type}, {@code encodings}). */
  public static AssetDetails of(
      String key, String contentType, List<AssetEncodingDetails> encodings) {
    return new AssetDetails(key, contentType, encodings);
  }

  /** The asset's key, a {@code /}-rooted path such as {@code /index.html}. */
  public String key() {
    return key;
  }

  public String contentType() {
    return contentType;
  }

  /** The encodings the canister stores for this key, in the canister's order. */
  public List<AssetEncodingDetails> encodings() {
    return encodings;
  }

  /** The encoding with this name, if the canister stores it. */
  public Optional<AssetEncodingDetails> encoding(String contentEncoding) {
    for (AssetEncodingDetails e : encodings) {
      if (e.contentEncoding().equals(contentEncoding)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AssetDetails d
        && key.equals(d.key)
        && contentType.equals(d.contentType)
        && encodings.equals(d.encodings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, contentType, encodings);
  }

  @Override
  public String toString() {
    return key + " [" + contentType + "] " + encodings;
  }
}
