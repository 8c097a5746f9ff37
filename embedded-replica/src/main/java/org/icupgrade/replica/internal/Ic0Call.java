package org.icupgrade.replica.internal;

import static org.icupgrade.replica.internal.SystemApi.i;
import static org.icupgrade.replica.internal.SystemApi.none;

import java.io.ByteArrayOutputStream;
import org.icupgrade.core.Principal;

/**
 * The ic0 functions that make inter-canister calls ({@code call_new} ... {@code call_perform}),
 * which the replica delivers after the message, and those that tell what calls and other
 * services cost. Types and contexts are transcribed from the spec's table, in its letters.
 */
final class Ic0Call {
  private Ic0Call() {}

  static void define(SystemApi.Table t) {
    t.def("call_new", "I,I,I,I,I,I,I,I->", "U CQ Ry Rt CRy CRt T", (s, a) -> {
      s.requireIn(SystemCall.CALLING);
      MessageState m = s.msg();
      m.newCallee = Principal.fromBytes(s.mem().readBytes((int) a[0], (int) a[1]));
      m.newMethod = s.utf8(a[2], a[3]);
      m.newArg = new ByteArrayOutputStream();
      m.newCallbacks = new int[] {(int) a[4], (int) a[5], (int) a[6], (int) a[7], -1, 0};
      return none();
    });
    t.def("call_on_cleanup", "I,I->", "U CQ Ry Rt CRy CRt T", (s, a) -> {
      s.requirePending();
      s.msg().newCallbacks[4] = (int) a[0];
      s.msg().newCallbacks[5] = (int) a[1];
      return none();
    });
    t.def("call_data_append", "I,I->", "U CQ Ry Rt CRy CRt T", (s, a) -> {
      s.requirePending();
      s.msg().newArg.writeBytes(s.mem().readBytes((int) a[0], (int) a[1]));
      return none();
    });
    // No cycle accounting or deadlines in this replica; the call goes out as is.
    SystemApi.Handler asIs = (s, a) -> {
      s.requirePending();
      return none();
    };
    t.def("call_with_best_effort_response", "i32->", "U CQ Ry Rt CRy CRt T", asIs);
    t.def("call_cycles_add128", "i64,i64->", "U Ry Rt T", asIs);
    // Only for 32-bit memories, which are the only ones here.
    t.def("call_cycles_add", "i64->", "U Ry Rt T", asIs);
    t.def("call_perform", "->i32", "U CQ Ry Rt CRy CRt T", (s, a) -> {
      s.requirePending();
      MessageState m = s.msg();
      int[] cb = m.newCallbacks;
      m.outgoing.add(new WasmCanister.Outgoing(m.newCallee, m.newMethod, m.newArg.toByteArray(),
          cb[0], cb[1], cb[2], cb[3], cb[4], cb[5]));
      m.newCallee = null;
      return i(0);
    });

    // Spec, "Cycles cost": a base fee plus a fee per byte of method name and payload.
    t.def("cost_call", "i64,i64,I->", "* s",
        (s, a) -> s.writeCycles(a[2], 260_000L + 1_000L * (a[0] + a[1])));
    t.def("cost_create_canister", "I->", "* s", (s, a) -> s.writeCycles(a[0], 500_000_000_000L));
    t.def("cost_http_request", "i64,i64,I->", "* s",
        (s, a) -> s.writeCycles(a[2], 49_140_000L + 5_200L * a[0] + 10_400L * a[1]));
    SystemApi.Handler signing = (s, a) -> {
      s.writeCycles(a[3], 26_153_846_153L);
      return i(0);
    };
    t.def("cost_sign_with_ecdsa", "I,I,i32,I->i32", "* s", signing);
    t.def("cost_sign_with_schnorr", "I,I,i32,I->i32", "* s", signing);
    t.def("cost_vetkd_derive_key", "I,I,i32,I->i32", "* s", signing);
  }
}
