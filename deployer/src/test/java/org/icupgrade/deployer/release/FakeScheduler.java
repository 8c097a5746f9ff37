package org.icupgrade.deployer.release;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler that runs nothing by itself: it records what is scheduled, and {@link #runAll()}
 * runs every live periodic task once, on the test's thread. No sleeps, no threads.
 */
public final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  /** One scheduled periodic task. */
  static final class Task implements ScheduledFuture<Object> {
    final Runnable command;
    final Duration initialDelay;
    final Duration period;
    boolean cancelled;

    Task(Runnable command, Duration initialDelay, Duration period) {
      this.command = command;
      this.initialDelay = initialDelay;
      this.period = period;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(initialDelay);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException("a periodic task has no result");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("a periodic task has no result");
    }
  }

  final List<Task> tasks = new ArrayList<>();

  /** Runs each live periodic task once, as the scheduler would when its time comes. */
  public void runAll() {
    for (Task t : List.copyOf(tasks)) {
      if (!t.cancelled) {
        t.command.run();
      }
    }
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    Task t = new Task(command, Duration.of(initialDelay, unit.toChronoUnit()),
        Duration.of(period, unit.toChronoUnit()));
    tasks.add(t);
    return t;
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return scheduleAtFixedRate(command, initialDelay, delay, unit);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("only periodic tasks are faked");
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("only periodic tasks are faked");
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  @Override
  public void shutdown() {
    tasks.forEach(t -> t.cancel(false));
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }
}
