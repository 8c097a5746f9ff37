package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.junit.jupiter.api.Test;

/** The execution benchmarks compute what they claim, in both modes. */
class ExecutionBenchmarkTest {
  @Test
  void canisterWorkload_repliesTheFnvHashOfItsArgumentInBothModes() {
    ExecutionBenchmark b = new ExecutionBenchmark();
    b.workload = "canister";
    b.setUp(); // refuses to start when the two modes' replies differ
    int h = 0x811c9dc5;
    for (byte x : b.arg) {
      h = (h ^ (x & 0xff)) * 16_777_619;
    }
    byte[] expected = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h).array();
    assertArrayEquals(expected, b.compiled());
    assertArrayEquals(expected, b.interpreted());
  }

  @Test
  void loopWorkload_runsToZeroInBothModes() {
    ExecutionBenchmark b = new ExecutionBenchmark();
    b.workload = "loop";
    b.setUp();
    assertArrayEquals(new byte[4], b.compiled());
    assertArrayEquals(new byte[4], b.interpreted());
  }

  /** The init's cost is exactly 5n + 5: that limit installs, one less is refused. */
  @Test
  void initLoop_costsFiveNPlusFive() {
    int n = 1000;
    byte[] module = ExecutionBenchmark.loop(n, true);
    for (ExecutionMode mode : ExecutionMode.values()) {
      EmbeddedReplica fits = EmbeddedReplica.start(Clock.systemUTC(),
          InstructionLimits.IC.withInstall(5L * n + 5), EmbeddedReplica.DEFAULT_HEAP_BUDGET, mode);
      Principal ok = ExecutionBenchmark.install(fits, module);
      assertEquals(mode, fits.executionMode(ok).orElseThrow());
      EmbeddedReplica tight = EmbeddedReplica.start(Clock.systemUTC(),
          InstructionLimits.IC.withInstall(5L * n + 4), EmbeddedReplica.DEFAULT_HEAP_BUDGET, mode);
      CanisterRejectException e = assertThrows(CanisterRejectException.class,
          () -> ExecutionBenchmark.install(tight, module));
      assertEquals("IC0522", e.errorCode().orElseThrow(), mode.name());
    }
    assertEquals(1_200_000_005L, InstallInitBenchmark.INSTRUCTIONS);
  }
}
