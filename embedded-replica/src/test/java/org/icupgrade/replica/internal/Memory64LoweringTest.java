package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/** The lowering of 64-bit memories to the 32-bit ones Chicory runs. */
class Memory64LoweringTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  /**
   * A module written for a 64-bit memory: {@code go} adds one to the i32 at address 100 (i64
   * addresses), grows memory by 0 pages and reads its size (both i64), and replies the i32
   * through ic0 functions imported with i64 pointers ({@code pointer} is their pointer type).
   */
  static byte[] module64(byte pointer) {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(pointer, pointer),
        types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    w.export("canister_update go", w.function(types(), types(), types(), new Code()
        .i64(100).i64(100).i32Load().i32(1).i32Add().i32Store()
        .i64(0).memoryGrow().drop().memorySize().drop()
        .i64(8).i64(100).i64Load().i64Store()
        .append(pointer == I64 ? new Code().i64(100).i64(4) : new Code().i32(100).i32(4))
        .call(append).call(reply).end()));
    w.memory(1);
    return toMemory64(w.build());
  }

  /** Sets the 64-bit flag of the memory section's limits. */
  static byte[] toMemory64(byte[] wasm) {
    int pos = 8;
    while (pos < wasm.length) {
      int id = wasm[pos++];
      int size = wasm[pos++]; // the test modules' sections are under 128 bytes
      if (id == 5) {
        wasm[pos + 1] |= 0x04;
        return wasm;
      }
      pos += size;
    }
    throw new AssertionError("no memory section");
  }

  static byte[] counter() throws IOException {
    try (InputStream in = Objects.requireNonNull(
        Memory64LoweringTest.class.getResourceAsStream("/eop/counter.wasm"))) {
      return in.readAllBytes();
    }
  }

  @Test
  void detectsMemory64() throws IOException {
    assertTrue(Memory64Lowering.isMemory64(counter()));
    assertTrue(Memory64Lowering.isMemory64(module64(I64)));
    assertFalse(Memory64Lowering.isMemory64(InstructionLimitsTest.module()));
  }

  @Test
  void lowered_motokoModule_isA32BitModuleChicoryDecodes() throws IOException {
    byte[] lowered = Memory64Lowering.lower(counter());
    assertFalse(Memory64Lowering.isMemory64(lowered));
    ModuleParser.parse(lowered);
  }

  @Test
  void lowered_handWrittenModule_runsWithI64Pointers() {
    EmbeddedReplica replica = EmbeddedReplica.start();
    Principal canister = replica.createCanister(ME);
    CandidManagementCanister.over(replica.agentFor(ME)).installCode(canister,
        InstallMode.install(), ByteBuffer.wrap(module64(I64)), NONE);
    assertEquals(1, go(replica, canister));
    assertEquals(2, go(replica, canister));
  }

  static int go(EmbeddedReplica replica, Principal canister) {
    byte[] r = replica.agentFor(ME).update(canister, "go", NONE);
    return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  @Test
  void memory64Module_importingI32Pointers_isRefused() {
    EmbeddedReplica replica = EmbeddedReplica.start();
    Principal canister = replica.createCanister(ME);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> CandidManagementCanister.over(replica.agentFor(ME)).installCode(canister,
            InstallMode.install(), ByteBuffer.wrap(module64(I32)), NONE));
    assertTrue(e.getMessage().contains("ic0.msg_reply_data_append is imported with type (i32,"
        + " i32) -> () but the interface spec gives it type (i64, i64) -> () in a module with a"
        + " 64-bit memory"), e.getMessage());
  }
}
