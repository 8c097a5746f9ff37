package org.icupgrade.replica.assets.internal;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.replica.assets.internal.AssetStore.Asset;
import org.icupgrade.replica.assets.internal.AssetStore.Encoding;

/**
 * {@code commit_batch}: the batch's operations applied to a working copy of the store, which is
 * published only when every one succeeded; the flavour decides in what order and on which store
 * they run.
 */
final class BatchOperations {
  private static final String METHOD = "commit_batch";

  private final AssetFlavour flavour;
  private final LongSupplier now;
  private final long maxHashedBytes;
  /** Content bytes the commit in progress has hashed so far (commits run one at a time). */
  private long hashed;

  /**
   * @param maxHashedBytes the most content bytes one {@code commit_batch} may hash before it runs
   *     out of instructions (see {@link AssetFlavour#maxHashedBytesPerCommit})
   */
  BatchOperations(AssetFlavour flavour, LongSupplier now, long maxHashedBytes) {
    this.flavour = flavour;
    this.now = now;
    this.maxHashedBytes = maxHashedBytes;
  }

  void commit(AssetStore state, CommitBatchArguments args) {
    AssetStore w = state.workingCopy();
    hashed = 0;
    flavour.applyAll(w, args.operations(), this);
    // The batch goes whether or not it existed (commit_batch does not look it up); its unused
    // chunks stay until the next create_batch sweeps chunks without a batch.
    w.batches.remove(args.batchId().value());
    state.publish(w);
  }

  /** Applies {@code op} to {@code store}, the assets of {@code w} or a store of the flavour's. */
  void apply(AssetStore w, Map<String, Asset> store, BatchOperation op) {
    if (op instanceof BatchOperation.CreateAsset c) {
      if (store.containsKey(c.assetKey())) {
        throw flavour.assetExists(METHOD, c.assetKey());
      }
      store.put(c.assetKey(), new Asset(c.contentType(), Map.of(), c.maxAge().orElse(null),
          c.headers().orElse(null), c.enableAliasing().orElse(null),
          c.allowRawAccess().orElse(null)));
    } else if (op instanceof BatchOperation.SetAssetContent s) {
      setContent(w, store, s);
    } else if (op instanceof BatchOperation.UnsetAssetContent u) {
      Asset a = existing(store, u.assetKey());
      Map<String, Encoding> encs = new HashMap<>(a.encodings());
      if (encs.remove(u.contentEncoding()) == null) {
        flavour.unsetAbsentEncoding(METHOD, u.assetKey(), u.contentEncoding());
      }
      store.put(u.assetKey(), a.withEncodings(encs));
    } else if (op instanceof BatchOperation.DeleteAsset d) {
      if (!store.containsKey(d.assetKey())) {
        flavour.deleteAbsent(METHOD, d.assetKey());
      }
      store.remove(d.assetKey());
    } else if (op instanceof BatchOperation.Clear) {
      flavour.clear(w);
    } else if (op instanceof BatchOperation.SetAssetProperties p) {
      Asset a = existing(store, p.assetKey());
      store.put(p.assetKey(), new Asset(a.contentType(), a.encodings(),
          p.maxAge().isChange() ? p.maxAge().value().orElse(null) : a.maxAge(),
          p.headers().isChange() ? p.headers().value().orElse(null) : a.headers(),
          p.isAliased().isChange() ? p.isAliased().value().orElse(null) : a.isAliased(),
          p.allowRawAccess().isChange() ? p.allowRawAccess().value().orElse(null)
              : a.allowRawAccess()));
    }
  }

  private Asset existing(Map<String, Asset> store, String key) {
    Asset a = store.get(key);
    if (a == null) {
      throw flavour.assetNotFound(METHOD, key);
    }
    return a;
  }

  private void setContent(AssetStore w, Map<String, Asset> store,
      BatchOperation.SetAssetContent s) {
    Optional<byte[]> lastChunk = flavour.lastChunk(s, METHOD);
    Asset a = existing(store, s.assetKey());
    List<byte[]> content = new ArrayList<>();
    for (ChunkId id : s.chunkIds()) {
      content.add(flavour.takeChunk(w, id, METHOD).content());
    }
    lastChunk.ifPresent(content::add);
    MessageDigest md = Sha256.newDigest();
    long length = 0;
    for (byte[] c : content) {
      length += c.length;
    }
    hashed += length;
    if (hashed > maxHashedBytes) {
      // A trap: the working copy is dropped, so nothing of this commit is applied.
      throw AssetRejects.trap(METHOD, "Canister exceeded the limit of instructions for a single"
          + " message execution (commit_batch hashed more than " + maxHashedBytes
          + " bytes of content)");
    }
    for (byte[] c : content) {
      md.update(c);
    }
    Sha256 actual = Sha256.fromBytes(md.digest());
    if (s.sha256().isPresent() && !s.sha256().get().equals(actual)) {
      throw flavour.sha256Mismatch(METHOD, s.assetKey(), s.sha256().get(), actual);
    }
    if (content.isEmpty()) {
      content.add(new byte[0]);
    }
    Map<String, Encoding> encs = new HashMap<>(a.encodings());
    encs.put(s.contentEncoding(), new Encoding(List.copyOf(content), length, actual,
        now.getAsLong()));
    store.put(s.assetKey(), a.withEncodings(encs));
  }
}
