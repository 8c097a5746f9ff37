package org.icupgrade.replica.internal;

import static org.icupgrade.replica.internal.SystemApi.i;
import static org.icupgrade.replica.internal.SystemApi.none;

import org.icupgrade.replica.internal.WasmCanister.Kind;
import org.icupgrade.replica.internal.WasmCanister.Trap;
import org.jspecify.annotations.Nullable;

/**
 * The ic0 functions of time, the global timer, the performance counter, certified data and data
 * certificates, debug printing and traps. Types and contexts are transcribed from the spec's
 * table, in its letters.
 */
final class Ic0System {
  private Ic0System() {}

  /**
   * Spec, "Certified data": a certificate of the canister's certified data is available in a
   * non-replicated query call only (not in updates, callbacks, or a query another canister calls,
   * which runs replicated); its tree holds {@code /canister/<id>/certified_data} and {@code
   * /time}. Here queries from users are the non-replicated ones. Made once per message.
   */
  private static byte @Nullable [] dataCertificate(SystemCall s) {
    if (s.msg().kind != Kind.QUERY || s.env().isCanister(s.msg().caller)) {
      return null;
    }
    if (s.msg().dataCertificate == null) {
      s.msg().dataCertificate = s.env().dataCertificate(s.canister().certifiedData());
    }
    return s.msg().dataCertificate;
  }

  private static byte[] present(SystemCall s) {
    byte[] c = dataCertificate(s);
    if (c == null) {
      throw new Trap("ic0." + s.name() + ": no data certificate is present (only non-replicated"
          + " queries have one; check data_certificate_present first)");
    }
    return c;
  }

  static void define(SystemApi.Table t) {
    t.def("time", "->i64", "*", (s, a) -> i(s.env().timeNanos()));
    // Spec, "Global timer": set the deadline (0 deactivates), return the previous one.
    t.def("global_timer_set", "i64->i64", "I G U Ry Rt C T",
        (s, a) -> i(s.canister().setTimer(a[0])));
    t.def("performance_counter", "i32->i64", "* s", (s, a) -> i(s.msg().instructions()));

    t.def("certified_data_set", "I,I->", "I G U Ry Rt T", (s, a) -> {
      if (a[1] > 32) {
        throw new Trap("certified_data_set: at most 32 bytes, got " + a[1]);
      }
      s.canister().certifiedData(s.mem().readBytes((int) a[0], (int) a[1]));
      return none();
    });
    t.def("data_certificate_present", "->i32", "*",
        (s, a) -> i(dataCertificate(s) != null ? 1 : 0));
    t.def("data_certificate_size", "->I", "NRQ CQ", (s, a) -> i(present(s).length));
    t.def("data_certificate_copy", "I,I,I->", "NRQ CQ", (s, a) -> s.copy(present(s), a));

    t.def("debug_print", "I,I->", "* s", (s, a) -> {
      s.env().debugPrint(s.mem().readString((int) a[0], (int) a[1]));
      return none();
    });
    t.def("trap", "I,I->", "* s", (s, a) -> {
      throw new Trap("Canister called `ic0.trap` with message: '"
          + s.mem().readString((int) a[0], (int) a[1]) + "'");
    });
  }
}
