package org.icupgrade.deployer.fleet;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RateLimitedException;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/**
 * A management canister whose every call first takes a token of a shared
 * {@link CallRateLimiter}: give the same limiter to the management canister of every upgrader a
 * fleet uses, and the whole fleet keeps to one rate. A {@link RateLimitedException} (what the
 * HTTP agent makes of a 429, or a 503 with {@code Retry-After}) is reported to the limiter as a
 * push-back with its {@code Retry-After}, holding every caller of the fleet that long; another
 * retryable {@link TransportException} (a 5xx) as a push-back of the limiter's own cool-down.
 * Either is thrown on, for the caller's retry policy to repeat (no sooner than the
 * {@code Retry-After}).
 *
 * <p>The limit is applied per call, not per job: a job makes about a dozen calls, and a call is
 * what the IC's boundary nodes count.
 */
public final class RateLimitedManagementCanister implements ManagementCanister {
  private final ManagementCanister delegate;
  private final CallRateLimiter limiter;

  /**
   * Wraps {@code delegate}.
   *
   * @param delegate the management canister calls go to
   * @param limiter the limiter shared by the fleet
   */
  public RateLimitedManagementCanister(ManagementCanister delegate, CallRateLimiter limiter) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.limiter = Objects.requireNonNull(limiter, "limiter");
  }

  private <T> T limited(Supplier<T> call) {
    limiter.acquire();
    try {
      T out = call.get();
      limiter.wentThrough();
      return out;
    } catch (RateLimitedException e) {
      limiter.pushedBack(e.retryAfter().orElse(Duration.ZERO));
      throw e;
    } catch (TransportException e) {
      if (e.isTransient()) {
        limiter.pushedBack();
      }
      throw e;
    }
  }

  private void limited(Runnable call) {
    limited(() -> {
      call.run();
      return Boolean.TRUE;
    });
  }

  @Override
  public Principal createCanister(CanisterSettings settings) {
    return limited(() -> delegate.createCanister(settings));
  }

  @Override
  public Principal provisionalCreateCanisterWithCycles(
      @Nullable BigInteger amount, CanisterSettings settings, @Nullable Principal specifiedId) {
    return limited(() ->
        delegate.provisionalCreateCanisterWithCycles(amount, settings, specifiedId));
  }

  @Override
  public void updateSettings(Principal canisterId, CanisterSettings settings) {
    limited(() -> delegate.updateSettings(canisterId, settings));
  }

  @Override
  public CanisterStatus canisterStatus(Principal canisterId) {
    return limited(() -> delegate.canisterStatus(canisterId));
  }

  @Override
  public void installCode(
      Principal canisterId, InstallMode mode, ByteBuffer wasmModule, byte[] arg) {
    limited(() -> delegate.installCode(canisterId, mode, wasmModule, arg));
  }

  @Override
  public Sha256 uploadChunk(Principal canisterId, ByteBuffer chunk) {
    return limited(() -> delegate.uploadChunk(canisterId, chunk));
  }

  @Override
  public List<Sha256> storedChunks(Principal canisterId) {
    return limited(() -> delegate.storedChunks(canisterId));
  }

  @Override
  public void clearChunkStore(Principal canisterId) {
    limited(() -> delegate.clearChunkStore(canisterId));
  }

  @Override
  public void installChunkedCode(InstallChunkedCodeRequest request) {
    limited(() -> delegate.installChunkedCode(request));
  }

  @Override
  public void startCanister(Principal canisterId) {
    limited(() -> delegate.startCanister(canisterId));
  }

  @Override
  public void stopCanister(Principal canisterId) {
    limited(() -> delegate.stopCanister(canisterId));
  }

  @Override
  public Snapshot takeCanisterSnapshot(Principal canisterId, @Nullable SnapshotId replaceSnapshot) {
    return limited(() -> delegate.takeCanisterSnapshot(canisterId, replaceSnapshot));
  }

  @Override
  public void loadCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    limited(() -> delegate.loadCanisterSnapshot(canisterId, snapshotId));
  }

  @Override
  public List<Snapshot> listCanisterSnapshots(Principal canisterId) {
    return limited(() -> delegate.listCanisterSnapshots(canisterId));
  }

  @Override
  public void deleteCanisterSnapshot(Principal canisterId, SnapshotId snapshotId) {
    limited(() -> delegate.deleteCanisterSnapshot(canisterId, snapshotId));
  }

  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    return limited(() -> delegate.moduleHash(canisterId));
  }

  @Override
  public Optional<byte[]> metadata(Principal canisterId, String name) {
    return limited(() -> delegate.metadata(canisterId, name));
  }
}
