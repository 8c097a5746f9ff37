package org.icupgrade.replica.internal;

import java.util.HashMap;
import java.util.Map;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.jspecify.annotations.Nullable;

/**
 * The management canister's method table (spec, "The IC management canister"): each method's
 * name with the family that implements it, and the rejections common to all of them: a query
 * call, a method this replica does not have, an argument that does not decode.
 */
final class ManagementCanister {
  /** One management method: decodes its argument, applies the spec's rules, encodes the reply. */
  @FunctionalInterface
  interface Method {
    byte[] call(ManagementCall call);
  }

  private final Canisters canisters;
  private final Map<String, Method> methods;

  ManagementCanister(Canisters canisters, CanisterLifecycle lifecycle, Snapshots snapshots) {
    this.canisters = canisters;
    Map<String, Method> m = new HashMap<>();
    m.put("provisional_create_canister_with_cycles", lifecycle::provisionalCreate);
    m.put("create_canister", lifecycle::createCanister);
    m.put("update_settings", lifecycle::updateSettings);
    m.put("canister_status", lifecycle::canisterStatus);
    m.put("canister_info", lifecycle::canisterInfo);
    m.put("start_canister", lifecycle::startCanister);
    m.put("stop_canister", lifecycle::stopCanister);
    m.put("delete_canister", lifecycle::deleteCanister);

    m.put("install_code", CodeInstall::installCode);
    m.put("install_chunked_code", CodeInstall::installChunkedCode);
    m.put("uninstall_code", CodeInstall::uninstallCode);

    m.put("upload_chunk", ChunkStore::uploadChunk);
    m.put("stored_chunks", ChunkStore::storedChunks);
    m.put("clear_chunk_store", ChunkStore::clearChunkStore);

    m.put("take_canister_snapshot", snapshots::take);
    m.put("load_canister_snapshot", Snapshots::load);
    m.put("list_canister_snapshots", Snapshots::list);
    m.put("delete_canister_snapshot", Snapshots::delete);
    this.methods = Map.copyOf(m);
  }

  /** {@code effective} is null for calls from canisters: only ingress has an effective id. */
  byte[] call(
      Principal caller, String method, byte[] arg, @Nullable Principal effective,
      boolean query) {
    if (query) {
      throw Rejects.badRequest(method, "the management canister's " + method
          + " cannot be called as a query");
    }
    try {
      Method m = methods.get(method);
      if (m == null) {
        throw new CanisterRejectException(RejectCode.DESTINATION_INVALID,
            "The management canister has no method '" + method + "' in this replica",
            "IC0536", Principal.MANAGEMENT_CANISTER, method);
      }
      return m.call(new ManagementCall(canisters, caller, method, arg, effective));
    } catch (CandidException e) {
      throw Rejects.badRequest(method, "Error decoding the argument of " + method + ": "
          + e.getMessage());
    }
  }
}
