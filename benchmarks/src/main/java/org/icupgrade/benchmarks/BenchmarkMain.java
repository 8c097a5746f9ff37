package org.icupgrade.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;

/**
 * Runs the benchmarks (JMH command-line options apply: a regex to select, {@code -f}, {@code -wi},
 * {@code -i}, {@code -prof gc}) and prints, for every benchmark class and parameter set, the
 * library's throughput as a ratio of the raw baseline measured in the same run: {@code library()}
 * against {@code raw()}. Each class states its bar; a ratio below it is marked.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar [JMH options]</pre>
 */
public final class BenchmarkMain {
  /** The least ratio of raw throughput the library must keep, by benchmark class. */
  static final Map<String, Double> BARS = Map.of(
      "Sha256Benchmark", 0.95,
      "ChunkingBenchmark", 0.95,
      "TarGzReadBenchmark", 0.9,
      "AssetDiffBenchmark", 0.5);

  /** Installing a module may hold at most this many times its size in heap. */
  static final double MAX_HEAP_RATIO = 3.0;

  private BenchmarkMain() {}

  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    Options options = new CommandLineOptions(args);
    Collection<RunResult> results = new Runner(options).run();
    System.out.println();
    System.out.println(report(results));
  }

  static String report(Collection<RunResult> results) {
    Map<String, Double> library = new LinkedHashMap<>();
    Map<String, Double> raw = new LinkedHashMap<>();
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      int dot = bench.lastIndexOf('.');
      String method = bench.substring(dot + 1);
      String cls = bench.substring(bench.lastIndexOf('.', dot - 1) + 1, dot);
      List<String> params = new ArrayList<>();
      for (String k : r.getParams().getParamsKeys()) {
        params.add(k + "=" + r.getParams().getParam(k));
      }
      String key = cls + (params.isEmpty() ? "" : " " + String.join(",", params));
      double score = r.getPrimaryResult().getScore();
      if (method.equals("library")) {
        library.put(key, score);
      } else if (method.equals("raw")) {
        raw.put(key, score);
      }
    }
    StringBuilder sb = new StringBuilder("library / raw throughput, same run:\n");
    StringBuilder heap = new StringBuilder();
    for (RunResult r : results) {
      org.openjdk.jmh.results.Result<?> peak = r.getSecondaryResults().get("peakHeapRatio");
      if (peak != null) {
        double ratio = peak.getScore();
        heap.append(String.format(Locale.ROOT, "  %-45s %6.3f  (bar %.2f)%s%n",
            r.getParams().getBenchmark().replaceFirst(".*\\.(\\w+\\.\\w+)$", "$1"), ratio,
            MAX_HEAP_RATIO, ratio > MAX_HEAP_RATIO ? "  ABOVE BAR" : ""));
      }
    }
    for (Map.Entry<String, Double> e : library.entrySet()) {
      Double base = raw.get(e.getKey());
      if (base == null) {
        continue;
      }
      double ratio = e.getValue() / base;
      String cls = e.getKey().split(" ")[0];
      double bar = BARS.getOrDefault(cls, 0.0);
      sb.append(String.format(Locale.ROOT, "  %-45s %6.3f  (bar %.2f)%s%n", e.getKey(), ratio,
          bar, ratio < bar ? "  BELOW BAR" : ""));
    }
    if (heap.length() > 0) {
      sb.append("peak heap / module size (at most the bar):\n").append(heap);
    }
    return sb.toString();
  }
}
