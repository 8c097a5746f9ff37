package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * Modules are decoded, rewritten and compiled once per distinct module: every canister,
 * rollback and snapshot load running the same bytes shares the compiled code.
 */
class ModuleCodeTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 9});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  /** Makes each test's modules unlike any other module this JVM has cached. */
  static final AtomicInteger UNIQUE = new AtomicInteger((int) System.nanoTime());

  /**
   * A module whose update {@code answer} replies with 4 bytes of its data segment, which hold
   * {@code value}, and which counts its calls in a global (so that state shows).
   */
  static byte[] answering(int value) {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    w.export("canister_update answer", w.function(types(), types(), types(), new Code()
        .i32(0).i32(4).call(append).call(reply).end()));
    w.memory(1);
    w.data(0, new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16),
        (byte) (value >> 24)});
    return w.build();
  }

  static int unique() {
    return UNIQUE.incrementAndGet();
  }

  static void install(ManagementCanister ic, Principal canister, byte[] module) {
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(module.clone()), NONE);
  }

  @Test
  void fiftyCanisters_oneModule_compileOnce_andAnotherModuleCompilesAgain() {
    EmbeddedReplica replica = EmbeddedReplica.start();
    ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(ME));
    int a = unique();
    int b = unique();
    byte[] moduleA = answering(a);
    long compiles = ModuleCode.COMPILES.get();
    long parses = ModuleParser.PARSES.get();
    List<Principal> canisters = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Principal canister = replica.createCanister(ME);
      install(ic, canister, moduleA);
      canisters.add(canister);
    }
    assertEquals(1, ModuleCode.COMPILES.get() - compiles, "one compile for 50 installs");
    assertEquals(1, ModuleParser.PARSES.get() - parses, "one parse for 50 installs");
    for (Principal canister : canisters) {
      assertEquals(ExecutionMode.COMPILED, replica.executionMode(canister).orElseThrow());
      assertArrayEquals(le(a), replica.agentFor(ME).update(canister, "answer", NONE));
    }

    Principal other = replica.createCanister(ME);
    install(ic, other, answering(b));
    assertEquals(2, ModuleCode.COMPILES.get() - compiles, "a different module compiles");
    assertArrayEquals(le(b), replica.agentFor(ME).update(other, "answer", NONE));
  }

  @Test
  void compiledAndInterpreted_areCachedApart_andAgree() {
    int v = unique();
    byte[] module = answering(v);
    EmbeddedReplica compiled = EmbeddedReplica.start();
    EmbeddedReplica interpreted = EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.INTERPRETED);
    long parses = ModuleParser.PARSES.get();
    Principal c1 = compiled.createCanister(ME);
    install(CandidManagementCanister.over(compiled.agentFor(ME)), c1, module);
    Principal c2 = interpreted.createCanister(ME);
    install(CandidManagementCanister.over(interpreted.agentFor(ME)), c2, module);
    assertEquals(2, ModuleParser.PARSES.get() - parses, "metered and unmetered decodes");
    assertEquals(ExecutionMode.COMPILED, compiled.executionMode(c1).orElseThrow());
    assertEquals(ExecutionMode.INTERPRETED, interpreted.executionMode(c2).orElseThrow());
    assertArrayEquals(compiled.agentFor(ME).update(c1, "answer", NONE),
        interpreted.agentFor(ME).update(c2, "answer", NONE));
  }

  @Test
  void snapshotLoadAndUpgrade_toACachedModule_neitherParseNorCompile() {
    EmbeddedReplica replica = EmbeddedReplica.start();
    ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(ME));
    int a = unique();
    int b = unique();
    Principal canister = replica.createCanister(ME);
    install(ic, canister, answering(a));
    Snapshot s = ic.takeCanisterSnapshot(canister, null);
    ic.installCode(canister, InstallMode.upgrade(), ByteBuffer.wrap(answering(b)), NONE);
    assertArrayEquals(le(b), replica.agentFor(ME).update(canister, "answer", NONE));
    long compiles = ModuleCode.COMPILES.get();
    long parses = ModuleParser.PARSES.get();
    ic.loadCanisterSnapshot(canister, s.id());
    assertArrayEquals(le(a), replica.agentFor(ME).update(canister, "answer", NONE));
    ic.installCode(canister, InstallMode.upgrade(), ByteBuffer.wrap(answering(b)), NONE);
    assertArrayEquals(le(b), replica.agentFor(ME).update(canister, "answer", NONE));
    assertEquals(0, ModuleCode.COMPILES.get() - compiles);
    assertEquals(0, ModuleParser.PARSES.get() - parses);
    assertEquals(Sha256.of(answering(b)), replica.moduleHash(canister).orElseThrow());
  }

  @Test
  void cache_sharesTheFirstBytes_evictsTheLeastRecentlyUsed_andCompilesOnce() {
    ModuleCode.Cache cache = new ModuleCode.Cache(2);
    byte[][] modules = {answering(unique()), answering(unique()), answering(unique())};
    ModuleCode first = get(cache, modules[0]);
    assertSame(first, get(cache, modules[0].clone()), "equal bytes share one entry");
    assertSame(modules[0], get(cache, modules[0].clone()).installed().toArray(), "and one array");
    get(cache, modules[1]);
    get(cache, modules[0]); // most recently used: modules[1] goes first
    get(cache, modules[2]);
    assertEquals(2, cache.size());
    assertSame(first, get(cache, modules[0]));
    long parses = ModuleParser.PARSES.get();
    assertNotSame(modules[1], get(cache, modules[1].clone()).installed().toArray(), "decoded again");
    assertEquals(1, ModuleParser.PARSES.get() - parses);

    long compiles = ModuleCode.COMPILES.get();
    assertSame(first.machine(), first.machine());
    assertEquals(1, ModuleCode.COMPILES.get() - compiles);
  }

  static ModuleCode get(ModuleCode.Cache cache, byte[] module) {
    return cache.get(Sha256.of(module), true, module,
        () -> ModuleValidator.decode(module, "install_code", true));
  }

  static byte[] le(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
  }
}
