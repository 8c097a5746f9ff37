package org.icupgrade.assets.internal;

import org.icupgrade.core.assets.AssetSyncListener;
import org.icupgrade.core.assets.ChunkId;

/** A range of one encoding that becomes one chunk, or the inline {@code last_chunk}. */
final class Piece {
  private final EncodingUpload owner;
  private final int index;
  private final int from;
  private final int to;
  private final boolean last;

  Piece(EncodingUpload owner, int index, int from, int to, boolean last) {
    this.owner = owner;
    this.index = index;
    this.from = from;
    this.to = to;
    this.last = last;
  }

  int length() {
    return to - from;
  }

  boolean isLast() {
    return last;
  }

  byte[] bytes() {
    return owner.bytes(from, to);
  }

  void done(ChunkId id, AssetSyncListener listener) {
    owner.chunkCreated(index, id, listener);
  }

  void inline(AssetSyncListener listener) {
    owner.inlined(index, bytes(), listener);
  }
}
