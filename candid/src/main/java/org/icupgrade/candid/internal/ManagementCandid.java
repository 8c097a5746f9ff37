package org.icupgrade.candid.internal;

import static org.icupgrade.candid.internal.Idl.BLOB;
import static org.icupgrade.candid.internal.Idl.BOOL;
import static org.icupgrade.candid.internal.Idl.NAT;
import static org.icupgrade.candid.internal.Idl.NAT64;
import static org.icupgrade.candid.internal.Idl.NULL;
import static org.icupgrade.candid.internal.Idl.PRINCIPAL;
import static org.icupgrade.candid.internal.Idl.opt;
import static org.icupgrade.candid.internal.Idl.principal;
import static org.icupgrade.candid.internal.Idl.record;
import static org.icupgrade.candid.internal.Idl.value;
import static org.icupgrade.candid.internal.Idl.variant;
import static org.icupgrade.candid.internal.Idl.vec;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.LogVisibility;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/**
 * Candid encoding and decoding of the management canister methods, exactly as {@code ic.did}
 * declares them: {@code encodeXxxArgs} / {@code decodeXxxArgs} for the arguments and
 * {@code encodeXxxResult} / {@code decodeXxxResult} for the replies. The client side
 * ({@link CandidManagementCanister}) uses one half, the embedded replica the other.
 *
 * <p>Decoding follows the Candid spec's decoding rules: it ignores record fields it does not model
 * (a real replica's {@code canister_status} carries more than we read), treats absent {@code opt}
 * fields as {@code null} ("Records"), and an {@code opt} whose value does not decode at its type
 * as {@code null} too ("Options": "the result is null, not failure"; see
 * {@link Decoded#opt(java.util.function.Function)}). A message that cannot be read as its type (bytes that are not Candid, a missing
 * field, a value of the wrong type, a number out of range, a hash that is not 32 bytes) throws
 * core's {@link CandidException}, never transient, naming the message ({@code canister_status
 * reply}, {@code upload_chunk argument}) and where known the field ({@code settings.controllers}).
 * Encoding a value of ours that does not fit its type (a negative nat) throws
 * {@link IllegalArgumentException}: a programming error, see {@link Idl#encode}.
 * {@code sender_canister_version} is never sent (it is for calls made by canisters) and is ignored
 * when decoding.
 *
 * <table>
 * <caption>The functions of each method</caption>
 * <tr><th>method</th><th>arguments</th><th>reply</th></tr>
 * <tr><td>create_canister</td>
 *   <td>{@link #encodeCreateCanisterArgs}, {@link #decodeCreateCanisterArgs}</td>
 *   <td>{@link #encodeCanisterIdResult}, {@link #decodeCanisterIdResult}</td></tr>
 * <tr><td>provisional_create_canister_with_cycles</td>
 *   <td>{@link #encodeProvisionalCreateArgs}, {@link #decodeProvisionalCreateArgs}</td>
 *   <td>{@link #encodeCanisterIdResult}, {@link #decodeCanisterIdResult}</td></tr>
 * <tr><td>update_settings</td>
 *   <td>{@link #encodeUpdateSettingsArgs}, {@link #decodeUpdateSettingsArgs}</td>
 *   <td>{@link #encodeEmptyResult}, {@link #decodeEmptyResult}</td></tr>
 * <tr><td>canister_status</td>
 *   <td>{@link #encodeCanisterIdArgs}, {@link #decodeCanisterIdArgs}</td>
 *   <td>{@link #encodeCanisterStatusResult}, {@link #decodeCanisterStatusResult}</td></tr>
 * <tr><td>install_code</td>
 *   <td>{@link #encodeInstallCodeArgs}, {@link #decodeInstallCodeArgs}</td>
 *   <td>{@link #encodeEmptyResult}, {@link #decodeEmptyResult}</td></tr>
 * <tr><td>upload_chunk</td>
 *   <td>{@link #encodeUploadChunkArgs}, {@link #decodeUploadChunkArgs}</td>
 *   <td>{@link #encodeUploadChunkResult}, {@link #decodeUploadChunkResult}</td></tr>
 * <tr><td>stored_chunks</td>
 *   <td>{@link #encodeCanisterIdArgs}, {@link #decodeCanisterIdArgs}</td>
 *   <td>{@link #encodeStoredChunksResult}, {@link #decodeStoredChunksResult}</td></tr>
 * <tr><td>clear_chunk_store, start_canister, stop_canister</td>
 *   <td>{@link #encodeCanisterIdArgs}, {@link #decodeCanisterIdArgs}</td>
 *   <td>{@link #encodeEmptyResult}, {@link #decodeEmptyResult}</td></tr>
 * <tr><td>install_chunked_code</td>
 *   <td>{@link #encodeInstallChunkedCodeArgs}, {@link #decodeInstallChunkedCodeArgs}</td>
 *   <td>{@link #encodeEmptyResult}, {@link #decodeEmptyResult}</td></tr>
 * <tr><td>take_canister_snapshot</td>
 *   <td>{@link #encodeTakeSnapshotArgs}, {@link #decodeTakeSnapshotArgs}</td>
 *   <td>{@link #encodeSnapshotResult}, {@link #decodeSnapshotResult}</td></tr>
 * <tr><td>load_canister_snapshot</td>
 *   <td>{@link #encodeLoadSnapshotArgs}, {@link #decodeSnapshotArgs}</td>
 *   <td>{@link #encodeEmptyResult}, {@link #decodeEmptyResult}</td></tr>
 * <tr><td>list_canister_snapshots</td>
 *   <td>{@link #encodeCanisterIdArgs}, {@link #decodeCanisterIdArgs}</td>
 *   <td>{@link #encodeListSnapshotsResult}, {@link #decodeListSnapshotsResult}</td></tr>
 * <tr><td>delete_canister_snapshot</td>
 *   <td>{@link #encodeDeleteSnapshotArgs}, {@link #decodeSnapshotArgs}</td>
 *   <td>{@link #encodeEmptyResult}, {@link #decodeEmptyResult}</td></tr>
 * </table>
 */
