package org.icupgrade.replica.internal;

import static org.icupgrade.replica.internal.SystemApi.i;

import java.util.HexFormat;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.internal.WasmCanister.Kind;
import org.icupgrade.replica.internal.WasmCanister.Trap;

/**
 * The ic0 functions that tell a canister about itself and where it runs: its id, cycles (a
 * fixed balance), status, version and controllers, the subnet, the root key, environment
 * variables (none) and the execution mode. Types and contexts are transcribed from the spec's
 * table, in its letters.
 */
final class Ic0Canister {
  private Ic0Canister() {}

  /** The id of the one subnet this replica simulates (an opaque id, as the IC's are). */
  static final byte[] SUBNET = {(byte) 0xd1, 0x5e, 0x1b, 0x5a, 0x7e, 0x00, 0x01, 0x02};

  /** The root key this replica reports (a BLS public key's DER prefix and a fixed body). */
  static final byte[] ROOT_KEY = rootKey();

  /** The cycle balance every canister has here. */
  private static final long CYCLES = 100_000_000_000_000L;

  static void define(SystemApi.Table t) {
    t.def("canister_self_size", "->I", "*", (s, a) -> i(s.env().self().length()));
    t.def("canister_self_copy", "I,I,I->", "*", (s, a) -> s.copy(s.env().self().toBytes(), a));
    t.def("canister_cycle_balance128", "I->", "*", (s, a) -> s.writeCycles(a[0], CYCLES));
    t.def("canister_liquid_cycle_balance128", "I->", "*", (s, a) -> s.writeCycles(a[0], CYCLES));
    // Only for 32-bit memories, which are the only ones here.
    t.def("canister_cycle_balance", "->i64", "*", (s, a) -> i(CYCLES));
    t.def("cycles_burn128", "i64,i64,I->", "I G U RQ Ry Rt C T", SystemApi.NOT_PROVIDED);
    t.def("canister_status", "->i32", "*", (s, a) -> i(1)); // running
    t.def("canister_version", "->i64", "*", (s, a) -> i(s.canister().version()));
    t.def("is_controller", "I,I->i32", "* s", (s, a) -> {
      byte[] p = s.mem().readBytes((int) a[0], (int) a[1]);
      return i(s.env().isController(Principal.fromBytes(p)) ? 1 : 0);
    });

    t.def("subnet_self_size", "->I", "*", (s, a) -> i(SUBNET.length));
    t.def("subnet_self_copy", "I,I,I->", "*", (s, a) -> s.copy(SUBNET, a));
    // Not in the spec's table this replica follows; given to every entry point like the
    // canister id, since toolchains that verify certificates import it.
    t.def("root_key_size", "->I", "*", (s, a) -> i(ROOT_KEY.length));
    t.def("root_key_copy", "I,I,I->", "*", (s, a) -> s.copy(ROOT_KEY, a));
    // Spec, "Replicated and Non-Replicated execution mode": queries from users run on one
    // node; everything else here is as if replicated.
    t.def("in_replicated_execution", "->i32", "* s",
        (s, a) -> i(s.msg().kind == Kind.QUERY && !s.env().isCanister(s.msg().caller) ? 0 : 1));

    t.def("env_var_count", "->I", "*", (s, a) -> i(0));
    // Not in the spec's table this replica follows: linked with whatever type it is imported with.
    t.unlisted("env_var_name_exists", (s, a) -> i(0));
    SystemApi.Handler noVariables = (s, a) -> {
      throw new Trap("ic0." + s.name() + ": this canister has no environment variables");
    };
    t.def("env_var_name_size", "I->I", "*", noVariables);
    t.def("env_var_name_copy", "I,I,I,I->", "*", noVariables);
    t.def("env_var_value_size", "I,I->I", "*", noVariables);
    t.def("env_var_value_copy", "I,I,I,I,I->", "*", noVariables);
  }

  private static byte[] rootKey() {
    byte[] k = new byte[133];
    byte[] prefix = HexFormat.of()
        .parseHex("308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");
    System.arraycopy(prefix, 0, k, 0, prefix.length);
    for (int i = prefix.length; i < k.length; i++) {
      k[i] = (byte) i;
    }
    return k;
  }
}
