package org.icupgrade.assets.internal;

import java.util.function.Supplier;
import org.icupgrade.core.calls.RetryListener;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.calls.UploadEngine;
import org.icupgrade.core.assets.AssetSyncEvent;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.icupgrade.assets.AssetDiffer;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetChange;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.AssetSyncListener;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.MissingPermissionException;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;
import org.icupgrade.core.assets.SyncOutcome;
import org.jspecify.annotations.Nullable;

/** The {@link AssetSyncer} behind {@link org.icupgrade.assets.AssetSyncers}. Immutable. */
public final class DefaultAssetSyncer implements AssetSyncer {
  /**
   * Largest chunk: the reference tool's 1,900,000 bytes, which with the Candid and request envelope
   * stays under the 2 MiB ingress limit of application subnets.
   */
  public static final int MAX_CHUNK_BYTES = 1_900_000;

  /**
   * Most content carried inline as {@code last_chunk} over a whole sync: half a chunk, the reference
   * tool's estimate of what a commit message can carry besides its operations.
   */
  public static final int MAX_INLINE_BYTES = MAX_CHUNK_BYTES / 2;

  /** Operations per {@code commit_batch} call: the reference tool's bound on certification work. */
  public static final int MAX_OPERATIONS_PER_COMMIT = 500;

  /**
   * Header plus inline-content bytes per {@code commit_batch} call: the reference tool keeps header
   * bytes under 1.5 MB; we count inline content too so a call never nears the ingress limit.
   */
  public static final int MAX_COMMIT_BYTES = 1_500_000;

  /**
   * Default bound on the content bytes (chunks and {@code last_chunk}s) the operations of one
   * {@code commit_batch} call refer to: the DFINITY canister hashes all of them in that one message,
   * about 500 MB at most within its 40 billion instructions; the reference tool kept its commits
   * under 100 MB (ic-asset sync.rs, {@code MAX_ASSET_CONTENT_SIZE}, before dfinity/sdk#4450).
   */
  public static final long DEFAULT_MAX_COMMIT_CONTENT_BYTES = 100_000_000L;

  /**
   * The batch id of the intermediate {@code commit_batch} calls: the canister applies the
   * operations and removes no batch (there is none with id 0), so the sync's batch and its chunks
   * stay until the final empty commit with the real id (ic-asset sync.rs, commit_in_stages).
   */
  static final BatchId STAGE_BATCH_ID = BatchId.of(0);

  /** The page both flavours fall back to for a path with no asset: the site's entry page. */
  static final String ENTRY_PAGE = "/index.html";

  /** {@code list} returns at most this many entries per call. */
  static final int LIST_PAGE = 100;

  private final AssetCanisterFlavor flavor;
  private final Predicate<String> protectedKeys;
  private final UploadEngine uploads;
  private final AssetSyncListener userListener;
  /** The user's listener, called one event at a time whichever thread reports. */
  private final AssetSyncListener listener;
  private final RetryPolicy retryPolicy;
  private final RetryListener retryListener;
  private final long maxCommitContentBytes;

  public DefaultAssetSyncer(
      AssetCanisterFlavor flavor, Predicate<String> protectedKeys, UploadEngine uploads,
      AssetSyncListener listener) {
    this(flavor, protectedKeys, uploads, listener, DEFAULT_MAX_COMMIT_CONTENT_BYTES);
  }

  /**
   * @param maxCommitContentBytes the most content bytes one {@code commit_batch} call may refer to
   *     (an encoding larger than that alone still gets its own call)
   */
  public DefaultAssetSyncer(
      AssetCanisterFlavor flavor, Predicate<String> protectedKeys, UploadEngine uploads,
      AssetSyncListener listener, long maxCommitContentBytes) {
    if (maxCommitContentBytes < 1) {
      throw new IllegalArgumentException(
          "maxCommitContentBytes must be at least 1, got " + maxCommitContentBytes);
    }
    this.maxCommitContentBytes = maxCommitContentBytes;
    this.flavor = flavor;
    this.protectedKeys = protectedKeys;
    this.uploads = uploads;
    this.userListener = listener;
    Object lock = new Object();
    this.listener = event -> {
      synchronized (lock) {
        listener.onEvent(event);
      }
    };
    this.retryPolicy = uploads.retryPolicy();
    this.retryListener = (method, attempt, delay, failure) ->
        this.listener.onEvent(new AssetSyncEvent.Retrying(method, attempt, delay, failure));
  }