public final class ManagementCandid {
  private ManagementCandid() {}

  // ---- types, as in ic.did ----

  static final CandidType LOG_VISIBILITY =
      variant("controllers", NULL, "public", NULL, "allowed_viewers", vec(PRINCIPAL));
  static final CandidType ENVIRONMENT_VARIABLES =
      vec(record("name", Idl.TEXT, "value", Idl.TEXT));
  static final CandidType CANISTER_SETTINGS = record(
      "controllers", opt(vec(PRINCIPAL)),
      "compute_allocation", opt(NAT),
      "memory_allocation", opt(NAT),
      "freezing_threshold", opt(NAT),
      "reserved_cycles_limit", opt(NAT),
      "log_visibility", opt(LOG_VISIBILITY),
      "wasm_memory_limit", opt(NAT),
      "wasm_memory_threshold", opt(NAT),
      "environment_variables", opt(ENVIRONMENT_VARIABLES));
  static final CandidType DEFINITE_CANISTER_SETTINGS = record(
      "controllers", vec(PRINCIPAL),
      "compute_allocation", NAT,
      "memory_allocation", NAT,
      "freezing_threshold", NAT,
      "reserved_cycles_limit", NAT,
      "log_visibility", LOG_VISIBILITY,
      "wasm_memory_limit", NAT,
      "wasm_memory_threshold", NAT,
      "environment_variables", ENVIRONMENT_VARIABLES);
  static final CandidType INSTALL_MODE = variant(
      "install", NULL,
      "reinstall", NULL,
      "upgrade", opt(record(
          "skip_pre_upgrade", opt(BOOL),
          "wasm_memory_persistence", opt(variant("keep", NULL, "replace", NULL)))));
  static final CandidType CANISTER_ID_ARGS = record("canister_id", PRINCIPAL);
  static final CandidType CREATE_CANISTER_ARGS = record(
      "settings", opt(CANISTER_SETTINGS), "sender_canister_version", opt(NAT64));
  static final CandidType PROVISIONAL_CREATE_ARGS = record(
      "amount", opt(NAT),
      "settings", opt(CANISTER_SETTINGS),
      "specified_id", opt(PRINCIPAL),
      "sender_canister_version", opt(NAT64));
  static final CandidType UPDATE_SETTINGS_ARGS = record(
      "canister_id", PRINCIPAL, "settings", CANISTER_SETTINGS,
      "sender_canister_version", opt(NAT64));
  static final CandidType UPLOAD_CHUNK_ARGS = record("canister_id", PRINCIPAL, "chunk", BLOB);
  static final CandidType CHUNK_HASH = record("hash", BLOB);
  static final CandidType INSTALL_CODE_ARGS = record(
      "mode", INSTALL_MODE,
      "canister_id", PRINCIPAL,
      "wasm_module", BLOB,
      "arg", BLOB,
      "sender_canister_version", opt(NAT64));
  static final CandidType INSTALL_CHUNKED_CODE_ARGS = record(
      "mode", INSTALL_MODE,
      "target_canister", PRINCIPAL,
      "store_canister", opt(PRINCIPAL),
      "chunk_hashes_list", vec(CHUNK_HASH),
      "wasm_module_hash", BLOB,
      "arg", BLOB,
      "sender_canister_version", opt(NAT64));
  static final CandidType CANISTER_STATUS_RESULT = record(
      "status", variant("running", NULL, "stopping", NULL, "stopped", NULL),
      "settings", DEFINITE_CANISTER_SETTINGS,
      "module_hash", opt(BLOB),
      "memory_size", NAT,
      "memory_metrics", record(
          "wasm_memory_size", NAT, "stable_memory_size", NAT, "global_memory_size", NAT,
          "wasm_binary_size", NAT, "custom_sections_size", NAT, "canister_history_size", NAT,
          "wasm_chunk_store_size", NAT, "snapshots_size", NAT),
      "cycles", NAT,
      "reserved_cycles", NAT,
      "idle_cycles_burned_per_day", NAT,
      "query_stats", record(
          "num_calls_total", NAT, "num_instructions_total", NAT,
          "request_payload_bytes_total", NAT, "response_payload_bytes_total", NAT),
      // ic.did of 2026 (dfinity/sdk src/dfx/src/util/ic.did, canister_status_result): the
      // official decoder refuses a reply without them.
      "ready_for_migration", BOOL,
      "version", NAT64);
  static final CandidType SNAPSHOT =
      record("id", BLOB, "taken_at_timestamp", NAT64, "total_size", NAT64);
  static final CandidType TAKE_SNAPSHOT_ARGS = record("canister_id", PRINCIPAL,
      "replace_snapshot", opt(BLOB), "uninstall_code", opt(BOOL),
      "sender_canister_version", opt(NAT64));
  static final CandidType CANISTER_INFO_ARGS =
      record("canister_id", PRINCIPAL, "num_requested_changes", opt(NAT64));
  static final CandidType CHANGE_ORIGIN = variant(
      "from_user", record("user_id", PRINCIPAL),
      "from_canister", record("canister_id", PRINCIPAL, "canister_version", opt(NAT64)));
  /** The alternatives this replica produces (a variant with fewer is a subtype of ic.did's). */
  static final CandidType CHANGE_DETAILS = variant(
      "creation", record("controllers", vec(PRINCIPAL), "environment_variables_hash", opt(BLOB)),
      "code_uninstall", NULL,
      "code_deployment", record(
          "mode", variant("install", NULL, "reinstall", NULL, "upgrade", NULL),
          "module_hash", BLOB),
      "load_snapshot", record(
          "from_canister_id", opt(PRINCIPAL),
          "snapshot_id", BLOB,
          "canister_version", NAT64,
          "taken_at_timestamp", NAT64,
          "source", variant("taken_from_canister", Idl.RESERVED, "metadata_upload",
              Idl.RESERVED)),
      "controllers_change", record("controllers", vec(PRINCIPAL)));
  static final CandidType CANISTER_INFO_RESULT = record(
      "total_num_changes", NAT64,
      "recent_changes", vec(record(
          "timestamp_nanos", NAT64,
          "canister_version", NAT64,
          "origin", CHANGE_ORIGIN,
          "details", CHANGE_DETAILS)),
      "module_hash", opt(BLOB),
      "controllers", vec(PRINCIPAL));
  static final CandidType LOAD_SNAPSHOT_ARGS = record(
      "canister_id", PRINCIPAL, "snapshot_id", BLOB, "sender_canister_version", opt(NAT64));
  static final CandidType DELETE_SNAPSHOT_ARGS =
      record("canister_id", PRINCIPAL, "snapshot_id", BLOB);

