package org.icupgrade.core.install.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmChunk;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.calls.RetryListener;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.calls.UploadEngine;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallEvent;
import org.icupgrade.core.install.InstallListener;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.install.ModuleCheck;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;

/** The {@link ChunkedWasmInstaller} over a {@link ManagementCanister} port. */
public final class DefaultChunkedWasmInstaller implements ChunkedWasmInstaller {
  /**
   * Room kept in an {@code install_chunked_code} message for everything but the argument: up to 100
   * chunk hashes of 32 bytes with their Candid record framing, the ids and the mode.
   */
  private static final int CHUNKED_MESSAGE_OVERHEAD = 16 * 1024;

  /**
   * The metadata by which a Motoko module declares enhanced orthogonal persistence (the custom
   * section {@code icp:private enhanced-orthogonal-persistence}; its content does not matter).
   */
  static final String EOP_METADATA = "enhanced-orthogonal-persistence";

  private final ManagementCanister managementCanister;
  private final UploadEngine uploads;
  private final InstallListener listener;
  private final RetryPolicy retryPolicy;
  private final RetryListener retryListener;

  public DefaultChunkedWasmInstaller(
      ManagementCanister managementCanister, UploadEngine uploads, InstallListener listener) {
    this.managementCanister = managementCanister;
    this.uploads = uploads;
    this.listener = listener;
    this.retryPolicy = uploads.retryPolicy();
    this.retryListener = (method, attempt, delay, failure) ->
        listener.onEvent(new InstallEvent.Retrying(method, attempt, delay, failure));
  }

  /** The port this installer calls. */
  public ManagementCanister managementCanister() {
    return managementCanister;
  }

  /** The engine chunks are uploaded with (its executor, bound and retry policy). */
  public UploadEngine uploadEngine() {
    return uploads;
  }

  /** The listener every install reports to. */
  public InstallListener listener() {
    return listener;
  }

  @Override
  public ChunkedWasmInstaller.Builder newBuilder() {
    return ChunkedWasmInstaller.builder(managementCanister)
        .uploadExecutor(uploads.executor(), uploads.maxInFlight())
        .retryPolicy(retryPolicy)
        .listener(listener);
  }

  @Override
  public InstallOutcome install(InstallRequest request) {
    return new Run(request).execute();
  }

  /** One install: the counters of a single call to {@link #install}. */
  private final class Run {
    private final InstallRequest request;
    private final Principal target;
    private final WasmModule module;
    private final Sha256 moduleHash;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicLong bytesUploaded = new AtomicLong();
    private final AtomicInteger chunksUploaded = new AtomicInteger();
    private int chunksSkipped;
    /** The mode sent: the request's, with the persistence the running module needs. */
    private InstallMode mode;

    Run(InstallRequest request) {
      this.request = request;
      this.mode = request.installMode();
      this.target = request.canisterId();
      this.module = request.wasmModule();
      this.moduleHash = module.hash();
    }

