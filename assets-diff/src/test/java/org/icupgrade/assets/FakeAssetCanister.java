package org.icupgrade.assets;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetCanister;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.Permission;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory asset canister with the DFINITY canister's batch semantics (commit all-or-none,
 * CreateAsset on an existing key refused, SetAssetContent consumes chunks and checks SHA-256,
 * Commit permission required, list paged by 100) and, as the HTTP_ASSETS_0_2 flavour, the two
 * defects of http-assets 0.2.0: DeleteAsset in a commit leaves the main store alone, and
 * CreateAsset/SetAssetContent on a key the main store holds traps at the merge.
 */
final class FakeAssetCanister implements AssetCanister {
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal CALLER = Principal.fromBytes(new byte[] {1, 2, 3, 4, 5});

  record Encoding(byte[] content, Sha256 sha256) {}

  static final class Asset {
    final String contentType;
    final Map<String, Encoding> encodings = new LinkedHashMap<>();

    Asset(String contentType) {
      this.contentType = contentType;
    }

    Asset copy() {
      Asset a = new Asset(contentType);
      a.encodings.putAll(encodings);
      return a;
    }
  }

  private final AssetCanisterFlavor flavor;
  private final int apiVersion;
  private final Principal caller;
  private final TreeMap<String, Asset> assets = new TreeMap<>(FrontendRelease.KEY_ORDER);
  private final Map<BigInteger, byte[]> chunks = new HashMap<>();
  private final Set<BigInteger> batches = new HashSet<>();
  private final Map<Permission, Set<Principal>> permitted = new EnumMap<>(Permission.class);
  private long nextBatch = 1;
  private long nextChunk = 1;
  boolean rejectListPermitted;
  /** Failures to throw, by method, before the call does anything (the call did not run). */
  private final Map<String, java.util.ArrayDeque<IcException>> failures = new HashMap<>();

  final AtomicInteger createBatchCalls = new AtomicInteger();
  final AtomicInteger createChunkCalls = new AtomicInteger();
  final AtomicInteger createChunksCalls = new AtomicInteger();
  final AtomicInteger chunksCreated = new AtomicInteger();
  final AtomicInteger commitCalls = new AtomicInteger();
  final AtomicInteger operationsCommitted = new AtomicInteger();
  final AtomicInteger deleteAssetCalls = new AtomicInteger();
  final AtomicInteger listCalls = new AtomicInteger();
  final List<BatchId> commitBatchIds = new ArrayList<>();
  final List<BatchId> deletedBatches = new ArrayList<>();
  final List<String> uploadedKeys = new ArrayList<>();

  FakeAssetCanister(AssetCanisterFlavor flavor, int apiVersion, Principal caller) {
    this.flavor = flavor;
    this.apiVersion = apiVersion;
    this.caller = caller;
    for (Permission p : Permission.values()) {
      permitted.put(p, new HashSet<>());
    }
  }

  /** A DFINITY canister, api_version 2, where the caller holds Commit. */
  static FakeAssetCanister dfinity() {
    FakeAssetCanister c = new FakeAssetCanister(AssetCanisterFlavor.DFINITY, 2, CALLER);
    c.permitted.get(Permission.COMMIT).add(CALLER);
    return c;
  }

  static FakeAssetCanister httpAssets() {
    FakeAssetCanister c = new FakeAssetCanister(AssetCanisterFlavor.HTTP_ASSETS_0_2, 2, CALLER);
    c.permitted.get(Permission.COMMIT).add(CALLER);
    return c;
  }

  static FakeAssetCanister withApiVersion(int apiVersion) {
    FakeAssetCanister c = new FakeAssetCanister(AssetCanisterFlavor.DFINITY, apiVersion, CALLER);
    c.permitted.get(Permission.COMMIT).add(CALLER);
    return c;
  }

  /** The next calls of {@code method} throw these, one each, before doing anything. */
  synchronized void failNext(String method, IcException... errors) {
    failures.computeIfAbsent(method, m -> new java.util.ArrayDeque<>()).addAll(List.of(errors));
  }

  private void maybeFail(String method) {
    java.util.ArrayDeque<IcException> q = failures.get(method);
    IcException e = q == null ? null : q.poll();
    if (e != null) {
      throw e;
    }
  }

  /** Every call that changes the canister's state, counted. */
  int mutatingCalls() {
    return createBatchCalls.get() + createChunkCalls.get() + createChunksCalls.get()
        + commitCalls.get() + deleteAssetCalls.get();
  }

  int chunkCalls() {
    return createChunkCalls.get() + createChunksCalls.get();
  }

