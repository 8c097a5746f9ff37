/**
 * JMH benchmarks of the library: micro-benchmarks that pit it against the raw JDK or library it
 * builds on, on the same input in the same run, so that the report is a ratio and not a number of
 * one machine; and end-to-end benchmarks on the embedded replica that count the calls and bytes an
 * install, a frontend sync and a fleet upgrade take.
 *
 * <h2>Running</h2>
 *
 * <pre>
 * mvn -o -q -pl benchmarks -am package -DskipTests     # builds benchmarks/target/benchmarks.jar
 * java -jar benchmarks/target/benchmarks.jar -l        # the benchmarks; -lp with their parameters
 * java -jar benchmarks/target/benchmarks.jar           # everything, with each class's own settings
 * java -jar benchmarks/target/benchmarks.jar -f 1 -wi 1 -i 1 -w 1s -r 1s   # everything, quickly
 * java -jar benchmarks/target/benchmarks.jar Chunking -p size=104857600    # one class, one size
 * java -jar benchmarks/target/benchmarks.jar -f 1 -wi 1 -i 3 E2e           # end to end only
 * java -jar benchmarks/target/benchmarks.jar E2e -prof gc                  # with bytes allocated
 * </pre>
 *
 * <p>{@link org.icupgrade.benchmarks.BenchmarkMain} takes JMH's own command line (regexes,
 * {@code -f}, {@code -wi}, {@code -i}, {@code -p}, {@code -prof}, {@code -rf json}, {@code -h});
 * see its Javadoc. A whole suite on a shared 2-core machine: use the quick settings above; the
 * classes' own settings (3 to 5 iterations, one fork each) take several minutes.
 *
 * <h2>Micro-benchmarks: library against raw</h2>
 *
 * <p>Each has a {@code library()} and a {@code raw()} method doing the same work, and {@code
 * BenchmarkSanityTest} checks that both compute the same answer:
 *
 * <ul>
 *   <li>{@link org.icupgrade.benchmarks.Sha256Benchmark} (1 KiB, 1 MiB, 100 MiB): {@code
 *       Sha256.of} against {@code MessageDigest}. Bar 0.95.
 *   <li>{@link org.icupgrade.benchmarks.ChunkingBenchmark} (5 MiB and 7 bytes, 100 MiB): the
 *       module's 1 MiB chunks and their SHA-256 against {@code ByteBuffer} slices and one {@code
 *       MessageDigest}. Bar 0.95.
 *   <li>{@link org.icupgrade.benchmarks.TarGzReadBenchmark} (5,000 small files; one 64 MiB file):
 *       {@code ReleaseReader} against commons-compress, gzip and {@code MessageDigest}. Bar 0.9.
 *   <li>{@link org.icupgrade.benchmarks.AssetDiffBenchmark} (10,000 assets): {@code AssetDiffer}
 *       against a hash-map comparison. Bar 0.5 (the library does several times the work).
 *   <li>{@link org.icupgrade.benchmarks.InstallHeapBenchmark} (100 MiB under {@code -Xmx320m}):
 *       peak heap over module size, at most 3.
 * </ul>
 *
 * <p>The report after JMH's summary gives library/raw throughput per class and parameter set, and
 * marks a ratio below the class's bar {@code BELOW BAR}. On a shared machine one-second iterations
 * are noisy (a few tenths either way); a ratio below the bar is worth a run with more iterations
 * before a conclusion. A selection that ran only one side of a pair says which side is missing.
 *
 * <h2>End to end on the embedded replica</h2>
 *
 * <ul>
 *   <li>{@link org.icupgrade.benchmarks.InstallE2eBenchmark} (5 MiB, 100 MiB): a chunked install
 *       through {@code ChunkedWasmInstaller} and {@code CandidManagementCanister} into an empty
 *       canister.
 *   <li>{@link org.icupgrade.benchmarks.AssetSyncE2eBenchmark} (300 files): a frontend release
 *       read from its {@code .tar.gz} and synced into an empty built-in asset canister.
 *   <li>{@link org.icupgrade.benchmarks.FleetE2eBenchmark} (10, 100 canisters): every canister of
 *       a fleet upgraded one after the other to a 2.3 MiB module.
 * </ul>
 *
 * <p>They run in JMH's single-shot mode: the score is the time of one operation (ms/op), each on
 * fresh state set up outside the time. Calls are counted by a {@code CountingAgent} in front of
 * the replica's agent and reported as JMH counters ({@link org.icupgrade.benchmarks.E2eCounters}:
 * {@code calls}, {@code stateReads}, {@code argBytes}, {@code replyBytes}, each summed over the
 * {@code ops} measured); the report's end-to-end table shows them per operation, with the calls
 * per canister for a fleet. The calls and bytes are exact and the same on every machine (a change
 * in them is a change in the library's protocol); the time is that of the in-process replica,
 * whose WASM interpreter and Candid decoding dominate, so it bounds the library's own cost from
 * above rather than predicting a mainnet deployment, where each call costs a network round trip
 * and an update a second or two to be certified. {@code E2eBenchmarkTest} checks on small cases
 * that the counted calls are exactly the ones expected and agree with the replica's own record.
 */
@NullMarked
package org.icupgrade.benchmarks;

import org.jspecify.annotations.NullMarked;
