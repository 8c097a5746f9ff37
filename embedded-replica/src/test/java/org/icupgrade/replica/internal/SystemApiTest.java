package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/** The ic0 interface's types and availability (spec, "Overview of imports"), and the start function. */
class SystemApiTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final ManagementCanister ic = CandidManagementCanister.over(agent);
  final Principal canister = replica.createCanister(ME);

  void install(byte[] module) {
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(module), NONE);
  }

  /** Replies the global {@code g} as one byte from {@code canister_query g}. */
  static void replyGlobal(WasmBuilder w, int g, int append, int reply) {
    w.export("canister_query g", w.function(types(), types(), types(), new Code()
        .i32(0).globalGet(g).i32Store8().i32(0).i32(1).call(append).call(reply).end()));
  }

  @Test
  void install_importWithTheWrongType_refusedNamingTheSpecsType() {
    WasmBuilder w = new WasmBuilder();
    w.importFunction("ic0", "msg_reply", types(I32), types());
    w.memory(1);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> install(w.build()));
    assertTrue(e.rejectMessage().contains("ic0.msg_reply is imported with type (i32) -> ()"),
        e.getMessage());
    assertTrue(e.rejectMessage().contains("type () -> ()"), e.getMessage());
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  @Test
  void msgReply_inInit_trapsAndInstallFails() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    w.export("canister_init", w.function(types(), types(), types(), new Code()
        .call(reply).end()));
    w.memory(1);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> install(w.build()));
    assertTrue(e.rejectMessage().contains("ic0.msg_reply cannot be called from canister_init"),
        e.getMessage());
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  @Test
  void globalTimerSet_inQuery_traps() {
    WasmBuilder w = new WasmBuilder();
    int timer = w.importFunction("ic0", "global_timer_set", types(I64), types(I64));
    w.export("canister_query t", w.function(types(), types(), types(), new Code()
        .i64(1).call(timer).drop().end()));
    w.memory(1);
    install(w.build());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.query(canister, "t", NONE));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertTrue(e.rejectMessage().contains("ic0.global_timer_set cannot be called from a query"),
        e.getMessage());
  }

  @Test
  void callNew_calleeLongerThanAPrincipal_trapsAndRollsBack() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int callNew = w.importFunction("ic0", "call_new",
        types(I32, I32, I32, I32, I32, I32, I32, I32), types());
    int g = w.global(I32, true, 0);
    // g = 1, then call_new with a 30-byte callee (principals have at most 29 bytes).
    w.export("canister_update c", w.function(types(), types(), types(), new Code()
        .i32(1).globalSet(g)
        .i32(100).i32(30).i32(200).i32(1).i32(0).i32(0).i32(0).i32(0).call(callNew).end()));
    replyGlobal(w, g, append, reply);
    w.memory(1);
    install(w.build());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "c", NONE));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertTrue(e.rejectMessage().contains("ic0.call_new"), e.getMessage());
    assertArrayEquals(new byte[] {0}, agent.query(canister, "g", NONE));
  }

  @Test
  void msgReject_invalidUtf8_traps() {
    WasmBuilder w = new WasmBuilder();
    int reject = w.importFunction("ic0", "msg_reject", types(I32, I32), types());
    w.data(64, new byte[] {(byte) 0xff, (byte) 0xfe});
    w.export("canister_update r", w.function(types(), types(), types(), new Code()
        .i32(64).i32(2).call(reject).end()));
    w.memory(1);
    install(w.build());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "r", NONE));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertTrue(e.rejectMessage().contains("not valid UTF-8"), e.getMessage());
  }

  @Test
  void inReplicatedExecution_zeroInUserQuery_oneInUpdate() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int replicated = w.importFunction("ic0", "in_replicated_execution", types(), types(I32));
    Code body = new Code().i32(0).call(replicated).i32Store8().i32(0).i32(1).call(append)
        .call(reply).end();
    w.export("canister_query q", w.function(types(), types(), types(), body));
    w.export("canister_update u", w.function(types(), types(), types(), body));
    w.memory(1);
    install(w.build());
    assertArrayEquals(new byte[] {0}, agent.query(canister, "q", NONE));
    assertArrayEquals(new byte[] {1}, agent.update(canister, "u", NONE));
  }

  @Test
  void trap_afterMemoryGrow_memorySizeAndPagesBack() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int trap = w.importFunction("ic0", "trap", types(I32, I32), types());
    // grow by 2 pages, write into a new page and into byte 0, then trap.
    w.export("canister_update grow_then_trap", w.function(types(), types(), types(), new Code()
        .i32(2).memoryGrow().drop()
        .i32(65_536 + 5).i32(9).i32Store8()
        .i32(0).i32(9).i32Store8()
        .i32(0).i32(0).call(trap).end()));
    // replies <pages><byte 0>
    w.export("canister_query look", w.function(types(), types(), types(), new Code()
        .i32(1).memorySize().i32Store8().i32(0).i32(2).call(append).call(reply).end()));
    w.memory(1);
    install(w.build());
    assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "grow_then_trap", NONE));
    assertArrayEquals(new byte[] {0, 1}, agent.query(canister, "look", NONE));
  }

  /**
   * {@code canister_inspect_message} accepts only method "yes" (by its name's first byte) and
   * counts its runs in a global that {@code runs} replies.
   */
  static byte[] inspecting() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int nameSize = w.importFunction("ic0", "msg_method_name_size", types(), types(I32));
    int nameCopy = w.importFunction("ic0", "msg_method_name_copy", types(I32, I32, I32),
        types());
    int accept = w.importFunction("ic0", "accept_message", types(), types());
    int runs = w.global(I32, true, 0);
    w.export("canister_inspect_message", w.function(types(), types(), types(), new Code()
        .globalGet(runs).i32(1).i32Add().globalSet(runs)
        .i32(100).i32(0).call(nameSize).call(nameCopy)
        .i32(100).i32Load8u().i32('y').i32Sub().i32Eqz().ifThen().call(accept).end()
        .end()));
    Code ok = new Code().i32(0).i32(0).call(append).call(reply).end();
    w.export("canister_update yes", w.function(types(), types(), types(), ok));
    w.export("canister_update no", w.function(types(), types(), types(), ok));
    replyGlobal(w, runs, append, reply);
    w.memory(1);
    return w.build();
  }

  @Test
  void inspectMessage_acceptsByMethodName_changesNothing() {
    install(inspecting());
    assertArrayEquals(new byte[0], agent.update(canister, "yes", NONE));
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "no", NONE));
    assertEquals(RejectCode.CANISTER_REJECT, e.rejectCode());
    assertTrue(e.rejectMessage().contains("did not call ic0.accept_message"), e.getMessage());
    assertArrayEquals(new byte[] {0}, agent.query(canister, "g", NONE));
  }

  /**
   * {@code canister_inspect_message} accepts a message whose argument's first byte is 'y' (read
   * with msg_arg_data_copy), and only if msg_arg_data_size says it has 3 bytes.
   */
  static byte[] inspectingArgument() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int argSize = w.importFunction("ic0", "msg_arg_data_size", types(), types(I32));
    int argCopy = w.importFunction("ic0", "msg_arg_data_copy", types(I32, I32, I32), types());
    int accept = w.importFunction("ic0", "accept_message", types(), types());
    w.export("canister_inspect_message", w.function(types(), types(), types(), new Code()
        .call(argSize).i32(3).i32Sub().i32Eqz().ifThen()
        .i32(100).i32(0).i32(3).call(argCopy)
        .i32(100).i32Load8u().i32('y').i32Sub().i32Eqz().ifThen().call(accept).end()
        .end()
        .end()));
    w.export("canister_update m", w.function(types(), types(), types(),
        new Code().i32(0).i32(0).call(append).call(reply).end()));
    w.memory(1);
    return w.build();
  }

  @Test
  void inspectMessage_readsTheArgument_acceptsByIt() {
    install(inspectingArgument());
    assertArrayEquals(new byte[0], agent.update(canister, "m", new byte[] {'y', 'e', 's'}));
    for (byte[] refused : new byte[][] {{'n', 'o', 'o'}, {'y', 'e'}, {'y', 'e', 's', 's'}}) {
      CanisterRejectException e = assertThrows(CanisterRejectException.class,
          () -> agent.update(canister, "m", refused));
      assertTrue(e.rejectMessage().contains("did not call ic0.accept_message"), e.getMessage());
    }
  }

  @Test
  void msgMethodName_outsideInspectMessage_traps() {
    WasmBuilder w = new WasmBuilder();
    int nameSize = w.importFunction("ic0", "msg_method_name_size", types(), types(I32));
    w.export("canister_update m", w.function(types(), types(), types(), new Code()
        .call(nameSize).drop().end()));
    w.memory(1);
    install(w.build());
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "m", NONE));
    assertTrue(e.rejectMessage().contains(
        "ic0.msg_method_name_size cannot be called from an update method"), e.getMessage());
  }

  @Test
  void startFunction_runsBeforeInit() {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int g = w.global(I32, true, 0);
    // start sets g to 40; init adds 2 (so it sees start's 40).
    int start = w.function(types(), types(), types(), new Code().i32(40).globalSet(g).end());
    w.export("canister_init", w.function(types(), types(), types(), new Code()
        .globalGet(g).i32(2).i32Add().globalSet(g).end()));
    replyGlobal(w, g, append, reply);
    w.start(start);
    w.memory(1);
    install(w.build());
    assertArrayEquals(new byte[] {42}, agent.query(canister, "g", NONE));
  }

  @Test
  void startFunction_callingAFunctionNotMarkedS_trapsAndInstallFails() {
    WasmBuilder w = new WasmBuilder();
    int time = w.importFunction("ic0", "time", types(), types(I64));
    int start = w.function(types(), types(), types(), new Code().call(time).drop().end());
    w.start(start);
    w.memory(1);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> install(w.build()));
    assertTrue(e.rejectMessage().contains("ic0.time cannot be called from the (start) function"),
        e.getMessage());
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }
}
