package org.icupgrade.replica.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/** The management methods of canister snapshots: take, load, list and delete. */
final class Snapshots {
  /** At most 10 snapshots per canister (spec, "IC method take_canister_snapshot"). */
  static final int MAX_SNAPSHOTS = 10;

  /** Makes the snapshot ids unique on this replica. */
  private final AtomicLong nextSnapshot = new AtomicLong();

  /** The next snapshot number (a state directory saves and restores it). */
  long nextSnapshot() {
    return nextSnapshot.get();
  }

  void nextSnapshot(long next) {
    nextSnapshot.set(next);
  }

  byte[] take(ManagementCall call) {
    ManagementArgs.TakeSnapshot a = call.decode(ManagementCandid::decodeTakeSnapshotArgs,
        ManagementArgs.TakeSnapshot::canisterId);
    return ManagementCandid.encodeSnapshotResult(
        take(call, a.canisterId(), a.replaceSnapshot(), a.uninstallCode()));
  }

  private Snapshot take(ManagementCall call, Principal canisterId, @Nullable SnapshotId replace,
      boolean uninstallCode) {
    String method = call.method();
    CanisterState c = call.controlled(canisterId);
    synchronized (c) {
      // Spec, formal model, "Take canister snapshot": the snapshot holds the canister's
      // wasm_state and raw_module, which an empty canister does not have; the IC refuses.
      if (c.isEmpty()) {
        throw Rejects.invalid(method, "Canister " + canisterId + " is empty: there is no code or"
            + " state to take a snapshot of; install code first", "IC0537");
      }
      if (replace != null) {
        if (c.snapshots.stream().noneMatch(s -> s.snapshot().id().equals(replace))) {
          throw Rejects.invalid(method, "Snapshot " + replace + " to replace not found", "IC0411");
        }
      } else if (c.snapshots.size() >= MAX_SNAPSHOTS) {
        throw Rejects.invalid(method, "Canister " + canisterId + " has reached the maximum of "
            + MAX_SNAPSHOTS + " snapshots; replace or delete one", "IC0411");
      }
      byte[] idBytes = ByteBuffer.allocate(canisterId.length() + 8).put(canisterId.toBytes())
          .putLong(nextSnapshot.getAndIncrement()).array();
      // One reading of the clock (two readings could straddle a second).
      long now = call.canisters().nowNanos();
      Snapshot s = new Snapshot(SnapshotId.of(idBytes), now,
          c.module == null ? 0 : c.module.length());
      if (replace != null) {
        c.snapshots.removeIf(x -> x.snapshot().id().equals(replace));
      }
      // Spec, "IC method take_canister_snapshot": a snapshot holds the Wasm binary, memories and
      // the chunk store. The chunks are immutable arrays: the snapshot shares them.
      c.snapshots.add(new CanisterState.SnapshotState(s, c.module, c.moduleHash,
          c.enhancedOrthogonalPersistence, c.code == null ? null : c.code.checkpoint(),
          new LinkedHashMap<>(c.chunkStore), c.version));
      // Spec, "IC method take_canister_snapshot": with uninstall_code, the canister's code is
      // uninstalled once the snapshot is taken, atomically with it (as uninstall_code does).
      if (uninstallCode) {
        CodeInstall.uninstall(call, c);
      }
      return s;
    }
  }

  static byte[] load(ManagementCall call) {
    ManagementArgs.SnapshotOf a = snapshotArg(call);
    load(call, a.canisterId(), a.snapshotId());
    return ManagementCandid.encodeEmptyResult();
  }

  private static void load(ManagementCall call, Principal canisterId, SnapshotId id) {
    String method = call.method();
    CanisterState c = call.controlled(canisterId);
    synchronized (c) {
      CanisterState.SnapshotState s = c.snapshots.stream()
          .filter(x -> x.snapshot().id().equals(id)).findFirst()
          .orElseThrow(() -> Rejects.invalid(method, "Snapshot " + id + " of canister "
              + canisterId + " not found", "IC0411"));
      c.module = s.module();
      c.moduleHash = s.moduleHash();
      c.enhancedOrthogonalPersistence = s.eop();
      // Spec, formal model, "Load canister snapshot": chunk_store = Snapshot.chunk_store.
      c.clearChunkStore();
      c.chunkStore.putAll(s.chunkStore());
      // Spec, "IC method load_canister_snapshot": the module, heap, globals and stable memory
      // come back exactly as they were when the snapshot was taken.
      c.code = null;
      ModuleBytes module = s.module();
      if (module != null) {
        Sha256 hash = s.moduleHash();
        // The module is the canister's, installed before: decoded and compiled then, shared now.
        WasmCanister code = call.canisters().instantiate(c,
            call.canisters().load(module, hash != null ? hash : module.sha256(), method));
        if (s.codeState() != null) {
          code.rollback(s.codeState());
        }
        c.code = code;
      }
      c.version++;
      c.recordChange(call.canisters().nowNanos(), call.caller(), call.ingress(),
          new ManagementArgs.ChangeDetails.LoadSnapshot(id, s.canisterVersion(),
              s.snapshot().takenAtTimestampNanos()));
    }
  }

  private static ManagementArgs.SnapshotOf snapshotArg(ManagementCall call) {
    return call.decode(arg -> ManagementCandid.decodeSnapshotArgs(arg, call.method()),
        ManagementArgs.SnapshotOf::canisterId);
  }

  static byte[] list(ManagementCall call) {
    CanisterState c = call.controlled(call.canisterIdArg());
    synchronized (c) {
      List<Snapshot> list = new ArrayList<>();
      c.snapshots.forEach(s -> list.add(s.snapshot()));
      return ManagementCandid.encodeListSnapshotsResult(list);
    }
  }

  static byte[] delete(ManagementCall call) {
    ManagementArgs.SnapshotOf a = snapshotArg(call);
    CanisterState c = call.controlled(a.canisterId());
    synchronized (c) {
      if (!c.snapshots.removeIf(s -> s.snapshot().id().equals(a.snapshotId()))) {
        throw Rejects.invalid(call.method(), "Snapshot " + a.snapshotId() + " of canister "
            + a.canisterId() + " not found", "IC0411");
      }
    }
    return ManagementCandid.encodeEmptyResult();
  }
}
