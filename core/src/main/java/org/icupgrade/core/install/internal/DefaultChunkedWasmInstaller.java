package org.icupgrade.core.install.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.WasmChunk;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallListener;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.install.RetryPolicy;
import org.icupgrade.core.install.Sleeper;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.jspecify.annotations.Nullable;

/** The {@link ChunkedWasmInstaller} over a {@link ManagementCanister} port. */
public final class DefaultChunkedWasmInstaller implements ChunkedWasmInstaller {
  /**
   * Room kept in an {@code install_chunked_code} message for everything but the argument: up to 100
   * chunk hashes of 32 bytes with their Candid record framing, the ids and the mode.
   */
  private static final int CHUNKED_MESSAGE_OVERHEAD = 16 * 1024;

  private final ManagementCanister managementCanister;
  private final Executor executor;
  private final int maxParallelUploads;
  private final InstallListener listener;
  private final RetryPolicy retryPolicy;
  private final Sleeper sleeper;

  public DefaultChunkedWasmInstaller(
      ManagementCanister managementCanister,
      Executor executor,
      int maxParallelUploads,
      InstallListener listener,
      RetryPolicy retryPolicy,
      Sleeper sleeper) {
    this.managementCanister = managementCanister;
    this.executor = executor;
    this.maxParallelUploads = maxParallelUploads;
    this.listener = listener;
    this.retryPolicy = retryPolicy;
    this.sleeper = sleeper;
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

    Run(InstallRequest request) {
      this.request = request;
      this.target = request.targetCanister();
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
      Optional<Sha256> before = call("module_hash", () -> managementCanister.moduleHash(target));
      if (request.installMode().kind() == InstallMode.Kind.UPGRADE
          && !request.force()
          && before.equals(Optional.of(moduleHash))) {
        InstallOutcome outcome = new InstallOutcome.AlreadyCurrent(target, moduleHash, calls.get());
        listener.installFinished(outcome);
        return outcome;
      }
      listener.installStarted(request, chunked, chunks.size());
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
            target, request.installMode(), module.content(), arg), landed);
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
      listener.installFinished(outcome);
      return outcome;
    }

    /** Returns whether the chunk store was cleared afterwards. */
    private boolean installChunked(List<WasmChunk> chunks, byte[] arg, BooleanSupplier landed) {
      Principal store = request.storeCanister().orElse(target);
      Set<Sha256> stored =
          new HashSet<>(call("stored_chunks", () -> managementCanister.storedChunks(store)));
      // Identical chunks (zero padding, repeated data) are stored once; the hash list repeats them.
      Map<Sha256, WasmChunk> distinct = new LinkedHashMap<>();
      for (WasmChunk c : chunks) {
        distinct.putIfAbsent(c.hash(), c);
      }
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
        listener.chunkStoreCleared(unrelated);
        missing = new ArrayList<>(distinct.values());
      } else {
        for (WasmChunk c : distinct.values()) {
          if (stored.contains(c.hash())) {
            chunksSkipped++;
            listener.chunkSkipped(c.index(), c.hash());
          }
        }
      }
      upload(store, missing);

      List<Sha256> hashes = new ArrayList<>(chunks.size());
      for (WasmChunk c : chunks) {
        hashes.add(c.hash());
      }
      InstallChunkedCodeRequest install = new InstallChunkedCodeRequest(
          request.installMode(), target, request.storeCanister().orElse(null), hashes,
          moduleHash, arg);
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
      if (missing.isEmpty()) {
        return;
      }
      int workers = Math.min(maxParallelUploads, missing.size());
      AtomicInteger next = new AtomicInteger();
      AtomicReference<@Nullable RuntimeException> failure = new AtomicReference<>();
      CountDownLatch finished = new CountDownLatch(workers);
      Runnable worker = () -> {
        try {
          int i;
          while (failure.get() == null && (i = next.getAndIncrement()) < missing.size()) {
            uploadOne(store, missing.get(i), missing.size());
          }
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        } finally {
          finished.countDown();
        }
      };
      for (int w = 0; w < workers; w++) {
        try {
          executor.execute(worker);
        } catch (RejectedExecutionException e) {
          failure.compareAndSet(null, new IcException("the upload executor refused a task", e));
          for (int rest = w; rest < workers; rest++) {
            finished.countDown();
          }
          break;
        }
      }
      try {
        finished.await();
      } catch (InterruptedException e) {
        failure.compareAndSet(null, new IcException("interrupted while uploading chunks", e));
        Thread.currentThread().interrupt();
      }
      RuntimeException f = failure.get();
      if (f != null) {
        throw f;
      }
    }

    private void uploadOne(Principal store, WasmChunk chunk, int toUpload) {
      Sha256 returned = call("upload_chunk",
          () -> managementCanister.uploadChunk(store, chunk.content()));
      if (!returned.equals(chunk.hash())) {
        throw new IntegrityException(
            "upload_chunk of chunk " + chunk.index() + " returned hash " + returned + ", expected "
                + chunk.hash() + ": the chunk was altered on the way");
      }
      bytesUploaded.addAndGet(chunk.size());
      int done = chunksUploaded.incrementAndGet();
      listener.chunkUploaded(chunk.index(), chunk.hash(), chunk.size(), done, toUpload);
    }

    private void callInstall(String method, Runnable install, BooleanSupplier landed) {
      call(method, () -> {
        install.run();
        return null;
      }, landed);
    }

    private <T> T call(String method, Supplier<T> call) {
      return call(method, call, () -> false);
    }

    /**
     * Makes a call, repeating it after transient failures as the policy allows. Before a repetition
     * that follows a transport failure (whose call may have been executed), {@code alreadyDone}
     * is asked, and when it says so the call is not repeated.
     */
    private <T> @Nullable T call(String method, Supplier<T> call, BooleanSupplier alreadyDone) {
      for (int attempt = 1; ; attempt++) {
        calls.incrementAndGet();
        try {
          return call.get();
        } catch (IcException e) {
          if (!e.isTransient() || attempt >= retryPolicy.maxAttempts()) {
            throw e;
          }
          Duration delay = retryPolicy.delayBefore(attempt + 1);
          listener.retrying(method, attempt, delay.toMillis(), e);
          try {
            sleeper.sleep(delay);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            e.addSuppressed(ie);
            throw e;
          }
          if (e instanceof TransportException) {
            calls.incrementAndGet();
            if (alreadyDone.getAsBoolean()) {
              return null;
            }
          }
        }
      }
    }
  }
}