  public AssetCanisterFlavor flavor() {
    return flavor;
  }

  public Predicate<String> protectedKeys() {
    return protectedKeys;
  }

  public UploadEngine uploadEngine() {
    return uploads;
  }

  public AssetSyncListener listener() {
    return userListener;
  }

  public long maxCommitContentBytes() {
    return maxCommitContentBytes;
  }

  /** Every IC call of a sync, repeated after transient failures by the one policy. */
  private <T extends @Nullable Object> T ic(String method, Supplier<T> call) {
    return retryPolicy.call(method, call, retryListener);
  }

  private void ic(String method, Runnable call) {
    retryPolicy.run(method, call, retryListener);
  }

  @Override
  public AssetDiff diff(AssetCanister canister, FrontendRelease release) {
    return diffAgainst(canister.canisterId(), release, listAll(canister));
  }

  /**
   * The diff of {@code release} against {@code existing}, gzip encodings made only where they may
   * be uploaded. A release read by {@link org.icupgrade.assets.ReleaseReader} holds identity
   * encodings only. For an asset whose type is gzipped by default ({@link Gzipper#gzipByDefault}):
   * when the canister holds its identity with the same SHA-256 and the same content type, and a
   * gzip encoding, that gzip was made from this same content, so nothing is compressed and the
   * canister's gzip is left as it is; otherwise the gzip is made now (and kept if smaller), to be
   * compared and uploaded like any encoding.
   */
  public AssetDiff diffAgainst(Principal canisterId, FrontendRelease release,
      List<AssetDetails> existing) {
    Map<String, AssetDetails> onCanister = new HashMap<>(existing.size() * 2);
    for (AssetDetails d : existing) {
      onCanister.putIfAbsent(d.key(), d);
    }
    List<ReleaseAsset> assets = new ArrayList<>(release.size());
    // The canister's entries whose gzip stays, by identity: keys may repeat in a listing.
    Set<AssetDetails> keepGzip =
        java.util.Collections.newSetFromMap(new IdentityHashMap<>(existing.size()));
    boolean changed = false;
    for (ReleaseAsset a : release.assets()) {
      if (a.encodings().size() != 1 || a.identity().length() == 0
          || !Gzipper.gzipByDefault(a.contentType())) {
        assets.add(a);
        continue;
      }
      AssetDetails d = onCanister.get(a.key());
      if (d != null && d.contentType().equals(a.contentType())
          && holdsGzipOf(d, a.sha256())) {
        keepGzip.add(d);
        assets.add(a);
      } else {
        ReleaseAsset withGzip = ReleaseCollector.withGzip(a);
        changed |= withGzip != a;
        assets.add(withGzip);
      }
    }
    List<AssetDetails> shown = existing;
    if (!keepGzip.isEmpty()) {
      shown = new ArrayList<>(existing.size());
      for (AssetDetails d : existing) {
        if (keepGzip.contains(d)) {
          shown.add(AssetDetails.of(d.key(), d.contentType(), withoutGzip(d.encodings())));
        } else {
          shown.add(d);
        }
      }
    }
    FrontendRelease completed = changed ? FrontendRelease.of(assets) : release;
    return AssetDiffer.diff(canisterId, completed, shown, protectedKeys, flavor);
  }

