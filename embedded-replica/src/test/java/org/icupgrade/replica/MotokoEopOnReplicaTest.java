package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.management.ManagementCanister;
import org.junit.jupiter.api.Test;

/**
 * A real enhanced-orthogonal-persistence module, compiled by moc 1.10.1 (see
 * {@code src/test/resources/eop/README.md}): 64-bit memory and table, ic0 imports with i64
 * pointers, the EOP metadata. It installs, answers, and keeps its main memory across an upgrade
 * with {@code wasm_memory_persistence = keep}, which the installer sends by itself.
 */
class MotokoEopOnReplicaTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final Principal canister = replica.createCanister(ME);
  final ManagementCanister ic = CandidManagementCanister.over(agent);
  final ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(ic)
      .retryPolicy(RetryPolicy.defaults().withSleeper(d -> { })).build();

  static byte[] counter() throws IOException {
    try (InputStream in = Objects.requireNonNull(
        MotokoEopOnReplicaTest.class.getResourceAsStream("/eop/counter.wasm"))) {
      return in.readAllBytes();
    }
  }

  /** {@code wasm} with a custom section appended (sections may end a module). */
  static byte[] withCustomSection(byte[] wasm, String name, String content) {
    byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] c = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(wasm);
    out.write(0);
    out.write(1 + n.length + c.length); // small enough for one LEB128 byte
    out.write(n.length);
    out.writeBytes(n);
    out.writeBytes(c);
    return out.toByteArray();
  }

  /** A Candid reply of one {@code nat} below 128. */
  static byte[] nat(int n) {
    return new byte[] {'D', 'I', 'D', 'L', 0, 1, 0x7d, (byte) n};
  }

  @Test
  void counter_installsAnswersAndKeepsItsStateAcrossAnUpgrade() throws IOException {
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      WasmModule module = WasmModule.of(counter());
      installer.install(canister, module, InstallMode.install());
      assertArrayEquals(nat(1), agent.update(canister, "inc", NONE));
      assertArrayEquals(nat(2), agent.update(canister, "inc", NONE));
      assertArrayEquals(nat(2), agent.query(canister, "get", NONE));

      // The next release: the same code with one more custom section, so another hash.
      WasmModule next = WasmModule.of(withCustomSection(counter(), "icp:public version", "2"));
      assertInstanceOf(InstallOutcome.Installed.class,
          installer.install(canister, next, InstallMode.upgrade()));
      assertEquals(Optional.of(next.hash()), replica.moduleHash(canister));
      assertArrayEquals(nat(2), agent.query(canister, "get", NONE), "n survives the upgrade");
      assertArrayEquals(nat(3), agent.update(canister, "inc", NONE));
    });
  }

  @Test
  void counter_upgradeWithoutKeep_isRefused() throws IOException {
    byte[] module = counter();
    installer.install(canister, WasmModule.of(module), InstallMode.install());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> ic.installCode(canister, InstallMode.upgrade(), java.nio.ByteBuffer.wrap(module),
            NONE));
    assertTrue(e.getMessage().contains("wasm_memory_persistence"), e.getMessage());
  }
}
