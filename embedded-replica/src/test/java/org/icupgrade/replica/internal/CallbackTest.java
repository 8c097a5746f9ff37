package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/** Callbacks of inter-canister calls (spec, "Inter-canister method calls"). */
class CallbackTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final Principal canister = replica.createCanister(ME);

  /**
   * {@code go} replies at once and calls its own {@code pong}; {@code late} calls it without
   * replying, so the reply callback's trap answers the call; {@code late_cleanup_traps} too, its
   * cleanup callback trapping as well; the reply callback sets global
   * {@code answered} and traps; the cleanup callback sets global {@code cleaned}. {@code state}
   * replies the two as bytes.
   */
  static byte[] module() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int selfSize = w.importFunction("ic0", "canister_self_size", types(), types(I32));
    int selfCopy = w.importFunction("ic0", "canister_self_copy", types(I32, I32, I32), types());
    int callNew = w.importFunction("ic0", "call_new",
        types(I32, I32, I32, I32, I32, I32, I32, I32), types());
    int onCleanup = w.importFunction("ic0", "call_on_cleanup", types(I32, I32), types());
    int perform = w.importFunction("ic0", "call_perform", types(), types(I32));
    int trap = w.importFunction("ic0", "trap", types(I32, I32), types());
    int answered = w.global(I32, true, 0);
    int cleaned = w.global(I32, true, 0);
    w.data(300, "pong".getBytes(StandardCharsets.UTF_8));
    int replyCallback = w.function(types(I32), types(), types(), new Code()
        .i32(1).globalSet(answered).i32(300).i32(4).call(trap).end());
    int cleanupCallback = w.function(types(I32), types(), types(), new Code()
        .i32(1).globalSet(cleaned).end());
    w.data(320, "cleanup".getBytes(StandardCharsets.UTF_8));
    int trappingCleanup = w.function(types(I32), types(), types(), new Code()
        .i32(320).i32(7).call(trap).end());
    w.table(replyCallback, cleanupCallback, trappingCleanup);
    w.export("canister_update late", w.function(types(), types(), types(), new Code()
        .i32(200).i32(0).call(selfSize).call(selfCopy)
        .i32(200).call(selfSize).i32(300).i32(4).i32(0).i32(0).i32(0).i32(0).call(callNew)
        .i32(1).i32(0).call(onCleanup)
        .call(perform).drop()
        .end()));
    w.export("canister_update late_cleanup_traps", w.function(types(), types(), types(),
        new Code()
            .i32(200).i32(0).call(selfSize).call(selfCopy)
            .i32(200).call(selfSize).i32(300).i32(4).i32(0).i32(0).i32(0).i32(0).call(callNew)
            .i32(2).i32(0).call(onCleanup)
            .call(perform).drop()
            .end()));
    w.export("canister_update go", w.function(types(), types(), types(), new Code()
        .i32(200).i32(0).call(selfSize).call(selfCopy)
        .i32(200).call(selfSize).i32(300).i32(4).i32(0).i32(0).i32(0).i32(0).call(callNew)
        .i32(1).i32(0).call(onCleanup)
        .call(perform).drop()
        .call(reply).end()));
    w.export("canister_update pong", w.function(types(), types(), types(), new Code()
        .call(reply).end()));
    w.export("canister_query state", w.function(types(), types(), types(), new Code()
        .i32(0).globalGet(answered).i32Store8().i32(1).globalGet(cleaned).i32Store8()
        .i32(0).i32(2).call(append).call(reply).end()));
    w.memory(1);
    return w.build();
  }

  @Test
  void replyCallbackTraps_itsChangesRolledBack_cleanupRuns() {
    CandidManagementCanister.over(agent).installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(module()), NONE);
    agent.update(canister, "go", NONE);
    assertArrayEquals(new byte[] {0, 1}, agent.query(canister, "state", NONE));
  }

  /**
   * The IC answers a call whose last outstanding callback trapped with that trap (dfinity/ic,
   * CallContextManager: a failed callback with no other outstanding and no answer yet fails the
   * call context with the callback's error).
   */
  @Test
  void replyCallbackTraps_callUnanswered_callerGetsTheTrap() {
    CandidManagementCanister.over(agent).installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(module()), NONE);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "late", NONE));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertEquals(Optional.of("IC0503"), e.errorCode());
    assertEquals("Error from Canister " + canister
        + ": Canister called `ic0.trap` with message: 'pong'", e.rejectMessage());
    assertArrayEquals(new byte[] {0, 1}, agent.query(canister, "state", NONE));
  }

  @Test
  void replyAndCleanupCallbacksTrap_callerGetsBoth() {
    CandidManagementCanister.over(agent).installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(module()), NONE);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "late_cleanup_traps", NONE));
    assertEquals(Optional.of("IC0503"), e.errorCode());
    assertEquals("Error from Canister " + canister
        + ": Canister called `ic0.trap` with message: 'pong'\n\ncall_on_cleanup also failed:\n\n"
        + "Error from Canister " + canister
        + ": Canister called `ic0.trap` with message: 'cleanup'", e.rejectMessage());
    assertArrayEquals(new byte[] {0, 0}, agent.query(canister, "state", NONE));
  }
}
