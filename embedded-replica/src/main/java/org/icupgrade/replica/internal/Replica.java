package org.icupgrade.replica.internal;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.RecordedCall;
import org.jspecify.annotations.Nullable;

/**
 * The replica's state machine: canisters, the management canister's methods with the interface
 * specification's rules, and the routing of calls. Calls about one canister are serialized on its
 * state; calls about different canisters run in parallel.
 */
public final class Replica {
  /** An ingress message is at most 2 MiB on application subnets (spec, "Resource limits"). */
  public static final int MAX_INGRESS_BYTES = 2 * 1024 * 1024;
  /** upload_chunk takes chunks of at most 1 MiB (spec, "IC method upload_chunk"). */
  public static final int MAX_CHUNK_SIZE = 1024 * 1024;
  /** A chunk store holds at most 100 chunks (spec, "IC method upload_chunk"). */
  public static final int MAX_CHUNKS = 100;
  /** At most 10 controllers (spec, "IC method update_settings"). */
  public static final int MAX_CONTROLLERS = 10;
  /** At most 10 snapshots per canister (spec, "IC method take_canister_snapshot"). */
  public static final int MAX_SNAPSHOTS = 10;

  private static final System.Logger LOG = System.getLogger(Replica.class.getName());

  private final Canisters canisters;
  private final AtomicLong nextCanister = new AtomicLong();
  private final AtomicLong nextSnapshot = new AtomicLong();
  private final List<RecordedCall> calls = Collections.synchronizedList(new ArrayList<>());
  private final Faults faults = new Faults();

  public Replica(Clock clock, long instructionLimit) {
    this.canisters = new Canisters(clock, instructionLimit);
  }

  public Faults faults() {
    return faults;
  }

  public List<RecordedCall> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  public void clearCalls() {
    calls.clear();
  }

  // ---- routing ----

  public byte[] update(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId) {
    return record(caller, canisterId, method, arg, effectiveCanisterId, false);
  }

  public byte[] query(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId) {
    return record(caller, canisterId, method, arg, effectiveCanisterId, true);
  }

  private byte[] record(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    boolean rejected = true;
    try {
      faults.check(effectiveCanisterId, method);
      // Spec, "Request: Call": an ingress message larger than the limit is not accepted.
      if (arg.length > MAX_INGRESS_BYTES) {
        throw new CanisterRejectException(RejectCode.CANISTER_REJECT,
            "Request is too large: the argument of " + method + " is " + arg.length
                + " bytes; an ingress message is at most " + MAX_INGRESS_BYTES + " bytes",
            "IC0504", canisterId, method);
      }
      byte[] reply = canisterId.isManagementCanister()
          ? management(caller, method, arg, effectiveCanisterId, query)
          : canister(caller, canisterId, method, arg, effectiveCanisterId, query);
      rejected = false;
      return reply;
    } finally {
      calls.add(new RecordedCall(caller, canisterId, method, effectiveCanisterId, arg.length,
          rejected));
    }
  }

  private byte[] canister(
      Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    if (!effectiveCanisterId.equals(canisterId)) {
      throw Rejects.badRequest(method, "effective canister id " + effectiveCanisterId
          + " does not match the called canister " + canisterId);
    }
    CanisterState c = canisters.state(canisterId, method);
    if (c.builtin == null) {
      synchronized (wasmExecution) {
        return canister(c, caller, canisterId, method, arg, effectiveCanisterId, query);
      }
    }
    return canister(c, caller, canisterId, method, arg, effectiveCanisterId, query);
  }

  /**
   * Held while canister code runs. A canister's calls to other canisters are delivered while it
   * is locked, so with per-canister locks alone two canisters calling each other from two threads
   * would wait for each other forever. Canister code therefore runs one message at a time
   * replica-wide, which also keeps each canister's messages one at a time in order (spec,
   * "Abstract behavior": a canister executes one message at a time). Built-in canisters call no
   * one and keep their own locks.
   */
  private final Object wasmExecution = new Object();

