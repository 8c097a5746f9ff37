package org.icupgrade.examples;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpgradeDemoTest {
  @Test
  void run_onEmbeddedReplica_printsSeedTable() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    UpgradeDemo.run(null, new PrintStream(buf, true, StandardCharsets.UTF_8));
    assertSeedTable(buf.toString(StandardCharsets.UTF_8));
  }

  @Test
  void runOverHttp_sameDemoThroughHttpAgentAndTheServedReplica() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> UpgradeDemo.runOverHttp(
        new PrintStream(buf, true, StandardCharsets.UTF_8)));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("Embedded replica served at http://127.0.0.1:"), out);
    assertTrue(out.contains("over HTTP"), out);
    assertSeedTable(out);
  }

  private static void assertSeedTable(String out) {
    assertTrue(out.matches("(?s).*get_version\\(\\)\\s+\"v1\"\\s+\"v2\".*"), out);
    assertTrue(out.matches("(?s).*get_lib_version\\(\\)\\s+\"1\\.0\"\\s+\"2\\.0\".*"), out);
    assertTrue(out.matches(
        "(?s).*greet\\(\"World\"\\)\\s+\"Hello, World!\"\\s+\"Greetings, World! \\(upgraded\\)\".*"),
        out);
    assertTrue(out.matches("(?s).*get_count\\(\\)\\s+3\\s+3\\s.*"), out);
    assertTrue(out.contains("upgrade through the chunk store: 3 chunks"), out);
    assertTrue(out.contains("upload_chunk 3/3"), out);
    // the module hash changes
    String line = out.lines().filter(l -> l.startsWith("module hash")).findFirst().orElseThrow();
    String[] cols = line.substring("module hash".length()).trim().split("\\s+");
    assertTrue(cols.length == 2 && !cols[0].equals(cols[1]), line);
  }

  @Test
  void main_writeModules_writesBothTargets(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    UpgradeDemo.main(new String[] {"--write-modules", dir.toString()});
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        org.icupgrade.replica.demo.DemoCanisters.targetV1(),
        java.nio.file.Files.readAllBytes(dir.resolve("target_v1.wasm")));
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        org.icupgrade.replica.demo.DemoCanisters.targetV2(),
        java.nio.file.Files.readAllBytes(dir.resolve("target_v2.wasm")));
  }
}
