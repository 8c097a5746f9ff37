package org.icupgrade.replica.internal;

import java.util.List;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.InstallChunkedCodeRequest;

/**
 * The management methods that put code into a canister and take it out: {@code install_code},
 * {@code install_chunked_code} (from a chunk store) and {@code uninstall_code}, with the install
 * modes' rules and the lifecycle hooks an install runs.
 */
final class CodeInstall {
  private CodeInstall() {}

  static byte[] installCode(ManagementCall call) {
    ManagementArgs.InstallCode a = call.decode(ManagementCandid::decodeInstallCodeArgs,
        ManagementArgs.InstallCode::canisterId);
    CanisterState c = call.controlled(a.canisterId());
    synchronized (c) {
      byte[] module = a.wasmModule();
      install(call, c, a.installMode(), ModuleBytes.of(module), Sha256.of(module), a.arg());
    }
    return ManagementCandid.encodeEmptyResult();
  }

  static byte[] installChunkedCode(ManagementCall call) {
    InstallChunkedCodeRequest r = call.decode(ManagementCandid::decodeInstallChunkedCodeArgs,
        InstallChunkedCodeRequest::targetCanister);
    installChunked(call, r);
    return ManagementCandid.encodeEmptyResult();
  }

  private static void installChunked(ManagementCall call, InstallChunkedCodeRequest r) {
    String method = call.method();
    CanisterState target = call.controlled(r.targetCanister());
    // Spec, "IC method install_chunked_code": the caller must also be a controller of the store
    // canister, or the store canister itself.
    CanisterState store = call.controlledOrSelf(r.storeCanister().orElse(r.targetCanister()));
    if (r.chunkHashes().isEmpty()) {
      throw Rejects.invalid(method, "chunk_hashes_list is empty", "IC0505");
    }
    // Lock in a fixed order so that two installs cannot deadlock.
    CanisterState first = target.id.compareTo(store.id) <= 0 ? target : store;
    CanisterState second = first == target ? store : target;
    synchronized (first) {
      synchronized (second) {
        List<Chunk> chunks = ChunkStore.chunks(store, r.chunkHashes(), method);
        Sha256 actual = ChunkStore.moduleHash(store, r.chunkHashes(), chunks);
        if (!actual.equals(r.wasmModuleHash())) {
          throw Rejects.invalid(method, "wasm_module_hash " + r.wasmModuleHash()
              + " does not match the hash of the concatenated chunks, " + actual, "IC0505");
        }
        // The module is the store's chunks, never joined: the canister and its snapshots
        // refer to them (the store holds them until clear_chunk_store, and after only the
        // module's referrers do).
        install(call, target, r.installMode(), ModuleBytes.of(chunks), actual, r.arg());
      }
    }
  }

  static byte[] uninstallCode(ManagementCall call) {
    CanisterState c = call.controlled(call.canisterIdArg());
    synchronized (c) {
      uninstall(call, c);
    }
    return ManagementCandid.encodeEmptyResult();
  }

  /**
   * Installs into a locked canister; both install methods end here. {@code hash} is the hash of
   * {@code module}, which each install computes once (install_chunked_code compares it with the
   * hash it was given).
   */
  private static void install(ManagementCall call, CanisterState c, InstallMode mode,
      ModuleBytes module, Sha256 hash, byte[] arg) {
    String method = call.method();
    ModuleCode code = call.canisters().load(module, hash, method);
    ModuleValidator.Checked checked = code.checked();
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
    // Spec, "IC method install_code": if the install fails the canister is as it was, cycles
    // burnt by its earlier hooks (a pre_upgrade that committed before post_upgrade trapped)
    // included.
    java.math.BigInteger cyclesBefore = c.cycles;
    try {
      c.code = run(call, c, mode, code, arg);
    } catch (RuntimeException e) {
      c.cycles = cyclesBefore;
      throw e;
    }
    // The module's bytes shared with every canister running it (one array per distinct module).
    c.module = code.installed();
    c.moduleHash = hash;
    c.enhancedOrthogonalPersistence = checked.enhancedOrthogonalPersistence();
    c.version++;
    c.recordChange(call.canisters().nowNanos(), call.caller(), call.ingress(),
        new ManagementArgs.ChangeDetails.CodeDeployment(
            mode.kind().name().toLowerCase(java.util.Locale.ROOT), hash));
  }

