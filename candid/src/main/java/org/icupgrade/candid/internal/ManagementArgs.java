package org.icupgrade.candid.internal;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/** The decoded arguments of the management canister methods that core has no type for. */
public final class ManagementArgs {
  private ManagementArgs() {}

  /** {@code create_canister_args}. */
  public record CreateCanister(@Nullable CanisterSettings settings) {}

  /** {@code provisional_create_canister_with_cycles_args}. */
  public record ProvisionalCreate(
      @Nullable BigInteger amount, @Nullable CanisterSettings settings,
      @Nullable Principal specifiedId) {}

  /** {@code update_settings_args}. */
  public record UpdateSettings(Principal canisterId, CanisterSettings settings) {
    public UpdateSettings {
      Objects.requireNonNull(canisterId);
      Objects.requireNonNull(settings);
    }
  }

  /** {@code install_code_args}; the arrays are the decoder's own, handed over without a copy. */
  public static final class InstallCode {
    private final Principal canisterId;
    private final InstallMode mode;
    private final byte[] wasmModule;
    private final byte[] arg;

    public InstallCode(Principal canisterId, InstallMode mode, byte[] wasmModule, byte[] arg) {
      this.canisterId = canisterId;
      this.mode = mode;
      this.wasmModule = wasmModule;
      this.arg = arg;
    }

    public Principal canisterId() {
      return canisterId;
    }

    public InstallMode installMode() {
      return mode;
    }

    /** The module bytes; owned by the caller after decoding (not copied: modules are large). */
    public byte[] wasmModule() {
      return wasmModule;
    }

    public byte[] arg() {
      return arg.clone();
    }
  }

  /** {@code upload_chunk_args}; the chunk array is handed over without a copy. */
  public static final class UploadChunk {
    private final Principal canisterId;
    private final byte[] chunk;

    public UploadChunk(Principal canisterId, byte[] chunk) {
      this.canisterId = canisterId;
      this.chunk = chunk;
    }

    public Principal canisterId() {
      return canisterId;
    }

    /** The chunk bytes; owned by the caller after decoding. */
    public byte[] chunk() {
      return chunk;
    }
  }

  /** {@code upload_chunk_args} with the chunk where it lies in the argument. */
  public record UploadChunkView(Principal canisterId, BlobView chunk) {}

  /** {@code take_canister_snapshot_args}; {@code uninstallCode} is its {@code opt bool}. */
  public record TakeSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot,
      boolean uninstallCode) {
    /** Without {@code uninstall_code}. */
    public TakeSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot) {
      this(canisterId, replaceSnapshot, false);
    }
  }

  /** {@code canister_info_args}; {@code numRequestedChanges} null when absent. */
  public record CanisterInfo(Principal canisterId, @Nullable Long numRequestedChanges) {}

  /**
   * One {@code change} of a canister's history (spec, "IC method canister_info"): when, the
   * canister's version after it, its origin (a user's ingress message or a canister's call) and
   * what changed.
   */
  public record Change(long timestampNanos, long canisterVersion, Principal origin,
      boolean fromUser, ChangeDetails details) {}

  /** {@code change_details}: the kinds of change this replica records. */
  public sealed interface ChangeDetails {
    /** {@code creation}. */
    record Creation(List<Principal> controllers) implements ChangeDetails {}

    /** {@code code_uninstall}. */
    record CodeUninstall() implements ChangeDetails {}

    /** {@code code_deployment}; mode is {@code install}, {@code reinstall} or {@code upgrade}. */
    record CodeDeployment(String mode, Sha256 moduleHash) implements ChangeDetails {}

    /** {@code load_snapshot}, of a snapshot taken from this canister. */
    record LoadSnapshot(SnapshotId snapshotId, long canisterVersion, long takenAtNanos)
        implements ChangeDetails {}

    /** {@code controllers_change}. */
    record ControllersChange(List<Principal> controllers) implements ChangeDetails {}
  }

  /** {@code canister_info_result}. */
  public record CanisterInfoResult(long totalNumChanges, List<Change> recentChanges,
      @Nullable Sha256 moduleHash, List<Principal> controllers) {}

  /** {@code load_canister_snapshot_args} and {@code delete_canister_snapshot_args}. */
  public record SnapshotOf(Principal canisterId, SnapshotId snapshotId) {}
}
