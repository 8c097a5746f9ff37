package org.icupgrade.core.assets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * One operation of a {@code commit_batch} ({@code BatchOperationKind} in {@code assetstorage.did}).
 * The canister applies a batch's operations in order, all or none.
 */
public sealed interface BatchOperation {
  /** The key the operation is about; empty for {@link Clear}. */
  Optional<String> key();

  /**
   * Header bytes this operation carries, counted as the reference tool counts them when it splits
   * a commit (name + value of every header).
   */
  default int headerBytes() {
    return 0;
  }

  /** {@code CreateAsset}: a new key with no content yet. Refused when the key exists. */
  final class CreateAsset implements BatchOperation {
    private final String key;
    private final String contentType;
    private final @Nullable Long maxAge;
    private final @Nullable List<HeaderField> headers;
    private final @Nullable Boolean enableAliasing;
    private final @Nullable Boolean allowRawAccess;

    private CreateAsset(Builder b) {
      this.key = b.key;
      this.contentType = b.contentType;
      this.maxAge = b.maxAge;
      this.headers = b.headers == null ? null : List.copyOf(b.headers);
      this.enableAliasing = b.enableAliasing;
      this.allowRawAccess = b.allowRawAccess;
    }

    /** A {@code CreateAsset} with only the key and content type; every option absent. */
    public static CreateAsset of(String key, String contentType) {
      return builder(key, contentType).build();
    }

    public static Builder builder(String key, String contentType) {
      return new Builder(key, contentType);
    }

    @Override
    public Optional<String> key() {
      return Optional.of(key);
    }

    /** The key, never absent for this operation. */
    public String assetKey() {
      return key;
    }

    public String contentType() {
      return contentType;
    }

    /** {@code max_age}: seconds for {@code Cache-Control: max-age}. */
    public Optional<Long> maxAge() {
      return Optional.ofNullable(maxAge);
    }

    /** {@code headers}: extra response headers. */
    public Optional<List<HeaderField>> headers() {
      return Optional.ofNullable(headers);
    }

    /** {@code enable_aliasing}: whether {@code /a} and {@code /a/} also serve {@code /a.html}. */
    public Optional<Boolean> enableAliasing() {
      return Optional.ofNullable(enableAliasing);
    }

    /** {@code allow_raw_access}: whether {@code raw.icp0.io} may serve it uncertified. */
    public Optional<Boolean> allowRawAccess() {
      return Optional.ofNullable(allowRawAccess);
    }

    @Override
    public int headerBytes() {
      return headers == null ? 0 : headers.stream().mapToInt(HeaderField::byteSize).sum();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CreateAsset c
          && key.equals(c.key)
          && contentType.equals(c.contentType)
          && Objects.equals(maxAge, c.maxAge)
          && Objects.equals(headers, c.headers)
          && Objects.equals(enableAliasing, c.enableAliasing)
          && Objects.equals(allowRawAccess, c.allowRawAccess);
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, contentType, maxAge, headers, enableAliasing, allowRawAccess);
    }

    @Override
    public String toString() {
      return "CreateAsset[" + key + ", " + contentType + "]";
    }

    /** Builds a {@link CreateAsset}; options left unset are sent as absent. */
    public static final class Builder {
      private final String key;
      private final String contentType;
      private @Nullable Long maxAge;
      private @Nullable List<HeaderField> headers;
      private @Nullable Boolean enableAliasing;
      private @Nullable Boolean allowRawAccess;

      private Builder(String key, String contentType) {
        this.key = Objects.requireNonNull(key, "key");
        this.contentType = Objects.requireNonNull(contentType, "contentType");
      }

      public Builder maxAge(long seconds) {
        if (seconds < 0) {
          throw new IllegalArgumentException("max_age is a nat64, got " + seconds);
        }
        this.maxAge = seconds;
        return this;
      }

      public Builder headers(List<HeaderField> headers) {
        this.headers = new ArrayList<>(headers);
        return this;
      }

      public Builder enableAliasing(boolean enableAliasing) {
        this.enableAliasing = enableAliasing;
        return this;
      }

      public Builder allowRawAccess(boolean allowRawAccess) {
        this.allowRawAccess = allowRawAccess;
        return this;
      }

