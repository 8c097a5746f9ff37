package org.icupgrade.core.install;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/**
 * A minimal in-memory management canister for the installer's unit tests: chunk stores, installed
 * hashes, a call log and scripted failures. The rules themselves are tested against the embedded
 * replica; this fake only has to be faithful enough for the installer's control flow.
 */
public final class FakeManagementCanister implements ManagementCanister {
  public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  public final Map<Principal, Map<Sha256, byte[]>> stores = new HashMap<>();
  public final Map<Principal, Sha256> installed = new HashMap<>();
  public final Map<String, Deque<IcException>> failures = new HashMap<>();
  public final AtomicInteger concurrentUploads = new AtomicInteger();
  public final AtomicInteger maxConcurrentUploads = new AtomicInteger();
  public @Nullable Runnable duringUpload;
  /** When set, install_code installs and then loses its reply, as a dropped connection would. */
  public boolean loseInstallReply;
  /** When set, moduleHash reports this instead of the truth, as a meddling controller would. */
  public @Nullable Sha256 reportedHash;
  /**
   * When set, metadata reads answer from here (canister to section name to content); otherwise
   * the port cannot read metadata, as a port written before the method existed.
   */
  public @Nullable Map<Principal, Map<String, byte[]>> metadata;
  /** The modes install_code and install_chunked_code were sent with, in order. */
  public final List<InstallMode> modes = Collections.synchronizedList(new ArrayList<>());

  /** The next calls to {@code method} fail with these, in order. */
  public synchronized void failNext(String method, IcException... errors) {
    failures.computeIfAbsent(method, m -> new ArrayDeque<>()).addAll(List.of(errors));
  }

  private void enter(String method) {
    calls.add(method);
    IcException e;
    synchronized (this) {
      Deque<IcException> q = failures.get(method);
      e = q == null ? null : q.poll();
    }
    if (e != null) {
      throw e;
    }
  }

  public long count(String method) {
    synchronized (calls) {
      return calls.stream().filter(method::equals).count();
    }
  }

  public synchronized Map<Sha256, byte[]> store(Principal canister) {
    return stores.computeIfAbsent(canister, c -> Collections.synchronizedMap(new LinkedHashMap<>()));
  }

  @Override
  public Sha256 uploadChunk(Principal canisterId, ByteBuffer chunk) {
    int now = concurrentUploads.incrementAndGet();
    maxConcurrentUploads.accumulateAndGet(now, Math::max);
    try {
      Runnable r = duringUpload;
      if (r != null) {
        r.run();
      }
      enter("upload_chunk");
      byte[] b = new byte[chunk.remaining()];
      chunk.duplicate().get(b);
      Sha256 h = Sha256.of(b);
      store(canisterId).put(h, b);
      return h;
    } finally {
      concurrentUploads.decrementAndGet();
    }
  }

  @Override
  public List<Sha256> storedChunks(Principal canisterId) {
    enter("stored_chunks");
    synchronized (this) {
      return new ArrayList<>(store(canisterId).keySet());
    }
  }

  @Override
  public void clearChunkStore(Principal canisterId) {
    enter("clear_chunk_store");
    store(canisterId).clear();
  }

