package org.icupgrade.assets;

import java.util.Objects;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.calls.UploadEngine;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.icupgrade.assets.internal.DefaultAssetSyncer;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetSyncListener;
import org.icupgrade.core.assets.AssetSyncer;

/**
 * Builds the {@link AssetSyncer} of this module.
 *
 * <pre>{@code
 * AssetSyncer syncer = AssetSyncers.builder()
 *     .flavor(AssetCanisterFlavor.HTTP_ASSETS_0_2)
 *     .protectedKeys(ProtectedKeys.storageDefaults())
 *     .uploadExecutor(executor, 8)
 *     .build();
 * FrontendRelease release = ReleaseReader.defaults().read(Path.of("frontend.tar.gz"));
 * System.out.println(syncer.diff(assetCanister, release));   // dry run
 * SyncOutcome outcome = syncer.sync(assetCanister, release);
 * }</pre>
 *
 * <p>How the syncer talks to the canister, and why:
 *
 * <ul>
 *   <li>Content goes in chunks of at most {@value DefaultAssetSyncer#MAX_CHUNK_BYTES} bytes, the
 *       reference tool's size, which leaves room in a 2 MiB ingress message for the envelope.
 *   <li>On {@code api_version} 2 and later, chunks smaller than that are packed several to one
 *       {@code create_chunks} call, and up to {@value DefaultAssetSyncer#MAX_INLINE_BYTES} bytes of
 *       final pieces travel inside the commit as {@code last_chunk}, saving their calls. Versions 1
 *       and 0 have neither, so every chunk is one {@code create_chunk} call.
 *   <li>The commit is split into {@code commit_batch} calls of at most
 *       {@value DefaultAssetSyncer#MAX_OPERATIONS_PER_COMMIT} operations, under
 *       {@value DefaultAssetSyncer#MAX_COMMIT_BYTES} bytes of headers and inline content, and
 *       referring to at most {@link Builder#maxCommitContentBytes} bytes of content each (the
 *       DFINITY canister hashes all of it within the one message). As the reference tool does
 *       (from api_version 1 on), these calls carry batch id 0, which removes no batch, and a final
 *       empty {@code commit_batch} with the sync's batch id removes the batch: a commit removes the
 *       batch it names, and the next {@code create_batch} from anyone sweeps the chunks of removed
 *       batches, so later calls would otherwise lose their chunks. A commit that fits in one call
 *       carries the real id directly. Each call is atomic; the set of
 *       calls is not: when one fails, the syncer deletes the batch and throws, and syncing again
 *       applies what is left.
 * </ul>
 */
public final class AssetSyncers {
  private AssetSyncers() {}

  /**
   * A builder with {@code syncer}'s configuration, to derive a variant (another listener, another
   * flavour).
   *
   * @param syncer a syncer built by {@link #builder()}
   * @return a builder with its configuration
   * @throws IllegalArgumentException when {@code syncer} was not built by {@link #builder()}
   */
  public static Builder newBuilder(AssetSyncer syncer) {
    if (!(syncer instanceof DefaultAssetSyncer d)) {
      throw new IllegalArgumentException("not a syncer built by AssetSyncers: " + syncer);
    }
    Builder b = new Builder();
    b.flavor = d.flavor();
    b.protectedKeys = d.protectedKeys();
    b.executor = d.uploadEngine().executor();
    b.maxParallelUploads = d.uploadEngine().maxInFlight();
    b.listener = d.listener();
    b.retryPolicy = d.uploadEngine().retryPolicy();
    b.maxCommitContentBytes = d.maxCommitContentBytes();
    return b;
  }

  /**
   * A builder with the defaults: DFINITY flavour, nothing protected, uploads one at a time.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures an {@link AssetSyncer}. */
  public static final class Builder {
    private AssetCanisterFlavor flavor = AssetCanisterFlavor.DFINITY;
    private Predicate<String> protectedKeys = ProtectedKeys.none();
    private Executor executor = Runnable::run;
    private int maxParallelUploads = 1;
    private AssetSyncListener listener = AssetSyncListener.NONE;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private long maxCommitContentBytes = DefaultAssetSyncer.DEFAULT_MAX_COMMIT_CONTENT_BYTES;

    private Builder() {}

    /**
     * The most content bytes (uploaded chunks and inline content) the operations of one {@code
     * commit_batch} call may refer to (default {@value
     * DefaultAssetSyncer#DEFAULT_MAX_COMMIT_CONTENT_BYTES}, the reference tool's bound, well under
     * the roughly 500 MB the DFINITY canister can hash in one message). A single encoding larger
     * than this still goes in one call of its own.
     *
     * @param maxCommitContentBytes the bound, at least 1
     * @return this builder
     */
    public Builder maxCommitContentBytes(long maxCommitContentBytes) {
      if (maxCommitContentBytes < 1) {
        throw new IllegalArgumentException(
            "maxCommitContentBytes must be at least 1, got " + maxCommitContentBytes);
      }
      this.maxCommitContentBytes = maxCommitContentBytes;
      return this;
    }

    /**
     * Which asset canister implementation the target runs (default {@link
     * AssetCanisterFlavor#DFINITY}). This knob exists only because the Motoko http-assets 0.2.0
     * library, used by real storage canisters, cannot delete or overwrite a key inside
     * {@code commit_batch}; with {@link AssetCanisterFlavor#HTTP_ASSETS_0_2} stale and changed
     * keys are removed with direct {@code delete_asset} calls before the commit and changed keys
     * are created afresh. No reliable signal distinguishes the two from outside, so it is not
     * detected.
     *
     * @param flavor the target's implementation
     * @return this builder
     */
    public Builder flavor(AssetCanisterFlavor flavor) {
      this.flavor = Objects.requireNonNull(flavor, "flavor");
      return this;
    }

    /**
     * Keys never deleted nor overwritten, e.g. {@link ProtectedKeys#storageDefaults()}.
     *
     * @param protectedKeys the keys to keep as they are
     * @return this builder
     */
    public Builder protectedKeys(Predicate<String> protectedKeys) {
      this.protectedKeys = Objects.requireNonNull(protectedKeys, "protectedKeys");
      return this;
    }

    /**
     * Runs chunk uploads on {@code executor}, at most {@code maxParallelUploads} at a time. By
     * default they run one after the other on the calling thread.
     *
     * @param executor where uploads run
     * @param maxParallelUploads how many uploads may run at once, at least 1
     * @return this builder
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

    /**
     * Told of each step of a sync (the diff, each asset uploaded or deleted, each batch committed,
     * the outcome); nobody by default.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(AssetSyncListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * How every asset canister call of a sync is repeated after transient failures (default
     * {@link RetryPolicy#defaults()}).
     *
     * @param retryPolicy the policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * The syncer, immutable and safe to share between threads.
     *
     * @return the syncer
     */
    public AssetSyncer build() {
      return new DefaultAssetSyncer(flavor, protectedKeys,
          UploadEngine.of(executor, maxParallelUploads, retryPolicy), listener,
          maxCommitContentBytes);
    }
  }
}