  // ---- create_canister / provisional_create_canister_with_cycles ----

  public static byte[] encodeCreateCanisterArgs(@Nullable CanisterSettings settings) {
    return Idl.encode(value(
        "settings", Idl.opt(settings == null ? null : settingsValue(settings)),
        "sender_canister_version", Optional.empty()), CREATE_CANISTER_ARGS);
  }

  public static ManagementArgs.CreateCanister decodeCreateCanisterArgs(byte[] candid) {
    Fields f = Fields.of(candid, "create_canister argument");
    return new ManagementArgs.CreateCanister(
        f.opt("settings", s -> settingsOf(s.record())).orElse(null));
  }

  public static byte[] encodeProvisionalCreateArgs(
      @Nullable BigInteger amount, @Nullable CanisterSettings settings,
      @Nullable Principal specifiedId) {
    return Idl.encode(value(
        "amount", Idl.opt(amount),
        "settings", Idl.opt(settings == null ? null : settingsValue(settings)),
        "specified_id", Idl.opt(specifiedId == null ? null : principal(specifiedId)),
        "sender_canister_version", Optional.empty()), PROVISIONAL_CREATE_ARGS);
  }

  public static ManagementArgs.ProvisionalCreate decodeProvisionalCreateArgs(byte[] candid) {
    Fields f = Fields.of(candid, "provisional_create_canister_with_cycles argument");
    return new ManagementArgs.ProvisionalCreate(
        f.opt("amount", Decoded::nat).orElse(null),
        f.opt("settings", s -> settingsOf(s.record())).orElse(null),
        f.opt("specified_id", Decoded::principal).orElse(null));
  }

  /** The reply of both create methods: {@code record { canister_id }}. */
  public static byte[] encodeCanisterIdResult(Principal canisterId) {
    return Idl.encode(value("canister_id", principal(canisterId)), CANISTER_ID_ARGS);
  }

  /** The reply of {@code create_canister}; see {@link #decodeCanisterIdResult(byte[], String)}. */
  public static Principal decodeCanisterIdResult(byte[] candid) {
    return decodeCanisterIdResult(candid, "create_canister");
  }

  /** The reply {@code record { canister_id }} of {@code method}, named so in errors. */
  public static Principal decodeCanisterIdResult(byte[] candid, String method) {
    return Fields.of(candid, method + " reply").principal("canister_id");
  }

  // ---- the record { canister_id } arguments: canister_status, stored_chunks, clear_chunk_store,
  //      start_canister, stop_canister, list_canister_snapshots ----