  /**
   * The lifecycle of an install (spec, "IC method install_code"): install and reinstall run the
   * new code's canister_init with a fresh heap and empty stable memory (reinstall wipes it);
   * upgrade runs the old code's canister_pre_upgrade (unless skip_pre_upgrade), keeps stable
   * memory, replaces the heap and runs the new code's canister_post_upgrade. If anything traps,
   * the install fails and the canister is exactly as before.
   */
  private static WasmCanister run(
      ManagementCall call, CanisterState c, InstallMode mode, ModuleCode wasm, byte[] arg) {
    Principal caller = call.caller();
    String method = call.method();
    WasmCanister next = call.canisters().instantiate(c, wasm);
    WasmCanister old = c.code;
    // Spec, "Resource limits": one install counts the instructions of all its hooks against
    // one limit (InstructionLimits.install()).
    if (mode.kind() != InstallMode.Kind.UPGRADE) {
      long used = start(c, next, caller, method, 0);
      hook(c, next, WasmCanister.Kind.INIT, "canister_init", arg, caller, method, used);
      return next;
    }
    Object before = old == null ? null : old.checkpoint();
    long used = 0;
    if (old != null && !mode.skipPreUpgrade().orElse(false)) {
      used = hook(c, old, WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", new byte[0],
          caller, method, 0);
    }
    if (old != null) {
      next.keepStableMemoryOf(old);
    }
    try {
      // Spec, "IC method install_code": with wasm_memory_persistence = keep the new module runs
      // on the old main memory from the start: its (start) function already sees it (moc's
      // runtime checks its persistent state there), and its data segments, passive in an EOP
      // module, do not overwrite it.
      if (old != null
          && mode.wasmMemoryPersistence().orElse(null) == InstallMode.WasmMemoryPersistence.KEEP) {
        next.keepMainMemoryOf(old);
      }
      used = start(c, next, caller, method, used);
      hook(c, next, WasmCanister.Kind.POST_UPGRADE, "canister_post_upgrade", arg, caller, method,
          used);
    } catch (CanisterRejectException e) {
      if (old != null && before != null) {
        old.rollback(before);
      }
      throw e;
    }
    return next;
  }

  /**
   * Runs the new module's (start) function, which comes before init and post_upgrade; returns
   * the install's instructions so far ({@code used} before it).
   */
  private static long start(
      CanisterState c, WasmCanister code, Principal caller, String method, long used) {
    try {
      return code.start(caller, used);
    } catch (WasmCanister.Trap t) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Error from Canister " + c.id
          + ": Canister trapped in the (start) function: " + t.getMessage(), t.errorCode(), c.id,
          method);
    }
  }

  /** Runs a hook if the module exports it; returns the install's instructions so far. */
  private static long hook(
      CanisterState c, WasmCanister code, WasmCanister.Kind kind, String export, byte[] arg,
      Principal caller, String method, long used) {
    if (!code.exports(export)) {
      return used;
    }
    try {
      code.runHook(kind, export, arg, caller, used);
      return code.lastInstructions();
    } catch (WasmCanister.Trap t) {
      throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "Error from Canister " + c.id
          + ": Canister trapped in " + export + ": " + t.getMessage(), t.errorCode(), c.id,
          method);
    }
  }

  /**
   * Spec, formal model, "Code uninstallation": the canister becomes empty and its chunk store is
   * cleared; controllers, run status, cycles and snapshots stay.
   */
  static void uninstall(ManagementCall call, CanisterState c) {
    c.module = null;
    c.moduleHash = null;
    c.enhancedOrthogonalPersistence = false;
    c.code = null;
    c.clearChunkStore();
    c.version++;
    c.recordChange(call.canisters().nowNanos(), call.caller(), call.ingress(),
        new ManagementArgs.ChangeDetails.CodeUninstall());
  }
}
