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
final class FakeManagementCanister implements ManagementCanister {
  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final Map<Principal, Map<Sha256, byte[]>> stores = new HashMap<>();
  final Map<Principal, Sha256> installed = new HashMap<>();
  final Map<String, Deque<IcException>> failures = new HashMap<>();
  final AtomicInteger concurrentUploads = new AtomicInteger();
  final AtomicInteger maxConcurrentUploads = new AtomicInteger();
  @Nullable Runnable duringUpload;
  /** When set, install_code installs and then loses its reply, as a dropped connection would. */
  boolean loseInstallReply;
  /** When set, moduleHash reports this instead of the truth, as a meddling controller would. */
  @Nullable Sha256 reportedHash;

  /** The next calls to {@code method} fail with these, in order. */
  synchronized void failNext(String method, IcException... errors) {
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

  long count(String method) {
    synchronized (calls) {
      return calls.stream().filter(method::equals).count();
    }
  }

  synchronized Map<Sha256, byte[]> store(Principal canister) {
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
    installed.put(canisterId, Sha256.of(wasmModule));
    if (loseInstallReply) {
      loseInstallReply = false;
      throw new TransportException("connection reset after sending install_code", true, null);
    }
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
    throw new UnsupportedOperationException();
  }

  @Override
  public CanisterStatus canisterStatus(Principal canisterId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void startCanister(Principal canisterId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void stopCanister(Principal canisterId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Snapshot takeCanisterSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void loadCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<Snapshot> listCanisterSnapshots(Principal canisterId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void deleteCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    throw new UnsupportedOperationException();
  }
}
