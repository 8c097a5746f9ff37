package org.icupgrade.core.install;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.jspecify.annotations.Nullable;

/**
 * What to install where: the target canister, the module, the mode, the init/upgrade argument
 * (Candid bytes), an optional store canister for the chunks, and whether to install even when the
 * target already runs this module.
 */
public final class InstallRequest {
  private final Principal canisterId;
  private final WasmModule wasmModule;
  private final InstallMode installMode;
  private final byte[] arg;
  private final @Nullable Principal storeCanister;
  private final boolean keepChunks;
  private final boolean chunksStored;
  private final boolean force;

  private InstallRequest(Builder b) {
    this.canisterId = b.canisterId;
    this.wasmModule = b.wasmModule;
    this.installMode = b.installMode;
    this.arg = b.arg;
    this.storeCanister = b.storeCanister;
    this.keepChunks = b.keepChunks;
    this.chunksStored = b.chunksStored;
    this.force = b.force;
  }

  /** A request to install {@code wasmModule} into {@code canisterId}; mode defaults to upgrade. */
  public static Builder builder(Principal canisterId, WasmModule wasmModule) {
    return new Builder(canisterId, wasmModule);
  }

  public Builder toBuilder() {
    Builder b = new Builder(canisterId, wasmModule);
    b.installMode = installMode;
    b.arg = arg;
    b.storeCanister = storeCanister;
    b.keepChunks = keepChunks;
    b.chunksStored = chunksStored;
    b.force = force;
    return b;
  }

  public Principal canisterId() {
    return canisterId;
  }

  public WasmModule wasmModule() {
    return wasmModule;
  }

  public InstallMode installMode() {
    return installMode;
  }

  /** A copy of the argument passed to {@code canister_init} / {@code canister_post_upgrade}. */
  public byte[] arg() {
    return arg.clone();
  }

  int argLength() {
    return arg.length;
  }

  /** The canister whose chunk store holds the chunks; the target itself when absent. */
  public Optional<Principal> storeCanister() {
    return Optional.ofNullable(storeCanister);
  }

  /**
   * Whether the store's chunks stay after the install (a store shared by many installs, cleared
   * by its owner when they are done); false unless set: the installer clears the store.
   *
   * @return true to leave the chunks in the store
   */
  public boolean keepChunks() {
    return keepChunks;
  }

  /**
   * Whether the caller knows the store holds every chunk of the module (it uploaded them for a
   * fleet's installs): the installer then neither reads {@code stored_chunks} nor uploads, and a
   * refused {@code install_chunked_code} is the caller's to repair (upload again, install again).
   * False unless set. Only for a {@link #storeCanister() store canister}.
   *
   * @return true when the chunks are known to be in the store
   */
  public boolean chunksStored() {
    return chunksStored;
  }

  /** Whether to upgrade even when the target already runs a module with the same hash. */
  public boolean force() {
    return force;
  }

  @Override
  public String toString() {
    return "InstallRequest[" + installMode + " " + wasmModule + " into " + canisterId
        + (storeCanister == null ? "" : " via store " + storeCanister)
        + (keepChunks ? ", chunks kept" : "") + (chunksStored ? ", chunks stored" : "")
        + ", arg " + arg.length + " bytes" + (force ? ", forced" : "") + "]";
  }

  /** Builds an {@link InstallRequest}. */
  public static final class Builder {
    private final Principal canisterId;
    private final WasmModule wasmModule;
    private InstallMode installMode = InstallMode.upgrade();
    private byte[] arg = EMPTY_CANDID;
    private @Nullable Principal storeCanister;
    private boolean keepChunks;
    private boolean chunksStored;
    private boolean force;

    /** The Candid encoding of an empty argument list, {@code ()}: what dfx sends by default. */
    private static final byte[] EMPTY_CANDID = {'D', 'I', 'D', 'L', 0, 0};

    private Builder(Principal canisterId, WasmModule wasmModule) {
      this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
      this.wasmModule = Objects.requireNonNull(wasmModule, "wasmModule");
    }

    /**
     * The mode; defaults to {@link InstallMode#upgrade()}. For an upgrade that leaves
     * {@code wasm_memory_persistence} unset, the installer sends {@code keep} when the running
     * module declares enhanced orthogonal persistence (see {@link ChunkedWasmInstaller}); set the
     * option to override that choice.
     */
    public Builder installMode(InstallMode installMode) {
      this.installMode = Objects.requireNonNull(installMode, "installMode");
      return this;
    }

    /** The argument as Candid bytes; defaults to the empty argument list {@code ()}. */
    public Builder arg(byte[] arg) {
      this.arg = arg.clone();
      return this;
    }

    /**
     * Upload the chunks to this canister's chunk store instead of the target's. The caller must
     * control both, and both must be on the same subnet.
     */
    public Builder storeCanister(@Nullable Principal storeCanister) {
      this.storeCanister = storeCanister;
      return this;
    }

    /**
     * Leave the chunks in the store after the install: for a store canister shared by a fleet's
     * installs, whose owner clears it once (see {@link InstallRequest#keepChunks()}).
     *
     * @param keepChunks true to keep them
     * @return this builder
     */
    public Builder keepChunks(boolean keepChunks) {
      this.keepChunks = keepChunks;
      return this;
    }

    /**
     * The store already holds every chunk of the module (see {@link InstallRequest#chunksStored()}).
     *
     * @param chunksStored true when the caller uploaded them
     * @return this builder
     */
    public Builder chunksStored(boolean chunksStored) {
      this.chunksStored = chunksStored;
      return this;
    }

    public Builder force(boolean force) {
      this.force = force;
      return this;
    }

    /**
     * The request.
     *
     * @throws IllegalArgumentException when the chunks are said to be stored without a store
     *     canister
     */
    public InstallRequest build() {
      if (chunksStored && storeCanister == null) {
        throw new IllegalArgumentException("chunksStored is for a store canister the caller"
            + " filled: set storeCanister too, or leave chunksStored false");
      }
      return new InstallRequest(this);
    }
  }
}