      public CreateAsset build() {
        return new CreateAsset(this);
      }
    }
  }

  /**
   * {@code SetAssetContent}: the content of one encoding of an existing key, assembled from uploaded
   * chunks in order followed by {@code last_chunk} (API version 2 and later). The canister checks
   * the given SHA-256 against what it assembled.
   */
  final class SetAssetContent implements BatchOperation {
    private final String key;
    private final String contentEncoding;
    private final List<ChunkId> chunkIds;
    private final byte @Nullable [] lastChunk;
    private final @Nullable Sha256 sha256;

    private SetAssetContent(
        String key, String contentEncoding, List<ChunkId> chunkIds, byte @Nullable [] lastChunk,
        @Nullable Sha256 sha256) {
      this.key = Objects.requireNonNull(key, "key");
      this.contentEncoding = Objects.requireNonNull(contentEncoding, "contentEncoding");
      this.chunkIds = List.copyOf(chunkIds);
      this.lastChunk = lastChunk == null ? null : lastChunk.clone();
      this.sha256 = sha256;
      if (this.chunkIds.isEmpty() && lastChunk == null) {
        throw new IllegalArgumentException(
            "SetAssetContent for " + key + " needs at least one chunk id or a last_chunk"
                + " (the canister refuses an encoding without content)");
      }
    }

    /**
     * The content of {@code key} in {@code contentEncoding}.
     *
     * @param chunkIds {@code chunk_ids}, in content order
     * @param lastChunk {@code last_chunk}: bytes appended after the chunks (copied); only API
     *     version 2 canisters accept it
     * @param sha256 {@code sha256} of the whole encoded content, checked by the canister
     */
    public static SetAssetContent of(
        String key, String contentEncoding, List<ChunkId> chunkIds, byte @Nullable [] lastChunk,
        @Nullable Sha256 sha256) {
      return new SetAssetContent(key, contentEncoding, chunkIds, lastChunk, sha256);
    }

    @Override
    public Optional<String> key() {
      return Optional.of(key);
    }

    public String assetKey() {
      return key;
    }

    public String contentEncoding() {
      return contentEncoding;
    }

    public List<ChunkId> chunkIds() {
      return chunkIds;
    }

    /** A copy of {@code last_chunk}, if present. */
    public Optional<byte[]> lastChunk() {
      return lastChunk == null ? Optional.empty() : Optional.of(lastChunk.clone());
    }

    /** Bytes of {@code last_chunk}, 0 when absent. */
    public int lastChunkLength() {
      return lastChunk == null ? 0 : lastChunk.length;
    }

    public Optional<Sha256> sha256() {
      return Optional.ofNullable(sha256);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SetAssetContent s
          && key.equals(s.key)
          && contentEncoding.equals(s.contentEncoding)
          && chunkIds.equals(s.chunkIds)
          && Arrays.equals(lastChunk, s.lastChunk)
          && Objects.equals(sha256, s.sha256);
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, contentEncoding, chunkIds, Arrays.hashCode(lastChunk), sha256);
    }

    @Override
    public String toString() {
      return "SetAssetContent[" + key + ", " + contentEncoding + ", " + chunkIds.size() + " chunks"
          + (lastChunk == null ? "" : ", last_chunk " + lastChunk.length + " bytes") + "]";
    }
  }

  /**
   * {@code UnsetAssetContent}: removes one encoding of a key.
   *
   * @param assetKey the key
   * @param contentEncoding the encoding to remove
   */
  record UnsetAssetContent(String assetKey, String contentEncoding) implements BatchOperation {
    public UnsetAssetContent {
      Objects.requireNonNull(assetKey, "assetKey");
      Objects.requireNonNull(contentEncoding, "contentEncoding");
    }

    @Override
    public Optional<String> key() {
      return Optional.of(assetKey);
    }
  }

  /**
   * {@code DeleteAsset}: removes a key with all its encodings; no error when it is absent.
   *
   * @param assetKey the key
   */
  record DeleteAsset(String assetKey) implements BatchOperation {
    public DeleteAsset {
      Objects.requireNonNull(assetKey, "assetKey");
    }

    @Override
    public Optional<String> key() {
      return Optional.of(assetKey);
    }
  }

  /** {@code Clear}: removes every asset (and, on the DFINITY canister, every batch and chunk). */
  record Clear() implements BatchOperation {
    @Override
    public Optional<String> key() {
      return Optional.empty();
    }
  }

  /**
   * {@code SetAssetProperties}: changes the serving properties of an existing key; each field is
   * kept, cleared or set (Candid {@code opt opt}).
   */
  final class SetAssetProperties implements BatchOperation {
    private final String key;
    private final PropertyUpdate<Long> maxAge;
    private final PropertyUpdate<List<HeaderField>> headers;
    private final PropertyUpdate<Boolean> allowRawAccess;
    private final PropertyUpdate<Boolean> isAliased;

    private SetAssetProperties(
        String key, PropertyUpdate<Long> maxAge, PropertyUpdate<List<HeaderField>> headers,
        PropertyUpdate<Boolean> allowRawAccess, PropertyUpdate<Boolean> isAliased) {
      this.key = Objects.requireNonNull(key, "key");
      this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
      this.headers = headers.value().isPresent()
          ? PropertyUpdate.set(List.copyOf(headers.value().get()))
          : Objects.requireNonNull(headers, "headers");
      this.allowRawAccess = Objects.requireNonNull(allowRawAccess, "allowRawAccess");
      this.isAliased = Objects.requireNonNull(isAliased, "isAliased");
    }

    /**
     * The property changes for {@code key} ({@code max_age}, {@code headers},
     * {@code allow_raw_access}, {@code is_aliased}).
     */
    public static SetAssetProperties of(
        String key, PropertyUpdate<Long> maxAge, PropertyUpdate<List<HeaderField>> headers,
        PropertyUpdate<Boolean> allowRawAccess, PropertyUpdate<Boolean> isAliased) {
      return new SetAssetProperties(key, maxAge, headers, allowRawAccess, isAliased);
    }

    @Override
    public Optional<String> key() {
      return Optional.of(key);
    }

    public String assetKey() {
      return key;
    }

    public PropertyUpdate<Long> maxAge() {
      return maxAge;
    }

    public PropertyUpdate<List<HeaderField>> headers() {
      return headers;
    }

    public PropertyUpdate<Boolean> allowRawAccess() {
      return allowRawAccess;
    }

    public PropertyUpdate<Boolean> isAliased() {
      return isAliased;
    }

    @Override
    public int headerBytes() {
      return headers.value().map(h -> h.stream().mapToInt(HeaderField::byteSize).sum()).orElse(0);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SetAssetProperties s
          && key.equals(s.key)
          && maxAge.equals(s.maxAge)
          && headers.equals(s.headers)
          && allowRawAccess.equals(s.allowRawAccess)
          && isAliased.equals(s.isAliased);
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, maxAge, headers, allowRawAccess, isAliased);
    }

    @Override
    public String toString() {
      return "SetAssetProperties[" + key + ", max_age " + maxAge + ", headers " + headers
          + ", allow_raw_access " + allowRawAccess + ", is_aliased " + isAliased + "]";
    }
  }
}
