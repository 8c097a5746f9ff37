package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module installed from its chunks, which the replica never joins: its data segments' bytes
 * are read from the chunks they straddle, when its canister first touches a page (the initial
 * image is lazy), by memory.init, after a snapshot and a rollback, after a restart from a state
 * directory, and its custom sections are read from the chunks too.
 */
class ChunkedModuleBytesTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 10});
  static final int PAGE = Pages.PAGE;
  static final int MIB = 1024 * 1024;
  static final int PAGES = 64;
  /** Where the methods copy their argument: the last page, which no segment touches. */
  static final int SCRATCH = (PAGES - 1) * PAGE;
  /** Segment A: from page 1, 1.4 MB, its bytes over the module's first chunk boundary. */
  static final int A_AT = PAGE + 123;
  static final int A_LENGTH = 1_400_000;
  /** Segment B: a small one across a page boundary. */
  static final int B_AT = 40 * PAGE - 7;
  static final int B_LENGTH = 5000;
  static final String META = "test:meta";
  static final int META_LENGTH = 200_000;
  private static final AtomicLong SEEDS = new AtomicLong(System.nanoTime());

  /** A module with its segments' contents, unique to this instance (so no cache shares it). */
  static final class Module {
    final byte[] a;
    final byte[] b;
    final byte[] passive;
    final byte[] meta;
    final byte[] wasm;

    Module() {
      SplittableRandom random = new SplittableRandom(SEEDS.incrementAndGet());
      a = bytes(random, A_LENGTH);
      b = bytes(random, B_LENGTH);
      meta = bytes(random, META_LENGTH);
      // The passive segment's length puts the custom section's content across the 3 MiB chunk
      // boundary: the module is built once to find where it lies.
      int guess = 1_300_000;
      byte[] probe = build(bytes(random, guess));
      int metaAt = indexOf(probe, meta);
      passive = bytes(random, guess + (3 * MIB - META_LENGTH / 2) - metaAt);
      wasm = build(passive);
    }

    private byte[] build(byte[] passiveBytes) {
      WasmBuilder w = new WasmBuilder();
      int reply = w.importFunction("ic0", "msg_reply", types(), types());
      int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
      int arg = w.importFunction("ic0", "msg_arg_data_copy", types(I32, I32, I32), types());
      int trap = w.importFunction("ic0", "trap", types(I32, I32), types());
      w.memory(PAGES);
      w.data(A_AT, a);
      w.data(B_AT, b);
      int segment = w.passiveData(passiveBytes);
      // read (address, length): replies those bytes of main memory.
      w.export("canister_query read", w.function(types(), types(), types(), new Code()
          .i32(SCRATCH).i32(0).i32(8).call(arg)
          .i32(SCRATCH).i32Load().i32(SCRATCH + 4).i32Load().call(append)
          .call(reply).end()));
      // init (dest, offset, length): memory.init from the passive segment.
      w.export("canister_update init", w.function(types(), types(), types(), new Code()
          .i32(SCRATCH).i32(0).i32(12).call(arg)
          .i32(SCRATCH).i32Load().i32(SCRATCH + 4).i32Load().i32(SCRATCH + 8).i32Load()
          .op(0xfc, 8, segment, 0)
          .call(reply).end()));
      w.export("canister_update drop", w.function(types(), types(), types(), new Code()
          .op(0xfc, 9, segment).call(reply).end()));
      // poke (address): writes 0x77 there; poke_trap: and traps.
      w.export("canister_update poke", w.function(types(), types(), types(), new Code()
          .i32(SCRATCH).i32(0).i32(4).call(arg)
          .i32(SCRATCH).i32Load().i32(0x77).i32Store8()
          .call(reply).end()));
      w.export("canister_update poke_trap", w.function(types(), types(), types(), new Code()
          .i32(SCRATCH).i32(0).i32(4).call(arg)
          .i32(SCRATCH).i32Load().i32(0x77).i32Store8()
          .i32(0).i32(0).call(trap).end()));
      w.custom("icp:public " + META, meta);
      return w.build();
    }

    /** Main memory as instantiated: {@code len} bytes at {@code addr}. */
    byte[] initial(int addr, int len) {
      byte[] memory = new byte[len];
      overlay(memory, addr, A_AT, a);
      overlay(memory, addr, B_AT, b);
      return memory;
    }
  }

  static void overlay(byte[] window, int windowAt, int at, byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      long x = (long) at + i - windowAt;
      if (x >= 0 && x < window.length) {
        window[(int) x] = bytes[i];
      }
    }
  }

  static byte[] bytes(SplittableRandom random, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) random.nextInt(1, 256); // never zero: a zero page would not tell
    }
    return b;
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (haystack[i] == needle[0] && Arrays.equals(haystack, i, i + 64, needle, 0, 64)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  static byte[] le(int... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return b.array();
  }

  final Module module = new Module();
  Replica replica = new Replica(Clock.systemUTC(), InstructionLimits.IC,
      EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
  Principal canister = replica.create(ME, null, BigInteger.valueOf(1_000_000_000_000L), null);

  Agent agent() {
    Replica r = replica;
    return new Agent() {
      @Override
      public Principal sender() {
        return ME;
      }

      @Override
      public byte[] query(Principal canisterId, String method, byte[] arg, Principal effective) {
        return r.query(ME, canisterId, method, arg, effective);
      }

      @Override
      public byte[] update(Principal canisterId, String method, byte[] arg, Principal effective) {
        return r.update(ME, canisterId, method, arg, effective);
      }

      @Override
      public Optional<Sha256> moduleHash(Principal canisterId) {
        return r.moduleHash(canisterId);
      }
    };
  }

  ManagementCanister ic() {
    return CandidManagementCanister.over(agent());
  }

  void installChunked() {
    InstallOutcome outcome = ChunkedWasmInstaller.builder(ic()).build()
        .install(canister, WasmModule.of(module.wasm), InstallMode.install());
    assertTrue(((InstallOutcome.Installed) outcome).chunked(), "installed from chunks");
  }

  byte[] read(int addr, int len) {
    return agent().query(canister, "read", le(addr, len));
  }

  JournaledMemory.InitialImage image() {
    WasmCanister code = replica.code(canister);
    assertNotNull(code);
    return code.initialImage();
  }

  @Test
  void chunkedInstall_segmentsAcrossChunkBoundaries_readBackExactly_pageByPageAsTouched() {
    assertTrue(module.wasm.length > 3 * MIB, "four chunks: " + module.wasm.length);
    installChunked();
    assertEquals(0, image().pagesMade(), "installing touched no page of the data");
    // Around the module's first chunk boundary (1 MiB), where segment A's bytes are split.
    int across = A_AT + MIB - indexOf(module.wasm, module.a) - 200;
    assertArrayEquals(module.initial(across, 400), read(across, 400));
    int pages = ((across + 399) >>> 16) - (across >>> 16) + 1;
    assertEquals(pages, image().pagesMade(), "the pages read, and only those, made");
    assertArrayEquals(module.initial(0, PAGE + 200), read(0, PAGE + 200));
    assertArrayEquals(module.initial(A_AT + A_LENGTH - 100, 300),
        read(A_AT + A_LENGTH - 100, 300));
    assertArrayEquals(module.initial(B_AT - 10, B_LENGTH + 20), read(B_AT - 10, B_LENGTH + 20));
    assertArrayEquals(module.initial(A_AT, A_LENGTH), read(A_AT, A_LENGTH), "all of A");
  }

  @Test
  void memoryInit_passiveSegmentAcrossChunkBoundary_copiesItsBytes_andTrapsPastItsEnd() {
    installChunked();
    // The passive segment's bytes straddle the 2 MiB chunk boundary somewhere in the middle.
    int dest = 45 * PAGE + 3;
    int offset = 500_000;
    int len = 700_000;
    agent().update(canister, "init", le(dest, offset, len));
    byte[] expected = module.initial(dest - 5, len + 10);
    System.arraycopy(module.passive, offset, expected, 5, len);
    assertArrayEquals(expected, read(dest - 5, len + 10));

    // WebAssembly spec, memory.init: offset + length past the segment traps, and writes nothing.
    int length = module.passive.length;
    assertThrows(CanisterRejectException.class,
        () -> agent().update(canister, "init", le(0, length - 10, 11)));
    assertArrayEquals(module.initial(0, 64), read(0, 64));
    agent().update(canister, "init", le(0, length - 10, 10));
    byte[] tail = module.initial(0, 64);
    System.arraycopy(module.passive, length - 10, tail, 0, 10);
    assertArrayEquals(tail, read(0, 64));
    // Past the memory traps too.
    assertThrows(CanisterRejectException.class,
        () -> agent().update(canister, "init", le(PAGES * PAGE - 5, 0, 6)));

    // Dropped, the segment has length 0: only an empty init at offset 0 succeeds.
    agent().update(canister, "drop", new byte[0]);
    agent().update(canister, "init", le(0, 0, 0));
    assertThrows(CanisterRejectException.class,
        () -> agent().update(canister, "init", le(0, 0, 1)));
  }

  @Test
  void imagePage_firstTouchedAfterSnapshotWriteAndRollback_readsTheModulesBytes() {
    installChunked();
    ManagementCanister ic = ic();
    Snapshot snapshot = ic.takeCanisterSnapshot(canister, null);
    int written = A_AT + 3 * PAGE + 17;
    agent().update(canister, "poke", le(written));
    byte[] poked = module.initial(written - 8, 16);
    poked[8] = 0x77;
    assertArrayEquals(poked, read(written - 8, 16));

    // A message that writes a page no one has touched and traps leaves the module's bytes.
    int rolledBack = A_AT + 9 * PAGE + 5;
    assertThrows(CanisterRejectException.class,
        () -> agent().update(canister, "poke_trap", le(rolledBack)));
    assertArrayEquals(module.initial(rolledBack - 8, 16), read(rolledBack - 8, 16));

    ic.loadCanisterSnapshot(canister, snapshot.id());
    assertArrayEquals(module.initial(written - 8, 16), read(written - 8, 16),
        "the snapshot was taken before the write");
    int untouched = A_AT + 15 * PAGE;
    assertArrayEquals(module.initial(untouched, 2 * PAGE), read(untouched, 2 * PAGE),
        "a page first read after the load");
  }

  @Test
  void stateDirectory_chunkedInstalledCanister_comesBackWithItsModuleMemoryAndMetadata(
      @TempDir Path dir) {
    replica = Replica.open(dir, Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
    canister = replica.create(ME, null, BigInteger.valueOf(1_000_000_000_000L), null);
    installChunked();
    int written = A_AT + 2 * PAGE;
    agent().update(canister, "poke", le(written));
    Snapshot snapshot = ic().takeCanisterSnapshot(canister, null);
    agent().update(canister, "poke", le(written + 1));
    Sha256 hash = replica.moduleHash(canister).orElseThrow();
    replica.close();

    replica = Replica.open(dir, Clock.systemUTC(), InstructionLimits.IC,
        EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
    assertEquals(Sha256.of(module.wasm), replica.moduleHash(canister).orElseThrow());
    assertEquals(hash, replica.moduleHash(canister).orElseThrow());
    byte[] now = module.initial(written, 4);
    now[0] = 0x77;
    now[1] = 0x77;
    assertArrayEquals(now, read(written, 4));
    assertArrayEquals(module.initial(A_AT + 10 * PAGE, PAGE), read(A_AT + 10 * PAGE, PAGE));
    assertArrayEquals(module.meta, replica.metadata(ME, canister, META).orElseThrow());
    ic().loadCanisterSnapshot(canister, snapshot.id());
    byte[] then = module.initial(written, 4);
    then[0] = 0x77;
    assertArrayEquals(then, read(written, 4));
    replica.close();
  }

  @Test
  void metadata_customSectionAcrossChunkBoundary_readFromTheChunks() {
    int at = indexOf(module.wasm, module.meta);
    assertTrue(at < 3 * MIB && at + META_LENGTH > 3 * MIB, "straddles 3 MiB: " + at);
    installChunked();
    assertArrayEquals(module.meta, replica.metadata(ME, canister, META).orElseThrow());
    assertEquals(Optional.empty(), replica.metadata(ME, canister, "other"));
  }
}
