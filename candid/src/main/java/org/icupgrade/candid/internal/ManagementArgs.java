package org.icupgrade.candid.internal;

import java.math.BigInteger;
import java.util.Objects;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
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

  /** {@code take_canister_snapshot_args}. */
  public record TakeSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot) {}

  /** {@code load_canister_snapshot_args} and {@code delete_canister_snapshot_args}. */
  public record SnapshotOf(Principal canisterId, SnapshotId snapshotId) {}
}