  public static byte[] encodeCanisterIdArgs(Principal canisterId) {
    return Idl.encode(value("canister_id", principal(canisterId)), CANISTER_ID_ARGS);
  }

  public static Principal decodeCanisterIdArgs(byte[] candid, String method) {
    return Fields.of(candid, method + " argument").principal("canister_id");
  }

  /** The reply {@code ()} of the methods that return nothing. */
  public static byte[] encodeEmptyResult() {
    return Idl.empty();
  }

  /**
   * Checks the reply of a method that returns {@code ()}: it must be well-formed Candid; values
   * beyond none are ignored, as Candid subtyping allows a reply to carry more than is expected.
   *
   * @throws CandidException when the bytes are not Candid
   */
  public static void decodeEmptyResult(byte[] candid, String method) {
    Idl.decode(candid, method + " reply");
  }

  // ---- update_settings ----

  public static byte[] encodeUpdateSettingsArgs(Principal canisterId, CanisterSettings settings) {
    return Idl.encode(value(
        "canister_id", principal(canisterId),
        "settings", settingsValue(settings),
        "sender_canister_version", Optional.empty()), UPDATE_SETTINGS_ARGS);
  }

  public static ManagementArgs.UpdateSettings decodeUpdateSettingsArgs(byte[] candid) {
    Fields f = Fields.of(candid, "update_settings argument");
    return new ManagementArgs.UpdateSettings(f.principal("canister_id"),
        settingsOf(f.record("settings")));
  }

  // ---- canister_status ----

  /** A {@code canister_status} reply for a canister at version 0 (see the two-argument form). */
  public static byte[] encodeCanisterStatusResult(CanisterStatus status) {
    return encodeCanisterStatusResult(status, 0);
  }

  /**
   * A {@code canister_status} reply, with every field of the current {@code ic.did}: the
   * canister's {@code version} (the interface spec's canister version, which every change of the
   * canister increments), {@code ready_for_migration} false (no migration is modelled) and no
   * environment variables.
   */
  public static byte[] encodeCanisterStatusResult(CanisterStatus status, long version) {
    return encodeCanisterStatusResult(status, version, CanisterSettings.empty());
  }

  /** The IC's defaults of the definite settings (spec, "IC method create_canister"). */
  public static final CanisterSettings DEFAULT_SETTINGS = CanisterSettings.builder()
      .computeAllocation(BigInteger.ZERO)
      .memoryAllocation(BigInteger.ZERO)
      .freezingThreshold(BigInteger.valueOf(2_592_000))
      .reservedCyclesLimit(BigInteger.valueOf(5_000_000_000_000L))
      .logVisibility(LogVisibility.controllers())
      .wasmMemoryLimit(BigInteger.valueOf(3L << 30))
      .wasmMemoryThreshold(BigInteger.ZERO)
      .environmentVariables(Map.of())
      .build();

  /**
   * A {@code canister_status} reply whose definite settings are {@code settings}'s fields, each
   * absent one the IC's default ({@link #DEFAULT_SETTINGS}); the controllers are {@code
   * status}'s.
   */
  public static byte[] encodeCanisterStatusResult(CanisterStatus status, long version,
      CanisterSettings settings) {
    List<Object> controllers = new ArrayList<>();
    for (Principal p : status.controllers()) {
      controllers.add(principal(p));
    }
    CanisterSettings d = DEFAULT_SETTINGS.overriddenBy(settings);
    BigInteger zero = BigInteger.ZERO;
    return Idl.encode(value(
        "status", value(status.status().name().toLowerCase(Locale.ROOT), null),
        "settings", value(
            "controllers", controllers.toArray(),
            "compute_allocation", d.computeAllocation().orElseThrow(),
            "memory_allocation", d.memoryAllocation().orElseThrow(),
            "freezing_threshold", d.freezingThreshold().orElseThrow(),
            "reserved_cycles_limit", d.reservedCyclesLimit().orElseThrow(),
            "log_visibility", logVisibilityValue(d.logVisibility().orElseThrow()),
            "wasm_memory_limit", d.wasmMemoryLimit().orElseThrow(),
            "wasm_memory_threshold", d.wasmMemoryThreshold().orElseThrow(),
            "environment_variables", environmentValue(d.environmentVariables().orElseThrow())),
        "module_hash", Idl.opt(status.moduleHash().map(Sha256::toBytes).orElse(null)),
        "memory_size", status.memorySize(),
        "memory_metrics", value(
            "wasm_memory_size", zero, "stable_memory_size", zero, "global_memory_size", zero,
            "wasm_binary_size", zero, "custom_sections_size", zero,
            "canister_history_size", zero, "wasm_chunk_store_size", zero,
            "snapshots_size", status.snapshotsSize().orElse(zero)),
        "cycles", status.cycles(),
        "reserved_cycles", zero,
        "idle_cycles_burned_per_day", zero,
        "query_stats", value(
            "num_calls_total", zero, "num_instructions_total", zero,
            "request_payload_bytes_total", zero, "response_payload_bytes_total", zero),
        "ready_for_migration", false,
        "version", version),
        CANISTER_STATUS_RESULT);
  }

