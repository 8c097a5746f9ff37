package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/** Canisters calling canisters: another one, themselves, and the management canister. */
class InterCanisterCallTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int ARG = 1024;

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final ManagementCanister ic = CandidManagementCanister.over(agent);

  /**
   * A relay: {@code relay} takes {@code <n><callee (n bytes)><m><method (m bytes)><payload>},
   * calls callee.method(payload), and answers the original caller with the callee's reply (reply
   * callback) or with a reject carrying the callee's reject message (reject callback).
   * {@code pong} replies "pong".
   */
  static byte[] relay() {
    WasmBuilder w = new WasmBuilder();
    int argSize = w.importFunction("ic0", "msg_arg_data_size", types(), types(I32));
    int argCopy = w.importFunction("ic0", "msg_arg_data_copy", types(I32, I32, I32), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int reject = w.importFunction("ic0", "msg_reject", types(I32, I32), types());
    int rejectSize = w.importFunction("ic0", "msg_reject_msg_size", types(), types(I32));
    int rejectCopy = w.importFunction("ic0", "msg_reject_msg_copy", types(I32, I32, I32),
        types());
    int callNew = w.importFunction("ic0", "call_new",
        types(I32, I32, I32, I32, I32, I32, I32, I32), types());
    int callAppend = w.importFunction("ic0", "call_data_append", types(I32, I32), types());
    int callPerform = w.importFunction("ic0", "call_perform", types(), types(I32));
    // locals: 0 total size, 1 n, 2 m
    int onReply = w.function(types(I32), types(), types(I32), new Code()
        .call(argSize).localSet(1)
        .i32(ARG).i32(0).localGet(1).call(argCopy)
        .i32(ARG).localGet(1).call(append).call(reply).end());
    int onReject = w.function(types(I32), types(), types(I32), new Code()
        .call(rejectSize).localSet(1)
        .i32(ARG).i32(0).localGet(1).call(rejectCopy)
        .i32(ARG).localGet(1).call(reject).end());
    w.export("canister_update relay", w.function(types(), types(), types(I32, I32, I32),
        new Code()
            .call(argSize).localSet(0)
            .i32(ARG).i32(0).localGet(0).call(argCopy)
            .i32(ARG).i32Load8u().localSet(1)
            .i32(ARG + 1).localGet(1).i32Add().i32Load8u().localSet(2)
            // call_new(callee, n, method, m, reply 0, env 0, reject 1, env 0)
            .i32(ARG + 1).localGet(1)
            .i32(ARG + 2).localGet(1).i32Add().localGet(2)
            .i32(0).i32(0).i32(1).i32(0).call(callNew)
            // payload: from ARG + 2 + n + m, size total - 2 - n - m
            .i32(ARG + 2).localGet(1).i32Add().localGet(2).i32Add()
            .localGet(0).i32(2).i32Sub().localGet(1).i32Sub().localGet(2).i32Sub()
            .call(callAppend)
            .call(callPerform).drop()
            .end()));
    w.export("canister_update pong", w.function(types(), types(), types(), new Code()
        .i32(512).i32(4).call(append).call(reply).end()));
    w.data(512, "pong".getBytes(StandardCharsets.UTF_8));
    w.table(onReply, onReject);
    w.memory(2);
    return w.build();
  }

  static byte[] relayArg(Principal callee, String method, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(callee.length());
    b.writeBytes(callee.toBytes());
    byte[] m = method.getBytes(StandardCharsets.UTF_8);
    b.write(m.length);
    b.writeBytes(m);
    b.writeBytes(payload);
    return b.toByteArray();
  }

  Principal install(byte[] module, Principal... controllers) {
    Principal id = replica.createCanister(controllers);
    ic.installCode(id, InstallMode.install(), ByteBuffer.wrap(module), NONE);
    return id;
  }

  @Test
  void call_anotherCanister_replyRelayed() {
    Principal target = install(DemoCanisters.targetV1(), ME);
    Principal relay = install(relay(), ME);
    byte[] r = agent.update(relay, "relay",
        relayArg(target, "greet", DemoCanisters.candidText("Relay")));
    assertArrayEquals(DemoCanisters.candidText("Hello, Relay!"), r);
  }

  @Test
  void call_missingMethod_rejectCallbackCarriesTheMessage() {
    Principal target = install(DemoCanisters.targetV1(), ME);
    Principal relay = install(relay(), ME);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(relay, "relay", relayArg(target, "nope", NONE)));
    assertEquals(RejectCode.CANISTER_REJECT, e.rejectCode());
    assertTrue(e.rejectMessage().contains("nope"), e.getMessage());
  }

  @Test
  void call_itself_works() {
    Principal relay = install(relay(), ME);
    byte[] r = agent.update(relay, "relay", relayArg(relay, "pong", NONE));
    assertArrayEquals("pong".getBytes(StandardCharsets.UTF_8), r);
  }

  @Test
  void call_managementCanister_asController() {
    Principal relay = install(relay(), ME);
    Principal target = replica.createCanister(ME);
    ic.updateSettings(target, CanisterSettings.ofControllers(List.of(ME, relay)));
    byte[] r = agent.update(relay, "relay", relayArg(Principal.MANAGEMENT_CANISTER,
        "canister_status", ManagementCandid.encodeCanisterIdArgs(target)));
    CanisterStatus status = ManagementCandid.decodeCanisterStatusResult(r);
    assertEquals(List.of(ME, relay), status.controllers());
    // and refused where the canister is no controller
    Principal foreign = replica.createCanister(ME);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(relay, "relay", relayArg(Principal.MANAGEMENT_CANISTER,
            "canister_status", ManagementCandid.encodeCanisterIdArgs(foreign))));
    assertTrue(e.rejectMessage().contains("Only controllers"), e.getMessage());
  }
}