  void resetCounters() {
    for (AtomicInteger a : List.of(createBatchCalls, createChunkCalls, createChunksCalls,
        chunksCreated, commitCalls, operationsCommitted, deleteAssetCalls, listCalls)) {
      a.set(0);
    }
    commitBatchIds.clear();
    deletedBatches.clear();
    uploadedKeys.clear();
  }

  /** Puts an asset directly, as an earlier deployment would have. */
  synchronized void put(String key, String contentType, byte[] identity) {
    Asset a = new Asset(contentType);
    a.encodings.put("identity", new Encoding(identity.clone(), Sha256.of(identity)));
    assets.put(key, a);
  }

  synchronized @Nullable byte[] content(String key, String encoding) {
    Asset a = assets.get(key);
    if (a == null || !a.encodings.containsKey(encoding)) {
      return null;
    }
    return a.encodings.get(encoding).content().clone();
  }

  synchronized Set<String> keys() {
    return new java.util.TreeSet<>(assets.keySet());
  }

  synchronized int pendingChunks() {
    return chunks.size();
  }

  private static CanisterRejectException reject(String method, String message) {
    return new CanisterRejectException(RejectCode.CANISTER_ERROR, message, "IC0503", CANISTER,
        method);
  }

  private void requireCommit(String method) {
    if (!permitted.get(Permission.COMMIT).contains(caller)) {
      throw reject(method, "Caller does not have Commit permission");
    }
  }

  @Override
  public Principal canisterId() {
    return CANISTER;
  }

  @Override
  public Principal caller() {
    return caller;
  }

  @Override
  public int apiVersion() {
    return apiVersion;
  }

  @Override
  public synchronized List<AssetDetails> list(long start, long length) {
    maybeFail("list");
    listCalls.incrementAndGet();
    List<AssetDetails> page = new ArrayList<>();
    long end = start + Math.min(length, 100);
    long i = 0;
    for (Map.Entry<String, Asset> e : assets.entrySet()) {
      if (i >= start && i < end) {
        List<AssetEncodingDetails> encs = new ArrayList<>();
        e.getValue().encodings.forEach((name, enc) -> encs.add(
            AssetEncodingDetails.of(name, enc.sha256(), enc.content().length, 0)));
        page.add(AssetDetails.of(e.getKey(), e.getValue().contentType, encs));
      }
      i++;
    }
    return page;
  }

  @Override
  public synchronized EncodedAsset get(String key, List<String> acceptEncodings) {
    Asset a = assets.get(key);
    if (a == null) {
      throw reject("get", "asset not found");
    }
    for (String enc : acceptEncodings) {
      Encoding e = a.encodings.get(enc);
      if (e != null) {
        return EncodedAsset.of(e.content(), a.contentType, enc, e.sha256(), e.content().length);
      }
    }
    throw reject("get", "no such encoding");
  }

  @Override
  public synchronized byte[] getChunk(
      String key, String contentEncoding, long index, @Nullable Sha256 sha256) {
    byte[] c = content(key, contentEncoding);
    if (c == null || index != 0) {
      throw reject("get_chunk", "chunk not found");
    }
    return c;
  }

  @Override
  public synchronized BatchId createBatch() {
    maybeFail("create_batch");
    requireCommit("create_batch");
    createBatchCalls.incrementAndGet();
    BatchId id = BatchId.of(nextBatch++);
    batches.add(id.value());
    return id;
  }

  @Override
  public synchronized ChunkId createChunk(BatchId batchId, byte[] content) {
    maybeFail("create_chunk");
    requireCommit("create_chunk");
    if (!batches.contains(batchId.value())) {
      throw reject("create_chunk", "batch not found");
    }
    createChunkCalls.incrementAndGet();
    chunksCreated.incrementAndGet();
    ChunkId id = ChunkId.of(nextChunk++);
    chunks.put(id.value(), content.clone());
    return id;
  }

  @Override
  public synchronized List<ChunkId> createChunks(BatchId batchId, List<byte[]> contents) {
    maybeFail("create_chunks");
    if (apiVersion < 2) {
      throw reject("create_chunks", "Canister has no update method 'create_chunks'");
    }
    requireCommit("create_chunks");
    if (!batches.contains(batchId.value())) {
      throw reject("create_chunks", "batch not found");
    }
    createChunksCalls.incrementAndGet();
    List<ChunkId> ids = new ArrayList<>();
    for (byte[] c : contents) {
      chunksCreated.incrementAndGet();
      ChunkId id = ChunkId.of(nextChunk++);
      chunks.put(id.value(), c.clone());
      ids.add(id);
    }
    return ids;
  }

