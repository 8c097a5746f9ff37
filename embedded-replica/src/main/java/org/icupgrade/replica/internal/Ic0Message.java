package org.icupgrade.replica.internal;

import static org.icupgrade.replica.internal.SystemApi.i;
import static org.icupgrade.replica.internal.SystemApi.none;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import org.icupgrade.replica.internal.WasmCanister.Kind;
import org.icupgrade.replica.internal.WasmCanister.Trap;

/**
 * The ic0 functions of the message being run: its argument, caller and method name, the reply or
 * reject, the reject a callback got, the cycles that came with it (none, here) and ingress
 * message inspection. Types and contexts are transcribed from the spec's table, in its letters.
 */
final class Ic0Message {
  private static final Set<Kind> REJECT_CALLBACK = EnumSet.of(Kind.REJECT_CALLBACK);

  private Ic0Message() {}

  static void define(SystemApi.Table t) {
    t.def("msg_arg_data_size", "->I", "I U RQ NRQ CQ Ry CRy F", (s, a) -> {
      s.requireIn(SystemCall.WITH_ARGUMENT);
      return i(s.msg().arg.length);
    });
    t.def("msg_arg_data_copy", "I,I,I->", "I U RQ NRQ CQ Ry CRy F", (s, a) -> {
      s.requireIn(SystemCall.WITH_ARGUMENT);
      return s.copy(s.msg().arg, a);
    });
    t.def("msg_caller_size", "->I", "*", (s, a) -> i(s.msg().caller.length()));
    t.def("msg_caller_copy", "I,I,I->", "*", (s, a) -> s.copy(s.msg().caller.toBytes(), a));
    t.def("msg_method_name_size", "->I", "F",
        (s, a) -> i(s.msg().method.getBytes(StandardCharsets.UTF_8).length));
    t.def("msg_method_name_copy", "I,I,I->", "F",
        (s, a) -> s.copy(s.msg().method.getBytes(StandardCharsets.UTF_8), a));

    t.def("msg_reply_data_append", "I,I->", "U RQ NRQ CQ Ry Rt CRy CRt", (s, a) -> {
      s.requireReplyable();
      s.msg().call.reply.writeBytes(s.mem().readBytes((int) a[0], (int) a[1]));
      return none();
    });
    t.def("msg_reply", "->", "U RQ NRQ CQ Ry Rt CRy CRt", (s, a) -> {
      s.requireReplyable();
      s.msg().call.replied = true;
      return none();
    });
    t.def("msg_reject", "I,I->", "U RQ NRQ CQ Ry Rt CRy CRt", (s, a) -> {
      s.requireReplyable();
      s.msg().call.reject = s.utf8(a[0], a[1]);
      return none();
    });
    // Spec, "Method arguments": 0 means no deadline; every call here waits for its answer.
    t.def("msg_deadline", "->i64", "U RQ NRQ CQ Ry Rt CRy CRt", (s, a) -> i(0));

    t.def("msg_reject_code", "->i32", "Ry Rt CRy CRt",
        (s, a) -> i(s.msg().kind == Kind.REJECT_CALLBACK ? s.msg().rejectCode : 0));
    t.def("msg_reject_msg_size", "->I", "Rt CRt", (s, a) -> {
      s.requireIn(REJECT_CALLBACK);
      return i(s.msg().rejectMessage.getBytes(StandardCharsets.UTF_8).length);
    });
    t.def("msg_reject_msg_copy", "I,I,I->", "Rt CRt", (s, a) -> {
      s.requireIn(REJECT_CALLBACK);
      return s.copy(s.msg().rejectMessage.getBytes(StandardCharsets.UTF_8), a);
    });

    // No cycles travel with calls in this replica, so none are available or refunded.
    t.def("msg_cycles_available128", "I->", "U RQ Rt Ry", (s, a) -> s.writeCycles(a[0], 0));
    t.def("msg_cycles_refunded128", "I->", "Rt Ry", (s, a) -> s.writeCycles(a[0], 0));
    t.def("msg_cycles_accept128", "i64,i64,I->", "U RQ Rt Ry", (s, a) -> s.writeCycles(a[2], 0));
    // Only for 32-bit memories, which are the only ones here.
    t.def("msg_cycles_available", "->i64", "U RQ Rt Ry", (s, a) -> i(0));
    t.def("msg_cycles_refunded", "->i64", "Rt Ry", (s, a) -> i(0));
    t.def("msg_cycles_accept", "i64->i64", "U RQ Rt Ry", (s, a) -> i(0));

    t.def("accept_message", "->", "F", (s, a) -> {
      // Spec, "Ingress message inspection": traps if invoked twice.
      if (s.msg().accepted) {
        throw new Trap("ic0.accept_message called twice");
      }
      s.msg().accepted = true;
      return none();
    });
  }
}
