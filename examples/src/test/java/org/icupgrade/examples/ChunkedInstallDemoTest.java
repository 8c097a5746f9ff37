package org.icupgrade.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.replica.SyntheticWasm;
import org.junit.jupiter.api.Test;

class ChunkedInstallDemoTest {
  @Test
  void run_printsChunkedInstallUpgradeAndAlreadyCurrent() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Sha256 finalHash = ChunkedInstallDemo.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertEquals(WasmModule.of(SyntheticWasm.ofSize(3 * 1024 * 1024 + 7, 2)).hash(), finalHash);
    assertTrue(out.contains("install through the chunk store, 6 chunks"), out);
    assertTrue(out.contains("chunk  5 uploaded"), out);
    assertTrue(out.contains("installed chunked"), out);
    assertTrue(out.contains("upgrade through the chunk store, 4 chunks"), out);
    assertTrue(out.contains("already current"), out);
    assertTrue(out.contains("canister runs (read_state) " + finalHash), out);
  }
}
