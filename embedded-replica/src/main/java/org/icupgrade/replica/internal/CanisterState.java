package org.icupgrade.replica.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.replica.BuiltinCanister;
import org.jspecify.annotations.Nullable;

/** One canister's state. Guarded by the instance's monitor. */
final class CanisterState {
  final Principal id;
  List<Principal> controllers;
  CanisterStatus.RunStatus status = CanisterStatus.RunStatus.RUNNING;
  /** The chunk store: chunk hash to chunk bytes, in upload order. */
  final Map<Sha256, Chunk> chunkStore = new LinkedHashMap<>();
  /** The hash of the chunks in upload order, computed as they come; reset with the store. */
  final UploadDigest uploadDigest = new UploadDigest();
  /** The installed module as installed (gzip stays gzip), or null when empty. */
  @Nullable ModuleBytes module;
  @Nullable Sha256 moduleHash;
  /** Whether the installed module declares enhanced orthogonal persistence. */
  boolean enhancedOrthogonalPersistence;
  /** The installed module running, when it instantiated. */
  @Nullable WasmCanister code;
  /** Java code hosted here instead of a WASM module. */
  @Nullable BuiltinCanister builtin;
  final List<SnapshotState> snapshots = new ArrayList<>();
  long version;
  java.math.BigInteger cycles;
  /**
   * The settings other than the controllers as last set (spec, "IC method update_settings": a
   * field left out keeps its value); each one never set is the IC's default in status replies.
   */
  CanisterSettings settings = CanisterSettings.empty();
  /** The most recent changes, oldest first, at most {@link #HISTORY} of them. */
  final ArrayDeque<ManagementArgs.Change> history = new ArrayDeque<>();
  /** Every change recorded since creation (spec, "IC method canister_info": total_num_changes). */
  long totalChanges;

  /**
   * Spec, "IC method canister_info": the IC keeps (at least) the 20 most recent changes of a
   * canister's history and answers at most 20.
   */
  static final int HISTORY = 20;

  CanisterState(Principal id, List<Principal> controllers, java.math.BigInteger cycles) {
    this.id = id;
    this.controllers = List.copyOf(controllers);
    this.cycles = cycles;
  }

  /**
   * Records a change in the canister's history (spec, "Canister history": creation, code
   * deployment and uninstallation, snapshot loads and controller changes are recorded), at the
   * canister's current version. The caller holds this canister's lock.
   */
  void recordChange(long nowNanos, Principal origin, boolean fromUser,
      ManagementArgs.ChangeDetails details) {
    if (history.size() == HISTORY) {
      history.removeFirst();
    }
    history.addLast(new ManagementArgs.Change(nowNanos, version, origin, fromUser, details));
    totalChanges++;
  }

  /**
   * Whether no module is installed. A hosted Java canister stands beside the module slot, not in
   * it: an asset canister hosted here can still get its (storage) module installed.
   */
  boolean isEmpty() {
    return module == null;
  }

  /**
   * A snapshot: the module it ran, its memories and its chunk store when taken, and the
   * canister's version then (a load's history entry names it).
   */
  record SnapshotState(
      Snapshot snapshot, @Nullable ModuleBytes module, @Nullable Sha256 moduleHash, boolean eop,
      @Nullable Object codeState, Map<Sha256, Chunk> chunkStore, long canisterVersion) {}

  /**
   * Empties the chunk store and starts its upload digest anew (clear_chunk_store, uninstall, a
   * snapshot load): the two change together.
   */
  void clearChunkStore() {
    chunkStore.clear();
    uploadDigest.reset();
  }
}
