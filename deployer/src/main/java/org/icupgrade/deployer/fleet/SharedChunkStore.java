package org.icupgrade.deployer.fleet;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmChunk;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.calls.RetryListener;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.jspecify.annotations.Nullable;

/**
 * One upload per fleet: a canister the backend controls whose chunk store holds the module's
 * chunks for every target, each installed with {@code install_chunked_code} naming it as the
 * {@code store_canister} (interface spec, "IC method install_chunked_code": the store must be on
 * the target's subnet and the caller a controller of both). Targets on several subnets need one
 * store per subnet: see {@link SubnetStores}.
 *
 * <p>Give {@link #installer} to the upgraders, and the store to the fleet
 * ({@link FleetUpgrader.Builder#sharedStore}): the fleet uploads the module once before its first
 * wave and clears the store when it ends, done, halted or cancelled. Each install of the module
 * {@link #upload} put in the store names its chunks without reading the store first; an install
 * refused because chunks went missing (the store cleared under it) uploads them to the store again
 * and is repeated, so nothing breaks, it only costs more.
 */
public final class SharedChunkStore {
  private final ManagementCanister managementCanister;
  private final Principal store;
  private final RetryPolicy retryPolicy;
  /** The module whose chunks {@link #upload} last put in the store, until it is cleared. */
  private volatile @Nullable Sha256 uploaded;

  /**
   * A shared store.
   *
   * @param managementCanister the backend's management canister (a controller of the store)
   * @param store the store canister, on the targets' subnet
   * @param retryPolicy how its calls are retried
   */
  public SharedChunkStore(
      ManagementCanister managementCanister, Principal store, RetryPolicy retryPolicy) {
    this.managementCanister = Objects.requireNonNull(managementCanister, "managementCanister");
    this.store = Objects.requireNonNull(store, "store");
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
  }

  /**
   * The store canister.
   *
   * @return its id
   */
  public Principal canisterId() {
    return store;
  }

  /**
   * An installer that installs every module from this store and leaves the chunks there for the
   * next target. Its {@code newBuilder()} is refused: derive variants from {@code delegate}.
   *
   * @param delegate the installer doing the work
   * @return the installer to give the upgraders
   */
  public ChunkedWasmInstaller installer(ChunkedWasmInstaller delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return new ChunkedWasmInstaller() {
      @Override
      public InstallOutcome install(InstallRequest request) {
        InstallRequest.Builder fromStore = request.toBuilder().storeCanister(store)
            .keepChunks(true);
        if (!request.wasmModule().hash().equals(uploaded)) {
          // Not the module this store was filled with: the installer reads what the store holds
          // and uploads what is missing.
          return delegate.install(fromStore.build());
        }
        try {
          // Filled by upload() for this module: install without reading the store first.
          return delegate.install(fromStore.chunksStored(true).build());
        } catch (CanisterRejectException e) {
          // Refused: perhaps a chunk is missing (the store was cleared under the fleet). Fill the
          // store again; if something was missing, the refusal was that, and the install is
          // repeated (a refused install installed nothing). Otherwise the refusal stands.
          if (upload(request.wasmModule()) == 0) {
            throw e;
          }
          return delegate.install(fromStore.chunksStored(false).build());
        }
      }

      /** The delegate's variant, installing from this store again. */
      @Override
      public ChunkedWasmInstaller withRetryPolicy(RetryPolicy retryPolicy) {
        return installer(delegate.withRetryPolicy(retryPolicy));
      }

      /** Refused: a variant built from it would not install from the store. */
      @Override
      public ChunkedWasmInstaller.Builder newBuilder() {
        throw new UnsupportedOperationException("derive a variant from the delegate installer"
            + " and wrap it again with SharedChunkStore.installer");
      }
    };
  }

  /**
   * Uploads the chunks of {@code module} the store does not hold yet; clears the store first
   * when it holds chunks of another module.
   *
   * @param module the module the fleet installs
   * @return how many chunks were uploaded
   */
  public int upload(WasmModule module) {
    uploaded = null;
    Map<Sha256, WasmChunk> distinct = new LinkedHashMap<>();
    for (WasmChunk c : module.chunks()) {
      distinct.putIfAbsent(c.hash(), c);
    }
    Set<Sha256> stored = new HashSet<>(retryPolicy.call("stored_chunks",
        () -> managementCanister.storedChunks(store), RetryListener.NONE));
    if (!distinct.keySet().containsAll(stored)) {
      clear();
      stored.clear();
    }
    int count = 0;
    for (WasmChunk c : distinct.values()) {
      if (stored.contains(c.hash())) {
        continue;
      }
      Sha256 returned = retryPolicy.call("upload_chunk",
          () -> managementCanister.uploadChunk(store, c.content()), RetryListener.NONE);
      if (!returned.equals(c.hash())) {
        throw new IntegrityException("upload_chunk of chunk " + c.index() + " to the store "
            + store + " returned hash " + returned + ", expected " + c.hash()
            + ": the chunk was altered on the way");
      }
      count++;
    }
    uploaded = module.hash();
    return count;
  }

  /** Empties the store's chunk store. */
  public void clear() {
    uploaded = null;
    retryPolicy.run("clear_chunk_store", () -> managementCanister.clearChunkStore(store),
        RetryListener.NONE);
  }

  /**
   * The hashes the store holds now.
   *
   * @return the stored chunk hashes
   */
  public List<Sha256> stored() {
    return retryPolicy.call("stored_chunks", () -> managementCanister.storedChunks(store),
        RetryListener.NONE);
  }
}
