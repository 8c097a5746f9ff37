package org.icupgrade.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.icupgrade.deployer.fleet.CanisterResult.Outcome;
import org.icupgrade.deployer.fleet.FleetReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetDemoTest {
  static final Duration HANG_GUARD = Duration.ofMinutes(3);

  String run(int count, int fail, Path dir, boolean terminal, FleetReport[] report) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    report[0] = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(HANG_GUARD,
        () -> FleetDemo.run(count, fail, dir, terminal,
            new PrintStream(buf, true, StandardCharsets.UTF_8)));
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plainLines_whenNotATerminal_wavesSummarized_moduleUploadedOnce(@TempDir Path dir) {
    FleetReport[] report = new FleetReport[1];
    String out = run(10, 0, dir, false, report);
    assertEquals(10, report[0].with(Outcome.DONE).size(), out);
    assertTrue(out.contains("waves [2, 4, 4]"), out);
    assertTrue(out.contains("wave 0: 2 canisters, 2 done, 0 failed"), out);
    assertTrue(out.contains("wave 2: 4 canisters, 4 done, 0 failed"), out);
    assertTrue(out.contains("  10/10 "), out);
    assertTrue(!out.contains("\r"), "no carriage return without a terminal");
    // 2.5 MB: three chunks, uploaded once for the fleet
    assertTrue(out.contains("upload_chunk=3"), out);
    assertTrue(out.contains("done 10, failed 0"), out);
  }

  @Test
  void bar_onATerminal_redrawnWithCarriageReturns_haltsOnFailures(@TempDir Path dir) {
    FleetReport[] report = new FleetReport[1];
    String out = run(10, 2, dir, true, report);
    assertTrue(out.contains("\r[###"), out);
    assertTrue(out.contains("] 2/10"), out);
    // wave 1 (4 canisters) has 2 failures: 50%, above the 25% threshold
    assertTrue(out.contains("wave 1: 4 canisters, 2 done, 2 failed, 0 skipped -> halted"), out);
    assertEquals(4, report[0].with(Outcome.NOT_STARTED).size());
    assertTrue(report[0].halted().isPresent());
  }
}