    InstallOutcome execute() {
      byte[] arg = request.arg();
      boolean chunked = request.storeCanister().isPresent()
          || (long) module.size() + arg.length > SINGLE_MESSAGE_LIMIT;
      List<WasmChunk> chunks = chunked ? module.chunks() : List.of();
      if (chunks.size() > MAX_CHUNKS) {
        throw new IllegalArgumentException(
            "the module is " + module.size() + " bytes, " + chunks.size() + " chunks of 1 MiB; a"
                + " chunk store holds at most " + MAX_CHUNKS + " chunks (100 MiB): shrink or"
                + " gzip the module");
      }
      if (chunked && arg.length > SINGLE_MESSAGE_LIMIT - CHUNKED_MESSAGE_OVERHEAD) {
        throw new IllegalArgumentException(
            "the install argument is " + arg.length + " bytes; it must fit one ingress message"
                + " beside the chunk hashes, at most "
                + (SINGLE_MESSAGE_LIMIT - CHUNKED_MESSAGE_OVERHEAD) + " bytes");
      }
      // Before any call: a module the IC would refuse costs no upload (nor a status read).
      ModuleCheck.check(module);
      Optional<Sha256> before = call("module_hash", () -> managementCanister.moduleHash(target));
      if (request.installMode().kind() == InstallMode.Kind.UPGRADE
          && !request.force()
          && before.equals(Optional.of(moduleHash))) {
        InstallOutcome outcome = new InstallOutcome.AlreadyCurrent(target, moduleHash, calls.get());
        listener.onEvent(new InstallEvent.Finished(outcome));
        return outcome;
      }
      mode = effectiveMode(before);
      listener.onEvent(new InstallEvent.Started(
          mode.equals(request.installMode()) ? request : request.toBuilder().installMode(mode)
              .build(), chunked, chunks.size()));
      // A repeated install after a transport failure would upgrade twice if the first one went
      // through; the module hash tells, unless the canister already ran this very module.
      BooleanSupplier landed = before.equals(Optional.of(moduleHash))
          ? () -> false
          : () -> managementCanister.moduleHash(target).equals(Optional.of(moduleHash));
      boolean cleared = false;
      if (chunked) {
        cleared = installChunked(chunks, arg, landed);
      } else {
        callInstall("install_code", () -> managementCanister.installCode(
            target, mode, module.content(), arg), landed);
        bytesUploaded.addAndGet(module.size());
      }
      Optional<Sha256> after = call("module_hash", () -> managementCanister.moduleHash(target));
      if (!after.equals(Optional.of(moduleHash))) {
        throw new IntegrityException(
            "after installing into " + target + " its module hash is "
                + after.map(Sha256::hex).orElse("absent (no code)") + ", expected " + moduleHash
                + ": another controller may have changed the canister meanwhile");
      }
      InstallOutcome outcome = new InstallOutcome.Installed(
          target, moduleHash, chunked, calls.get(), bytesUploaded.get(), chunksUploaded.get(),
          chunksSkipped, cleared || !chunked);
      listener.onEvent(new InstallEvent.Finished(outcome));
      return outcome;
    }

    /**
     * The mode to send, chosen like dfx: an upgrade that leaves {@code wasm_memory_persistence}
     * unset, of a canister whose running module declares enhanced orthogonal persistence, keeps
     * the main memory (the IC refuses to upgrade such a canister without the option). Any option
     * the caller set is sent as set; a port that cannot read metadata leaves the mode as given.
     */
    private InstallMode effectiveMode(Optional<Sha256> installed) {
      InstallMode requested = request.installMode();
      if (requested.kind() != InstallMode.Kind.UPGRADE
          || requested.wasmMemoryPersistence().isPresent()
          || installed.isEmpty()) {
        return requested;
      }
      Optional<byte[]> eop;
      try {
        eop = call("metadata", () -> managementCanister.metadata(target, EOP_METADATA));
      } catch (UnsupportedOperationException e) {
        calls.decrementAndGet(); // nothing was sent
        return requested;
      }
      return eop.isPresent()
          ? requested.withWasmMemoryPersistence(InstallMode.WasmMemoryPersistence.KEEP)
          : requested;
    }

