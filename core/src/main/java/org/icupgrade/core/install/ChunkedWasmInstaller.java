package org.icupgrade.core.install;

import java.util.Objects;
import java.util.concurrent.Executor;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.calls.UploadEngine;
import org.icupgrade.core.install.internal.DefaultChunkedWasmInstaller;
import org.icupgrade.core.management.ManagementCanister;

/**
 * Installs or upgrades a WASM module of any legal size (up to 100 chunks of 1 MiB) with one call,
 * and proves the result by reading the canister's module hash back.
 *
 * <p>A module whose bytes plus argument fit one ingress message goes with a single
 * {@code install_code}; a larger one, or any install through a store canister, goes chunked:
 * {@code stored_chunks} first, then {@code upload_chunk} for the missing chunks only (in parallel on
 * the configured executor), {@code install_chunked_code}, and {@code clear_chunk_store} afterwards,
 * also when the install failed. An interrupted install therefore resumes where it stopped.
 *
 * <p>The upgrade's {@code wasm_memory_persistence} is chosen the way dfx chooses it: when the
 * request's mode is an upgrade that does not set the option, the installer reads the running
 * module's metadata ({@link ManagementCanister#metadata}, one read of the private section
 * {@code enhanced-orthogonal-persistence}) and upgrades with {@code keep} when it is present, as
 * the IC requires for a Motoko canister with enhanced orthogonal persistence; otherwise the mode
 * goes as given. An option the caller set explicitly (keep or replace) is always sent as set, and
 * so is the mode when the port cannot read metadata ({@link UnsupportedOperationException}). The
 * mode sent is the one {@link InstallEvent.Started} reports.
 *
 * <p>Instances are immutable and thread-safe; build one and share it.
 *
 * <pre>{@code
 * ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(managementCanister).build();
 * InstallOutcome outcome = installer.install(canisterId, WasmModule.read(path), InstallMode.upgrade());
 * }</pre>
 */
public interface ChunkedWasmInstaller {
  /**
   * Module plus argument up to this many bytes go in one {@code install_code} message; larger ones
   * are chunked. An ingress message is at most 2 MiB on application subnets (interface spec,
   * "Resource limits"), and the request envelope (Candid header, CBOR, signature, sender public
   * key, delegations) needs room besides the module: the reference agent (agent-rs ic-utils)
   * chunks from 1.85 MiB on, and so do we, so that a module that installs with dfx installs here.
   */
  int SINGLE_MESSAGE_LIMIT = (int) (1.85 * 1024 * 1024) - 1;

  /** A chunk store holds at most this many chunks (interface spec, "upload_chunk"). */
  int MAX_CHUNKS = 100;

  /** Installs with the default argument {@code ()} into {@code canisterId}. */
  default InstallOutcome install(
      Principal canisterId, WasmModule wasmModule, InstallMode installMode) {
    return install(InstallRequest.builder(canisterId, wasmModule).installMode(installMode).build());
  }

  /**
   * Installs as requested.
   *
   * @return {@link InstallOutcome.Installed} once the module hash read back matches, or
   *     {@link InstallOutcome.AlreadyCurrent} for an upgrade to the hash already installed (unless
   *     forced)
   * @throws IllegalArgumentException for a module that cannot be installed (more than
   *     {@link #MAX_CHUNKS} chunks), before anything is sent
   * @throws org.icupgrade.core.CanisterRejectException when the IC refuses (e.g. the caller is not a
   *     controller, the module is invalid); these are never retried
   * @throws org.icupgrade.core.IntegrityException when a chunk hash or the installed module hash
   *     differs from what was sent
   * @throws org.icupgrade.core.TransportException when the IC cannot be reached after the retries
   */
  InstallOutcome install(InstallRequest request);

  /**
   * A builder with this installer's configuration, to derive a variant (another listener, another
   * executor) that shares nothing mutable with this one.
   */
  Builder newBuilder();

  /**
   * This installer with its calls retried by {@code retryPolicy}: the upgrader calls it so that
   * every call of an upgrade, the install's included, follows the upgrade's one policy. By
   * default {@code newBuilder().retryPolicy(retryPolicy).build()}; an installer that wraps another
   * wraps the delegate's variant again.
   *
   * @param retryPolicy the policy its calls are to follow
   * @return an installer like this one whose calls follow {@code retryPolicy}
   */
  default ChunkedWasmInstaller withRetryPolicy(RetryPolicy retryPolicy) {
    return newBuilder().retryPolicy(retryPolicy).build();
  }

  /** A builder over this management canister port. */
  static Builder builder(ManagementCanister managementCanister) {
    return new Builder(managementCanister);
  }

  /** Configures a {@link ChunkedWasmInstaller}. */
  final class Builder {
    private ManagementCanister managementCanister;
    private Executor executor = Runnable::run;
    private int maxParallelUploads = 1;
    private InstallListener listener = InstallListener.NONE;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();

    private Builder(ManagementCanister managementCanister) {
      this.managementCanister = Objects.requireNonNull(managementCanister, "managementCanister");
    }

    /** The management canister port to install through. */
    public Builder managementCanister(ManagementCanister managementCanister) {
      this.managementCanister = Objects.requireNonNull(managementCanister, "managementCanister");
      return this;
    }

    /**
     * Uploads chunks on {@code executor}, at most {@code maxParallelUploads} at a time. By default
     * chunks are uploaded one after the other on the calling thread.
     *
     * @throws IllegalArgumentException when {@code maxParallelUploads < 1}
     */
    public Builder uploadExecutor(Executor executor, int maxParallelUploads) {
      if (maxParallelUploads < 1) {
        throw new IllegalArgumentException(
            "maxParallelUploads must be at least 1, got " + maxParallelUploads);
      }
      this.executor = Objects.requireNonNull(executor, "executor");
      this.maxParallelUploads = maxParallelUploads;
      return this;
    }

    /** Who hears the install's progress; by default nobody. */
    public Builder listener(InstallListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How every call of an install is repeated after transient failures (default
     * {@link RetryPolicy#defaults()}); tests give one {@link RetryPolicy#withSleeper with a sleeper}
     * that does not sleep.
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /** An immutable, thread-safe installer. */
    public ChunkedWasmInstaller build() {
      return new DefaultChunkedWasmInstaller(managementCanister,
          UploadEngine.of(executor, maxParallelUploads, retryPolicy), listener);
    }
  }
}