  /**
   * Whether the canister lists a gzip encoding for {@code d} and its first identity encoding has
   * SHA-256 {@code identity}. Plain loops: this runs for every file of every redeploy.
   */
  private static boolean holdsGzipOf(AssetDetails d, Sha256 identity) {
    boolean gzip = false;
    @Nullable Sha256 there = null;
    boolean identitySeen = false;
    for (AssetEncodingDetails e : d.encodings()) {
      String name = e.contentEncoding();
      if (name.equals(ReleaseEncoding.GZIP)) {
        gzip = true;
      } else if (!identitySeen && name.equals(ReleaseEncoding.IDENTITY)) {
        identitySeen = true;
        there = e.sha256().orElse(null);
      }
    }
    return gzip && there != null && there.equals(identity);
  }

  private static List<AssetEncodingDetails> withoutGzip(List<AssetEncodingDetails> encodings) {
    if (encodings.size() == 2) {
      // the usual identity and gzip: the other one, without building a list to filter
      boolean first = encodings.get(0).contentEncoding().equals(ReleaseEncoding.GZIP);
      boolean second = encodings.get(1).contentEncoding().equals(ReleaseEncoding.GZIP);
      if (first != second) {
        return List.of(encodings.get(first ? 1 : 0));
      }
    }
    List<AssetEncodingDetails> kept = new ArrayList<>(encodings);
    kept.removeIf(e -> e.contentEncoding().equals(ReleaseEncoding.GZIP));
    return kept;
  }

  @Override
  public SyncOutcome sync(AssetCanister canister, FrontendRelease release) {
    int apiVersion = ic("api_version", canister::apiVersion);
    checkCommitPermission(canister, apiVersion);
    return applyChecked(canister, diff(canister, release), apiVersion);
  }

  @Override
  public SyncOutcome apply(AssetCanister canister, AssetDiff diff) {
    if (!diff.canisterId().equals(canister.canisterId())) {
      throw new IllegalArgumentException("the diff was computed against " + diff.canisterId()
          + ", not " + canister.canisterId() + "; compute it with diff(canister, release)");
    }
    int apiVersion = ic("api_version", canister::apiVersion);
    checkCommitPermission(canister, apiVersion);
    return applyChecked(canister, diff, apiVersion);
  }

  /**
   * Every entry of {@code list}, page by page. A canister that ignores paging returns everything at
   * once (a page longer than asked, or the same page again); both end the loop.
   */
  private List<AssetDetails> listAll(AssetCanister canister) {
    List<AssetDetails> all = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    long start = 0;
    while (true) {
      long from = start;
      List<AssetDetails> page = ic("list", () -> canister.list(from, LIST_PAGE));
      boolean fresh = false;
      for (AssetDetails d : page) {
        if (seen.add(d.key())) {
          all.add(d);
          fresh = true;
        }
      }
      if (page.size() != LIST_PAGE || !fresh) {
        return all;
      }
      start += page.size();
    }
  }

  // Canisters before api_version 1 have no permission model (only `authorize`), so there is
  // nothing to ask; they reject an unauthorised create_batch before any upload anyway.
  private void checkCommitPermission(AssetCanister canister, int apiVersion) {
    if (apiVersion < 1) {
      return;
    }
    Principal caller = canister.caller();
    List<Principal> permitted;
    try {
      permitted = ic("list_permitted", () -> canister.listPermitted(Permission.COMMIT));
    } catch (CanisterRejectException e) {
      throw new MissingPermissionException(canister.canisterId(), caller, Permission.COMMIT, e);
    }
    if (!permitted.contains(caller)) {
      throw new MissingPermissionException(canister.canisterId(), caller, Permission.COMMIT, null);
    }
  }

