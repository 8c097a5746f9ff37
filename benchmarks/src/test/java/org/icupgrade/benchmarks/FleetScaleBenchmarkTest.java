package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.icupgrade.deployer.fleet.CanisterResult;
import org.icupgrade.deployer.fleet.FleetReport;
import org.junit.jupiter.api.Test;

/** The fleet benchmark measures what it claims, iteration after iteration. */
class FleetScaleBenchmarkTest {
  /**
   * Every upgrade hands the backend's rights back, so each iteration must find the backend a
   * controller again: without the owners' grant in {@code nextRelease} the second fleet fails
   * its canary.
   */
  @Test
  void twoIterations_eachUpgradesTheWholeFleetWithOneUpload() throws Exception {
    FleetScaleBenchmark b = new FleetScaleBenchmark();
    b.canisters = 3;
    b.moduleBytes = 1_000;
    b.deploy();
    try {
      for (int iteration = 1; iteration <= 2; iteration++) {
        b.nextRelease();
        FleetScaleBenchmark.FleetCounters counters = new FleetScaleBenchmark.FleetCounters();
        FleetReport report = b.fleet(counters);
        assertEquals(3, report.with(CanisterResult.Outcome.DONE).size(), "iteration " + iteration);
        assertEquals(1, counters.uploadChunks, "one upload for the fleet, iteration " + iteration);
      }
      b.nextRelease();
      assertEquals(3, b.oneByOne(new FleetScaleBenchmark.FleetCounters()));
    } finally {
      b.removeReleases();
    }
  }
}
