package org.icupgrade.core.management;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * The arguments of {@code install_chunked_code}: the target, an optional store canister holding the
 * chunks (the target itself when absent), the chunk hashes in module order, the hash of the whole
 * module, the install argument and the mode.
 */
public final class InstallChunkedCodeRequest {
  private final InstallMode mode;
  private final Principal targetCanister;
  private final @Nullable Principal storeCanister;
  private final List<Sha256> chunkHashes;
  private final Sha256 wasmModuleHash;
  private final byte[] arg;

  public InstallChunkedCodeRequest(
      InstallMode mode, Principal targetCanister, @Nullable Principal storeCanister,
      List<Sha256> chunkHashes, Sha256 wasmModuleHash, byte[] arg) {
    this.mode = Objects.requireNonNull(mode);
    this.targetCanister = Objects.requireNonNull(targetCanister);
    this.storeCanister = storeCanister;
    this.chunkHashes = List.copyOf(chunkHashes);
    this.wasmModuleHash = Objects.requireNonNull(wasmModuleHash);
    this.arg = arg.clone();
  }

  public InstallMode installMode() {
    return mode;
  }

  public Principal targetCanister() {
    return targetCanister;
  }

  public Optional<Principal> storeCanister() {
    return Optional.ofNullable(storeCanister);
  }

  public List<Sha256> chunkHashes() {
    return chunkHashes;
  }

  public Sha256 wasmModuleHash() {
    return wasmModuleHash;
  }

  public byte[] arg() {
    return arg.clone();
  }

  @Override
  public String toString() {
    return "InstallChunkedCodeRequest[" + mode + ", target=" + targetCanister + ", store="
        + storeCanister + ", " + chunkHashes.size() + " chunks, wasm_module_hash="
        + wasmModuleHash + ", arg " + arg.length + " bytes]";
  }
}