  private SyncOutcome applyChecked(AssetCanister canister, AssetDiff diff, int apiVersion) {
    SyncOutcome.Builder outcome = SyncOutcome.builder(diff);
    if (diff.isEmpty()) {
      SyncOutcome done = outcome.build();
      listener.onEvent(new AssetSyncEvent.Finished(done));
      return done;
    }
    listener.onEvent(new AssetSyncEvent.Started(diff));
    boolean http = flavor == AssetCanisterFlavor.HTTP_ASSETS_0_2;
    if (http) {
      for (AssetChange c : diff.changes()) {
        if (c.kind() == AssetChange.Kind.CHANGED && !c.recreate()) {
          throw new IllegalArgumentException("the diff changes " + c.key() + " in place, which"
              + " http-assets 0.2.0 cannot do; compute the diff with this syncer's diff()");
        }
      }
    }
    List<EncodingUpload> uploads = new ArrayList<>();
    for (AssetChange c : diff.changes()) {
      ReleaseAsset asset = c.asset().orElse(null);
      if (asset == null) {
        continue;
      }
      for (String name : c.uploadEncodings()) {
        ReleaseEncoding e = asset.encoding(name).orElseThrow(() -> new IllegalArgumentException(
            "the diff uploads encoding " + name + " of " + c.key() + " which the release lacks"));
        uploads.add(new EncodingUpload(c.key(), e));
      }
    }
    boolean needsCommit = http
        ? diff.changes().stream().anyMatch(c -> c.kind() != AssetChange.Kind.STALE)
        : true;

    BatchId batchId = null;
    if (needsCommit) {
      batchId = ic("create_batch", canister::createBatch);
      outcome.batchId(batchId);
      try {
        upload(canister, batchId, uploads, apiVersion, outcome);
      } catch (RuntimeException e) {
        dropBatch(canister, batchId, apiVersion, e);
        throw e;
      }
    }
    int deletes = 0;
    if (batchId != null) {
      Map<BatchOperation, Long> contentBytes = new IdentityHashMap<>();
      Map<String, List<BatchOperation>> byKey = operations(diff, uploads, http, contentBytes);
      List<Stage> stages = http ? httpStages(diff, byKey, contentBytes) : stages(byKey, contentBytes);
      deletes += commit(canister, batchId, stages, apiVersion, outcome);
    }
    if (http) {
      // Stale keys go last, once everything new is in place: a failure before leaves the old
      // site plus the new assets, never a site without its pages.
      for (AssetChange c : diff.changes()) {
        if (c.kind() == AssetChange.Kind.STALE) {
          ic("delete_asset", () -> canister.deleteAsset(c.key()));
          deletes++;
          listener.onEvent(new AssetSyncEvent.AssetDeleted(c.key()));
        }
      }
      outcome.directDeletes(deletes);
    }
    SyncOutcome done = outcome.build();
    listener.onEvent(new AssetSyncEvent.Finished(done));
    return done;
  }

  /** The entry page's identity content as the canister held it, to put back after a failure. */
  private record Snapshot(String contentType, byte[] content, @Nullable Sha256 sha256) {}

