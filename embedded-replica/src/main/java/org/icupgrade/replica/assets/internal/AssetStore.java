package org.icupgrade.replica.assets.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.HeaderField;
import org.jspecify.annotations.Nullable;

/**
 * What an asset canister stores: the assets, the uploaded chunks, the open batches and the next
 * ids. {@code commit_batch} works on a {@link #workingCopy} that it publishes only when every
 * operation succeeded.
 */
final class AssetStore {
  record Chunk(BigInteger batchId, byte[] content) {}

  /** One encoding: the content as it was uploaded, chunk by chunk (what get_chunk serves). */
  record Encoding(List<byte[]> chunks, long length, Sha256 sha256, long modifiedNanos) {
    byte[] whole() {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) length);
      chunks.forEach(out::writeBytes);
      return out.toByteArray();
    }
  }

  record Asset(
      String contentType, Map<String, Encoding> encodings, @Nullable Long maxAge,
      @Nullable List<HeaderField> headers, @Nullable Boolean isAliased,
      @Nullable Boolean allowRawAccess) {
    Asset withEncodings(Map<String, Encoding> e) {
      return new Asset(contentType, Map.copyOf(e), maxAge, headers, isAliased, allowRawAccess);
    }
  }

  Map<String, Asset> assets;
  Map<BigInteger, Chunk> chunks;
  /** Batch id to expiry, in nanoseconds since the epoch. */
  Map<BigInteger, Long> batches;
  BigInteger nextBatch;
  BigInteger nextChunk;

  AssetStore() {
    this(new TreeMap<>(FrontendRelease.KEY_ORDER), new HashMap<>(), new HashMap<>(),
        BigInteger.ONE, BigInteger.ONE);
  }

  private AssetStore(
      Map<String, Asset> assets, Map<BigInteger, Chunk> chunks, Map<BigInteger, Long> batches,
      BigInteger nextBatch, BigInteger nextChunk) {
    this.assets = assets;
    this.chunks = chunks;
    this.batches = batches;
    this.nextBatch = nextBatch;
    this.nextChunk = nextChunk;
  }

  /** A copy that {@code commit_batch} changes, then {@link #publish}es. */
  AssetStore workingCopy() {
    return new AssetStore(new TreeMap<>(assets), new HashMap<>(chunks), new HashMap<>(batches),
        nextBatch, nextChunk);
  }

  /** Takes over what {@code work} holds. */
  void publish(AssetStore work) {
    assets = work.assets;
    chunks = work.chunks;
    batches = work.batches;
    nextBatch = work.nextBatch;
    nextChunk = work.nextChunk;
  }

  /** Drops every asset, chunk and batch; the ids count on. */
  void clear() {
    assets.clear();
    chunks.clear();
    batches.clear();
  }
}
