package org.icupgrade.replica.internal;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.Principal;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.jspecify.annotations.Nullable;

/**
 * The management methods of a canister's life: creation (by canisters, and provisionally),
 * settings, status, start and stop, deletion.
 */
final class CanisterLifecycle {
  /** At most 10 controllers (spec, "IC method update_settings"). */
  static final int MAX_CONTROLLERS = 10;

  private final Canisters canisters;
  private final AtomicLong nextCanister = new AtomicLong();

  CanisterLifecycle(Canisters canisters) {
    this.canisters = canisters;
  }

  /** The allocator's next canister number (a state directory saves and restores it). */
  long nextCanister() {
    return nextCanister.get();
  }

  void nextCanister(long next) {
    nextCanister.set(next);
  }

  byte[] provisionalCreate(ManagementCall call) {
    ManagementArgs.ProvisionalCreate a =
        ManagementCandid.decodeProvisionalCreateArgs(call.arg());
    return ManagementCandid.encodeCanisterIdResult(create(call.caller(), a.settings(),
        a.amount() == null ? BigInteger.valueOf(100_000_000_000_000L) : a.amount(),
        a.specifiedId(), call.ingress()));
  }

  byte[] createCanister(ManagementCall call) {
    // Spec, "IC method create_canister": it can only be called by canisters, not by ingress
    // messages (users create canisters through a canister such as the cycles ledger, or
    // provisionally on a development instance).
    if (call.ingress()) {
      throw Rejects.badRequest(call.method(), "create_canister can only be called by canisters,"
          + " not by ingress messages; use provisional_create_canister_with_cycles on a"
          + " development instance or create the canister through a canister");
    }
    ManagementArgs.CreateCanister a = ManagementCandid.decodeCreateCanisterArgs(call.arg());
    return ManagementCandid.encodeCanisterIdResult(
        create(call.caller(), a.settings(), BigInteger.ZERO, null, false));
  }

  /** {@code fromUser}: whether the creation is an ingress message, for the canister's history. */
  Principal create(
      Principal caller, @Nullable CanisterSettings settings, BigInteger cycles,
      @Nullable Principal specifiedId, boolean fromUser) {
    List<Principal> controllers = settings == null || settings.controllers().isEmpty()
        ? List.of(caller) // spec, "create_canister": the default controller is the caller
        : settings.controllers().get();
    controllers = checkControllers(controllers, "create_canister");
    Principal id;
    if (specifiedId != null) {
      id = specifiedId;
      if (canisters.contains(id)) {
        throw Rejects.invalid("provisional_create_canister_with_cycles",
            "Canister " + id + " already exists", "IC0302");
      }
    } else {
      long n = nextCanister.getAndIncrement();
      id = Principal.fromBytes(ByteBuffer.allocate(10).putLong(n).put((byte) 1).put((byte) 1)
          .array());
    }
    CanisterState c = new CanisterState(id, controllers, cycles);
    if (settings != null) {
      c.settings = settings.toBuilder().controllers(List.of()).build();
    }
    c.recordChange(canisters.nowNanos(), caller, fromUser,
        new ManagementArgs.ChangeDetails.Creation(c.controllers));
    canisters.add(c);
    return id;
  }

  /**
   * Spec, "IC method create_canister": controllers is "a list of at most 10 principals"; the
   * list is taken as a set (the formal model tests membership only), so a principal listed twice
   * is one controller, as on the IC, rather than an error.
   */
  private static List<Principal> checkControllers(List<Principal> controllers, String method) {
    if (controllers.size() > MAX_CONTROLLERS) {
      throw Rejects.invalid(method, "Invalid settings: at most " + MAX_CONTROLLERS
          + " controllers are allowed, got " + controllers.size(), "IC0503");
    }
    return List.copyOf(new LinkedHashSet<>(controllers));
  }

  byte[] updateSettings(ManagementCall call) {
    ManagementArgs.UpdateSettings a = call.decode(ManagementCandid::decodeUpdateSettingsArgs,
        ManagementArgs.UpdateSettings::canisterId);
    CanisterState c = call.controlled(a.canisterId());
    synchronized (c) {
      Optional<List<Principal>> controllers = a.settings().controllers();
      if (controllers.isPresent()) {
        c.controllers = checkControllers(controllers.get(), "update_settings");
      }
      // Spec, "IC method update_settings": each field given replaces the canister's, the others
      // stay. The controllers are kept apart (in the canister's state), so they are cleared here.
      c.settings = c.settings.overriddenBy(a.settings()).toBuilder().controllers(List.of())
          .build();
      c.version++;
      if (controllers.isPresent()) {
        c.recordChange(canisters.nowNanos(), call.caller(), call.ingress(),
            new ManagementArgs.ChangeDetails.ControllersChange(c.controllers));
      }
    }
    return ManagementCandid.encodeEmptyResult();
  }

