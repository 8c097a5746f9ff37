package org.icupgrade.replica;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.replica.demo.DemoCanisters;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirectoryTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final Principal OTHER = Principal.fromBytes(new byte[] {7, 7, 7});
  static final byte[] NO_ARGS = {'D', 'I', 'D', 'L', 0, 0};

  @TempDir Path dir;

  static long count(Agent agent, Principal canister) {
    byte[] reply = agent.query(canister, "get_count", NO_ARGS);
    return ByteBuffer.wrap(reply, 7, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** A counter canister installed and counted to {@code n}. */
  static Principal counter(EmbeddedReplica replica, int n) {
    Principal canister = replica.createCanister(ME);
    Agent agent = replica.agentFor(ME);
    ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build()
        .install(canister, WasmModule.of(DemoCanisters.targetV1()), InstallMode.install());
    for (int i = 0; i < n; i++) {
      agent.update(canister, "increment", NO_ARGS);
    }
    return canister;
  }

  static byte[] statusReply(Agent agent, Principal canister) {
    return agent.update(Principal.MANAGEMENT_CANISTER, "canister_status",
        ManagementCandid.encodeCanisterIdArgs(canister), canister);
  }

  @Test
  void restart_bringsBackCountersSnapshotsChunksControllersModuleHashAndRootKey() {
    Principal canister;
    Snapshot snapshot;
    List<Sha256> chunks;
    byte[] rootKey;
    Sha256 moduleHash;
    Principal second;
    byte[] status;
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      rootKey = replica.rootKey();
      canister = counter(replica, 3);
      Agent agent = replica.agentFor(ME);
      ManagementCanister ic = CandidManagementCanister.over(agent);
      snapshot = ic.takeCanisterSnapshot(canister, null);
      agent.update(canister, "increment", NO_ARGS);
      agent.update(canister, "increment", NO_ARGS);
      ic.uploadChunk(canister, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      ic.uploadChunk(canister, ByteBuffer.wrap(new byte[70_000]));
      ic.updateSettings(canister, CanisterSettings.builder().controllers(List.of(ME, OTHER))
          .freezingThreshold(java.math.BigInteger.valueOf(12_345)).build());
      chunks = replica.chunkStore(canister);
      moduleHash = replica.moduleHash(canister).orElseThrow();
      second = replica.createCanister(OTHER);
      ic.stopCanister(canister);
      ic.startCanister(canister);
      status = statusReply(agent, canister);
      assertEquals(5, count(agent, canister));
    }

    try (EmbeddedReplica again = EmbeddedReplica.open(dir)) {
      Agent agent = again.agentFor(ME);
      ManagementCanister ic = CandidManagementCanister.over(agent);
      assertArrayEquals(rootKey, again.rootKey());
      assertEquals(5, count(agent, canister));
      assertEquals(List.of(ME, OTHER), again.controllers(canister));
      assertEquals(List.of(OTHER), again.controllers(second));
      assertEquals(moduleHash, again.moduleHash(canister).orElseThrow());
      assertEquals(Sha256.of(DemoCanisters.targetV1()), moduleHash);
      assertEquals(chunks, again.chunkStore(canister));
      // Status, version and every setting, as canister_status answers them.
      assertArrayEquals(status, statusReply(agent, canister));
      assertEquals(List.of(snapshot), ic.listCanisterSnapshots(canister));
      // The code goes on from its state: the counter counts on, and the snapshot loads.
      agent.update(canister, "increment", NO_ARGS);
      assertEquals(6, count(agent, canister));
      ic.loadCanisterSnapshot(canister, snapshot.id());
      assertEquals(3, count(agent, canister));
      // The allocator goes on too: a new canister does not get an id handed out before.
      Principal third = again.createCanister(ME);
      assertNotEquals(canister, third);
      assertNotEquals(second, third);
    }
  }

  @Test
  void restart_upgradeAfterwardsKeepsTheCounterThroughStableMemory() {
    Principal canister;
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      canister = counter(replica, 4);
    }
    try (EmbeddedReplica again = EmbeddedReplica.open(dir)) {
      Agent agent = again.agentFor(ME);
      ChunkedWasmInstaller.builder(CandidManagementCanister.over(agent)).build()
          .install(canister, WasmModule.of(DemoCanisters.targetV2()), InstallMode.upgrade());
      assertEquals(4, count(agent, canister));
    }
  }

  @Test
  void freshDirectory_restartBeforeAnyCall_sameEmptyReplica() {
    byte[] key;
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir.resolve("new"))) {
      key = replica.rootKey();
    }
    try (EmbeddedReplica again = EmbeddedReplica.open(dir.resolve("new"))) {
      assertArrayEquals(key, again.rootKey());
      Principal first = again.createCanister(ME);
      assertEquals(List.of(ME), again.controllers(first));
    }
  }

  @Test
  void rootKeyFile_ownerOnly() throws IOException {
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      replica.rootKey();
    }
    Path key = dir.resolve("root-key");
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
          Files.getPosixFilePermissions(key));
    }
    assertEquals(65, Files.readString(key).length());
  }

  @Test
  void openTwice_refusedWhileTheFirstIsOpen() {
    Principal canister;
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      UncheckedIOException e =
          assertThrows(UncheckedIOException.class, () -> EmbeddedReplica.open(dir));
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
      // The refused opening left the first one working.
      canister = replica.createCanister(OTHER);
    }
    try (EmbeddedReplica again = EmbeddedReplica.open(dir)) {
      assertEquals(List.of(OTHER), again.controllers(canister));
    }
  }

  @Test
  void closed_changesRefused() {
    EmbeddedReplica replica = EmbeddedReplica.open(dir);
    replica.close();
    assertThrows(IllegalStateException.class, () -> replica.createCanister(ME));
  }

  static Path newest(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().matches("state-\\d+\\.bin"))
          .sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  @Test
  void checkpoints_theNewestAndThePreviousAreKept() throws IOException {
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      counter(replica, 2);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(2, files.filter(p -> p.getFileName().toString().startsWith("state-")).count());
    }
  }

  @Test
  void damagedFile_refusedNamingTheDirectory() throws IOException {
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      counter(replica, 1);
    }
    Path file = newest(dir);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(file, bytes);
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> EmbeddedReplica.open(dir));
    assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("checksum does not match"), e.getMessage());
    assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
  }

  @Test
  void truncatedFile_refused() throws IOException {
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      counter(replica, 1);
    }
    Path file = newest(dir);
    byte[] bytes = Files.readAllBytes(file);
    for (int keep : new int[] {bytes.length - 1, 13, 0}) {
      Files.write(file, Arrays.copyOf(bytes, keep));
      UncheckedIOException e =
          assertThrows(UncheckedIOException.class, () -> EmbeddedReplica.open(dir));
      assertTrue(e.getMessage().contains("truncated"), keep + ": " + e.getMessage());
    }
  }

  @Test
  void unknownFormatVersion_refusedSayingWhich() throws IOException {
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      counter(replica, 1);
    }
    Path file = newest(dir);
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer.wrap(bytes).putInt(8, 99);
    // A well-formed file of another version: its checksum is right.
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
    Files.write(file, bytes);
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> EmbeddedReplica.open(dir));
    assertTrue(e.getMessage().contains("format version 99"), e.getMessage());
    assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
  }

  @Test
  void notAStateFile_refused() throws IOException {
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      counter(replica, 1);
    }
    Files.writeString(newest(dir), "hello, this is not a checkpoint at all");
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> EmbeddedReplica.open(dir));
    assertTrue(e.getMessage().contains("not a replica state file"), e.getMessage());
  }

  @Test
  void keyOfAnotherReplica_refused() throws IOException {
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      counter(replica, 1);
    }
    try (EmbeddedReplica other = EmbeddedReplica.open(dir.resolve("other"))) {
      other.rootKey();
    }
    Files.copy(dir.resolve("other/root-key"), dir.resolve("root-key"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> EmbeddedReplica.open(dir));
    assertTrue(e.getMessage().contains("root key"), e.getMessage());
  }

  @Test
  void time_neverGoesBackAfterARestart() {
    Instant late = Instant.parse("2030-01-01T00:00:00Z");
    Principal canister;
    Snapshot before;
    try (EmbeddedReplica replica =
        EmbeddedReplica.open(dir, Clock.fixed(late, ZoneOffset.UTC))) {
      canister = counter(replica, 1);
      before = CandidManagementCanister.over(replica.agentFor(ME))
          .takeCanisterSnapshot(canister, null);
    }
    Instant early = Instant.parse("2001-01-01T00:00:00Z");
    try (EmbeddedReplica again =
        EmbeddedReplica.open(dir, Clock.fixed(early, ZoneOffset.UTC))) {
      Snapshot after = CandidManagementCanister.over(again.agentFor(ME))
          .takeCanisterSnapshot(canister, null);
      assertTrue(after.takenAtTimestampNanos() >= before.takenAtTimestampNanos(),
          after + " before " + before);
      assertNotEquals(before.id(), after.id());
    }
  }

  @Test
  void restore_runsNeitherInitNorTheStartFunction() {
    // (start) traps once stable memory is not empty, and canister_init grows it: a restore
    // that ran the start function again on the restored state would fail; init adds 5 to g.
    WasmBuilder w = new WasmBuilder();
    int stableSize = w.importFunction("ic0", "stable_size", types(), types(I32));
    int stableGrow = w.importFunction("ic0", "stable_grow", types(I32), types(I32));
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int g = w.global(I32, true, 0);
    int start = w.function(types(), types(), types(), new Code()
        .call(stableSize).ifThen().op(0x00).end().end());
    w.export("canister_init", w.function(types(), types(), types(), new Code()
        .i32(1).call(stableGrow).drop().globalGet(g).i32(5).i32Add().globalSet(g).end()));
    w.export("canister_update bump", w.function(types(), types(), types(), new Code()
        .globalGet(g).i32(1).i32Add().globalSet(g)
        .i32(0).globalGet(g).i32Store8().i32(0).i32(1).call(append).call(reply).end()));
    w.export("canister_query g", w.function(types(), types(), types(), new Code()
        .i32(0).globalGet(g).i32Store8().i32(0).i32(1).call(append).call(reply).end()));
    w.start(start);
    w.memory(1);
    byte[] module = w.build();
    Principal canister;
    try (EmbeddedReplica replica = EmbeddedReplica.open(dir)) {
      canister = replica.createCanister(ME);
      CandidManagementCanister.over(replica.agentFor(ME))
          .installCode(canister, InstallMode.install(), ByteBuffer.wrap(module), NO_ARGS);
      replica.agentFor(ME).update(canister, "bump", NO_ARGS);
      assertArrayEquals(new byte[] {6}, replica.agentFor(ME).query(canister, "g", NO_ARGS));
    }
    try (EmbeddedReplica again = EmbeddedReplica.open(dir)) {
      assertArrayEquals(new byte[] {6}, again.agentFor(ME).query(canister, "g", NO_ARGS));
      assertArrayEquals(new byte[] {7}, again.agentFor(ME).update(canister, "bump", NO_ARGS));
    }
  }
}
