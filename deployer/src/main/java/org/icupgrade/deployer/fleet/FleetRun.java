package org.icupgrade.deployer.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.deployer.fleet.CanisterResult.Outcome;
import org.icupgrade.deployer.plan.UpgradeStorageException;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentStatus;
import org.jspecify.annotations.Nullable;

/**
 * A fleet rollout under way (see {@link FleetUpgrader#start}): pause it (upgrades running go on
 * to their end, no new one starts), resume it, cancel it (the canisters not started stay on their
 * old version), follow its counts and await its report.
 */
public final class FleetRun {
  private final FleetUpgrader fleet;
  private final FleetPlan plan;
  private final Map<Principal, CanisterResult> results = new ConcurrentHashMap<>();
  private final CompletableFuture<FleetReport> report = new CompletableFuture<>();
  private final Object lock = new Object();
  private boolean paused;
  private boolean cancelled;
  private int planned;
  private int running;
  private int done;
  private int failed;
  private int skipped;

  FleetRun(FleetUpgrader fleet, FleetPlan plan) {
    this.fleet = fleet;
    this.plan = plan;
    this.planned = plan.entries().size();
    this.skipped = plan.skipped().size();
    for (CanisterResult r : plan.skipped()) {
      results.put(r.canisterId(), r);
    }
  }

  void begin() {
    Thread t = new Thread(() -> {
      try {
        report.complete(roll());
      } catch (RuntimeException | Error e) {
        report.completeExceptionally(e);
      }
    }, "icupgrade-fleet");
    t.setDaemon(true);
    t.start();
  }

  /** Starts no new upgrade until {@link #resume}; those running go on to their end. */
  public void pause() {
    synchronized (lock) {
      paused = true;
    }
  }

  /** Lets a paused rollout go on. */
  public void resume() {
    synchronized (lock) {
      paused = false;
      lock.notifyAll();
    }
  }

  /**
   * Stops the rollout: no new upgrade starts, those running go on to their end, the rest are
   * reported {@link CanisterResult.Outcome#NOT_STARTED}.
   */
  public void cancel() {
    synchronized (lock) {
      cancelled = true;
      lock.notifyAll();
    }
  }

  /**
   * Whether the rollout is paused.
   *
   * @return true between {@link #pause} and {@link #resume}
   */
  public boolean isPaused() {
    synchronized (lock) {
      return paused;
    }
  }

  /**
   * The counts now.
   *
   * @return planned, running, done, failed, skipped
   */
  public FleetProgress progress() {
    synchronized (lock) {
      return new FleetProgress(planned, running, done, failed, skipped);
    }
  }

  /**
   * Waits for the rollout's end.
   *
   * @return the report
   * @throws IcException when the rollout itself broke (the registry unreachable) or the wait was
   *     interrupted
   */
  public FleetReport await() {
    try {
      return report.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IcException("interrupted while waiting for the fleet upgrade", e);
    } catch (ExecutionException e) {
      throw new IcException("the fleet upgrade broke off: " + e.getCause().getMessage()
          + "; the canisters' jobs are in the registry, start the fleet again to go on",
          e.getCause());
    }
  }

