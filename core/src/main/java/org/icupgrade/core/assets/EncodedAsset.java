package org.icupgrade.core.assets;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * The answer of {@code get}: the first chunk of one encoding of an asset (or all of it), with the
 * total length; the rest is read with {@link AssetCanister#getChunk}.
 */
public final class EncodedAsset {
  private final byte[] content;
  private final String contentType;
  private final String contentEncoding;
  private final @Nullable Sha256 sha256;
  private final long totalLength;

  private EncodedAsset(
      byte[] content, String contentType, String contentEncoding, @Nullable Sha256 sha256,
      long totalLength) {
    this.content = content.clone();
    this.contentType = Objects.requireNonNull(contentType, "contentType");
    this.contentEncoding = Objects.requireNonNull(contentEncoding, "contentEncoding");
    this.sha256 = sha256;
    if (totalLength < content.length) {
      throw new IllegalArgumentException(
          "total_length " + totalLength + " is less than the " + content.length
              + " bytes of content returned");
    }
    this.totalLength = totalLength;
  }

  /**
   * The fields of {@code get}'s answer.
   *
   * @param content {@code content}: the whole encoding or its chunk 0 (copied)
   * @param totalLength {@code total_length}: bytes of the whole encoding
   */
  public static EncodedAsset of(
      byte[] content, String contentType, String contentEncoding, @Nullable Sha256 sha256,
      long totalLength) {
    return new EncodedAsset(content, contentType, contentEncoding, sha256, totalLength);
  }

  /** A copy of the content returned: the whole encoding, or its chunk 0. */
  public byte[] content() {
    return content.clone();
  }

  /** Bytes of content returned by this call. */
  public int contentLength() {
    return content.length;
  }

  public String contentType() {
    return contentType;
  }

  public String contentEncoding() {
    return contentEncoding;
  }

  public Optional<Sha256> sha256() {
    return Optional.ofNullable(sha256);
  }

  public long totalLength() {
    return totalLength;
  }

  /** Whether {@link #content()} is the whole encoding, so no {@code get_chunk} is needed. */
  public boolean isComplete() {
    return content.length == totalLength;
  }

  @Override
  public String toString() {
    return "EncodedAsset[" + contentType + ", " + contentEncoding + ", " + content.length + " of "
        + totalLength + " bytes]";
  }
}