    /** Returns whether the chunk store was cleared afterwards. */
    private boolean installChunked(List<WasmChunk> chunks, byte[] arg, BooleanSupplier landed) {
      Principal store = request.storeCanister().orElse(target);
      // Identical chunks (zero padding, repeated data) are stored once; the hash list repeats them.
      Map<Sha256, WasmChunk> distinct = new LinkedHashMap<>();
      for (WasmChunk c : chunks) {
        distinct.putIfAbsent(c.hash(), c);
      }
      // A store the caller filled for this module (a fleet's): no read, no upload; a chunk gone
      // missing makes install_chunked_code refuse, which the caller repairs.
      Set<Sha256> stored = request.chunksStored() ? new HashSet<>(distinct.keySet())
          : new HashSet<>(call("stored_chunks", () -> managementCanister.storedChunks(store)));
      List<WasmChunk> missing = new ArrayList<>();
      for (WasmChunk c : distinct.values()) {
        if (!stored.contains(c.hash())) {
          missing.add(c);
        }
      }
      int unrelated = stored.size() - (distinct.size() - missing.size());
      if (unrelated > 0 && stored.size() + missing.size() > MAX_CHUNKS) {
        // Leftovers of another install fill the store; they are useless to this one.
        call("clear_chunk_store", () -> {
          managementCanister.clearChunkStore(store);
          return null;
        });
        listener.onEvent(new InstallEvent.ChunkStoreCleared(unrelated));
        missing = new ArrayList<>(distinct.values());
      } else {
        for (WasmChunk c : distinct.values()) {
          if (stored.contains(c.hash())) {
            chunksSkipped++;
            listener.onEvent(new InstallEvent.ChunkSkipped(c.index(), c.hash()));
          }
        }
      }
      upload(store, missing);

      List<Sha256> hashes = new ArrayList<>(chunks.size());
      for (WasmChunk c : chunks) {
        hashes.add(c.hash());
      }
      InstallChunkedCodeRequest install = new InstallChunkedCodeRequest(
          mode, target, request.storeCanister().orElse(null), hashes,
          moduleHash, arg);
      if (request.keepChunks()) {
        // A shared store: its owner clears it once every install it serves is done.
        callInstall("install_chunked_code",
            () -> managementCanister.installChunkedCode(install), landed);
        return false;
      }
      // Once install_chunked_code was sent the chunks have served; clear them whatever the
      // outcome. A failure before that point leaves them for the next attempt to resume from.
      RuntimeException failure = null;
      try {
        callInstall("install_chunked_code",
            () -> managementCanister.installChunkedCode(install), landed);
      } catch (RuntimeException e) {
        failure = e;
        throw e;
      } finally {
        try {
          call("clear_chunk_store", () -> {
            managementCanister.clearChunkStore(store);
            return null;
          });
        } catch (IcException e) {
          if (failure == null) {
            return false;
          }
          failure.addSuppressed(e);
        }
      }
      return true;
    }

    private void upload(Principal store, List<WasmChunk> missing) {
      uploads.run("upload_chunk", missing, chunk -> {
        calls.incrementAndGet();
        Sha256 returned = managementCanister.uploadChunk(store, chunk.content());
        if (!returned.equals(chunk.hash())) {
          throw new IntegrityException(
              "upload_chunk of chunk " + chunk.index() + " returned hash " + returned
                  + ", expected " + chunk.hash() + ": the chunk was altered on the way");
        }
        bytesUploaded.addAndGet(chunk.size());
        chunksUploaded.incrementAndGet();
      }, (chunk, done, total) -> listener.onEvent(new InstallEvent.ChunkUploaded(
          chunk.index(), chunk.hash(), chunk.size(), done, total)), retryListener);
    }

    private void callInstall(String method, Runnable install, BooleanSupplier landed) {
      call(method, () -> {
        install.run();
        return null;
      }, landed);
    }

    private <T> T call(String method, Supplier<T> call) {
      return retryPolicy.call(method, () -> {
        calls.incrementAndGet();
        return call.get();
      }, retryListener);
    }

    /**
     * Makes a call whose repetition would install twice: after a failure that leaves its outcome
     * unknown, {@code alreadyDone} (the module hash) decides whether it is repeated.
     */
    private void call(String method, Supplier<?> call, BooleanSupplier alreadyDone) {
      retryPolicy.call(method, () -> {
        calls.incrementAndGet();
        return call.get();
      }, () -> {
        calls.incrementAndGet();
        return alreadyDone.getAsBoolean();
      }, retryListener);
    }
  }
}