  @Override
  public void installChunkedCode(InstallChunkedCodeRequest request) {
    enter("install_chunked_code");
    modes.add(request.installMode());
    Principal store = request.storeCanister().orElse(request.targetCanister());
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (Sha256 h : request.chunkHashes()) {
      byte[] b = store(store).get(h);
      if (b == null) {
        throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "chunk not found: " + h,
            "IC0503", Principal.MANAGEMENT_CANISTER, "install_chunked_code");
      }
      all.writeBytes(b);
    }
    Sha256 whole = Sha256.of(all.toByteArray());
    if (!whole.equals(request.wasmModuleHash())) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "wasm_module_hash mismatch",
          "IC0503", Principal.MANAGEMENT_CANISTER, "install_chunked_code");
    }
    installed.put(request.targetCanister(), whole);
  }

  @Override
  public void installCode(Principal canisterId, InstallMode mode, ByteBuffer wasmModule, byte[] arg) {
    enter("install_code");
    modes.add(mode);
    installed.put(canisterId, Sha256.of(wasmModule));
    if (loseInstallReply) {
      loseInstallReply = false;
      throw new TransportException("connection reset after sending install_code", true, null);
    }
  }

  @Override
  public Optional<byte[]> metadata(Principal canisterId, String name) {
    Map<Principal, Map<String, byte[]>> m = metadata;
    if (m == null) {
      return ManagementCanister.super.metadata(canisterId, name);
    }
    enter("metadata");
    return Optional.ofNullable(m.getOrDefault(canisterId, Map.of()).get(name));
  }

  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    enter("module_hash");
    if (reportedHash != null && installed.containsKey(canisterId)) {
      return Optional.of(reportedHash);
    }
    return Optional.ofNullable(installed.get(canisterId));
  }

  @Override
  public Principal createCanister(CanisterSettings settings) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Principal provisionalCreateCanisterWithCycles(
      @Nullable BigInteger amount, CanisterSettings settings, @Nullable Principal specifiedId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void updateSettings(Principal canisterId, CanisterSettings settings) {
    enter("update_settings");
    requireController(canisterId, "update_settings");
    settings.controllers().ifPresent(c -> controllers.put(canisterId, List.copyOf(c)));
  }

  /** Controllers per canister; a canister absent here has only {@link #caller} as controller. */
  public final Map<Principal, List<Principal>> controllers = new HashMap<>();
  /** Who calls; only controllers may see the status or change settings. */
  public Principal caller = Principal.ANONYMOUS;
  public final Map<Principal, CanisterStatus.RunStatus> runStatus = new HashMap<>();
  public final Map<Principal, List<Snapshot>> snapshots = new HashMap<>();
  /** Whether canister_status carries memory_metrics.snapshots_size (unknown unless set). */
  public boolean reportSnapshotsSize;
  private final Map<SnapshotId, Sha256> snapshotModules = new HashMap<>();
  private int nextSnapshot;

  private void requireController(Principal canisterId, String method) {
    List<Principal> c = controllers.getOrDefault(canisterId, List.of(caller));
    if (!c.contains(caller)) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR,
          "Only controllers of canister " + canisterId + " can call " + method, "IC0512",
          Principal.MANAGEMENT_CANISTER, method);
    }
  }

  @Override
  public CanisterStatus canisterStatus(Principal canisterId) {
    enter("canister_status");
    requireController(canisterId, "canister_status");
    long snapshotBytes = 0;
    for (Snapshot sn : snapshots.getOrDefault(canisterId, List.of())) {
      snapshotBytes += Math.max(1, sn.totalSize());
    }
    return new CanisterStatus(
        runStatus.getOrDefault(canisterId, CanisterStatus.RunStatus.RUNNING),
        controllers.getOrDefault(canisterId, List.of(caller)), installed.get(canisterId),
        BigInteger.ZERO, BigInteger.ZERO,
        reportSnapshotsSize ? BigInteger.valueOf(snapshotBytes) : null);
  }

  @Override
  public void startCanister(Principal canisterId) {
    enter("start_canister");
    requireController(canisterId, "start_canister");
    runStatus.put(canisterId, CanisterStatus.RunStatus.RUNNING);
  }

  @Override
  public void stopCanister(Principal canisterId) {
    enter("stop_canister");
    requireController(canisterId, "stop_canister");
    runStatus.put(canisterId, CanisterStatus.RunStatus.STOPPED);
  }

  @Override
  public Snapshot takeCanisterSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot) {
    enter("take_canister_snapshot");
    requireController(canisterId, "take_canister_snapshot");
    List<Snapshot> list = snapshots.computeIfAbsent(canisterId, c -> new ArrayList<>());
    if (replaceSnapshot != null) {
      list.removeIf(s -> s.id().equals(replaceSnapshot));
    } else if (list.size() >= 10) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR,
          "Canister " + canisterId + " has reached the maximum number of snapshots", "IC0411",
          Principal.MANAGEMENT_CANISTER, "take_canister_snapshot");
    }
    Snapshot s = new Snapshot(SnapshotId.of(new byte[] {(byte) nextSnapshot}), nextSnapshot++, 1);
    list.add(s);
    Sha256 module = installed.get(canisterId);
    if (module != null) {
      snapshotModules.put(s.id(), module);
    }
    return s;
  }

  @Override
  public void loadCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    enter("load_canister_snapshot");
    requireController(canisterId, "load_canister_snapshot");
    installed.put(canisterId, snapshotModules.get(snapshotId));
  }

  @Override
  public List<Snapshot> listCanisterSnapshots(Principal canisterId) {
    enter("list_canister_snapshots");
    requireController(canisterId, "list_canister_snapshots");
    return List.copyOf(snapshots.getOrDefault(canisterId, List.of()));
  }

  @Override
  public void deleteCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    enter("delete_canister_snapshot");
    requireController(canisterId, "delete_canister_snapshot");
    snapshots.getOrDefault(canisterId, new ArrayList<>()).removeIf(s -> s.id().equals(snapshotId));
  }
}