  /**
   * Spec, "IC method canister_info": only canisters may call it (not ingress); any canister may
   * ask about any canister; the reply holds the last {@code min(num_requested_changes, 20)}
   * changes of its history, oldest first, with the total count, module hash and controllers.
   */
  byte[] canisterInfo(ManagementCall call) {
    if (call.ingress()) {
      throw Rejects.badRequest(call.method(), "canister_info can only be called by canisters,"
          + " not by ingress messages; read the controllers and module hash with read_state or"
          + " canister_status instead");
    }
    ManagementArgs.CanisterInfo a = ManagementCandid.decodeCanisterInfoArgs(call.arg());
    CanisterState c = canisters.state(a.canisterId(), call.method());
    synchronized (c) {
      long requested = a.numRequestedChanges() == null ? 0
          : Math.min(Math.max(a.numRequestedChanges(), 0), CanisterState.HISTORY);
      List<ManagementArgs.Change> all = List.copyOf(c.history);
      List<ManagementArgs.Change> recent =
          all.subList(all.size() - (int) Math.min(requested, all.size()), all.size());
      return ManagementCandid.encodeCanisterInfoResult(new ManagementArgs.CanisterInfoResult(
          c.totalChanges, recent, c.moduleHash, c.controllers));
    }
  }

  byte[] canisterStatus(ManagementCall call) {
    CanisterState c = canisters.controlledOrSelf(call.caller(), call.canisterIdArg(),
        "canister_status");
    synchronized (c) {
      // Status and version read under one lock: one answer about one state of the canister.
      return ManagementCandid.encodeCanisterStatusResult(statusOf(c), c.version, c.settings);
    }
  }

  CanisterStatus canisterStatus(Principal caller, Principal canisterId) {
    CanisterState c = canisters.controlledOrSelf(caller, canisterId, "canister_status");
    synchronized (c) {
      return statusOf(c);
    }
  }

  /** The caller holds {@code c}'s lock. */
  private static CanisterStatus statusOf(CanisterState c) {
    long memory = c.module == null ? 0 : c.module.length();
    // Spec, "IC method canister_status": memory_metrics.snapshots_size, the memory the
    // canister's snapshots take (each one's total_size).
    long snapshots = 0;
    for (CanisterState.SnapshotState s : c.snapshots) {
      snapshots += s.snapshot().totalSize();
    }
    return new CanisterStatus(c.status, c.controllers, c.moduleHash, BigInteger.valueOf(memory),
        c.cycles, BigInteger.valueOf(snapshots));
  }

  byte[] startCanister(ManagementCall call) {
    return setRunStatus(call, CanisterStatus.RunStatus.RUNNING);
  }

  byte[] stopCanister(ManagementCall call) {
    return setRunStatus(call, CanisterStatus.RunStatus.STOPPED);
  }

  private byte[] setRunStatus(ManagementCall call, CanisterStatus.RunStatus status) {
    CanisterState c = call.controlled(call.canisterIdArg());
    synchronized (c) {
      // No calls are ever in flight here, so stopping completes at once (spec, "IC method
      // stop_canister": stopping -> stopped once no call contexts are open).
      c.status = status;
    }
    return ManagementCandid.encodeEmptyResult();
  }

  byte[] deleteCanister(ManagementCall call) {
    CanisterState c = call.controlled(call.canisterIdArg());
    synchronized (c) {
      // Spec, "IC method delete_canister": only a stopped canister can be deleted; its
      // snapshots and chunk store go with it and its id is never reused.
      if (c.status != CanisterStatus.RunStatus.STOPPED) {
        throw Rejects.invalid(call.method(), "Canister " + c.id + " must be stopped before it is"
            + " deleted; call stop_canister first", "IC0510");
      }
      canisters.remove(c.id);
    }
    return ManagementCandid.encodeEmptyResult();
  }
}
