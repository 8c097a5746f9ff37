package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * {@code ic0.cycles_burn128} (spec, "Cycles"): it burns at most the amount asked for and at most
 * the liquid balance, which keeps the freezing limit; writes what it burnt; never traps; and a
 * message that traps burns nothing.
 */
class CyclesBurnTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 9});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final BigInteger START = BigInteger.valueOf(1_000_000_000_000L);
  static final int ARG = 1024;
  static final int OUT = 100;

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final ManagementCanister ic = CandidManagementCanister.over(agent);

  /**
   * {@code burn} takes 16 bytes (the amount, low and high 64 bits little-endian) and replies the
   * 16 bytes cycles_burn128 wrote; {@code burn_and_trap} burns so, then traps; the queries {@code
   * balance} and {@code liquid} reply canister_cycle_balance128 and
   * canister_liquid_cycle_balance128.
   */
  static byte[] module() {
    return module(false, false);
  }

  /**
   * {@link #module()}, with a {@code canister_pre_upgrade} that burns {@link #HOOK_BURN} cycles
   * when {@code burnInPreUpgrade}, and a {@code canister_post_upgrade} that traps when {@code
   * trapInPostUpgrade}.
   */
  static byte[] module(boolean burnInPreUpgrade, boolean trapInPostUpgrade) {
    WasmBuilder w = new WasmBuilder();
    int argCopy = w.importFunction("ic0", "msg_arg_data_copy", types(I32, I32, I32), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int burn = w.importFunction("ic0", "cycles_burn128", types(I64, I64, I32), types());
    int balance = w.importFunction("ic0", "canister_cycle_balance128", types(I32), types());
    int liquid = w.importFunction("ic0", "canister_liquid_cycle_balance128", types(I32),
        types());
    Code burnArg = new Code()
        .i32(ARG).i32(0).i32(16).call(argCopy)
        .i32(ARG + 8).i64Load().i32(ARG).i64Load().i32(OUT).call(burn);
    w.export("canister_update burn", w.function(types(), types(), types(), new Code()
        .append(burnArg).i32(OUT).i32(16).call(append).call(reply).end()));
    w.export("canister_update burn_and_trap", w.function(types(), types(), types(), new Code()
        .append(new Code()
            .i32(ARG).i32(0).i32(16).call(argCopy)
            .i32(ARG + 8).i64Load().i32(ARG).i64Load().i32(OUT).call(burn))
        .op(0x00).end()));
    w.export("canister_query balance", w.function(types(), types(), types(), new Code()
        .i32(OUT).call(balance).i32(OUT).i32(16).call(append).call(reply).end()));
    w.export("canister_query liquid", w.function(types(), types(), types(), new Code()
        .i32(OUT).call(liquid).i32(OUT).i32(16).call(append).call(reply).end()));
    if (burnInPreUpgrade) {
      w.export("canister_pre_upgrade", w.function(types(), types(), types(), new Code()
          .i64(0).i64(HOOK_BURN).i32(OUT).call(burn).end()));
    }
    if (trapInPostUpgrade) {
      w.export("canister_post_upgrade", w.function(types(), types(), types(), new Code()
          .op(0x00).end()));
    }
    w.memory(1);
    return w.build();
  }

  static final long HOOK_BURN = 7_000;

  Principal canister(CanisterSettings settings) {
    Principal id = ic.provisionalCreateCanisterWithCycles(START, settings, null);
    ic.installCode(id, InstallMode.install(), ByteBuffer.wrap(module()), NONE);
    return id;
  }

  static byte[] amount(BigInteger cycles) {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(cycles.longValue()).putLong(cycles.shiftRight(64).longValue());
    return b.array();
  }

  static BigInteger cycles(byte[] le16) {
    assertEquals(16, le16.length);
    byte[] be = new byte[17];
    for (int i = 0; i < 16; i++) {
      be[16 - i] = le16[i];
    }
    return new BigInteger(be);
  }

  BigInteger burn(Principal id, BigInteger amount) {
    return cycles(agent.update(id, "burn", amount(amount)));
  }

  BigInteger query(Principal id, String method) {
    return cycles(agent.query(id, method, NONE));
  }

  @Test
  void burn_belowLiquidBalance_burnsTheAmount_balanceDrops() {
    Principal id = canister(CanisterSettings.empty());
    assertEquals(START, query(id, "balance"));
    assertEquals(BigInteger.valueOf(1_000), burn(id, BigInteger.valueOf(1_000)));
    assertEquals(START.subtract(BigInteger.valueOf(1_000)), query(id, "balance"));
    assertEquals(START.subtract(BigInteger.valueOf(1_000)), ic.canisterStatus(id).cycles());
  }

  @Test
  void burn_aboveLiquidBalance_stopsAtTheFreezingLimit() {
    Principal id = canister(CanisterSettings.empty());
    BigInteger liquid = query(id, "liquid");
    assertTrue(liquid.signum() > 0 && liquid.compareTo(START) < 0, liquid.toString());
    // 2^100: the high half counts.
    BigInteger burnt = burn(id, BigInteger.ONE.shiftLeft(100));
    assertEquals(liquid, burnt);
    BigInteger frozen = START.subtract(liquid);
    assertEquals(frozen, query(id, "balance"));
    assertEquals(BigInteger.ZERO, query(id, "liquid"));
    assertEquals(BigInteger.ZERO, burn(id, BigInteger.TEN));
    assertEquals(frozen, query(id, "balance"));
  }

  @Test
  void burn_freezingThresholdZero_burnsTheWholeBalance() {
    Principal id = canister(CanisterSettings.builder().freezingThreshold(BigInteger.ZERO).build());
    assertEquals(START, burn(id, BigInteger.ONE.shiftLeft(64)));
    assertEquals(BigInteger.ZERO, query(id, "balance"));
  }

  @Test
  void burn_longerFreezingThreshold_keepsMore() {
    Principal day = canister(CanisterSettings.builder()
        .freezingThreshold(BigInteger.valueOf(86_400)).build());
    Principal month = canister(CanisterSettings.builder()
        .freezingThreshold(BigInteger.valueOf(30 * 86_400)).build());
    burn(day, START);
    burn(month, START);
    BigInteger keptDay = query(day, "balance");
    BigInteger keptMonth = query(month, "balance");
    assertTrue(keptDay.signum() > 0, keptDay.toString());
    // The freezing limit is linear in the threshold (up to rounding).
    assertTrue(keptMonth.subtract(keptDay.multiply(BigInteger.valueOf(30))).abs()
        .compareTo(BigInteger.valueOf(30)) <= 0, keptDay + " " + keptMonth);
  }

  @Test
  void burn_messageTraps_nothingBurnt() {
    Principal id = canister(CanisterSettings.empty());
    assertThrows(CanisterRejectException.class,
        () -> agent.update(id, "burn_and_trap", amount(BigInteger.valueOf(5_000))));
    assertEquals(START, query(id, "balance"));
  }

  @Test
  void burnInPreUpgrade_postUpgradeTraps_theFailedUpgradeBurnsNothing() {
    Principal id = ic.provisionalCreateCanisterWithCycles(START, CanisterSettings.empty(), null);
    ic.installCode(id, InstallMode.install(), ByteBuffer.wrap(module(true, false)), NONE);
    // Spec, "IC method install_code": a failed install leaves the canister as it was, and the
    // burn in pre_upgrade is part of that install.
    assertThrows(CanisterRejectException.class, () -> ic.installCode(id, InstallMode.upgrade(),
        ByteBuffer.wrap(module(true, true)), NONE));
    assertEquals(START, query(id, "balance"));
    // The same hook in an upgrade that succeeds burns.
    ic.installCode(id, InstallMode.upgrade(), ByteBuffer.wrap(module(true, false)), NONE);
    assertEquals(START.subtract(BigInteger.valueOf(HOOK_BURN)), query(id, "balance"));
  }
}
