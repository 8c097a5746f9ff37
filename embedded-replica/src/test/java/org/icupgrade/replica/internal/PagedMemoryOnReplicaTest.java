package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * Main and stable memory shared copy-on-write through the replica's own paths: an upgrade keeps
 * stable memory without copying a page, a snapshot shares its pages with the canister and loads
 * back exactly, a failed upgrade rolls back to the pages it began with. Counted in pages
 * allocated, not in time.
 */
class PagedMemoryOnReplicaTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 9});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final int PAGE = Pages.PAGE;
  /** 72 MiB, an Azle canister's stable memory. */
  static final int STABLE_PAGES = 72 * 16;
  static final int LAST = (STABLE_PAGES - 1) * PAGE + 16;

  /**
   * A canister whose init grows stable memory to {@link #STABLE_PAGES} and writes every page
   * (heap page 0, which a data segment fills, into each); {@code peek} replies stable memory's
   * 8 bytes at 0 and at {@link #LAST}; {@code poke} writes heap bytes 100.. to stable 0 and to
   * the heap at 0; {@code heap} replies heap bytes 0..8. With {@code trapInPostUpgrade}, its
   * post_upgrade writes stable memory and traps.
   */
  static byte[] module(boolean trapInPostUpgrade) {
    WasmBuilder w = new WasmBuilder();
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int grow = w.importFunction("ic0", "stable_grow", types(I32), types(I32));
    int write = w.importFunction("ic0", "stable_write", types(I32, I32, I32), types());
    int read = w.importFunction("ic0", "stable_read", types(I32, I32, I32), types());
    int trap = w.importFunction("ic0", "trap", types(I32, I32), types());
    w.export("canister_init", w.function(types(), types(), types(I32), new Code()
        .i32(STABLE_PAGES).call(grow).drop()
        .loop()
        .localGet(0).i32(PAGE).op(0x6c) // i32.mul: the page's offset
        .i32(0).i32(PAGE).call(write)
        .localGet(0).i32(1).i32Add().localSet(0)
        .localGet(0).i32(STABLE_PAGES).op(0x49) // i32.lt_u
        .op(0x0d, 0) // br_if 0
        .end()
        .end()));
    w.export("canister_query peek", w.function(types(), types(), types(), new Code()
        .i32(200).i32(0).i32(8).call(read)
        .i32(208).i32(LAST).i32(8).call(read)
        .i32(200).i32(16).call(append).call(reply).end()));
    w.export("canister_update poke", w.function(types(), types(), types(), new Code()
        .i32(0).i32(100).i32(8).call(write)
        .i32(0).i32(0x55).i32Store8()
        .call(reply).end()));
    w.export("canister_query heap", w.function(types(), types(), types(), new Code()
        .i32(0).i32(8).call(append).call(reply).end()));
    Code post = new Code();
    if (trapInPostUpgrade) {
      post.i32(0).i32(100).i32(8).call(write).i32(0).i32(0).call(trap);
    }
    w.export("canister_post_upgrade", w.function(types(), types(), types(), post.end()));
    w.memory(2);
    w.data(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    w.data(100, new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
    w.data(PAGE - 8, new byte[] {11, 12, 13, 14, 15, 16, 17, 18});
    return w.build();
  }

  final Replica replica = new Replica(Clock.systemUTC(), InstructionLimits.IC,
      EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
  final Agent agent = new Agent() {
    @Override
    public Principal sender() {
      return ME;
    }

    @Override
    public byte[] query(Principal canisterId, String method, byte[] arg, Principal effective) {
      return replica.query(ME, canisterId, method, arg, effective);
    }

    @Override
    public byte[] update(Principal canisterId, String method, byte[] arg, Principal effective) {
      return replica.update(ME, canisterId, method, arg, effective);
    }

    @Override
    public Optional<Sha256> moduleHash(Principal canisterId) {
      return replica.moduleHash(canisterId);
    }
  };
  final ManagementCanister ic = CandidManagementCanister.over(agent);
  final Principal canister =
      replica.create(ME, null, BigInteger.valueOf(1_000_000_000_000L), null);

  Principal installed() {
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(module(false)), NONE);
    return canister;
  }

  StableMemory stable() {
    WasmCanister code = replica.code(canister);
    assertNotNull(code);
    return code.stable();
  }

  /** The Candid reply's last {@code n} bytes: the blob the canister replied. */
  static byte[] tail(byte[] reply, int n) {
    return Arrays.copyOfRange(reply, reply.length - n, reply.length);
  }

  byte[] peek() {
    return agent.query(canister, "peek", NONE);
  }

  static final byte[] ORIGINAL = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0};

  @Test
  void install_writesEveryStablePage_eachAllocatedOnce() {
    installed();
    assertEquals(STABLE_PAGES, stable().pages());
    assertEquals(STABLE_PAGES, stable().store().residentPages());
    assertEquals(STABLE_PAGES, stable().store().allocatedPages());
    assertEquals(0, stable().store().copiedPages());
    assertArrayEquals(ORIGINAL, peek());
  }

  @Test
  void upgrade_72MiBOfStableMemory_allocatesNoStablePage_andSharesEveryPage() {
    installed();
    WasmCanister before = replica.code(canister);
    PageSnapshot old = before.stable().freeze();
    ic.installCode(canister, InstallMode.upgrade(), ByteBuffer.wrap(module(false)), NONE);
    WasmCanister after = replica.code(canister);
    assertNotSame(before, after);
    Pages kept = after.stable().store();
    assertEquals(0, kept.allocatedPages(), "the upgrade copied stable pages");
    assertEquals(STABLE_PAGES, kept.residentPages());
    PageSnapshot now = after.stable().freeze();
    for (int p = 0; p < STABLE_PAGES; p++) {
      assertTrue(now.sharesPage(p, old), "page " + p + " is not shared");
    }
    assertArrayEquals(ORIGINAL, peek());
    // A write after the upgrade copies the one page it writes.
    agent.update(canister, "poke", NONE);
    assertEquals(1, after.stable().store().allocatedPages());
    assertArrayEquals(new byte[] {9, 9, 9, 9, 9, 9, 9, 9}, Arrays.copyOf(peek(), 8));
    assertArrayEquals(Arrays.copyOf(ORIGINAL, 8), old.read(0, 8));
  }

  @Test
  void twoCanistersOfOneModule_shareTheDataPages_aWriteCopiesOnlyItsPage() {
    installed();
    Principal other = replica.create(ME, null, BigInteger.valueOf(1_000_000_000_000L), null);
    ic.installCode(other, InstallMode.install(), ByteBuffer.wrap(module(false)), NONE);
    JournaledMemory mine = replica.code(canister).heap();
    JournaledMemory theirs = replica.code(other).heap();
    assertNotNull(mine);
    assertNotNull(theirs);
    // Instantiation copies no data: page 0 (the segments) is one page for both.
    assertEquals(0, mine.allocatedPages());
    assertEquals(0, theirs.allocatedPages());
    assertTrue(mine.freeze().sharesPage(0, theirs.freeze()), "the data page is not shared");
    assertEquals(1, mine.residentPages());
    // A write in one canister copies that page for it alone; the other still reads the data.
    agent.update(canister, "poke", NONE);
    assertEquals(1, mine.allocatedPages());
    assertEquals(0x55, tail(agent.query(canister, "heap", NONE), 8)[0]);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
        tail(agent.query(other, "heap", NONE), 8));
    // A third instance (a reinstall) starts from the segments again, not from the write.
    ic.installCode(canister, InstallMode.reinstall(), ByteBuffer.wrap(module(false)), NONE);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
        tail(agent.query(canister, "heap", NONE), 8));
  }

  @Test
  void upgrade_postUpgradeTraps_oldCanisterAsBefore_itsPagesStillItsOwn() {
    installed();
    WasmCanister before = replica.code(canister);
    assertThrows(CanisterRejectException.class, () -> ic.installCode(canister,
        InstallMode.upgrade(), ByteBuffer.wrap(module(true)), NONE));
    assertEquals(before, replica.code(canister));
    assertArrayEquals(ORIGINAL, peek());
    assertEquals(STABLE_PAGES, stable().store().residentPages());
  }

  @Test
  void snapshot_writesAfterIt_loadBringsBothMemoriesBack_twice() {
    installed();
    Snapshot s = ic.takeCanisterSnapshot(canister, null);
    long allocated = stable().store().allocatedPages();
    agent.update(canister, "poke", NONE);
    // The write after the snapshot copied the one stable page it wrote.
    assertEquals(allocated + 1, stable().store().allocatedPages());
    assertEquals(0x55, tail(agent.query(canister, "heap", NONE), 8)[0]);
    for (int i = 0; i < 2; i++) {
      ic.loadCanisterSnapshot(canister, s.id());
      assertArrayEquals(ORIGINAL, peek());
      assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
          tail(agent.query(canister, "heap", NONE), 8));
      assertEquals(0, stable().store().allocatedPages(), "loading copied stable pages");
      agent.update(canister, "poke", NONE); // changes the canister, not the snapshot
    }
  }
}
