package org.icupgrade.replica.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.replica.EmbeddedReplica;
import org.junit.jupiter.api.Test;

class DemoCanistersTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NO_ARGS = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final ChunkedWasmInstaller installer =
      ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build();

  static String text(byte[] candid) {
    assertArrayEquals(DemoCanisters.TEXT_HEADER, Arrays.copyOf(candid, 7));
    return new String(candid, 8, candid[7], java.nio.charset.StandardCharsets.UTF_8);
  }

  static long nat64(byte[] candid) {
    assertArrayEquals(DemoCanisters.NAT64_HEADER, Arrays.copyOf(candid, 7));
    return ByteBuffer.wrap(candid, 7, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  @Test
  void targetV1ThenV2_answersChangeCounterSurvives() {
    Principal target = replica.createCanister(ME);
    installer.install(target, WasmModule.of(DemoCanisters.targetV1()), InstallMode.install());
    assertEquals("v1", text(agent.query(target, "get_version", NO_ARGS)));
    assertEquals("1.0", text(agent.query(target, "get_lib_version", NO_ARGS)));
    assertEquals("Hello, World!",
        text(agent.query(target, "greet", DemoCanisters.candidText("World"))));
    for (int i = 0; i < 3; i++) {
      agent.update(target, "increment", NO_ARGS);
    }
    assertEquals(3, nat64(agent.query(target, "get_count", NO_ARGS)));

    WasmModule v2 = WasmModule.of(DemoCanisters.targetV2());
    assertTrue(v2.size() > 2 * 1024 * 1024);
    InstallOutcome.Installed i = (InstallOutcome.Installed)
        installer.install(target, v2, InstallMode.upgrade());
    assertTrue(i.chunked());
    assertEquals("v2", text(agent.query(target, "get_version", NO_ARGS)));
    assertEquals("2.0", text(agent.query(target, "get_lib_version", NO_ARGS)));
    assertEquals("Greetings, World! (upgraded)",
        text(agent.query(target, "greet", DemoCanisters.candidText("World"))));
    assertEquals(3, nat64(agent.query(target, "get_count", NO_ARGS)));
  }
}
