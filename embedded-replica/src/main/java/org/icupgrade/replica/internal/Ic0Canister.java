package org.icupgrade.replica.internal;

import static org.icupgrade.replica.internal.SystemApi.i;

import java.math.BigInteger;
import java.util.HexFormat;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.internal.WasmCanister.Kind;
import org.icupgrade.replica.internal.WasmCanister.Trap;

/**
 * The ic0 functions that tell a canister about itself and where it runs: its id, cycles (its
 * balance, liquid balance and burning), status, version and controllers, the subnet, the root
 * key, environment variables (none) and the execution mode. Types and contexts are transcribed from the spec's
 * table, in its letters.
 */
final class Ic0Canister {
  private Ic0Canister() {}

  /** The id of the one subnet this replica simulates (an opaque id, as the IC's are). */
  static final byte[] SUBNET = {(byte) 0xd1, 0x5e, 0x1b, 0x5a, 0x7e, 0x00, 0x01, 0x02};

  /** The root key this replica reports (a BLS public key's DER prefix and a fixed body). */
  static final byte[] ROOT_KEY = rootKey();

  /**
   * The IC's idle fees on an application subnet (dfinity/ic rs/config/src/subnet_config.rs:
   * {@code gib_storage_per_second_fee} 317,500 and {@code base_per_second_fee} 10,000 cycles),
   * from which the freezing limit below is computed.
   */
  static final long GIB_STORAGE_PER_SECOND_FEE = 317_500L;

  static final long BASE_PER_SECOND_FEE = 10_000L;

  private static final BigInteger U64 = BigInteger.ONE.shiftLeft(64);

  static void define(SystemApi.Table t) {
    t.def("canister_self_size", "->I", "*", (s, a) -> i(s.env().self().length()));
    t.def("canister_self_copy", "I,I,I->", "*", (s, a) -> s.copy(s.env().self().toBytes(), a));
    t.def("canister_cycle_balance128", "I->", "*",
        (s, a) -> s.writeCycles128(a[0], balance(s)));
    t.def("canister_liquid_cycle_balance128", "I->", "*",
        (s, a) -> s.writeCycles128(a[0], liquid(s)));
    // Only for 32-bit memories, which are the only ones here.
    t.def("canister_cycle_balance", "->i64", "*", (s, a) -> {
      BigInteger b = balance(s);
      if (b.compareTo(U64) >= 0) {
        // The IC's TrapCode::CyclesAmountTooBigFor64Bit.
        throw new Trap("Canister trapped: cycles amount exceeds 64-bit representation");
      }
      return i(b.longValue());
    });
    // Spec, "Cycles": cycles_burn128 burns min(amount, liquid balance) and writes the amount
    // burnt to dst; it never traps. The burn is part of the execution: it rolls back on a trap.
    t.def("cycles_burn128", "i64,i64,I->", "I G U RQ Ry Rt C T", (s, a) -> {
      BigInteger amount = new BigInteger(Long.toUnsignedString(a[0])).shiftLeft(64)
          .or(new BigInteger(Long.toUnsignedString(a[1])));
      BigInteger burnt = amount.min(liquid(s));
      s.msg().cyclesBurned = s.msg().cyclesBurned.add(burnt);
      return s.writeCycles128(a[2], burnt);
    });
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

  /** The balance as the running execution sees it: less what it burnt so far. */
  private static BigInteger balance(SystemCall s) {
    return s.env().cycleBalance().subtract(s.msg().cyclesBurned).max(BigInteger.ZERO);
  }

  /**
   * Spec, "Cycles": {@code liquid_balance(balance, reserved_balance, freezing_limit)}, the cycles
   * available for spending: the balance less the freezing limit (no cycles are reserved here).
   * The freezing limit is what the canister burns idle during its freezing threshold: the IC's
   * base fee plus its storage fee on the canister's main and stable memory, per second, times
   * the threshold in seconds.
   */
  static BigInteger liquid(SystemCall s) {
    return balance(s).subtract(freezingLimit(s)).max(BigInteger.ZERO);
  }

  static BigInteger freezingLimit(SystemCall s) {
    long pages = (s.mem() == null ? 0 : s.mem().pages()) + s.canister().stable().pages();
    long bytes = pages * WasmCanister.PAGE;
    BigInteger perSecondTimesGib = BigInteger.valueOf(bytes)
        .multiply(BigInteger.valueOf(GIB_STORAGE_PER_SECOND_FEE))
        .add(BigInteger.valueOf(BASE_PER_SECOND_FEE).shiftLeft(30));
    return perSecondTimesGib.multiply(BigInteger.valueOf(s.env().freezingThresholdSeconds()))
        .shiftRight(30);
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
