package org.icupgrade.replica.internal;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.candid.internal.BlobView;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;

/**
 * The management methods of a canister's chunk store, with its limits (spec, "IC method
 * upload_chunk"), and the assembly of a module from stored chunks for {@code
 * install_chunked_code}.
 */
final class ChunkStore {
  /** upload_chunk takes chunks of at most 1 MiB (spec, "IC method upload_chunk"). */
  static final int MAX_CHUNK_SIZE = 1024 * 1024;
  /** A chunk store holds at most 100 chunks (spec, "IC method upload_chunk"). */
  static final int MAX_CHUNKS = 100;

  private ChunkStore() {}

  static byte[] uploadChunk(ManagementCall call) {
    // The chunk stays where it lies in the argument: the argument is the replica's own copy of
    // what it received (CallRouter), which the call log may record as well, so the chunk is
    // held once.
    ManagementArgs.UploadChunkView a = call.decode(
        ManagementCandid::decodeUploadChunkArgsAsView, ManagementArgs.UploadChunkView::canisterId);
    BlobView v = a.chunk();
    return ManagementCandid.encodeUploadChunkResult(
        upload(call, a.canisterId(), new Chunk(v.source(), v.offset(), v.length())));
  }

  private static Sha256 upload(ManagementCall call, Principal canisterId, Chunk chunk) {
    CanisterState c = call.controlledOrSelf(canisterId);
    if (chunk.length() > MAX_CHUNK_SIZE) {
      throw Rejects.invalid("upload_chunk", "Wasm chunk is " + chunk.length()
          + " bytes; a chunk is at most " + MAX_CHUNK_SIZE + " bytes", "IC0505");
    }
    MessageDigest md = Sha256.newDigest();
    chunk.update(md);
    Sha256 hash = Sha256.fromDigest(md);
    synchronized (c) {
      // Spec, "IC method upload_chunk": uploading a chunk already stored is a no-op, even when
      // the store is full.
      if (c.chunkStore.containsKey(hash)) {
        return hash;
      }
      if (c.chunkStore.size() >= MAX_CHUNKS) {
        throw Rejects.invalid("upload_chunk", "Wasm chunk store of canister " + canisterId
            + " is full (" + MAX_CHUNKS + " chunks); call clear_chunk_store first", "IC0505");
      }
      c.chunkStore.put(hash, chunk);
      c.uploadDigest.added(hash, chunk, remembered(hash));
    }
    return hash;
  }

  static byte[] storedChunks(ManagementCall call) {
    CanisterState c = call.controlledOrSelf(call.canisterIdArg());
    synchronized (c) {
      return ManagementCandid.encodeStoredChunksResult(new ArrayList<>(c.chunkStore.keySet()));
    }
  }

  static byte[] clearChunkStore(ManagementCall call) {
    CanisterState c = call.controlledOrSelf(call.canisterIdArg());
    synchronized (c) {
      c.clearChunkStore();
    }
    return ManagementCandid.encodeEmptyResult();
  }

  /**
   * The chunks {@code hashes} of {@code store}'s chunk store, in that order, for a module ({@code
   * install_chunked_code}); the caller holds {@code store}'s lock. The arrays are the store's own:
   * callers must not write to them.
   */
  static List<Chunk> chunks(CanisterState store, List<Sha256> hashes, String method) {
    List<Chunk> chunks = new ArrayList<>(hashes.size());
    long total = 0;
    for (Sha256 h : hashes) {
      Chunk chunk = store.chunkStore.get(h);
      if (chunk == null) {
        throw Rejects.invalid(method, "Chunk " + h + " is not in the chunk store of "
            + store.id + "; upload it first", "IC0505");
      }
      total += chunk.length();
      chunks.add(chunk);
    }
    if (total > ModuleValidator.MAX_MODULE_SIZE) {
      throw Rejects.invalid(method, "The chunks add up to " + total + " bytes, more than a"
          + " module may have", "IC0505");
    }
    return chunks;
  }

  /**
   * The SHA-256 of the concatenation of {@code chunks}, whose hashes are {@code hashes}, without
   * joining them. Chunks are content-addressed, so the hash list determines the bytes and so
   * their hash: it is remembered for the lists installed lately ({@link #MODULE_HASHES}), so
   * that a fleet installing one store's module into many canisters hashes it once. Each install
   * still checks that its chunks are in the store and compares the hash it was given.
   */
  static Sha256 moduleHash(CanisterState store, List<Sha256> hashes, List<Chunk> chunks) {
    List<Sha256> key = List.copyOf(hashes);
    synchronized (MODULE_HASHES) {
      Sha256 known = MODULE_HASHES.get(key);
      if (known != null) {
        return known;
      }
    }
    Sha256 hash = store.uploadDigest.hashOf(key);
    if (hash == null) {
      MessageDigest md = Sha256.newDigest();
      for (Chunk chunk : chunks) {
        chunk.update(md);
      }
      hash = Sha256.fromDigest(md);
    }
    synchronized (MODULE_HASHES) {
      MODULE_HASHES.put(key, hash);
    }
    return hash;
  }

  /**
   * Whether {@code chunk} is in a chunk list whose module hash is remembered: then the store's
   * {@link UploadDigest} need not hash the uploads (a fleet uploading one module again).
   */
  private static boolean remembered(Sha256 chunk) {
    synchronized (MODULE_HASHES) {
      for (List<Sha256> list : MODULE_HASHES.keySet()) {
        if (list.contains(chunk)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Forgets the remembered module hashes ({@link Replica#forgetModules()}). */
  static void forgetModuleHashes() {
    synchronized (MODULE_HASHES) {
      MODULE_HASHES.clear();
    }
  }

  /** The module hashes of the chunk lists installed lately in this JVM (at most 64 lists). */
  private static final Map<List<Sha256>, Sha256> MODULE_HASHES =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Sha256>, Sha256> eldest) {
          return size() > 64;
        }
      };
}