  public static CanisterStatus decodeCanisterStatusResult(byte[] candid) {
    Fields f = Fields.of(candid, "canister_status reply");
    String status = f.variant("status", "running", "stopping", "stopped");
    List<Principal> controllers = new ArrayList<>();
    for (Decoded p : f.record("settings").vec("controllers")) {
      controllers.add(p.principal());
    }
    Sha256 moduleHash = f.opt("module_hash", Decoded::sha256).orElse(null);
    // memory_metrics came into ic.did later than the other fields: a reply without it leaves the
    // snapshots' memory unknown.
    BigInteger snapshotsSize = null;
    if (f.has("memory_metrics")) {
      Fields metrics = f.record("memory_metrics");
      if (metrics.has("snapshots_size")) {
        snapshotsSize = metrics.nat("snapshots_size");
      }
    }
    return new CanisterStatus(CanisterStatus.RunStatus.valueOf(status.toUpperCase(Locale.ROOT)),
        controllers, moduleHash, f.nat("memory_size"), f.nat("cycles"), snapshotsSize);
  }

  // ---- install_code ----

  /**
   * The module's remaining bytes are copied once, straight into the message; its position is left
   * alone.
   */
  public static byte[] encodeInstallCodeArgs(
      Principal canisterId, InstallMode mode, ByteBuffer wasmModule, byte[] arg) {
    return Idl.encode(value(
        "mode", modeValue(mode),
        "canister_id", principal(canisterId),
        "wasm_module", wasmModule,
        "arg", arg,
        "sender_canister_version", Optional.empty()), INSTALL_CODE_ARGS);
  }

  public static ManagementArgs.InstallCode decodeInstallCodeArgs(byte[] candid) {
    Fields f = Fields.of(candid, "install_code argument");
    return new ManagementArgs.InstallCode(f.principal("canister_id"),
        modeOf(f.get("mode")), f.blob("wasm_module"), f.blob("arg"));
  }

  // ---- upload_chunk / stored_chunks ----

  /**
   * The chunk's remaining bytes are copied once, straight into the message (a 1 MiB chunk makes a
   * message of 1 MiB and 38 bytes, and nothing else of that size is allocated); its position is
   * left alone.
   */
  public static byte[] encodeUploadChunkArgs(Principal canisterId, ByteBuffer chunk) {
    return Idl.encode(value("canister_id", principal(canisterId), "chunk", chunk),
        UPLOAD_CHUNK_ARGS);
  }

  public static ManagementArgs.UploadChunk decodeUploadChunkArgs(byte[] candid) {
    Fields f = Fields.of(candid, "upload_chunk argument");
    return new ManagementArgs.UploadChunk(f.principal("canister_id"), f.blob("chunk"));
  }

  /**
   * {@code upload_chunk_args} with the chunk a view of {@code candid}, not copied: for a replica
   * that keeps the argument it received and stores the chunk as a part of it.
   */
  public static ManagementArgs.UploadChunkView decodeUploadChunkArgsAsView(byte[] candid) {
    Fields f = Fields.ofViews(candid, "upload_chunk argument");
    return new ManagementArgs.UploadChunkView(f.principal("canister_id"), f.blobView("chunk"));
  }

  /** {@code upload_chunk_result = chunk_hash = record { hash : blob }}. */
  public static byte[] encodeUploadChunkResult(Sha256 hash) {
    return Idl.encode(value("hash", hash.toBytes()), CHUNK_HASH);
  }

  public static Sha256 decodeUploadChunkResult(byte[] candid) {
    return Fields.of(candid, "upload_chunk reply").sha256("hash");
  }

  /** {@code stored_chunks_result = vec chunk_hash}. */
  public static byte[] encodeStoredChunksResult(List<Sha256> hashes) {
    Object[] items = new Object[hashes.size()];
    for (int i = 0; i < items.length; i++) {
      items[i] = value("hash", hashes.get(i).toBytes());
    }
    return Idl.encode(items, vec(CHUNK_HASH));
  }

  public static List<Sha256> decodeStoredChunksResult(byte[] candid) {
    List<Sha256> out = new ArrayList<>();
    for (Decoded h : Idl.decodeFirst(candid, "stored_chunks reply").vec()) {
      out.add(h.record().sha256("hash"));
    }
    return out;
  }

  // ---- install_chunked_code ----

  public static byte[] encodeInstallChunkedCodeArgs(InstallChunkedCodeRequest r) {
    Object[] hashes = new Object[r.chunkHashes().size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = value("hash", r.chunkHashes().get(i).toBytes());
    }
    return Idl.encode(value(
        "mode", modeValue(r.installMode()),
        "target_canister", principal(r.targetCanister()),
        "store_canister", Idl.opt(r.storeCanister().map(Idl::principal).orElse(null)),
        "chunk_hashes_list", hashes,
        "wasm_module_hash", r.wasmModuleHash().toBytes(),
        "arg", r.arg(),
        "sender_canister_version", Optional.empty()), INSTALL_CHUNKED_CODE_ARGS);
  }

