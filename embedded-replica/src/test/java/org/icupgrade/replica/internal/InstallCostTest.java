package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/**
 * What an install costs the replica: the module is decoded once, and the memory it declares is
 * checked against the IC's 4 GiB and the replica's heap budget before anything is allocated.
 */
class InstallCostTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};

  /** A module with only a memory section declaring {@code pages} initial pages. */
  static byte[] memoryOnly(long pages) {
    ByteBuffer b = ByteBuffer.allocate(32);
    b.put(new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0});
    java.io.ByteArrayOutputStream leb = new java.io.ByteArrayOutputStream();
    long v = pages;
    do {
      int bits = (int) (v & 0x7f);
      v >>>= 7;
      leb.write(v != 0 ? bits | 0x80 : bits);
    } while (v != 0);
    byte[] l = leb.toByteArray();
    b.put((byte) 5).put((byte) (2 + l.length)).put((byte) 1).put((byte) 0).put(l);
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  static CanisterRejectException installRefused(EmbeddedReplica replica, byte[] module) {
    Principal canister = replica.createCanister(ME);
    ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(ME));
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(module), NONE));
    assertEquals(Optional.of("IC0505"), e.errorCode());
    assertEquals(Optional.empty(), replica.moduleHash(canister));
    return e;
  }

  @Test
  void memoryOver4GiB_isRefusedAsTheIcRefusesIt() {
    byte[] module = memoryOnly(65_537);
    assertEquals(15, module.length);
    CanisterRejectException e = installRefused(EmbeddedReplica.start(), module);
    assertTrue(e.getMessage().contains("at most 65536 pages (4GiB)"), e.getMessage());
  }

  @Test
  void memoryOf2To4GiB_isRefusedNamingTheHeapBudgetNotAnOutOfMemoryError() {
    for (long pages : new long[] {32_768, 49_152, 65_536}) {
      byte[] module = memoryOnly(pages);
      CanisterRejectException e = installRefused(EmbeddedReplica.start(), module);
      assertTrue(e.getMessage().contains("heap budget of " + EmbeddedReplica.DEFAULT_HEAP_BUDGET),
          e.getMessage());
      assertTrue(e.getMessage().contains("EmbeddedReplica.start(clock, limits, heapBudget)"),
          e.getMessage());
    }
  }

  /** Grows memory by one page and replies memory.grow's result as 4 little-endian bytes. */
  static byte[] grower(int pages) {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    w.export("canister_update grow", w.function(types(), types(), types(), new Code()
        .i32(0).i32(1).memoryGrow().i32Store().i32(0).i32(4).call(append).call(reply).end()));
    w.memory(pages);
    return w.build();
  }

  @Test
  void heapBudget_isConfigurable_andMemoryGrowFailsPastIt() {
    EmbeddedReplica replica = EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC,
        2 * 65_536);
    installRefused(replica, grower(3));
    Principal canister = replica.createCanister(ME);
    CandidManagementCanister.over(replica.agentFor(ME))
        .installCode(canister, InstallMode.install(), ByteBuffer.wrap(grower(1)), NONE);
    assertEquals(1, grow(replica, canister), "one page to two: the old size");
    assertEquals(-1, grow(replica, canister), "past the budget, memory.grow fails");
    assertThrows(IllegalArgumentException.class,
        () -> EmbeddedReplica.start(Clock.systemUTC(), InstructionLimits.IC, 1L << 31));
  }

  static int grow(EmbeddedReplica replica, Principal canister) {
    byte[] r = replica.agentFor(ME).update(canister, "grow", NONE);
    return ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  /** {@code wasm} with a custom section that makes it unlike any other module. */
  static byte[] unique(byte[] wasm) {
    byte[] tag = ByteBuffer.allocate(8).putLong(System.nanoTime()).array();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(wasm);
    out.write(0); // a custom section: its size, a one-byte name "u", the tag
    out.write(2 + tag.length);
    out.write(1);
    out.write('u');
    out.writeBytes(tag);
    return out.toByteArray();
  }

  @Test
  void install_decodesTheModuleOnce() {
    EmbeddedReplica replica = EmbeddedReplica.start();
    Principal canister = replica.createCanister(ME);
    ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(ME));
    // Modules unlike any this JVM has decoded: a module seen before is not decoded again.
    byte[] module = unique(grower(1));
    long before = ModuleParser.PARSES.get();
    ic.installCode(canister, InstallMode.install(), ByteBuffer.wrap(module), NONE);
    assertEquals(1, ModuleParser.PARSES.get() - before, "install_code");
    ic.installCode(canister, InstallMode.reinstall(), ByteBuffer.wrap(module), NONE);
    assertEquals(1, ModuleParser.PARSES.get() - before, "the same module again");

    byte[] big = SyntheticWasm.ofSize(3 * 1024 * 1024, System.nanoTime());
    List<Sha256> chunks = List.of(
        ic.uploadChunk(canister, ByteBuffer.wrap(big, 0, 1 << 20)),
        ic.uploadChunk(canister, ByteBuffer.wrap(big, 1 << 20, 1 << 20)),
        ic.uploadChunk(canister, ByteBuffer.wrap(big, 2 << 20, big.length - (2 << 20))));
    before = ModuleParser.PARSES.get();
    ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.reinstall(), canister,
        null, chunks, Sha256.of(big), NONE));
    assertEquals(1, ModuleParser.PARSES.get() - before, "install_chunked_code");
    assertEquals(Sha256.of(big), replica.moduleHash(canister).orElseThrow());
  }
}
