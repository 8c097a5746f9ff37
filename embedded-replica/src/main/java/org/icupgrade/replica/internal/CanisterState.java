package org.icupgrade.replica.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
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
  final Map<Sha256, byte[]> chunkStore = new LinkedHashMap<>();
  /** The installed module as installed (gzip stays gzip), or null when empty. */
  byte @Nullable [] module;
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

  CanisterState(Principal id, List<Principal> controllers, java.math.BigInteger cycles) {
    this.id = id;
    this.controllers = List.copyOf(controllers);
    this.cycles = cycles;
  }

  /**
   * Whether no module is installed. A hosted Java canister stands beside the module slot, not in
   * it: an asset canister hosted here can still get its (storage) module installed.
   */
  boolean isEmpty() {
    return module == null;
  }

  /** A snapshot: the module it ran, its memories and its chunk store when taken. */
  record SnapshotState(
      Snapshot snapshot, byte @Nullable [] module, @Nullable Sha256 moduleHash, boolean eop,
      @Nullable Object codeState, Map<Sha256, byte[]> chunkStore) {}
}