  public static InstallChunkedCodeRequest decodeInstallChunkedCodeArgs(byte[] candid) {
    Fields f = Fields.of(candid, "install_chunked_code argument");
    List<Sha256> hashes = new ArrayList<>();
    for (Decoded h : f.vec("chunk_hashes_list")) {
      hashes.add(h.record().sha256("hash"));
    }
    Sha256 moduleHash = f.sha256("wasm_module_hash");
    return new InstallChunkedCodeRequest(modeOf(f.get("mode")), f.principal("target_canister"),
        f.opt("store_canister", Decoded::principal).orElse(null),
        hashes, moduleHash, f.blob("arg"));
  }

  // ---- snapshots ----

  public static byte[] encodeTakeSnapshotArgs(
      Principal canisterId, @Nullable SnapshotId replaceSnapshot) {
    return Idl.encode(value(
        "canister_id", principal(canisterId),
        "replace_snapshot", Idl.opt(replaceSnapshot == null ? null : replaceSnapshot.toBytes()),
        "uninstall_code", Optional.empty(),
        "sender_canister_version", Optional.empty()),
        TAKE_SNAPSHOT_ARGS);
  }

  public static ManagementArgs.TakeSnapshot decodeTakeSnapshotArgs(byte[] candid) {
    Fields f = Fields.of(candid, "take_canister_snapshot argument");
    return new ManagementArgs.TakeSnapshot(f.principal("canister_id"),
        f.opt("replace_snapshot", b -> SnapshotId.of(b.blob())).orElse(null),
        f.opt("uninstall_code", Decoded::bool).orElse(false));
  }

  // ---- canister_info ----

  public static byte[] encodeCanisterInfoArgs(Principal canisterId,
      @Nullable Long numRequestedChanges) {
    return Idl.encode(value(
        "canister_id", principal(canisterId),
        "num_requested_changes", Idl.opt(numRequestedChanges)), CANISTER_INFO_ARGS);
  }

  public static ManagementArgs.CanisterInfo decodeCanisterInfoArgs(byte[] candid) {
    Fields f = Fields.of(candid, "canister_info argument");
    return new ManagementArgs.CanisterInfo(f.principal("canister_id"),
        f.opt("num_requested_changes", Decoded::nat64Bits).orElse(null));
  }

  public static byte[] encodeCanisterInfoResult(ManagementArgs.CanisterInfoResult r) {
    Object[] changes = new Object[r.recentChanges().size()];
    for (int i = 0; i < changes.length; i++) {
      ManagementArgs.Change c = r.recentChanges().get(i);
      changes[i] = value(
          "timestamp_nanos", c.timestampNanos(),
          "canister_version", c.canisterVersion(),
          "origin", c.fromUser()
              ? value("from_user", value("user_id", principal(c.origin())))
              : value("from_canister", value("canister_id", principal(c.origin()),
                  "canister_version", Optional.empty())),
          "details", changeDetailsValue(c.details()));
    }
    return Idl.encode(value(
        "total_num_changes", r.totalNumChanges(),
        "recent_changes", changes,
        "module_hash", Idl.opt(r.moduleHash() == null ? null : r.moduleHash().toBytes()),
        "controllers", r.controllers().stream().map(Idl::principal).toArray()),
        CANISTER_INFO_RESULT);
  }

  private static Object changeDetailsValue(ManagementArgs.ChangeDetails d) {
    if (d instanceof ManagementArgs.ChangeDetails.Creation c) {
      return value("creation", value(
          "controllers", c.controllers().stream().map(Idl::principal).toArray(),
          "environment_variables_hash", Optional.empty()));
    } else if (d instanceof ManagementArgs.ChangeDetails.CodeUninstall) {
      return value("code_uninstall", null);
    } else if (d instanceof ManagementArgs.ChangeDetails.CodeDeployment c) {
      return value("code_deployment", value(
          "mode", value(c.mode(), null),
          "module_hash", c.moduleHash().toBytes()));
    } else if (d instanceof ManagementArgs.ChangeDetails.LoadSnapshot l) {
      return value("load_snapshot", value(
          "from_canister_id", Optional.empty(),
          "snapshot_id", l.snapshotId().toBytes(),
          "canister_version", l.canisterVersion(),
          "taken_at_timestamp", l.takenAtNanos(),
          "source", value("taken_from_canister", null)));
    }
    ManagementArgs.ChangeDetails.ControllersChange c =
        (ManagementArgs.ChangeDetails.ControllersChange) d;
    return value("controllers_change", value(
        "controllers", c.controllers().stream().map(Idl::principal).toArray()));
  }

