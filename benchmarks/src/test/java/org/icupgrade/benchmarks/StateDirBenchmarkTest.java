package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import org.icupgrade.replica.EmbeddedReplica;
import org.junit.jupiter.api.Test;

class StateDirBenchmarkTest {
  static long count(byte[] candidNat64) {
    return ByteBuffer.wrap(candidNat64, 7, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  @Test
  void update_inMemory_counts() throws Exception {
    run("memory");
  }

  @Test
  void update_inStateDir_countsAndTheDirectoryKeepsTheCount() throws Exception {
    run("stateDir");
  }

  private static void run(String mode) throws Exception {
    StateDirBenchmark b = new StateDirBenchmark();
    b.mode = mode;
    b.stateMiB = 2;
    b.setUp();
    b.update();
    b.update();
    assertEquals(2, count(b.agent.query(b.canister, "get_count", StateDirBenchmark.NO_ARGS)));
    assertEquals(2, b.replica.chunkStore(b.canister).size());
    if (mode.equals("stateDir")) {
      b.replica.close();
      try (EmbeddedReplica again = EmbeddedReplica.open(b.dir)) {
        assertEquals(2, again.chunkStore(b.canister).size());
        assertEquals(2, count(again.agentFor(StateDirBenchmark.ME)
            .query(b.canister, "get_count", StateDirBenchmark.NO_ARGS)));
      }
    }
    b.tearDown();
    assertFalse(mode.equals("stateDir") && Files.exists(b.dir));
  }
}
