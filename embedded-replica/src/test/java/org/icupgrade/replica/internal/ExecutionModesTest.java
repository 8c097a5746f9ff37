package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.DemoCanisters;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compiled (instrumented with {@link Metering}'s counter, compiled by Chicory's compiler) and
 * interpreted (the module as installed, every instruction counted by the interpreter's listener)
 * runs of the same modules give the same replies, the same traps and the same instruction
 * counts. The one difference, asserted as such: a run that traps part way through a straight-line
 * block (a memory access out of bounds) is charged the whole block in compiled mode, as on the
 * IC, so its count is at least the interpreter's, never less; and Chicory's compiled code words
 * that trap with more detail (the address, the memory's size) after the interpreter's words.
 */
class ExecutionModesTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final byte[] TEXT = {'D', 'I', 'D', 'L', 0, 1, 0x71, 2, 'h', 'i'};

  static final WasmCanister.Environment ENV = new WasmCanister.Environment() {
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
      return 1_700_000_000_000_000_000L;
    }

    @Override
    public void debugPrint(String message) {}
  };

  static WasmCanister canister(byte[] module, ExecutionMode mode, InstructionLimits limits) {
    ModuleValidator.Checked checked = ModuleValidator.check(module, "install_code",
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, mode == ExecutionMode.COMPILED);
    WasmCanister w = WasmCanister.instantiate(checked, ENV, limits,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, mode);
    assertEquals(mode, w.mode(), "runs as asked: " + w.interpretedBecause());
    assertEquals(mode == ExecutionMode.COMPILED, w.metered());
    return w;
  }

  /** One execution's outcome: its reply or reject, or its trap, and its instructions. */
  record Outcome(String what, String answer, long instructions, boolean trapped) {}

  static Outcome run(WasmCanister w, WasmCanister.Kind kind, String export, byte[] arg) {
    try {
      if (kind == WasmCanister.Kind.START) {
        w.start(ME, 0);
        return new Outcome(export, "started", w.lastInstructions(), false);
      }
      WasmCanister.Result r = kind == WasmCanister.Kind.INIT
          || kind == WasmCanister.Kind.PRE_UPGRADE
          ? w.runHook(kind, export, arg, ME, 0)
          : w.run(kind, export, arg, ME, export);
      String answer = r.context().replied
          ? "reply " + HexFormat.of().formatHex(r.context().reply.toByteArray())
          : "reject " + r.context().reject;
      return new Outcome(export, answer, w.lastInstructions(), false);
    } catch (WasmCanister.Trap t) {
      return new Outcome(export, t.errorCode() + " " + t.getMessage(), w.lastInstructions(),
          true);
    }
  }

  /**
   * The script each module gets: (start), canister_init, every update and query method with no
   * argument and with a text, each update twice (state carries over), canister_pre_upgrade.
   */
  static List<Outcome> script(byte[] module, ExecutionMode mode) {
    WasmCanister w = canister(module, mode, InstructionLimits.IC);
    List<Outcome> out = new ArrayList<>();
    out.add(run(w, WasmCanister.Kind.START, "(start)", NONE));
    if (w.exports("canister_init")) {
      out.add(run(w, WasmCanister.Kind.INIT, "canister_init", NONE));
    }
    List<String> exports = new ArrayList<>();
    ModuleValidator.Checked checked = ModuleValidator.check(module, "install_code",
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, false);
    for (int i = 0; i < checked.module().exportSection().exportCount(); i++) {
      exports.add(checked.module().exportSection().getExport(i).name());
    }
    for (byte[] arg : new byte[][] {NONE, TEXT}) {
      for (String e : exports) {
        if (e.startsWith("canister_update ")) {
          out.add(run(w, WasmCanister.Kind.UPDATE, e, arg));
          out.add(run(w, WasmCanister.Kind.UPDATE, e, arg));
        } else if (e.startsWith("canister_query ")) {
          out.add(run(w, WasmCanister.Kind.QUERY, e, arg));
        }
      }
    }
    if (w.exports("canister_pre_upgrade")) {
      out.add(run(w, WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", NONE));
    }
    return out;
  }

  static byte[] eopCounter() {
    try (InputStream in = Objects.requireNonNull(
        ExecutionModesTest.class.getResourceAsStream("/eop/counter.wasm"))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Traps of every kind, the performance counter, memory growth and a few thousand instructions
   * of loops and calls.
   */
  static byte[] traps() {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int trap = w.importFunction("ic0", "trap", types(I32, I32), types());
    int perf = w.importFunction("ic0", "performance_counter", types(I32), types(I64));
    int twice = w.function(types(I32), types(I32), types(),
        new Code().localGet(0).localGet(0).i32Add().end());
    int deep = w.function(types(I32), types(I32), types(),
        new Code().localGet(0).i32(1).i32Add().op(0x10, 0x05).end());
    byte[] local = types(I32);
    w.export("canister_update unreachable", w.function(types(), types(), local,
        InstructionLimitsTest.spin(30).op(0x00).end()));
    w.export("canister_update outOfBounds", w.function(types(), types(), local,
        InstructionLimitsTest.spin(30).i32(-8).i32Load().drop().i32(1).drop().end()));
    w.export("canister_update ic0Trap", w.function(types(), types(), local,
        InstructionLimitsTest.spin(10).i32(0).i32(4).call(trap).end()));
    w.export("canister_query perf", w.function(types(), types(), local,
        InstructionLimitsTest.spin(25).i32(9).call(twice).drop()
            .i32(16).i32(0).call(perf).i64Store()
            .i32(16).i32(8).call(append).call(reply).end()));
    w.export("canister_update grow", w.function(types(), types(), local,
        new Code().i32(2).memoryGrow().drop().memorySize().localSet(0)
            .i32(70_000).i32(7).i32Store8().i32(0).i32(9).call(append).call(reply).end()));
    w.export("canister_update silent", w.function(types(), types(), types(),
        new Code().end()));
    w.export("canister_query noReply", w.function(types(), types(), types(),
        new Code().end()));
    assertEquals(5, deep, "the recursion calls itself");
    w.export("canister_update recurse", w.function(types(), types(), types(),
        new Code().i32(0).call(deep).drop().end()));
    w.memory(1);
    w.data(0, "ouch".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return w.build();
  }

  static byte[] module(String name) {
    return switch (name) {
      case "targetV1" -> DemoCanisters.targetV1();
      case "targetV2" -> DemoCanisters.targetV2();
      case "limits" -> InstructionLimitsTest.module();
      case "traps" -> traps();
      case "eopCounter" -> eopCounter();
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"targetV1", "targetV2", "limits", "traps", "eopCounter"})
  void corpus_compiledAndInterpretedAgree(String name) {
    byte[] module = module(name);
    List<Outcome> compiled = script(module, ExecutionMode.COMPILED);
    List<Outcome> interpreted = script(module, ExecutionMode.INTERPRETED);
    assertEquals(interpreted.size(), compiled.size());
    boolean replied = false;
    for (int i = 0; i < compiled.size(); i++) {
      Outcome c = compiled.get(i);
      Outcome n = interpreted.get(i);
      String where = name + " " + n.what() + " #" + i;
      assertEquals(n.trapped(), c.trapped(), where);
      replied |= n.answer().startsWith("reply");
      if (n.what().contains("recurse")) {
        // The interpreter's own call-stack limit and the JVM's stack end the recursion at
        // different depths, with different messages: only that both trap is the same.
        assertTrue(n.trapped() && c.trapped(), where);
        continue;
      }
      if (n.what().contains("outOfBounds")) {
        // Chicory's compiled code names the address and the memory's size after the
        // interpreter's words.
        assertTrue(c.answer().startsWith(n.answer()), where + ": " + c.answer());
        // The load traps part way through its block, which compiled mode charged in full.
        assertTrue(c.instructions() > n.instructions(), where + ": " + c + " vs " + n);
        assertTrue(c.instructions() - n.instructions() <= 4, where + ": one block more");
      } else {
        assertEquals(n.answer(), c.answer(), where);
        assertEquals(n.instructions(), c.instructions(), where);
      }
    }
    assertTrue(replied, name + " answered something");
  }

  @Test
  void performanceCounter_isTheInstructionsUpToTheCallInBothModes() {
    for (ExecutionMode mode : ExecutionMode.values()) {
      WasmCanister w = canister(traps(), mode, InstructionLimits.IC);
      Outcome o = run(w, WasmCanister.Kind.QUERY, "canister_query perf", NONE);
      long counted = ByteBuffer.wrap(HexFormat.of().parseHex(o.answer().substring(6)))
          .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
      // After the call: i64.store, i32.const, i32.const, call append, call reply, end.
      assertEquals(o.instructions() - 6, counted, mode.name());
      assertTrue(counted > 25 * 5, "the loop is counted: " + counted);
    }
  }

  /** {@code canister_update spin} loops forever. */
  static byte[] runaway() {
    WasmBuilder w = new WasmBuilder();
    w.export("canister_update spin", w.function(types(), types(), types(),
        new Code().loop().br(0).end().end()));
    w.memory(1);
    return w.build();
  }

  @Test
  void runawayLoop_compiled_stopsAtTheLimitWithIc0522() {
    long limit = 20_000_000;
    WasmCanister w = canister(runaway(), ExecutionMode.COMPILED,
        InstructionLimits.IC.withUpdate(limit));
    w.start(ME, 0);
    WasmCanister.Trap t = assertTimeoutPreemptively(Duration.ofSeconds(120),
        () -> assertThrows(WasmCanister.Trap.class, () -> w.run(WasmCanister.Kind.UPDATE,
            "canister_update spin", NONE, ME, "spin")));
    assertEquals("IC0522", t.errorCode());
    assertEquals("Canister exceeded the limit of " + limit
        + " instructions for single message execution.", t.getMessage());
    assertTrue(w.lastInstructions() > limit, "charged past the limit: " + w.lastInstructions());
  }

  @Test
  void runawayLoop_onTheReplica_isRejectedAndTheCanisterStillAnswers() {
    EmbeddedReplica replica = EmbeddedReplica.start(Clock.systemUTC(),
        InstructionLimits.IC.withUpdate(30_000_000));
    Principal canister = replica.createCanister(ME);
    CandidManagementCanister.over(replica.agentFor(ME))
        .installCode(canister, InstallMode.install(), ByteBuffer.wrap(runaway()), NONE);
    assertEquals(ExecutionMode.COMPILED, replica.executionMode(canister).orElseThrow());
    CanisterRejectException e = assertTimeoutPreemptively(Duration.ofSeconds(120),
        () -> assertThrows(CanisterRejectException.class,
            () -> replica.agentFor(ME).update(canister, "spin", NONE)));
    assertEquals("IC0522", e.errorCode().orElseThrow());
    // Each message starts with a full budget: the next one is stopped the same way.
    CanisterRejectException again = assertThrows(CanisterRejectException.class,
        () -> replica.agentFor(ME).update(canister, "spin", NONE));
    assertEquals("IC0522", again.errorCode().orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"COMPILED", "INTERPRETED"})
  void perKindLimits_exactlyTheCostRuns_oneLessTraps(ExecutionMode mode) {
    WasmCanister measure = canister(InstructionLimitsTest.module(), mode, InstructionLimits.IC);
    measure.start(ME, 0);
    measure.run(WasmCanister.Kind.UPDATE, "canister_update work", NONE, ME, "work");
    long update = measure.lastInstructions();
    measure.run(WasmCanister.Kind.QUERY, "canister_query look", NONE, ME, "look");
    long query = measure.lastInstructions();
    assertTrue(measure.inspect("work", NONE, ME));
    long inspect = measure.lastInstructions();
    measure.runHook(WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", NONE, ME, 0);
    long hook = measure.lastInstructions();

    InstructionLimits exact = new InstructionLimits(hook, update, query, inspect);
    WasmCanister fits = canister(InstructionLimitsTest.module(), mode, exact);
    fits.start(ME, 0);
    fits.run(WasmCanister.Kind.UPDATE, "canister_update work", NONE, ME, "work");
    fits.run(WasmCanister.Kind.QUERY, "canister_query look", NONE, ME, "look");
    assertTrue(fits.inspect("work", NONE, ME));
    fits.runHook(WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", NONE, ME, 0);

    WasmCanister tight = canister(InstructionLimitsTest.module(), mode,
        new InstructionLimits(hook - 1, update - 1, query - 1, inspect - 1));
    tight.start(ME, 0);
    assertEquals("IC0522", assertThrows(WasmCanister.Trap.class, () -> tight.run(
        WasmCanister.Kind.UPDATE, "canister_update work", NONE, ME, "work")).errorCode());
    assertEquals("IC0522", assertThrows(WasmCanister.Trap.class, () -> tight.run(
        WasmCanister.Kind.QUERY, "canister_query look", NONE, ME, "look")).errorCode());
    assertEquals("IC0522", assertThrows(WasmCanister.Trap.class,
        () -> tight.inspect("work", NONE, ME)).errorCode());
    assertEquals("IC0522", assertThrows(WasmCanister.Trap.class, () -> tight.runHook(
        WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", NONE, ME, 0)).errorCode());
    // A hook shares the install's budget with the hooks before it.
    assertEquals("IC0522", assertThrows(WasmCanister.Trap.class, () -> fits.runHook(
        WasmCanister.Kind.PRE_UPGRADE, "canister_pre_upgrade", NONE, ME, 1)).errorCode());
  }

  @Test
  void unmeteredModule_fallsBackToTheInterpreterAndSaysWhy() {
    ModuleValidator.Checked plain = ModuleValidator.check(InstructionLimitsTest.module(),
        "install_code", EmbeddedReplica.DEFAULT_HEAP_BUDGET, true);
    assertTrue(plain.metered());
    assertEquals(null, plain.unmetered());
    // A module the rewrite refuses still installs, interpreted, with the listener counting.
    ModuleValidator.Checked refused = new ModuleValidator.Checked(
        ModuleParser.parse(InstructionLimitsTest.module()), false, false, -1,
        "the metering rewrite refused it");
    WasmCanister w = WasmCanister.instantiate(refused, ENV, InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
    assertEquals(ExecutionMode.INTERPRETED, w.mode());
    assertFalse(w.metered());
    assertEquals("the metering rewrite refused it", w.interpretedBecause());
    w.start(ME, 0);
    w.run(WasmCanister.Kind.UPDATE, "canister_update work", NONE, ME, "work");
    assertTrue(w.lastInstructions() > 200, "counted by the listener");
  }
}