  public static ManagementArgs.CanisterInfoResult decodeCanisterInfoResult(byte[] candid) {
    Fields f = Fields.of(candid, "canister_info reply");
    List<ManagementArgs.Change> changes = new ArrayList<>();
    for (Decoded d : f.vec("recent_changes")) {
      Fields c = d.record();
      Decoded.Variant origin = c.get("origin").variant("from_user", "from_canister");
      boolean fromUser = origin.tag().equals("from_user");
      Principal who = origin.payload().record().principal(fromUser ? "user_id" : "canister_id");
      Decoded.Variant details = c.get("details").variant("creation", "code_uninstall",
          "code_deployment", "load_snapshot", "controllers_change", "rename_canister");
      ManagementArgs.ChangeDetails cd = switch (details.tag()) {
        case "creation" -> new ManagementArgs.ChangeDetails.Creation(
            principalsOf(details.payload().record().get("controllers")));
        case "code_uninstall" -> new ManagementArgs.ChangeDetails.CodeUninstall();
        case "code_deployment" -> new ManagementArgs.ChangeDetails.CodeDeployment(
            details.payload().record().variant("mode", "install", "reinstall", "upgrade"),
            details.payload().record().sha256("module_hash"));
        case "load_snapshot" -> new ManagementArgs.ChangeDetails.LoadSnapshot(
            SnapshotId.of(details.payload().record().blob("snapshot_id")),
            details.payload().record().nat64Bits("canister_version"),
            details.payload().record().nat64Bits("taken_at_timestamp"));
        case "controllers_change" -> new ManagementArgs.ChangeDetails.ControllersChange(
            principalsOf(details.payload().record().get("controllers")));
        default -> throw new CandidException("canister_info", "recent_changes",
            "a " + details.tag() + " change, which this library does not read", null);
      };
      changes.add(new ManagementArgs.Change(c.nat64Bits("timestamp_nanos"),
          c.nat64Bits("canister_version"), who, fromUser, cd));
    }
    List<Principal> controllers = new ArrayList<>();
    for (Decoded p : f.vec("controllers")) {
      controllers.add(p.principal());
    }
    return new ManagementArgs.CanisterInfoResult(f.nat64Bits("total_num_changes"), changes,
        f.opt("module_hash", Decoded::sha256).orElse(null), controllers);
  }

  public static byte[] encodeSnapshotResult(Snapshot s) {
    return Idl.encode(snapshotValue(s), SNAPSHOT);
  }

  public static Snapshot decodeSnapshotResult(byte[] candid) {
    return snapshotOf(Fields.of(candid, "take_canister_snapshot reply"));
  }

  public static byte[] encodeLoadSnapshotArgs(Principal canisterId, SnapshotId snapshotId) {
    return Idl.encode(value(
        "canister_id", principal(canisterId),
        "snapshot_id", snapshotId.toBytes(),
        "sender_canister_version", Optional.empty()), LOAD_SNAPSHOT_ARGS);
  }

  public static byte[] encodeDeleteSnapshotArgs(Principal canisterId, SnapshotId snapshotId) {
    return Idl.encode(value(
        "canister_id", principal(canisterId),
        "snapshot_id", snapshotId.toBytes()), DELETE_SNAPSHOT_ARGS);
  }

  /** The arguments of {@code load_canister_snapshot} or {@code delete_canister_snapshot}. */
  public static ManagementArgs.SnapshotOf decodeSnapshotArgs(byte[] candid, String method) {
    Fields f = Fields.of(candid, method + " argument");
    return new ManagementArgs.SnapshotOf(
        f.principal("canister_id"), SnapshotId.of(f.blob("snapshot_id")));
  }

  public static byte[] encodeListSnapshotsResult(List<Snapshot> snapshots) {
    Object[] items = new Object[snapshots.size()];
    for (int i = 0; i < items.length; i++) {
      items[i] = snapshotValue(snapshots.get(i));
    }
    return Idl.encode(items, vec(SNAPSHOT));
  }

  public static List<Snapshot> decodeListSnapshotsResult(byte[] candid) {
    List<Snapshot> out = new ArrayList<>();
    for (Decoded s : Idl.decodeFirst(candid, "list_canister_snapshots reply").vec()) {
      out.add(snapshotOf(s.record()));
    }
    return out;
  }

  // ---- shared pieces ----

  private static Map<String, @Nullable Object> snapshotValue(Snapshot s) {
    return value(
        "id", s.id().toBytes(),
        "taken_at_timestamp", s.takenAtTimestampNanos(),
        "total_size", s.totalSize());
  }

  private static Snapshot snapshotOf(Fields f) {
    return new Snapshot(SnapshotId.of(f.blob("id")), f.nat64Bits("taken_at_timestamp"),
        f.nat64Bits("total_size"));
  }

  private static Map<String, @Nullable Object> modeValue(InstallMode mode) {
    switch (mode.kind()) {
      case INSTALL:
        return value("install", null);
      case REINSTALL:
        return value("reinstall", null);
      default:
        if (!mode.hasUpgradeOptions()) {
          return value("upgrade", Optional.empty());
        }
        return value("upgrade", Optional.of(value(
            "skip_pre_upgrade", Idl.opt(mode.skipPreUpgrade().orElse(null)),
            "wasm_memory_persistence", Idl.opt(mode.wasmMemoryPersistence()
                .map(p -> value(p == InstallMode.WasmMemoryPersistence.KEEP ? "keep" : "replace",
                    null))
                .orElse(null)))));
    }
  }