  private byte[] canister(
      CanisterState c, Principal caller, Principal canisterId, String method, byte[] arg,
      Principal effectiveCanisterId, boolean query) {
    synchronized (c) {
      if (c.status != CanisterStatus.RunStatus.RUNNING) {
        throw new CanisterRejectException(RejectCode.CANISTER_ERROR,
            "Canister " + canisterId + " is " + c.status.name().toLowerCase(java.util.Locale.ROOT)
                + " and does not accept calls; start it first",
            "IC0508", canisterId, method);
      }
      BuiltinCanister b = c.builtin;
      if (b != null) {
        BuiltinCanister.CallContext ctx =
            new BuiltinCanister.CallContext(caller, canisterId, c.controllers.contains(caller));
        return query ? b.query(ctx, method, arg) : b.update(ctx, method, arg);
      }
      if (c.module == null) {
        throw new CanisterRejectException(RejectCode.DESTINATION_INVALID,
            "Canister " + canisterId + " has no code installed", "IC0537", canisterId, method);
      }
      WasmCanister code = c.code;
      if (code != null && code.hasMethod(method, query)) {
        if (!query && !canisters.isCanister(caller)) {
          inspect(c, code, caller, method, arg);
        }
        return execute(c, code, caller, method, arg, query);
      }
      // Spec, "Inter-canister method calls": a canister may call a query method; it runs as
      // an update (replicated), which for a query changes nothing.
      if (code != null && !query && effectiveCanisterId.equals(canisterId)
          && canisters.isCanister(caller) && code.hasMethod(method, true)) {
        return execute(c, code, caller, method, arg, true);
      }
      if (code != null && query && code.hasMethod(method, false)) {
        throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + canisterId
            + " has no query method '" + method + "' (it is an update method)", "IC0406",
            canisterId, method);
      }
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR,
          "Canister " + canisterId + " has no " + (query ? "query" : "update") + " method '"
              + method + "'", "IC0536", canisterId, method);
    }
  }

  /**
   * Asks the canister whether it accepts an ingress update call (spec, "Ingress message
   * inspection"); not for queries, calls from canisters or calls to the management canister.
   */
  private static void inspect(
      CanisterState c, WasmCanister code, Principal caller, String method, byte[] arg) {
    boolean accepted;
    try {
      accepted = code.inspect(method, arg, caller);
    } catch (WasmCanister.Trap t) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Canister " + c.id
          + " rejected the message in canister_inspect_message: " + t.getMessage(), "IC0406",
          c.id, method);
    }
    if (!accepted) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "Canister " + c.id
          + " rejected the message: canister_inspect_message did not call ic0.accept_message",
          "IC0406", c.id, method);
    }
  }

  /** Runs a message on a canister's code (spec, "Canister interface (System API)"). */
  private byte[] execute(
      CanisterState c, WasmCanister code, Principal caller, String method, byte[] arg,
      boolean query) {
    WasmCanister.CallContext call = new WasmCanister.CallContext();
    WasmCanister.Result r;
    try {
      r = code.run(query ? WasmCanister.Kind.QUERY : WasmCanister.Kind.UPDATE,
          (query ? "canister_query " : "canister_update ") + method, arg, caller, method);
      call = r.context();
    } catch (WasmCanister.Trap t) {
      throw WasmCanister.reject(c.id, method, t);
    }
    deliver(c, code, caller, method, call, r.calls());
    if (call.reject != null) {
      throw new CanisterRejectException(RejectCode.CANISTER_REJECT, call.reject, null,
          c.id, method);
    }
    if (!call.replied) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Canister " + c.id
          + " did not reply to the call", "IC0506", c.id, method);
    }
    return call.reply.toByteArray();
  }

  /**
   * Delivers the calls a message made, one after the other, each followed by its reply or reject
   * callback (and the cleanup callback when that traps), and the calls those callbacks make
   * (spec, "Inter-canister method calls"). The caller of each call is the calling canister.
   */
  private void deliver(CanisterState c, WasmCanister code, Principal caller, String method,
      WasmCanister.CallContext call, List<WasmCanister.Outgoing> calls) {
    for (WasmCanister.Outgoing o : calls) {
      byte[] reply = null;
      RejectCode rejectCode = null;
      String rejectMessage = "";
      try {
        reply = o.callee().isManagementCanister()
            ? management(c.id, o.method(), o.arg(), null, false)
            : canister(c.id, o.callee(), o.method(), o.arg(), o.callee(), false);
      } catch (CanisterRejectException e) {
        rejectCode = e.rejectCode();
        rejectMessage = e.rejectMessage();
      }
      WasmCanister.Result r;
      try {
        r = reply != null
            ? code.callback(WasmCanister.Kind.REPLY_CALLBACK, o.replyFun(), o.replyEnv(), reply,
                0, "", caller, method, call)
            : code.callback(WasmCanister.Kind.REJECT_CALLBACK, o.rejectFun(), o.rejectEnv(),
                new byte[0], rejectCode.code(), rejectMessage, caller, method, call);
      } catch (WasmCanister.Trap t) {
        if (o.cleanupFun() >= 0) {
          try {
            code.callback(WasmCanister.Kind.CLEANUP, o.cleanupFun(), o.cleanupEnv(),
                new byte[0], 0, "", caller, method, call);
          } catch (WasmCanister.Trap ignored) {
            // Spec: a trap in the cleanup callback is ignored; its changes roll back.
          }
        }
        continue;
      }
      deliver(c, code, caller, method, call, r.calls());
    }
  }


  // ---- the management canister ----

  /** {@code effective} is null for calls from canisters: only ingress has an effective id. */
  private byte[] management(
      Principal caller, String method, byte[] arg, @Nullable Principal effective,
      boolean query) {
    if (query) {
      throw Rejects.badRequest(method, "the management canister's " + method
          + " cannot be called as a query");
    }
    try {
      switch (method) {
        case "provisional_create_canister_with_cycles": {
          ManagementArgs.ProvisionalCreate a = ManagementCandid.decodeProvisionalCreateArgs(arg);
          return ManagementCandid.encodeCanisterIdResult(create(caller, a.settings(),
              a.amount() == null ? BigInteger.valueOf(100_000_000_000_000L) : a.amount(),
              a.specifiedId()));
        }
        case "create_canister": {
          // Spec, "IC method create_canister": it can only be called by canisters, not by
          // ingress messages (users create canisters through a canister such as the cycles
          // ledger, or provisionally on a development instance).
          if (effective != null) {
            throw Rejects.badRequest(method, "create_canister can only be called by canisters,"
                + " not by ingress messages; use provisional_create_canister_with_cycles on a"
                + " development instance or create the canister through a canister");
          }
          ManagementArgs.CreateCanister a = ManagementCandid.decodeCreateCanisterArgs(arg);
          return ManagementCandid.encodeCanisterIdResult(
              create(caller, a.settings(), BigInteger.ZERO, null));
        }
        case "update_settings": {
          ManagementArgs.UpdateSettings a = ManagementCandid.decodeUpdateSettingsArgs(arg);
          updateSettings(caller, a.canisterId(), a.settings(), effective);
          return ManagementCandid.encodeEmptyResult();
        }
        case "canister_status":
          return ManagementCandid.encodeCanisterStatusResult(canisterStatus(caller,
              about(ManagementCandid.decodeCanisterIdArgs(arg, method), effective, method)));
        case "uninstall_code": {
          CanisterState c = canisters.controlled(caller,
              about(ManagementCandid.decodeCanisterIdArgs(arg, method), effective, method), method);
          synchronized (c) {
            uninstall(c);
          }
          return ManagementCandid.encodeEmptyResult();
        }
        case "delete_canister": {
          CanisterState c = canisters.controlled(caller,
              about(ManagementCandid.decodeCanisterIdArgs(arg, method), effective, method), method);
          synchronized (c) {
            // Spec, "IC method delete_canister": only a stopped canister can be deleted; its
            // snapshots and chunk store go with it and its id is never reused.
            if (c.status != CanisterStatus.RunStatus.STOPPED) {
              throw Rejects.invalid(method, "Canister " + c.id + " must be stopped before it is"
                  + " deleted; call stop_canister first", "IC0510");
            }
            canisters.remove(c.id);
          }
          return ManagementCandid.encodeEmptyResult();
        }
        case "install_code": {
          ManagementArgs.InstallCode a = ManagementCandid.decodeInstallCodeArgs(arg);
          about(a.canisterId(), effective, method);
          CanisterState c = canisters.controlled(caller, a.canisterId(), method);
          synchronized (c) {
            install(c, a.mode(), a.wasmModule(), a.arg(), caller, method);
          }
          return ManagementCandid.encodeEmptyResult();
        }
        case "upload_chunk": {
          ManagementArgs.UploadChunk a = ManagementCandid.decodeUploadChunkArgs(arg);
          about(a.canisterId(), effective, method);
          return ManagementCandid.encodeUploadChunkResult(
              uploadChunk(caller, a.canisterId(), a.chunk()));
        }
        case "stored_chunks": {
          CanisterState c = canisters.controlledOrSelf(caller,
              about(ManagementCandid.decodeCanisterIdArgs(arg, method), effective, method), method);
          synchronized (c) {
            return ManagementCandid.encodeStoredChunksResult(new ArrayList<>(c.chunkStore.keySet()));
          }
        }
        case "clear_chunk_store": {
          CanisterState c = canisters.controlledOrSelf(caller,
              about(ManagementCandid.decodeCanisterIdArgs(arg, method), effective, method), method);
          synchronized (c) {
            c.chunkStore.clear();
          }
          return ManagementCandid.encodeEmptyResult();
        }
        case "install_chunked_code": {
          InstallChunkedCodeRequest r = ManagementCandid.decodeInstallChunkedCodeArgs(arg);
          about(r.targetCanister(), effective, method);
          installChunked(caller, r);
          return ManagementCandid.encodeEmptyResult();
        }
        case "start_canister":
        case "stop_canister": {
          CanisterState c = canisters.controlled(caller,
              about(ManagementCandid.decodeCanisterIdArgs(arg, method), effective, method), method);
          synchronized (c) {
            // No calls are ever in flight here, so stopping completes at once (spec, "IC method
            // stop_canister": stopping -> stopped once no call contexts are open).
            c.status = method.equals("start_canister")
                ? CanisterStatus.RunStatus.RUNNING : CanisterStatus.RunStatus.STOPPED;
          }
          return ManagementCandid.encodeEmptyResult();
        }
        case "take_canister_snapshot": {
          ManagementArgs.TakeSnapshot a = ManagementCandid.decodeTakeSnapshotArgs(arg);
          about(a.canisterId(), effective, method);
          return ManagementCandid.encodeSnapshotResult(
              takeSnapshot(caller, a.canisterId(), a.replaceSnapshot()));
        }
        case "load_canister_snapshot": {
          ManagementArgs.SnapshotOf a = ManagementCandid.decodeSnapshotArgs(arg, method);
          about(a.canisterId(), effective, method);
          loadSnapshot(caller, a.canisterId(), a.snapshotId());
          return ManagementCandid.encodeEmptyResult();
        }
        case "list_canister_snapshots": {
          CanisterState c = canisters.controlled(caller,
              about(ManagementCandid.decodeCanisterIdArgs(arg, method), effective, method), method);
          synchronized (c) {
            List<Snapshot> list = new ArrayList<>();
            c.snapshots.forEach(s -> list.add(s.snapshot()));
            return ManagementCandid.encodeListSnapshotsResult(list);
          }
        }
        case "delete_canister_snapshot": {
          ManagementArgs.SnapshotOf a = ManagementCandid.decodeSnapshotArgs(arg, method);
          CanisterState c = canisters.controlled(caller, about(a.canisterId(), effective, method), method);
          synchronized (c) {
            if (!c.snapshots.removeIf(s -> s.snapshot().id().equals(a.snapshotId()))) {
              throw Rejects.invalid(method, "Snapshot " + a.snapshotId() + " of canister "
                  + a.canisterId() + " not found", "IC0411");
            }
          }
          return ManagementCandid.encodeEmptyResult();
        }
        default:
          throw new CanisterRejectException(RejectCode.DESTINATION_INVALID,
              "The management canister has no method '" + method + "' in this replica",
              "IC0536", Principal.MANAGEMENT_CANISTER, method);
      }
    } catch (IllegalArgumentException e) {
      throw Rejects.badRequest(method, "Error decoding the argument of " + method + ": "
          + e.getMessage());
    }
  }

  /** Spec, "Effective canister id": it must be the canister the call is about. */
  private static Principal about(
      Principal canisterId, @Nullable Principal effective, String method) {
    if (effective != null && !canisterId.equals(effective)) {
      throw Rejects.badRequest(method, "the effective canister id " + effective
          + " does not match canister_id " + canisterId + " of the call");
    }
    return canisterId;
  }

  public Principal create(
      Principal caller, @Nullable CanisterSettings settings, BigInteger cycles,
      @Nullable Principal specifiedId) {
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
    canisters.add(new CanisterState(id, controllers, cycles));
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

  private void updateSettings(
      Principal caller, Principal canisterId, CanisterSettings settings,
      @Nullable Principal effective) {
    about(canisterId, effective, "update_settings");
    CanisterState c = canisters.controlled(caller, canisterId, "update_settings");
    synchronized (c) {
      Optional<List<Principal>> controllers = settings.controllers();
      if (controllers.isPresent()) {
        c.controllers = checkControllers(controllers.get(), "update_settings");
      }
      c.version++;
    }
  }

  public CanisterStatus canisterStatus(Principal caller, Principal canisterId) {
    CanisterState c = canisters.controlledOrSelf(caller, canisterId, "canister_status");
    synchronized (c) {
      long memory = c.module == null ? 0 : c.module.length;
      return new CanisterStatus(c.status, c.controllers, c.moduleHash, BigInteger.valueOf(memory),
          c.cycles);
    }
  }

  private Sha256 uploadChunk(Principal caller, Principal canisterId, byte[] chunk) {
    CanisterState c = canisters.controlledOrSelf(caller, canisterId, "upload_chunk");
    if (chunk.length > MAX_CHUNK_SIZE) {
      throw Rejects.invalid("upload_chunk", "Wasm chunk is " + chunk.length
          + " bytes; a chunk is at most " + MAX_CHUNK_SIZE + " bytes", "IC0505");
    }
    Sha256 hash = Sha256.of(chunk);
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
    }
    return hash;
  }

  private void installChunked(Principal caller, InstallChunkedCodeRequest r) {
    String method = "install_chunked_code";
    CanisterState target = canisters.controlled(caller, r.targetCanister(), method);
    Principal storeId = r.storeCanister().orElse(r.targetCanister());
    // Spec, "IC method install_chunked_code": the caller must also be a controller of the store
    // canister, or the store canister itself.
    CanisterState store = canisters.controlledOrSelf(caller, storeId, method);
    if (r.chunkHashes().isEmpty()) {
      throw Rejects.invalid(method, "chunk_hashes_list is empty", "IC0505");
    }
    // Lock in a fixed order so that two installs cannot deadlock.
    CanisterState first = target.id.compareTo(store.id) <= 0 ? target : store;
    CanisterState second = first == target ? store : target;
    synchronized (first) {
      synchronized (second) {
        long total = 0;
        for (Sha256 h : r.chunkHashes()) {
          byte[] chunk = store.chunkStore.get(h);
          if (chunk == null) {
            throw Rejects.invalid(method, "Chunk " + h + " is not in the chunk store of "
                + storeId + "; upload it first", "IC0505");
          }
          total += chunk.length;
        }
        if (total > ModuleValidator.MAX_MODULE_SIZE) {
          throw Rejects.invalid(method, "The chunks add up to " + total + " bytes, more than a"
              + " module may have", "IC0505");
        }
        // One exact-size array: the module is the largest thing the replica holds.
        byte[] bytes = new byte[(int) total];
        int at = 0;
        for (Sha256 h : r.chunkHashes()) {
          byte[] chunk = store.chunkStore.get(h);
          System.arraycopy(chunk, 0, bytes, at, chunk.length);
          at += chunk.length;
        }
        Sha256 actual = Sha256.of(bytes);
        if (!actual.equals(r.wasmModuleHash())) {
          throw Rejects.invalid(method, "wasm_module_hash " + r.wasmModuleHash()
              + " does not match the hash of the concatenated chunks, " + actual, "IC0505");
        }
        install(target, r.mode(), bytes, r.arg(), caller, method);
      }
    }
  }

  /** Installs into a locked canister; both install methods end here. */
  private void install(
      CanisterState c, InstallMode mode, byte[] module, byte[] arg, Principal caller,
      String method) {
    ModuleValidator.Checked checked = ModuleValidator.check(module, method);
    switch (mode.kind()) {
      case INSTALL:
        // Spec, "IC method install_code": mode install requires an empty canister.
        if (!c.isEmpty()) {
          throw Rejects.invalid(method, "Canister " + c.id + " is not empty: it already has a"
              + " module; use mode reinstall or upgrade", "IC0538");
        }
        break;
      case REINSTALL:
        break;
      case UPGRADE:
        if (c.isEmpty()) {
          throw Rejects.invalid(method, "Canister " + c.id + " is empty: there is nothing to"
              + " upgrade; use mode install", "IC0537");
        }
        // Spec, formal model, "Code upgrade": a canister running an EOP module must be upgraded
        // with wasm_memory_persistence set (keep, or replace to drop its main memory knowingly),
        // and keep is refused when the new module does not declare EOP.
        boolean keep = mode.wasmMemoryPersistence()
            .map(p -> p == InstallMode.WasmMemoryPersistence.KEEP).orElse(false);
        if (c.enhancedOrthogonalPersistence && mode.wasmMemoryPersistence().isEmpty()) {
          throw Rejects.invalid(method, "Missing upgrade option: enhanced orthogonal persistence"
              + " requires the wasm_memory_persistence upgrade option: keep to keep the main"
              + " memory (usual), or replace to drop it", "IC0503");
        }
        if (!checked.enhancedOrthogonalPersistence() && keep) {
          throw Rejects.invalid(method, "Invalid upgrade option: wasm_memory_persistence keep is"
              + " only for modules with enhanced orthogonal persistence", "IC0503");
        }
        break;
      default:
        throw new IllegalStateException();
    }
    c.code = run(c, mode, checked.wasm(), arg, caller, method);
    c.module = module;
    c.moduleHash = Sha256.of(module);
    c.enhancedOrthogonalPersistence = checked.enhancedOrthogonalPersistence();
    c.version++;
  }

  /**
   * The lifecycle of an install (spec, "IC method install_code"): install and reinstall run the
   * new code's canister_init with a fresh heap and empty stable memory (reinstall wipes it);
   * upgrade runs the old code's canister_pre_upgrade (unless skip_pre_upgrade), keeps stable
   * memory, replaces the heap and runs the new code's canister_post_upgrade. If anything traps,
   * the install fails and the canister is exactly as before.
   */
  private WasmCanister run(
      CanisterState c, InstallMode mode, byte[] wasm, byte[] arg, Principal caller,
      String method) {
    WasmCanister next = canisters.instantiate(c, wasm);
    WasmCanister old = c.code;
    if (mode.kind() != InstallMode.Kind.UPGRADE) {
      start(c, next, caller, method);
      hook(c, next, WasmCanister.Kind.INIT, "canister_init", arg, caller, method);
      return next;
    }
    Object before = old == null ? null : old.checkpoint();
    if (old != null && !mode.skipPreUpgrade().orElse(false)) {
      hook(c, old, WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", new byte[0], caller,
          method);
    }
    if (old != null) {
      next.restoreStable(old.stableMemory());
    }
    try {
      start(c, next, caller, method);
      if (old != null
          && mode.wasmMemoryPersistence().orElse(null) == InstallMode.WasmMemoryPersistence.KEEP) {
        next.keepMainMemoryOf(old);
      }
      hook(c, next, WasmCanister.Kind.POST_UPGRADE, "canister_post_upgrade", arg, caller, method);
    } catch (CanisterRejectException e) {
      if (old != null && before != null) {
        old.rollback(before);
      }
      throw e;
    }
    return next;
  }

  /** Runs the new module's (start) function, which comes before init and post_upgrade. */
  private static void start(CanisterState c, WasmCanister code, Principal caller, String method) {
    try {
      code.start(caller);
    } catch (WasmCanister.Trap t) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Error from Canister " + c.id
          + ": Canister trapped in the (start) function: " + t.getMessage(), "IC0503", c.id,
          method);
    }
  }

  private void hook(
      CanisterState c, WasmCanister code, WasmCanister.Kind kind, String export, byte[] arg,
      Principal caller, String method) {
    if (!code.exports(export)) {
      return;
    }
    try {
      code.run(kind, export, arg, caller, export);
    } catch (WasmCanister.Trap t) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Error from Canister " + c.id
          + ": Canister trapped in " + export + ": " + t.getMessage(), "IC0503", c.id, method);
    }
  }

  /**
   * Spec, formal model, "Code uninstallation": the canister becomes empty and its chunk store is
   * cleared; controllers, run status, cycles and snapshots stay.
   */
  private static void uninstall(CanisterState c) {
    c.module = null;
    c.moduleHash = null;
    c.enhancedOrthogonalPersistence = false;
    c.code = null;
    c.chunkStore.clear();
    c.version++;
  }

  private Snapshot takeSnapshot(
      Principal caller, Principal canisterId, @Nullable SnapshotId replace) {
    String method = "take_canister_snapshot";
    CanisterState c = canisters.controlled(caller, canisterId, method);
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
      long now = canisters.clock().instant().getEpochSecond() * 1_000_000_000L
          + canisters.clock().instant().getNano();
      Snapshot s = new Snapshot(SnapshotId.of(idBytes), now,
          c.module == null ? 0 : c.module.length);
      if (replace != null) {
        c.snapshots.removeIf(x -> x.snapshot().id().equals(replace));
      }
      // Spec, "IC method take_canister_snapshot": a snapshot holds the Wasm binary, memories and
      // the chunk store. The chunks are immutable arrays: the snapshot shares them.
      c.snapshots.add(new CanisterState.SnapshotState(s, c.module, c.moduleHash,
          c.enhancedOrthogonalPersistence, c.code == null ? null : c.code.checkpoint(),
          new java.util.LinkedHashMap<>(c.chunkStore)));
      return s;
    }
  }

  private void loadSnapshot(Principal caller, Principal canisterId, SnapshotId id) {
    String method = "load_canister_snapshot";
    CanisterState c = canisters.controlled(caller, canisterId, method);
    synchronized (c) {
      CanisterState.SnapshotState s = c.snapshots.stream()
          .filter(x -> x.snapshot().id().equals(id)).findFirst()
          .orElseThrow(() -> Rejects.invalid(method, "Snapshot " + id + " of canister "
              + canisterId + " not found", "IC0411"));
      c.module = s.module();
      c.moduleHash = s.moduleHash();
      c.enhancedOrthogonalPersistence = s.eop();
      // Spec, formal model, "Load canister snapshot": chunk_store = Snapshot.chunk_store.
      c.chunkStore.clear();
      c.chunkStore.putAll(s.chunkStore());
      // Spec, "IC method load_canister_snapshot": the module, heap, globals and stable memory
      // come back exactly as they were when the snapshot was taken.
      c.code = null;
      if (s.module() != null) {
        WasmCanister code = canisters.instantiate(c,
            ModuleValidator.check(s.module(), method).wasm());
        if (s.codeState() != null) {
          code.rollback(s.codeState());
        }
        c.code = code;
      }
      c.version++;
    }
  }

  // ---- inspection ----

  public Optional<Sha256> moduleHash(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "read_state");
    synchronized (c) {
      return Optional.ofNullable(c.moduleHash);
    }
  }

  public List<Sha256> chunkStore(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "chunk_store");
    synchronized (c) {
      return List.copyOf(c.chunkStore.keySet());
    }
  }

  public CanisterStatus.RunStatus runStatus(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "status");
    synchronized (c) {
      return c.status;
    }
  }

  public List<Principal> controllers(Principal canisterId) {
    CanisterState c = canisters.state(canisterId, "controllers");
    synchronized (c) {
      return c.controllers;
    }
  }

  /**
   * Runs the global timers that are due on the replica's clock (spec, "Global timer"): each
   * canister's {@code canister_global_timer}, with the calls it makes. A trap rolls the timer's
   * changes back. Returns how many timers ran.
   */
  public int tick() {
    int ran = 0;
    long nanos = canisters.nowNanos();
    for (CanisterState c : canisters.all()) {
      synchronized (wasmExecution) {
        ran += fireTimer(c, nanos);
      }
    }
    return ran;
  }

  /** Runs {@code c}'s global timer if it is due; returns 1 if it ran, else 0. */
  private int fireTimer(CanisterState c, long nanos) {
    synchronized (c) {
      WasmCanister code = c.code;
      if (code == null || c.status != CanisterStatus.RunStatus.RUNNING
          || !code.takeDueTimer(nanos)) {
        return 0;
      }
      try {
        WasmCanister.Result r = code.run(WasmCanister.Kind.TIMER, "canister_global_timer",
            new byte[0], c.id, "canister_global_timer");
        deliver(c, code, c.id, "canister_global_timer", r.context(), r.calls());
      } catch (WasmCanister.Trap t) {
        LOG.log(System.Logger.Level.DEBUG, () -> c.id + ": global timer trapped: "
            + t.getMessage());
      }
      return 1;
    }
  }

  public void host(Principal canisterId, BuiltinCanister builtin) {
    CanisterState c = canisters.state(canisterId, "host");
    synchronized (c) {
      c.builtin = builtin;
    }
  }
}
