package org.icupgrade.assets.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.core.assets.AssetSyncEvent;
import org.icupgrade.core.assets.AssetSyncListener;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.jspecify.annotations.Nullable;

/** One encoding being uploaded: its pieces, the chunk ids they got, and the inline tail. */
final class EncodingUpload {
  private final String key;
  private final ReleaseEncoding encoding;
  private final List<Piece> pieces;
  private final ChunkId[] ids;
  private final AtomicInteger pending;
  private volatile byte @Nullable [] lastChunk;

  EncodingUpload(String key, ReleaseEncoding encoding) {
    this.key = key;
    this.encoding = encoding;
    int length = encoding.length();
    int count = Math.max(1, (length + DefaultAssetSyncer.MAX_CHUNK_BYTES - 1)
        / DefaultAssetSyncer.MAX_CHUNK_BYTES);
    this.pieces = new ArrayList<>(count);
    this.ids = new ChunkId[count];
    this.pending = new AtomicInteger(count);
    for (int i = 0; i < count; i++) {
      int from = i * DefaultAssetSyncer.MAX_CHUNK_BYTES;
      int to = Math.min(length, from + DefaultAssetSyncer.MAX_CHUNK_BYTES);
      pieces.add(new Piece(this, i, from, to, i == count - 1));
    }
  }

  /** The encoding's length in bytes. */
  int length() {
    return encoding.length();
  }

  List<Piece> pieces() {
    return pieces;
  }

  byte[] bytes(int from, int to) {
    return encoding.copyOfRange(from, to);
  }

  void chunkCreated(int index, ChunkId id, AssetSyncListener listener) {
    synchronized (ids) {
      ids[index] = id;
    }
    finishOne(listener);
  }

  void inlined(int index, byte[] content, AssetSyncListener listener) {
    lastChunk = content;
    finishOne(listener);
  }

  private void finishOne(AssetSyncListener listener) {
    if (pending.decrementAndGet() == 0) {
      listener.onEvent(new AssetSyncEvent.AssetUploaded(
          key, encoding.contentEncoding(), encoding.length()));
    }
  }

  /** The {@code SetAssetContent} for this encoding; call after every piece is done. */
  BatchOperation.SetAssetContent operation() {
    List<ChunkId> chunkIds = new ArrayList<>(ids.length);
    synchronized (ids) {
      for (ChunkId id : ids) {
        if (id != null) {
          chunkIds.add(id);
        }
      }
    }
    return BatchOperation.SetAssetContent.of(
        key, encoding.contentEncoding(), chunkIds, lastChunk, encoding.sha256());
  }
}
