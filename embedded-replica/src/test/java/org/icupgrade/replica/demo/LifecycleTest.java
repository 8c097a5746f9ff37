package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.I64;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ManualClock;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/** The canister lifecycle rules of the interface spec, one by one, on real WASM. */
class LifecycleTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  final EmbeddedReplica replica = EmbeddedReplica.start(Clock.systemUTC(), 2_000_000);
  final Agent agent = replica.agentFor(ME);
  final ManagementCanister ic = CandidManagementCanister.over(agent);
  final Principal canister = replica.createCanister(ME);

  /** Options for the test module. */
  record Spec(boolean hooks, boolean trapInPre, boolean trapInPost, boolean trapInInit,
      String marker) {
    static Spec plain(String marker) {
      return new Spec(true, false, false, false, marker);
    }
  }

  /**
   * A counter canister: global {@code count} on the heap; {@code inc} adds one and replies the
   * count as 8 little-endian bytes; {@code inc_then_trap} adds one, writes stable memory, then
   * traps; {@code peek} (query) adds one and replies; {@code stable_size} replies stable pages;
   * {@code save} writes the count to stable memory; {@code init_arg} replies the init argument;
   * {@code spin} never ends; {@code future} calls an import the replica does not provide
   * (mint_cycles128, which only the cycles minting canister may call on the IC).
   * The hooks carry the count over in stable memory.
   */
  static byte[] module(Spec s) {
    WasmBuilder w = new WasmBuilder();
    int argSize = w.importFunction("ic0", "msg_arg_data_size", types(), types(I32));
    int argCopy = w.importFunction("ic0", "msg_arg_data_copy", types(I32, I32, I32), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int stableSize = w.importFunction("ic0", "stable_size", types(), types(I32));
    int stableGrow = w.importFunction("ic0", "stable_grow", types(I32), types(I32));
    int stableRead = w.importFunction("ic0", "stable_read", types(I32, I32, I32), types());
    int stableWrite = w.importFunction("ic0", "stable_write", types(I32, I32, I32), types());
    int trap = w.importFunction("ic0", "trap", types(I32, I32), types());
    int future = w.importFunction("ic0", "mint_cycles128", types(I64, I64, I32), types());
    int count = w.global(I64, true, 0);
    byte[] msg = ("trapped on purpose " + s.marker()).getBytes(StandardCharsets.UTF_8);
    w.data(512, msg);
    Code replyCount = new Code().i32(0).globalGet(count).i64Store().i32(0).i32(8).call(append)
        .call(reply);
    Code save = new Code().call(stableSize).i32Eqz().ifThen().i32(1).call(stableGrow).drop().end()
        .i32(0).globalGet(count).i64Store().i32(0).i32(0).i32(8).call(stableWrite);
    w.export("canister_update inc", w.function(types(), types(), types(), new Code()
        .globalGet(count).i64(1).i64Add().globalSet(count).append(replyCount).end()));
    w.export("canister_update inc_then_trap", w.function(types(), types(), types(), new Code()
        .globalGet(count).i64(1).i64Add().globalSet(count).append(save)
        .i32(512).i32(msg.length).call(trap).end()));
    w.export("canister_query peek", w.function(types(), types(), types(), new Code()
        .globalGet(count).i64(1).i64Add().globalSet(count).append(replyCount).end()));
    w.export("canister_update save", w.function(types(), types(), types(), new Code()
        .append(save).i32(0).i32(0).call(append).call(reply).end()));
    w.export("canister_query stable_size", w.function(types(), types(), types(), new Code()
        .i32(0).call(stableSize).i32Store().i32(0).i32(4).call(append).call(reply).end()));
    w.export("canister_query init_arg", w.function(types(), types(), types(), new Code()
        .i32(2048).i32(4096).i32Load8u().call(append).call(reply).end()));
    w.export("canister_update spin", w.function(types(), types(), types(), new Code()
        .loop().br(0).end().end()));
    w.export("canister_update future", w.function(types(), types(), types(), new Code()
        .i64(0).i64(1).i32(0).call(future).end()));
    // canister_init keeps its argument at 2048, its length in the byte at 4096.
    Code init = new Code().i32(4096).call(argSize).i32Store8()
        .i32(2048).i32(0).call(argSize).call(argCopy);
    if (s.trapInInit()) {
      init.i32(512).i32(msg.length).call(trap);
    }
    w.export("canister_init", w.function(types(), types(), types(), init.end()));
    if (s.hooks()) {
      Code pre = new Code().append(save);
      if (s.trapInPre()) {
        pre.i32(512).i32(msg.length).call(trap);
      }
      w.export("canister_pre_upgrade", w.function(types(), types(), types(), pre.end()));
      Code post = new Code().call(stableSize).ifThen().i32(0).i32(0).i32(8).call(stableRead)
          .i32(0).i64Load().globalSet(count).end();
      if (s.trapInPost()) {
        post.i32(512).i32(msg.length).call(trap);
      }
      w.export("canister_post_upgrade", w.function(types(), types(), types(), post.end()));
    }
    w.memory(1);
    return w.build();
  }

  long call(String method) {
    byte[] r = agent.update(canister, method, NONE);
    return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  long peek() {
    byte[] r = agent.query(canister, "peek", NONE);
    return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  int stablePages() {
    byte[] r = agent.query(canister, "stable_size", NONE);
    return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  void install(InstallMode mode, Spec s, byte[] arg) {
    ic.installCode(canister, mode, ByteBuffer.wrap(module(s)), arg);
  }

  @Test
  void init_seesTheInstallArgument() {
    byte[] arg = {'D', 'I', 'D', 'L', 0, 1, 0x71, 2, 'h', 'i'};
    install(InstallMode.install(), Spec.plain("a"), arg);
    assertArrayEquals(arg, agent.query(canister, "init_arg", NONE));
  }

  @Test
  void upgrade_keepsStableMemory_replacesHeap() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    call("inc");
    call("inc");
    // with hooks, the count crosses the upgrade through stable memory
    install(InstallMode.upgrade(), Spec.plain("b"), NONE);
    assertEquals(3, call("inc"));
    // without hooks, the heap is new: the count starts over, stable memory is still there
    install(InstallMode.upgrade(), new Spec(false, false, false, false, "c"), NONE);
    assertEquals(1, call("inc"));
    assertEquals(1, stablePages());
  }

  @Test
  void reinstall_wipesStableMemory() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    agent.update(canister, "save", NONE);
    assertEquals(1, stablePages());
    install(InstallMode.reinstall(), Spec.plain("b"), NONE);
    assertEquals(0, stablePages());
    assertEquals(1, call("inc"));
  }

  @Test
  void trap_rollsBackHeapAndStableMemory_rejectCarriesMessage() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    call("inc");
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "inc_then_trap", NONE));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertTrue(e.rejectMessage().contains("trapped on purpose a"), e.getMessage());
    assertEquals(0, stablePages());
    assertEquals(2, call("inc"));
  }

  @Test
  void query_changesNothing() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    assertEquals(1, peek());
    assertEquals(1, peek());
    assertEquals(1, call("inc"));
  }

  @Test
  void skipPreUpgrade_rescuesATrappingPreUpgrade() {
    install(InstallMode.install(), new Spec(true, true, false, false, "a"), NONE);
    call("inc");
    Sha256 before = replica.moduleHash(canister).orElseThrow();
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> install(InstallMode.upgrade(), Spec.plain("b"), NONE));
    assertTrue(e.rejectMessage().contains("canister_pre_upgrade"), e.getMessage());
    assertEquals(Optional.of(before), replica.moduleHash(canister));
    assertEquals(2, call("inc"), "the old code still runs, its state untouched");
    install(InstallMode.upgrade().withSkipPreUpgrade(true), Spec.plain("b"), NONE);
    assertEquals(Optional.of(Sha256.of(module(Spec.plain("b")))), replica.moduleHash(canister));
  }

  @Test
  void trappingPostUpgrade_leavesOldCodeAndState() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    call("inc");
    Sha256 v1 = replica.moduleHash(canister).orElseThrow();
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> install(InstallMode.upgrade(), new Spec(true, false, true, false, "b"), NONE));
    assertTrue(e.rejectMessage().contains("canister_post_upgrade"), e.getMessage());
    assertEquals(Optional.of(v1), replica.moduleHash(canister));
    assertEquals(2, call("inc"));
    assertEquals(0, stablePages(), "pre_upgrade's stable write is rolled back too");
  }

  @Test
  void trappingInit_installFailsCanisterStaysEmpty() {
    assertThrows(CanisterRejectException.class,
        () -> install(InstallMode.install(), new Spec(true, false, false, true, "a"), NONE));
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  @Test
  void runawayCode_stoppedByTheInstructionBudget() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "spin", NONE));
    assertTrue(e.rejectMessage().contains("instructions"), e.getMessage());
    assertEquals(1, call("inc"));
  }

  @Test
  void unprovidedImport_installsAndTrapsNamingItWhenCalled() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "future", NONE));
    assertTrue(e.rejectMessage().contains("ic0.mint_cycles128"), e.getMessage());
  }

  /** A counter kept in main memory, in a module declaring enhanced orthogonal persistence. */
  static byte[] eopCounter(String marker) {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    w.export("canister_update inc", w.function(types(), types(), types(), new Code()
        .i32(100).i32(100).i32Load().i32(1).i32Add().i32Store()
        .i32(100).i32(4).call(append).call(reply).end()));
    w.data(200, marker.getBytes(StandardCharsets.UTF_8));
    w.memory(1);
    w.custom("icp:private enhanced-orthogonal-persistence", new byte[0]);
    return w.build();
  }

  @Test
  void upgradeWithKeep_enhancedOrthogonalPersistenceKeepsMainMemory() {
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(eopCounter("a")), NONE);
    agent.update(canister, "inc", NONE);
    agent.update(canister, "inc", NONE);
    ic.installCode(canister, InstallMode.upgrade().withWasmMemoryPersistence(
        InstallMode.WasmMemoryPersistence.KEEP), ByteBuffer.wrap(eopCounter("b")), NONE);
    byte[] r = agent.update(canister, "inc", NONE);
    assertEquals(3, ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt());
  }

  @Test
  void snapshot_loadRestoresHeapAndStableMemory() {
    install(InstallMode.install(), Spec.plain("a"), NONE);
    call("inc");
    call("inc");
    agent.update(canister, "save", NONE);
    org.icupgrade.core.management.Snapshot snap = ic.takeCanisterSnapshot(canister, null);
    call("inc");
    install(InstallMode.reinstall(), Spec.plain("b"), NONE);
    assertEquals(0, stablePages());
    ic.loadCanisterSnapshot(canister, snap.id());
    assertEquals(1, stablePages());
    assertEquals(3, call("inc"), "the heap is back as it was: count 2, now 3");
    agent.update(canister, "save", NONE);
    // a second load finds the snapshot unchanged by what happened after the first
    ic.loadCanisterSnapshot(canister, snap.id());
    assertEquals(3, call("inc"));
  }

  @Test
  void globalTimer_firesOnceWhenDue() {
    ManualClock clock = ManualClock.at(java.time.Instant.parse("2026-11-24T12:00:00Z"));
    EmbeddedReplica r = EmbeddedReplica.start(clock, 2_000_000);
    Principal id = r.createCanister(ME);
    Agent a = r.agentFor(ME);
    WasmBuilder w = new WasmBuilder();
    int setTimer = w.importFunction("ic0", "global_timer_set", types(I64), types(I64));
    int time = w.importFunction("ic0", "time", types(), types(I64));
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int fired = w.global(I64, true, 0);
    // arm: the timer at now + 10 s; fired: replies how often the timer ran
    w.export("canister_update arm", w.function(types(), types(), types(), new Code()
        .call(time).i64(10_000_000_000L).i64Add().call(setTimer).drop()
        .i32(0).i32(0).call(append).call(reply).end()));
    w.export("canister_global_timer", w.function(types(), types(), types(), new Code()
        .globalGet(fired).i64(1).i64Add().globalSet(fired).end()));
    w.export("canister_query fired", w.function(types(), types(), types(), new Code()
        .i32(0).globalGet(fired).i64Store().i32(0).i32(8).call(append).call(reply).end()));
    w.memory(1);
    CandidManagementCanister.over(a).installCode(id, InstallMode.install(),
        ByteBuffer.wrap(w.build()), NONE);
    a.update(id, "arm", NONE);
    assertEquals(0, r.tick(), "not due yet");
    clock.advance(java.time.Duration.ofSeconds(11));
    assertEquals(1, r.tick());
    assertEquals(0, r.tick(), "a timer fires once");
    byte[] count = a.query(id, "fired", NONE);
    assertEquals(1, ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).getLong());
  }

  @Test
  void importFromAnotherModule_refusedAtInstall() {
    WasmBuilder w = new WasmBuilder();
    w.importFunction("env", "abort", types(), types());
    w.memory(1);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(w.build()), NONE));
    assertTrue(e.rejectMessage().contains("env.abort"), e.getMessage());
  }
}
