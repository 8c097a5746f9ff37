package org.icupgrade.replica.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.replica.EmbeddedReplica;
import org.junit.jupiter.api.Test;

/** Canisters calling each other from several threads at once. */
class ConcurrentCallsTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);

  Principal install(byte[] module) {
    Principal id = replica.createCanister(ME);
    CandidManagementCanister.over(agent).installCode(id, InstallMode.install(),
        ByteBuffer.wrap(module), NONE);
    return id;
  }

  /** a -> b -> a.pong, while b -> a -> b.pong runs on another thread: neither waits forever. */
  @Test
  void twoCanistersCallingEachOther_fromTwoThreads_bothAnswer() throws Exception {
    Principal a = install(InterCanisterCallTest.relay());
    Principal b = install(InterCanisterCallTest.relay());
    byte[] pong = "pong".getBytes(StandardCharsets.UTF_8);
    byte[] viaB = InterCanisterCallTest.relayArg(b, "relay",
        InterCanisterCallTest.relayArg(a, "pong", NONE));
    byte[] viaA = InterCanisterCallTest.relayArg(a, "relay",
        InterCanisterCallTest.relayArg(b, "pong", NONE));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
        for (int i = 0; i < 300; i++) {
          Future<byte[]> first = pool.submit(() -> agent.update(a, "relay", viaB));
          Future<byte[]> second = pool.submit(() -> agent.update(b, "relay", viaA));
          assertArrayEquals(pong, first.get());
          assertArrayEquals(pong, second.get());
        }
      });
    } finally {
      pool.shutdownNow();
    }
  }
}
