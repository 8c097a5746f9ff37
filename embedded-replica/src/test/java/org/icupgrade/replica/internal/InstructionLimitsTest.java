package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Clock;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * Per-kind instruction limits (spec, "Resource limits") at their boundaries: a message of exactly
 * its kind's limit runs, one instruction more traps with the IC's IC0522. The limits are small
 * so that nothing runs billions of instructions.
 */
class InstructionLimitsTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int LOOPS = 200;

  /** Counts local 0 down from {@code n} to 0. */
  static Code spin(int n) {
    return new Code().i32(n).localSet(0).loop()
        .localGet(0).i32(1).i32Sub().localSet(0).localGet(0).ifThen().br(1).end()
        .end();
  }

  /** Every entry point spins {@link #LOOPS} times; methods then reply, inspect accepts. */
  static byte[] module() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int accept = w.importFunction("ic0", "accept_message", types(), types());
    byte[] local = types(I32);
    w.export("canister_update work", w.function(types(), types(), local,
        spin(LOOPS).call(reply).end()));
    w.export("canister_query look", w.function(types(), types(), local,
        spin(LOOPS).call(reply).end()));
    w.export("canister_inspect_message", w.function(types(), types(), local,
        spin(LOOPS).call(accept).end()));
    for (String hook : new String[] {"canister_init", "canister_pre_upgrade",
        "canister_post_upgrade"}) {
      w.export(hook, w.function(types(), types(), local, spin(LOOPS).end()));
    }
    w.memory(1);
    return w.build();
  }

  static WasmCanister canister(InstructionLimits limits) {
    WasmCanister code = WasmCanister.instantiate(ModuleParser.parse(module()), false,
        new WasmCanister.Environment() {
      @Override
      public Principal self() {
        return ME;
      }

      @Override
      public boolean isController(Principal p) {
        return true;
      }

      @Override
      public long timeNanos() {
        return 0;
      }

      @Override
      public void debugPrint(String message) {}
    }, limits, EmbeddedReplica.DEFAULT_HEAP_BUDGET);
    code.start(ME, 0);
    return code;
  }

  /** What an update of the test module executes, measured under the IC's limits. */
  static long updateCost() {
    WasmCanister code = canister(InstructionLimits.IC);
    code.run(WasmCanister.Kind.UPDATE, "canister_update work", NONE, ME, "work");
    return code.lastInstructions();
  }

  @Test
  void updateAndQuery_eachHaveTheirOwnLimit() {
    long k = updateCost();
    assertTrue(k > LOOPS * 5, "the loop runs: " + k);
    WasmCanister code = canister(InstructionLimits.IC.withUpdate(k).withQuery(k - 1));
    code.run(WasmCanister.Kind.UPDATE, "canister_update work", NONE, ME, "work");
    assertEquals(k, code.lastInstructions());
    WasmCanister.Trap t = assertThrows(WasmCanister.Trap.class,
        () -> code.run(WasmCanister.Kind.QUERY, "canister_query look", NONE, ME, "look"));
    assertEquals("IC0522", t.errorCode());
    assertEquals("Canister exceeded the limit of " + (k - 1)
        + " instructions for single message execution.", t.getMessage());

    WasmCanister tight = canister(InstructionLimits.IC.withUpdate(k - 1).withQuery(k));
    tight.run(WasmCanister.Kind.QUERY, "canister_query look", NONE, ME, "look");
    assertThrows(WasmCanister.Trap.class,
        () -> tight.run(WasmCanister.Kind.UPDATE, "canister_update work", NONE, ME, "work"));
  }

  @Test
  void inspectMessage_hasItsOwnLimit() {
    WasmCanister measure = canister(InstructionLimits.IC);
    assertTrue(measure.inspect("work", NONE, ME));
    long k = measure.lastInstructions();
    assertTrue(canister(InstructionLimits.IC.withInspect(k)).inspect("work", NONE, ME));
    WasmCanister.Trap t = assertThrows(WasmCanister.Trap.class,
        () -> canister(InstructionLimits.IC.withInspect(k - 1)).inspect("work", NONE, ME));
    assertEquals("IC0522", t.errorCode());
  }

  @Test
  void replica_rejectsAnUpdateOverItsLimitWithIc0522AndKeepsNothing() {
    long k = updateCost();
    // The ingress update also runs canister_inspect_message, under its own limit.
    EmbeddedReplica replica = EmbeddedReplica.start(Clock.systemUTC(),
        InstructionLimits.IC.withUpdate(k - 1).withInspect(k));
    Principal canister = replica.createCanister(ME);
    CandidManagementCanister.over(replica.agentFor(ME))
        .installCode(canister, InstallMode.install(), ByteBuffer.wrap(module()), NONE);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> replica.agentFor(ME).update(canister, "work", NONE));
    assertEquals("IC0522", e.errorCode().orElseThrow());
    assertTrue(e.getMessage().contains("Canister exceeded the limit of " + (k - 1)
        + " instructions for single message execution."), e.getMessage());
    // The query of the same cost is under the IC's query limit.
    replica.agentFor(ME).query(canister, "look", NONE);
  }

  @Test
  void install_countsStartInitPreAndPostUpgradeTogether() {
    WasmCanister measure = canister(InstructionLimits.IC);
    measure.runHook(WasmCanister.Kind.INIT, "canister_init", NONE, ME, 0);
    long init = measure.lastInstructions();
    measure.runHook(WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", NONE, ME, init);
    long two = measure.lastInstructions();
    assertTrue(two > init, "pre_upgrade adds to the count");
    long upgrade = two; // pre_upgrade and post_upgrade run the same loop as init

    // Exactly the upgrade's cost: install and upgrade both go through.
    EmbeddedReplica enough = EmbeddedReplica.start(Clock.systemUTC(),
        InstructionLimits.IC.withInstall(upgrade));
    Principal a = enough.createCanister(ME);
    ManagementCanister ic = CandidManagementCanister.over(enough.agentFor(ME));
    ic.installCode(a, InstallMode.install(), ByteBuffer.wrap(module()), NONE);
    ic.installCode(a, InstallMode.upgrade(), ByteBuffer.wrap(module()), NONE);

    // One less: each hook alone fits, but pre_upgrade and post_upgrade together do not.
    EmbeddedReplica tight = EmbeddedReplica.start(Clock.systemUTC(),
        InstructionLimits.IC.withInstall(upgrade - 1));
    Principal b = tight.createCanister(ME);
    ManagementCanister ic2 = CandidManagementCanister.over(tight.agentFor(ME));
    ic2.installCode(b, InstallMode.install(), ByteBuffer.wrap(module()), NONE);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> ic2.installCode(b, InstallMode.upgrade(), ByteBuffer.wrap(module()), NONE));
    assertEquals("IC0522", e.errorCode().orElseThrow());
    assertTrue(e.getMessage().contains("canister_post_upgrade"), e.getMessage());
    assertTrue(e.getMessage().contains("limit of " + (upgrade - 1)), e.getMessage());

    // Install itself at its boundary.
    EmbeddedReplica initOnly = EmbeddedReplica.start(Clock.systemUTC(),
        InstructionLimits.IC.withInstall(init - 1));
    Principal c = initOnly.createCanister(ME);
    CanisterRejectException e2 = assertThrows(CanisterRejectException.class,
        () -> CandidManagementCanister.over(initOnly.agentFor(ME))
            .installCode(c, InstallMode.install(), ByteBuffer.wrap(module()), NONE));
    assertEquals("IC0522", e2.errorCode().orElseThrow());
    assertFalse(initOnly.moduleHash(c).isPresent(), "a failed install leaves the canister empty");
  }

  @Test
  void limits_arePositiveAndUniformGivesEveryKindTheSame() {
    assertThrows(IllegalArgumentException.class, () -> InstructionLimits.uniform(0));
    assertThrows(IllegalArgumentException.class,
        () -> InstructionLimits.IC.withQuery(-1));
    InstructionLimits u = InstructionLimits.uniform(7);
    assertEquals(new InstructionLimits(7, 7, 7, 7), u);
    WasmCanister code = canister(u);
    assertEquals(7, code.limitOf(WasmCanister.Kind.POST_UPGRADE));
    assertEquals(7, code.limitOf(WasmCanister.Kind.REPLY_CALLBACK));
    WasmCanister ic = canister(InstructionLimits.IC);
    assertEquals(InstructionLimits.IC.install(), ic.limitOf(WasmCanister.Kind.START));
    assertEquals(InstructionLimits.IC.update(), ic.limitOf(WasmCanister.Kind.TIMER));
    assertEquals(InstructionLimits.IC.query(), ic.limitOf(WasmCanister.Kind.QUERY));
    assertEquals(InstructionLimits.IC.inspect(), ic.limitOf(WasmCanister.Kind.INSPECT));
  }
}