  private @Nullable Snapshot snapshot(AssetCanister canister) {
    try {
      EncodedAsset a = ic("get", () -> canister.get(ENTRY_PAGE, List.of(ReleaseEncoding.IDENTITY)));
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(a.totalLength(),
          Integer.MAX_VALUE - 8));
      out.writeBytes(a.content());
      for (long index = 1; out.size() < a.totalLength(); index++) {
        long at = index;
        byte[] chunk = ic("get_chunk", () -> canister.getChunk(
            ENTRY_PAGE, ReleaseEncoding.IDENTITY, at, a.sha256().orElse(null)));
        if (chunk.length == 0) {
          break;
        }
        out.writeBytes(chunk);
      }
      return new Snapshot(a.contentType(), out.toByteArray(), a.sha256().orElse(null));
    } catch (IcException e) {
      // No identity content to keep (or it cannot be read): nothing to restore.
      return null;
    }
  }

  /**
   * Puts the entry page back after the commit that was to recreate it failed (http-assets): its
   * old content as a chunk of the sync's batch, and a commit creating it.
   */
  private void restore(AssetCanister canister, BatchId batchId, boolean staged, Snapshot entry,
      RuntimeException failure) {
    try {
      List<ChunkId> ids = new ArrayList<>();
      byte[] content = entry.content();
      for (int from = 0; from < content.length || ids.isEmpty(); from += MAX_CHUNK_BYTES) {
        byte[] piece = java.util.Arrays.copyOfRange(content, from,
            Math.min(content.length, from + MAX_CHUNK_BYTES));
        ids.add(ic("create_chunk", () -> canister.createChunk(batchId, piece)));
      }
      CommitBatchArguments args = CommitBatchArguments.of(staged ? STAGE_BATCH_ID : batchId,
          List.of(BatchOperation.CreateAsset.of(ENTRY_PAGE, entry.contentType()),
              BatchOperation.SetAssetContent.of(ENTRY_PAGE, ReleaseEncoding.IDENTITY, ids, null,
                  entry.sha256())));
      ic("commit_batch", () -> canister.commitBatch(args));
    } catch (IcException e) {
      failure.addSuppressed(e);
    }
  }

  private void dropBatch(
      AssetCanister canister, BatchId batchId, int apiVersion, RuntimeException failure) {
    if (apiVersion < 1) {
      return;
    }
    try {
      ic("delete_batch", () -> canister.deleteBatch(batchId));
    } catch (IcException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * The commit's operations, key by key in the diff's order; {@code contentBytes} gets each
   * SetAssetContent's content length.
   */
  private Map<String, List<BatchOperation>> operations(
      AssetDiff diff, List<EncodingUpload> uploads, boolean http,
      Map<BatchOperation, Long> contentBytes) {
    Map<String, List<BatchOperation>> byKey = new LinkedHashMap<>();
    int u = 0;
    for (AssetChange c : diff.changes()) {
      List<BatchOperation> ops = new ArrayList<>(4);
      switch (c.kind()) {
        case STALE -> {
          if (!http) {
            ops.add(new BatchOperation.DeleteAsset(c.key()));
          }
        }
        case NEW, CHANGED -> {
          ReleaseAsset asset = c.asset().orElseThrow();
          boolean create = c.kind() == AssetChange.Kind.NEW || c.recreate();
          if (create && !http && c.kind() == AssetChange.Kind.CHANGED) {
            ops.add(new BatchOperation.DeleteAsset(c.key()));
          }
          if (create) {
            ops.add(BatchOperation.CreateAsset.of(c.key(), asset.contentType()));
          }
          for (int i = 0; i < c.uploadEncodings().size(); i++) {
            EncodingUpload up = uploads.get(u++);
            BatchOperation set = up.operation();
            contentBytes.put(set, (long) up.length());
            ops.add(set);
          }
          for (String unset : c.unsetEncodings()) {
            ops.add(new BatchOperation.UnsetAssetContent(c.key(), unset));
          }
        }
      }
      if (!ops.isEmpty()) {
        byKey.put(c.key(), ops);
      }
    }
    return byKey;
  }

  /** One {@code commit_batch} call, and the keys to delete directly just before it. */
  private record Stage(List<String> deleteFirst, List<BatchOperation> ops) {}

  private List<List<BatchOperation>> split(
      List<BatchOperation> ops, Map<BatchOperation, Long> contentBytes) {
    return CommitSplitter.split(ops, MAX_OPERATIONS_PER_COMMIT, MAX_COMMIT_BYTES,
        maxCommitContentBytes, op -> contentBytes.getOrDefault(op, 0L));
  }

  /** DFINITY: every operation in diff order, deletes inside the commits. */
  private List<Stage> stages(
      Map<String, List<BatchOperation>> byKey, Map<BatchOperation, Long> contentBytes) {
    List<BatchOperation> all = new ArrayList<>();
    byKey.values().forEach(all::addAll);
    List<Stage> stages = new ArrayList<>();
    for (List<BatchOperation> group : split(all, contentBytes)) {
      stages.add(new Stage(List.of(), group));
    }
    return stages;
  }

  /**
   * http-assets cannot delete or overwrite a key inside a commit, so a changed key is deleted
   * directly and created afresh. Ordered so that a failing commit never leaves the site without
   * its entry page: new keys first (nothing deleted yet); then the changed keys, each deleted just
   * before the commit that recreates it; the changed entry page last, alone, so that it is deleted
   * only once everything else is in; the stale keys after the commits (see applyChecked).
   */
  private List<Stage> httpStages(
      AssetDiff diff, Map<String, List<BatchOperation>> byKey,
      Map<BatchOperation, Long> contentBytes) {
    List<BatchOperation> created = new ArrayList<>();
    List<BatchOperation> changed = new ArrayList<>();
    List<BatchOperation> entry = List.of();
    for (AssetChange c : diff.changes()) {
      List<BatchOperation> ops = byKey.get(c.key());
      if (ops == null) {
        continue;
      }
      if (c.kind() == AssetChange.Kind.NEW) {
        created.addAll(ops);
      } else if (c.key().equals(ENTRY_PAGE)) {
        entry = ops;
      } else {
        changed.addAll(ops);
      }
    }
    List<Stage> stages = new ArrayList<>();
    for (List<BatchOperation> group : split(created, contentBytes)) {
      stages.add(new Stage(List.of(), group));
    }
    for (List<BatchOperation> group : split(changed, contentBytes)) {
      stages.add(new Stage(createdKeys(group), group));
    }
    for (List<BatchOperation> group : split(entry, contentBytes)) {
      stages.add(new Stage(createdKeys(group), group));
    }
    return stages;
  }

  private static List<String> createdKeys(List<BatchOperation> group) {
    List<String> keys = new ArrayList<>();
    for (BatchOperation op : group) {
      if (op instanceof BatchOperation.CreateAsset c) {
        keys.add(c.assetKey());
      }
    }
    return keys;
  }

  /**
   * Commits the stages, each in one call, deleting a stage's {@code deleteFirst} keys directly
   * just before it; returns how many keys it deleted. From api_version 1 on, when there are
   * several, as the reference tool does (ic-asset sync.rs, commit_in_stages): the stages carry
   * batch id 0, which removes no batch,
   * and a final empty commit with the real id removes it. Were the stages to carry the real id,
   * the first would remove the batch and any {@code create_batch} in between (from anyone) would
   * sweep the chunks the later stages need. When a call fails, the batch is deleted so its chunks
   * do not wait for expiry.
   */
  private int commit(
      AssetCanister canister, BatchId batchId, List<Stage> stages, int apiVersion,
      SyncOutcome.Builder outcome) {
    // One stage needs no staging: its commit with the real id applies everything, then removes
    // the batch, and no later call needs the batch's chunks (one call fewer than ic-asset).
    boolean staged = apiVersion >= 1 && stages.size() > 1;
    List<Stage> calls = new ArrayList<>(stages.size() + 1);
    calls.addAll(stages);
    if (staged || calls.isEmpty()) {
      // Removes the batch (and any chunk left in it) rather than leaving it to expire.
      calls.add(new Stage(List.of(), List.of()));
    }
    int committed = 0;
    int deleted = 0;
    for (int i = 0; i < calls.size(); i++) {
      Stage stage = calls.get(i);
      boolean last = i == calls.size() - 1;
      CommitBatchArguments args = CommitBatchArguments.of(
          staged && !last ? STAGE_BATCH_ID : batchId, stage.ops());
      Snapshot entry = stage.deleteFirst().contains(ENTRY_PAGE) ? snapshot(canister) : null;
      boolean entryDeleted = false;
      try {
        for (String key : stage.deleteFirst()) {
          ic("delete_asset", () -> canister.deleteAsset(key));
          entryDeleted |= key.equals(ENTRY_PAGE);
          deleted++;
          listener.onEvent(new AssetSyncEvent.AssetDeleted(key));
        }
        ic("commit_batch", () -> canister.commitBatch(args));
      } catch (RuntimeException e) {
        if (entry != null && entryDeleted) {
          restore(canister, batchId, staged, entry, e);
        }
        dropBatch(canister, batchId, apiVersion, e);
        throw e;
      }
      committed += args.operations().size();
      listener.onEvent(new AssetSyncEvent.BatchCommitted(i, calls.size(),
          args.operations().size()));
    }
    outcome.commitCalls(calls.size()).operationsCommitted(committed);
    return deleted;
  }

  private void upload(
      AssetCanister canister, BatchId batchId, List<EncodingUpload> uploads, int apiVersion,
      SyncOutcome.Builder outcome) {
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger chunks = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    List<Piece> single = new ArrayList<>();
    List<Piece> small = new ArrayList<>();
    for (EncodingUpload up : uploads) {
      for (Piece p : up.pieces()) {
        if (apiVersion >= 2 && p.length() < MAX_CHUNK_BYTES) {
          small.add(p);
        } else {
          single.add(p);
        }
      }
    }
    long inlined = 0;
    List<Piece> packed = new ArrayList<>();
    if (!small.isEmpty()) {
      // Inline the smallest final pieces first: each saves its share of a call with the fewest
      // bytes of the commit message.
      small.sort(Comparator.comparingInt(Piece::length));
      for (Piece p : small) {
        if (p.isLast() && inlined + p.length() <= MAX_INLINE_BYTES) {
          inlined += p.length();
          p.inline(listener);
        } else {
          packed.add(p);
        }
      }
    }
    this.uploads.run("create_chunk", single, p -> {
      calls.incrementAndGet();
      ChunkId id = canister.createChunk(batchId, p.bytes());
      chunks.incrementAndGet();
      bytes.addAndGet(p.length());
      p.done(id, listener);
    }, UploadEngine.Progress.none(), retryListener);
    this.uploads.run("create_chunks", pack(packed), group -> {
      List<byte[]> contents = new ArrayList<>(group.size());
      long n = 0;
      for (Piece p : group) {
        contents.add(p.bytes());
        n += p.length();
      }
      calls.incrementAndGet();
      List<ChunkId> ids = canister.createChunks(batchId, contents);
      if (ids.size() != group.size()) {
        throw new IcException("create_chunks on " + canister.canisterId() + " returned "
            + ids.size() + " chunk ids for " + group.size() + " chunks");
      }
      chunks.addAndGet(group.size());
      bytes.addAndGet(n);
      for (int k = 0; k < group.size(); k++) {
        group.get(k).done(ids.get(k), listener);
      }
    }, UploadEngine.Progress.none(), retryListener);
    outcome.chunkCalls(calls.get()).chunksUploaded(chunks.get()).bytesUploaded(bytes.get())
        .bytesInlined(inlined);
  }

  /** First-fit decreasing into groups of at most {@link #MAX_CHUNK_BYTES} bytes. */
  private static List<List<Piece>> pack(List<Piece> pieces) {
    List<Piece> sorted = new ArrayList<>(pieces);
    sorted.sort(Comparator.comparingInt(Piece::length).reversed());
    List<List<Piece>> groups = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (Piece p : sorted) {
      int target = -1;
      for (int g = 0; g < groups.size(); g++) {
        if (sizes.get(g) + p.length() <= MAX_CHUNK_BYTES) {
          target = g;
          break;
        }
      }
      if (target < 0) {
        groups.add(new ArrayList<>());
        sizes.add(0L);
        target = groups.size() - 1;
      }
      groups.get(target).add(p);
      sizes.set(target, sizes.get(target) + p.length());
    }
    return groups;
  }

  @Override
  public AssetSyncer withRetryPolicy(RetryPolicy retryPolicy) {
    return org.icupgrade.assets.AssetSyncers.newBuilder(this).retryPolicy(retryPolicy).build();
  }
}