  private static InstallMode modeOf(Decoded mode) {
    Decoded.Variant v = mode.variant("install", "reinstall", "upgrade");
    if (v.tag().equals("install")) {
      return InstallMode.install();
    }
    if (v.tag().equals("reinstall")) {
      return InstallMode.reinstall();
    }
    InstallMode upgrade = InstallMode.upgrade();
    // upgrade : opt record { ... }; an older ic.did's payload-less upgrade decodes as null, and so
    // does a payload of another type (Candid spec, decoding rules, "Options").
    Optional<Fields> payload = v.payload().opt(Decoded::record);
    if (payload.isPresent()) {
      Fields options = payload.get();
      Optional<Boolean> skip = options.opt("skip_pre_upgrade", Decoded::bool);
      if (skip.isPresent()) {
        upgrade = upgrade.withSkipPreUpgrade(skip.get());
      }
      Optional<String> persistence = options.opt("wasm_memory_persistence",
          d -> d.variant("keep", "replace").tag());
      if (persistence.isPresent()) {
        String p = persistence.get();
        upgrade = upgrade.withWasmMemoryPersistence(p.equals("keep")
            ? InstallMode.WasmMemoryPersistence.KEEP
            : InstallMode.WasmMemoryPersistence.REPLACE);
      }
    }
    return upgrade;
  }

  private static Map<String, @Nullable Object> settingsValue(CanisterSettings s) {
    return value(
        "controllers", Idl.opt(s.controllers().map(cs -> {
          Object[] arr = new Object[cs.size()];
          for (int i = 0; i < arr.length; i++) {
            arr[i] = principal(cs.get(i));
          }
          return (Object) arr;
        }).orElse(null)),
        "compute_allocation", Idl.opt(s.computeAllocation().orElse(null)),
        "memory_allocation", Idl.opt(s.memoryAllocation().orElse(null)),
        "freezing_threshold", Idl.opt(s.freezingThreshold().orElse(null)),
        "reserved_cycles_limit", Idl.opt(s.reservedCyclesLimit().orElse(null)),
        "log_visibility", Idl.opt(s.logVisibility().map(ManagementCandid::logVisibilityValue)
            .orElse(null)),
        "wasm_memory_limit", Idl.opt(s.wasmMemoryLimit().orElse(null)),
        "wasm_memory_threshold", Idl.opt(s.wasmMemoryThreshold().orElse(null)),
        "environment_variables", Idl.opt(s.environmentVariables()
            .map(ManagementCandid::environmentValue).orElse(null)));
  }

  private static Object logVisibilityValue(LogVisibility v) {
    return switch (v.kind()) {
      case CONTROLLERS -> value("controllers", null);
      case PUBLIC -> value("public", null);
      case ALLOWED_VIEWERS -> value("allowed_viewers", v.viewers().stream()
          .map(Idl::principal).toArray());
    };
  }

  private static LogVisibility logVisibilityOf(Decoded d) {
    Decoded.Variant v = d.variant("controllers", "public", "allowed_viewers");
    return switch (v.tag()) {
      case "public" -> LogVisibility.everyone();
      case "allowed_viewers" -> LogVisibility.allowedViewers(principalsOf(v.payload()));
      default -> LogVisibility.controllers();
    };
  }

  private static Object environmentValue(Map<String, String> variables) {
    return variables.entrySet().stream()
        .map(e -> (Object) value("name", e.getKey(), "value", e.getValue())).toArray();
  }

  private static Map<String, String> environmentOf(Decoded vec) {
    Map<String, String> variables = new LinkedHashMap<>();
    for (Decoded e : vec.vec()) {
      Fields f = e.record();
      variables.put(f.text("name"), f.text("value"));
    }
    return variables;
  }

  private static List<Principal> principalsOf(Decoded vec) {
    List<Principal> ps = new ArrayList<>();
    for (Decoded p : vec.vec()) {
      ps.add(p.principal());
    }
    return ps;
  }

  /** The builder's one check, a negative nat, cannot fail: {@link Decoded#nat} never is. */
  private static CanisterSettings settingsOf(Fields f) {
    CanisterSettings.Builder b = CanisterSettings.builder();
    f.opt("controllers", ManagementCandid::principalsOf).ifPresent(b::controllers);
    f.opt("compute_allocation", Decoded::nat).ifPresent(b::computeAllocation);
    f.opt("memory_allocation", Decoded::nat).ifPresent(b::memoryAllocation);
    f.opt("freezing_threshold", Decoded::nat).ifPresent(b::freezingThreshold);
    f.opt("reserved_cycles_limit", Decoded::nat).ifPresent(b::reservedCyclesLimit);
    f.opt("wasm_memory_limit", Decoded::nat).ifPresent(b::wasmMemoryLimit);
    f.opt("wasm_memory_threshold", Decoded::nat).ifPresent(b::wasmMemoryThreshold);
    f.opt("log_visibility", ManagementCandid::logVisibilityOf).ifPresent(b::logVisibility);
    f.opt("environment_variables", ManagementCandid::environmentOf)
        .ifPresent(b::environmentVariables);
    return b.build();
  }
}