  @Override
  public synchronized void commitBatch(CommitBatchArguments arguments) {
    maybeFail("commit_batch");
    requireCommit("commit_batch");
    commitCalls.incrementAndGet();
    commitBatchIds.add(arguments.batchId());
    // all or none: work on copies
    TreeMap<String, Asset> staged = new TreeMap<>(FrontendRelease.KEY_ORDER);
    assets.forEach((k, v) -> staged.put(k, v.copy()));
    Map<BigInteger, byte[]> stagedChunks = new HashMap<>(chunks);
    Set<String> touched = new HashSet<>();
    List<String> uploaded = new ArrayList<>();
    for (BatchOperation op : arguments.operations()) {
      if (op instanceof BatchOperation.CreateAsset c) {
        if (staged.containsKey(c.assetKey())) {
          throw reject("commit_batch", "asset already exists: " + c.assetKey());
        }
        staged.put(c.assetKey(), new Asset(c.contentType()));
        touched.add(c.assetKey());
      } else if (op instanceof BatchOperation.SetAssetContent s) {
        Asset a = staged.get(s.assetKey());
        if (a == null) {
          throw reject("commit_batch", "asset not found: " + s.assetKey());
        }
        if (s.lastChunk().isPresent() && apiVersion < 2) {
          throw reject("commit_batch", "last_chunk is not supported before api_version 2");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ChunkId id : s.chunkIds()) {
          byte[] c = stagedChunks.remove(id.value());
          if (c == null) {
            throw reject("commit_batch", "chunk not found: " + id);
          }
          out.writeBytes(c);
        }
        s.lastChunk().ifPresent(out::writeBytes);
        byte[] content = out.toByteArray();
        Sha256 sha = Sha256.of(content);
        if (s.sha256().isPresent() && !s.sha256().get().equals(sha)) {
          throw reject("commit_batch", "sha256 mismatch for " + s.assetKey());
        }
        a.encodings.put(s.contentEncoding(), new Encoding(content, sha));
        touched.add(s.assetKey());
        uploaded.add(s.assetKey() + "#" + s.contentEncoding());
      } else if (op instanceof BatchOperation.UnsetAssetContent u) {
        Asset a = staged.get(u.assetKey());
        if (a != null) {
          a.encodings.remove(u.contentEncoding());
        }
      } else if (op instanceof BatchOperation.DeleteAsset d) {
        staged.remove(d.assetKey());
        if (flavor == AssetCanisterFlavor.HTTP_ASSETS_0_2) {
          // defect 1: the delete only touches the batch's temporary store
          touched.remove(d.assetKey());
        }
      } else if (op instanceof BatchOperation.Clear) {
        staged.clear();
      } else {
        throw reject("commit_batch", "unsupported operation " + op);
      }
    }
    if (flavor == AssetCanisterFlavor.HTTP_ASSETS_0_2) {
      // merge: only touched keys move to the main store; an existing key traps (defect 2)
      for (String key : touched) {
        if (assets.containsKey(key)) {
          throw reject("commit_batch",
              "Canister trapped: assertion failed at Certs.mo (is_aliased) for " + key);
        }
      }
      for (String key : touched) {
        if (staged.containsKey(key)) {
          assets.put(key, staged.get(key));
        }
      }
    } else {
      assets.clear();
      assets.putAll(staged);
    }
    chunks.clear();
    chunks.putAll(stagedChunks);
    batches.remove(arguments.batchId().value());
    operationsCommitted.addAndGet(arguments.operations().size());
    uploadedKeys.addAll(uploaded);
  }

  @Override
  public synchronized void deleteBatch(BatchId batchId) {
    deletedBatches.add(batchId);
    batches.remove(batchId.value());
  }

  @Override
  public synchronized void deleteAsset(String key) {
    maybeFail("delete_asset");
    requireCommit("delete_asset");
    deleteAssetCalls.incrementAndGet();
    assets.remove(key);
  }

  @Override
  public synchronized void grantPermission(Principal principal, Permission permission) {
    permitted.get(permission).add(principal);
  }

  @Override
  public synchronized void revokePermission(Principal principal, Permission permission) {
    permitted.get(permission).remove(principal);
  }

  @Override
  public synchronized List<Principal> listPermitted(Permission permission) {
    if (rejectListPermitted) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Caller is not authorized",
          null, CANISTER, "list_permitted");
    }
    return List.copyOf(permitted.get(permission));
  }
}
