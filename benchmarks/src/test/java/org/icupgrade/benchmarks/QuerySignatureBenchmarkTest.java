package org.icupgrade.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** Both sides of {@link QuerySignatureBenchmark} compute the query's answer. */
class QuerySignatureBenchmarkTest {
  @Test
  void libraryAndRaw_echoTheArgument() {
    QuerySignatureBenchmark b = new QuerySignatureBenchmark();
    b.setUp();
    try {
      assertArrayEquals(QuerySignatureBenchmark.ARG, b.library());
      assertArrayEquals(QuerySignatureBenchmark.ARG, b.raw());
    } finally {
      b.tearDown();
    }
  }
}
