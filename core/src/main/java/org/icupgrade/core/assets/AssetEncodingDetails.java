package org.icupgrade.core.assets;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * What {@code list} reports about one encoding of an asset: its name, the SHA-256 of the whole
 * encoded content, its length and when it was last set.
 */
public final class AssetEncodingDetails {
  private final String contentEncoding;
  private final @Nullable Sha256 sha256;
  private final long length;
  private final long modifiedNanos;

  private AssetEncodingDetails(
      String contentEncoding, @Nullable Sha256 sha256, long length, long modifiedNanos) {
    this.contentEncoding = Objects.requireNonNull(contentEncoding, "contentEncoding");
    if (length < 0) {
      throw new IllegalArgumentException("length is a nat, got " + length);
    }
    this.sha256 = sha256;
    this.length = length;
    this.modifiedNanos = modifiedNanos;
  }

  /**
   * An encoding as {@code list} reports it.
   *
   * @param contentEncoding {@code content_encoding}, e.g. {@code identity} or {@code gzip}
   * @param sha256 {@code sha256}, absent on canisters that did not record one
   * @param length {@code length}: bytes of this encoding
   * @param modifiedNanos {@code modified}: nanoseconds since the epoch ({@code Time = int}); 0 where
   *     the canister does not report it
   */
  public static AssetEncodingDetails of(
      String contentEncoding, @Nullable Sha256 sha256, long length, long modifiedNanos) {
    return new AssetEncodingDetails(contentEncoding, sha256, length, modifiedNanos);
  }

  public String contentEncoding() {
    return contentEncoding;
  }

  /** The SHA-256 of the whole encoded content, where the canister has one. */
  public Optional<Sha256> sha256() {
    return Optional.ofNullable(sha256);
  }

  public long length() {
    return length;
  }

  /** When this encoding was last set, in nanoseconds since the epoch. */
  public long modifiedNanos() {
    return modifiedNanos;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AssetEncodingDetails d
        && contentEncoding.equals(d.contentEncoding)
        && Objects.equals(sha256, d.sha256)
        && length == d.length
        && modifiedNanos == d.modifiedNanos;
  }

  @Override
  public int hashCode() {
    return Objects.hash(contentEncoding, sha256, length, modifiedNanos);
  }

  @Override
  public String toString() {
    return contentEncoding + "(" + length + " bytes, sha256 " + (sha256 == null ? "-" : sha256.hex())
        + ")";
  }
}
