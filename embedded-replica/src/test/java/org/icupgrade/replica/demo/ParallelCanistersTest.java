package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Messages to different canisters run at the same time; messages to one canister one at a time
 * (spec, "Abstract behavior"); a canister whose call is out runs other messages meanwhile.
 *
 * <p>The observation is host-side: the workers' {@code ic0.time} reads the replica's clock, and
 * this clock, once armed, makes every reading wait at a two-party barrier. Both parties arrive
 * only if two messages are inside canister code at once; if messages were serialized the first
 * would wait alone, the barrier would give up, and its {@code ic0.time} would trap. The barrier's
 * timeout only bounds a failing run; nothing is timed.
 */
class ParallelCanistersTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 5});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int LOOPS = 200_000;

  /** A clock whose readings meet at a barrier of two while armed. */
  static final class RendezvousClock extends Clock {
    final CyclicBarrier barrier = new CyclicBarrier(2);
    final AtomicInteger met = new AtomicInteger();
    volatile boolean armed;

    @Override
    public Instant instant() {
      if (armed) {
        try {
          barrier.await(20, TimeUnit.SECONDS);
          met.incrementAndGet();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted at the rendezvous", e);
        } catch (TimeoutException | BrokenBarrierException e) {
          throw new IllegalStateException("no second message was running at the same time", e);
        }
      }
      return Instant.now();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  final RendezvousClock clock = new RendezvousClock();
  final EmbeddedReplica replica = EmbeddedReplica.start(clock);
  final Agent agent = replica.agentFor(ME);
  final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /**
   * {@code work}: reads the time, counts down {@value #LOOPS} times, reads the time again, and
   * replies "done".
   */
  static byte[] worker() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int time = w.importFunction("ic0", "time", types(), types(I64));
    w.export("canister_update work", w.function(types(), types(), types(I32), new Code()
        .call(time).drop()
        .i32(LOOPS).localSet(0)
        .loop().localGet(0).i32(1).i32Sub().localSet(0).localGet(0).op(0x0d, 0x00).end()
        .call(time).drop()
        .i32(0).i32(4).call(append).call(reply).end()));
    w.data(0, "done".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    w.memory(1);
    return w.build();
  }

  Principal install(byte[] module) {
    Principal id = replica.createCanister(ME);
    CandidManagementCanister.over(agent).installCode(id, InstallMode.install(),
        ByteBuffer.wrap(module), NONE);
    return id;
  }

  @Test
  void twoCanisters_longUpdatesAtOnce_overlap() throws Exception {
    Principal a = install(worker());
    Principal b = install(worker());
    clock.armed = true;
    Future<byte[]> first = pool.submit(() -> agent.update(a, "work", NONE));
    Future<byte[]> second = pool.submit(() -> agent.update(b, "work", NONE));
    assertArrayEquals("done".getBytes(), first.get());
    assertArrayEquals("done".getBytes(), second.get());
    // Both readings of each message met the other message's: at its start and at its end.
    assertEquals(4, clock.met.get());
  }

  /**
   * A relay's call to a worker is out (the worker waits at the barrier) while the relay runs a
   * second message, whose call reaches another worker: the relay is not held by its first call.
   */
  @Test
  void callOut_callerRunsAnotherMessageMeanwhile() throws Exception {
    Principal relay = install(InterCanisterCallTest.relay());
    Principal b = install(worker());
    Principal c = install(worker());
    clock.armed = true;
    Future<byte[]> first = pool.submit(() -> agent.update(relay, "relay",
        InterCanisterCallTest.relayArg(b, "work", NONE)));
    Future<byte[]> second = pool.submit(() -> agent.update(relay, "relay",
        InterCanisterCallTest.relayArg(c, "work", NONE)));
    assertArrayEquals("done".getBytes(), first.get());
    assertArrayEquals("done".getBytes(), second.get());
    assertEquals(4, clock.met.get());
  }

  @Test
  void oneCanister_concurrentUpdates_runOneAtATime_noneLost() throws Exception {
    Principal counter = install(DemoCanisters.targetV1());
    List<Future<?>> runs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      runs.add(pool.submit(() -> {
        for (int i = 0; i < 50; i++) {
          agent.update(counter, "increment", NONE);
        }
        return null;
      }));
    }
    for (Future<?> f : runs) {
      f.get();
    }
    byte[] count = agent.query(counter, "get_count", NONE);
    assertEquals(200L, ByteBuffer.wrap(count, 7, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
  }
}
