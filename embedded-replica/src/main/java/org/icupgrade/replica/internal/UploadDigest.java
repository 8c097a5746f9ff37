package org.icupgrade.replica.internal;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * The SHA-256 of a chunk store's chunks in the order they were uploaded, computed on a
 * background thread while the uploads go on, so that {@code install_chunked_code} with the
 * chunks in that order (what an uploader does) has the module hash it must check (spec, "IC
 * method install_chunked_code": wasm_module_hash is the hash of the concatenated chunks) without
 * hashing 100 MiB again while the caller waits. Any other list of chunks is hashed at install.
 * Used under the canister's lock.
 */
final class UploadDigest {
  /** One daemon thread for every replica of this JVM: a digest is sequential anyway. */
  private static final ExecutorService HASHER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "embedded-replica-chunk-digest");
    t.setDaemon(true);
    return t;
  });

  private final List<Sha256> hashes = new ArrayList<>();
  private @Nullable MessageDigest digest;
  private CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
  /** Off for this sequence of uploads: its module's hash is remembered already. */
  private boolean off;

  /**
   * {@code chunk}, whose hash is {@code hash}, was added to the store; {@code remembered}: its
   * module's hash is likely known already ({@link ChunkStore#moduleHash}), so none is computed.
   */
  void added(Sha256 hash, Chunk chunk, boolean remembered) {
    if (off || remembered) {
      off = true;
      return;
    }
    MessageDigest md = digest;
    if (md == null) {
      md = Sha256.newDigest();
      digest = md;
    }
    hashes.add(hash);
    MessageDigest target = md;
    done = done.thenRunAsync(() -> chunk.update(target), HASHER);
  }

  /** The store was emptied or replaced: the next upload starts a new sequence. */
  void reset() {
    hashes.clear();
    digest = null;
    done = CompletableFuture.completedFuture(null);
    off = false;
  }

  /** The hash of the chunks {@code list} joined when they are those uploaded, in order; else null. */
  @Nullable Sha256 hashOf(List<Sha256> list) {
    MessageDigest md = digest;
    if (off || md == null || !hashes.equals(list)) {
      return null;
    }
    done.join(); // every update before this one has happened
    try {
      return Sha256.fromDigest((MessageDigest) md.clone());
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }
}
