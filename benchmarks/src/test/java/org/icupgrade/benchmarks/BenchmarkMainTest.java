package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The jar's command line: JMH's own options, and the report after a run. */
class BenchmarkMainTest {
  /** What one invocation printed and returned. */
  record Outcome(int status, String out, String err) {}

  static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // -h and the profiler list print to System.out whatever stream the runner was given.
    PrintStream systemOut = System.out;
    PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8);
    System.setOut(capture);
    int status;
    try {
      status = BenchmarkMain.run(args, capture,
          new PrintStream(err, true, StandardCharsets.UTF_8));
    } finally {
      System.setOut(systemOut);
    }
    return new Outcome(status, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void list_namesEveryBenchmarkAndRunsNothing() {
    Outcome o = run("-l");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("org.icupgrade.benchmarks.ChunkingBenchmark.library"), o.out());
    assertTrue(o.out().contains("org.icupgrade.benchmarks.Sha256Benchmark.raw"), o.out());
    assertFalse(o.out().contains("# Run progress"), o.out());
    assertFalse(o.out().contains("library / raw"), o.out());
  }

  @Test
  void list_withRegex_onlyTheSelected() {
    Outcome o = run("-l", "Sha256");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("Sha256Benchmark.library"), o.out());
    assertFalse(o.out().contains("ChunkingBenchmark"), o.out());
  }

  @Test
  void listWithParams_showsTheParameterGrid() {
    Outcome o = run("-lp", "Sha256Benchmark");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("param \"size\""), o.out());
    assertTrue(o.out().contains("104857600"), o.out());
    assertFalse(o.out().contains("# Run progress"), o.out());
  }

  @Test
  void help_printsJmhUsageAndRunsNothing() {
    Outcome o = run("-h");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("Usage: java -jar ... [regexp*] [options]"), o.out());
    assertFalse(o.out().contains("# Run progress"), o.out());
  }

  @Test
  void regexMatchingNothing_oneLineAndNonZero() {
    Outcome o = run("NoSuchBenchmarkAnywhere");
    assertEquals(1, o.status());
    assertEquals("No benchmark matches the regex 'NoSuchBenchmarkAnywhere'; run with -l to list"
        + " them.", o.err().strip());
    assertFalse(o.out().contains("Exception"), o.out());
  }

  @Test
  void badOption_jmhMessageWithoutStackTrace() {
    Outcome o = run("-zz");
    assertEquals(2, o.status());
    assertTrue(o.err().contains("z is not a recognized option"), o.err());
    assertFalse(o.err().contains("\tat "), o.err());
    assertFalse(o.err().contains("Exception"), o.err());
  }

  @Test
  void badOptionValue_jmhMessageWithoutStackTrace() {
    Outcome o = run("-f", "many");
    assertEquals(2, o.status());
    assertTrue(o.err().startsWith("Error parsing command line:"), o.err());
    assertFalse(o.err().contains("\tat "), o.err());
  }

  @Test
  void badBenchmarkMode_jmhMessageWithoutStackTrace() {
    Outcome o = run("-bm", "fastest");
    assertEquals(2, o.status());
    assertTrue(o.err().contains("Unable to parse benchmark mode: \"fastest\""), o.err());
    assertFalse(o.err().contains("\tat "), o.err());
  }

  @Test
  void unknownProfiler_oneMessageAndNonZero() {
    Outcome o = run("-prof", "no.such.Profiler", "Sha256Benchmark");
    assertEquals(1, o.status());
    assertTrue(o.err().startsWith("A profiler cannot run: "), o.err());
    assertTrue(o.err().contains("no.such.Profiler"), o.err());
    assertFalse(o.err().contains("\tat "), o.err());
    assertFalse(o.out().contains("# Run progress"), o.out());
  }

  @Test
  void runOfOneSide_reportNamesTheMissingSide() {
    // In this JVM (-f 0), one short iteration of the library side of the smallest size.
    Outcome o = run("-f", "0", "-wi", "0", "-i", "1", "-r", "100ms", "-p", "size=1024",
        "Sha256Benchmark.library");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("library / raw throughput, same run:"), o.out());
    assertTrue(o.out().matches("(?s).*\\n  Sha256Benchmark size=1024 +no ratio: raw\\(\\) did not"
        + " run, only library\\(\\)\\n.*"), o.out());
  }

  @Test
  void runOfTheLibraryAndTheCReader_reportsTheirRatioAgainstTheNativeBar() {
    // One short iteration each, in this JVM: the library's read+diff and the C reader.
    Outcome o = run("-f", "0", "-wi", "0", "-i", "1", "-r", "300ms",
        "TextReleaseBenchmark\\.(library|nativeReader)$");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("library / C reader (tar-sha256-reader.c) throughput, same run:"),
        o.out());
    assertTrue(o.out().matches(
        "(?s).*\\n  TextReleaseBenchmark +[0-9]+\\.[0-9]{3}  \\(bar 0\\.60\\).*"), o.out());
    // raw() did not run: the library/raw table names it as the missing side.
    assertTrue(o.out().contains("no ratio: raw() did not run, only library()"), o.out());
  }

  @Test
  void runOfABenchmarkWithoutRawSide_noPairToReport() {
    // InstallHeapBenchmark has a library() and no raw(): not half a pair. One install, here.
    Outcome o = run("-f", "0", "-wi", "0", "-i", "1", "InstallHeapBenchmark");
    assertEquals(0, o.status(), o.err());
    assertFalse(o.out().contains("no ratio"), o.out());
    assertFalse(o.out().contains("library / raw"), o.out());
    assertTrue(o.out().contains("peak heap / module size (at most the bar):"), o.out());
  }

  @Test
  void runOfAnEndToEndBenchmark_reportDividesTheCountersByTheOperations() {
    // Two measured upgrades of a fleet of two canisters, in this JVM.
    Outcome o = run("-f", "0", "-wi", "0", "-i", "2", "-p", "canisters=2", "FleetE2eBenchmark");
    assertEquals(0, o.status(), o.err());
    assertTrue(o.out().contains("end to end on the embedded replica, per operation:"), o.out());
    // JMH's table: totals over both operations.
    assertTrue(o.out().matches(
        "(?s).*\\nFleetE2eBenchmark\\.upgradeFleet:calls +2 +ss +2 +24\\.000 +#\\n.*"), o.out());
    // The report: per operation, 12 calls and 6 reads (module hash before and after, and the
    // EOP metadata, per canister), 6 calls per canister.
    assertTrue(o.out().matches("(?s).*\\n  FleetE2eBenchmark canisters=2 upgradeFleet"
        + " +[0-9.]+ ms/op +12\\.0 +6\\.0 +4\\.[0-9]{3} +0\\.000 +[0-9]+% +6\\.0\\n.*"), o.out());
    assertFalse(o.out().contains("library / raw"), o.out());
  }
}