  /**
   * Waits at most {@code timeout} for the rollout's end.
   *
   * @param timeout how long to wait
   * @return the report, or empty when the rollout is still going
   */
  public Optional<FleetReport> await(Duration timeout) {
    try {
      return Optional.of(report.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IcException("interrupted while waiting for the fleet upgrade", e);
    } catch (ExecutionException e) {
      throw new IcException("the fleet upgrade broke off: " + e.getCause().getMessage(),
          e.getCause());
    }
  }

  private FleetReport roll() {
    List<FleetPlan.Entry> entries = plan.entries();
    List<WaveSummary> waves = new ArrayList<>();
    String haltReason = null;
    String storeLeftFull = null;
    ExecutorService pool = Executors.newFixedThreadPool(fleet.concurrency, r -> {
      Thread t = new Thread(r, "icupgrade-fleet-worker");
      t.setDaemon(true);
      return t;
    });
    int index = 0;
    SubnetStores stores = fleet.sharedStores;
    try {
      if (stores != null && fleet.catalog != null) {
        // Each subnet's store once, for the subnets the module goes to (a target without a
        // store on its subnet stops the fleet here, before anything is upgraded).
        List<Principal> wasmTargets = entries.stream().filter(e -> e.scope().includesWasm())
            .map(FleetPlan.Entry::canisterId).toList();
        List<SharedChunkStore> used = stores.storesFor(wasmTargets);
        fleet.catalog.current().ifPresent(release -> {
          for (SharedChunkStore s : used) {
            s.upload(release.wasmModule());
          }
        });
      }
      List<Integer> sizes = fleet.waveSizes(entries.size());
      for (int w = 0; w < sizes.size(); w++) {
        if (isCancelled()) {
          haltReason = "cancelled";
          break;
        }
        int wave = w;
        List<FleetPlan.Entry> members = entries.subList(index, index + sizes.get(w));
        index += members.size();
        List<Future<CanisterResult>> futures = new ArrayList<>();
        for (FleetPlan.Entry e : members) {
          futures.add(pool.submit(() -> upgradeOne(e, wave)));
        }
        int d = 0;
        int f = 0;
        int s = 0;
        for (Future<CanisterResult> future : futures) {
          switch (join(future).outcome()) {
            case DONE -> d++;
            case FAILED -> f++;
            default -> s++;
          }
        }
        WaveSummary summary = new WaveSummary(wave, members.size(), d, f, s, false);
        if (summary.failureRate() > fleet.haltAboveFailureRate) {
          summary = new WaveSummary(wave, members.size(), d, f, s, true);
          haltReason = "wave " + wave + " failed " + f + " of " + (d + f) + " upgrades, above the"
              + " threshold of " + fleet.haltAboveFailureRate + "; the rest are untouched";
        }
        waves.add(summary);
        fleet.listener.waveFinished(summary, progress());
        if (haltReason != null) {
          break;
        }
      }
      if (haltReason == null && isCancelled() && index < entries.size()) {
        haltReason = "cancelled";
      }
    } finally {
      pool.shutdownNow();
      if (stores != null) {
        List<String> full = new ArrayList<>();
        for (SharedChunkStore s : stores.all()) {
          try {
            s.clear();
          } catch (RuntimeException e) {
            full.add("the store " + s.canisterId() + " could not be cleared (" + e.getMessage()
                + "): clear its chunk store with clear_chunk_store");
          }
        }
        storeLeftFull = full.isEmpty() ? null : String.join("; ", full);
      }
    }
    for (FleetPlan.Entry e : entries.subList(index, entries.size())) {
      finish(new CanisterResult(e.canisterId(), Outcome.NOT_STARTED, -1,
          haltReason == null ? "not started" : haltReason), false);
    }
    List<CanisterResult> all = new ArrayList<>(results.values());
    all.sort(Comparator.comparing(CanisterResult::canisterId));
    if (storeLeftFull != null) {
      haltReason = haltReason == null ? storeLeftFull : haltReason + "; " + storeLeftFull;
    }
    return new FleetReport(all, waves, haltReason);
  }

  private static CanisterResult join(Future<CanisterResult> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IcException("the fleet upgrade was interrupted", e);
    } catch (ExecutionException e) {
      throw new IcException("a fleet worker broke: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private boolean isCancelled() {
    synchronized (lock) {
      return cancelled;
    }
  }

  /** Waits while paused; false when cancelled. Marks the canister running when true. */
  private boolean mayStart() {
    synchronized (lock) {
      while (paused && !cancelled) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      if (cancelled) {
        return false;
      }
      planned--;
      running++;
      return true;
    }
  }

  private CanisterResult finish(CanisterResult r, boolean wasRunning) {
    FleetProgress p;
    synchronized (lock) {
      if (wasRunning) {
        running--;
      } else {
        planned--;
      }
      switch (r.outcome()) {
        case DONE -> done++;
        case FAILED -> failed++;
        default -> skipped++;
      }
      p = new FleetProgress(planned, running, done, failed, skipped);
    }
    results.put(r.canisterId(), r);
    fleet.listener.finished(r, p);
    return r;
  }

  private CanisterResult upgradeOne(FleetPlan.Entry e, int wave) {
    Principal id = e.canisterId();
    if (!mayStart()) {
      return finish(new CanisterResult(id, Outcome.NOT_STARTED, wave, "cancelled"), false);
    }
    fleet.listener.started(id, progress());
    boolean mine = true;
    try {
      fleet.deployer.upgradeStorage(e.owner(), id, e.scope());
    } catch (UpgradeStorageException x) {
      switch (x.reason()) {
        case NO_UPDATE_AVAILABLE -> {
          return finish(new CanisterResult(id, Outcome.SKIPPED, wave,
              "not upgraded by this run: " + x.getMessage()), true);
        }
        case NOT_COMPLETED, ALREADY_UPGRADING -> {
          // Another runner's job (alive, or dead and to be taken over): wait for its end.
          boolean hasJob = fleet.registry.find(id).flatMap(DeploymentRecord::job).isPresent();
          if (!hasJob) {
            return finish(new CanisterResult(id, Outcome.SKIPPED, wave,
                "not upgraded by this run: " + x.getMessage()), true);
          }
          mine = false;
        }
        default -> {
          return finish(new CanisterResult(id, Outcome.FAILED, wave, x.getMessage()), true);
        }
      }
    } catch (IcException x) {
      return finish(new CanisterResult(id, Outcome.FAILED, wave,
          "could not start the upgrade: " + x.getMessage()), true);
    }
    return finish(awaitEnd(id, wave, mine), true);
  }

  /** Reads the record until its job has ended, taking the job over if its lease expires. */
  private CanisterResult awaitEnd(Principal id, int wave, boolean mineAtFirst) {
    boolean mine = mineAtFirst;
    long deadline = System.nanoTime() + fleet.jobTimeout.toNanos();
    while (true) {
      @Nullable DeploymentRecord r = fleet.registry.find(id).orElse(null);
      if (r == null) {
        return new CanisterResult(id, Outcome.FAILED, wave, "its record is gone");
      }
      if (r.status() == DeploymentStatus.HANDBACK_PENDING) {
        return new CanisterResult(id, mine ? Outcome.FAILED : Outcome.SKIPPED, wave,
            r.failureReason().orElse("hand-back pending"));
      }
      if (r.job().isEmpty()) {
        if (!mine) {
          return new CanisterResult(id, Outcome.SKIPPED, wave,
              "upgraded by another runner, which left it " + r.status());
        }
        return r.status() == DeploymentStatus.COMPLETED
            ? new CanisterResult(id, Outcome.DONE, wave, "runs " + r.releaseTag().orElse("?"))
            : new CanisterResult(id, Outcome.FAILED, wave,
                r.failureReason().orElse("its record is " + r.status()));
      }
      if (r.job().get().expiredAt(fleet.clock.instant())) {
        // Its runner died: take the job over (ours then), or another runner does first.
        // The only expired job this worker waits on is this canister's, so a take-over counted
        // here is (almost always) this one: reported as this run's.
        int taken = fleet.deployer.recoverAbandoned();
        Optional<DeploymentRecord> now = fleet.registry.find(id);
        if (taken > 0 || now.flatMap(DeploymentRecord::job)
            .map(j -> j.holder().equals(fleet.deployer.holderId())).orElse(false)) {
          mine = true;
        }
        continue;
      }
      if (System.nanoTime() > deadline) {
        return new CanisterResult(id, Outcome.FAILED, wave, "its job did not end within "
            + fleet.jobTimeout + "; it goes on in the registry: " + r.job().get());
      }
      try {
        Thread.sleep(Math.max(1, fleet.pollInterval.toMillis()));
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
        return new CanisterResult(id, Outcome.FAILED, wave, "interrupted while waiting");
      }
    }
  }
}
