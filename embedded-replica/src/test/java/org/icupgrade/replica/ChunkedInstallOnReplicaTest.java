package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The installer end to end over real Candid against the strict embedded replica. */
class ChunkedInstallOnReplicaTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 2});
  static final Principal STRANGER = Principal.fromBytes(new byte[] {6, 6, 6, 2});
  static final int MIB = 1024 * 1024;

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(ME));
  final List<Duration> slept = new ArrayList<>();
  final ChunkedWasmInstaller installer =
      ChunkedWasmInstaller.builder(ic)
          .retryPolicy(RetryPolicy.defaults().withSleeper(slept::add)).build();
  final Principal canister = replica.createCanister(ME);

  static WasmModule module(int size, long seed) {
    return WasmModule.of(SyntheticWasm.ofSize(size, seed));
  }

  @Test
  void install_emptyModule_refused() {
    assertThrows(IllegalArgumentException.class, () -> WasmModule.of(new byte[0]));
    // And the replica refuses it too, if someone sends it raw.
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> ic.installCode(canister, InstallMode.install(), java.nio.ByteBuffer.allocate(0),
            new byte[0]));
    assertTrue(e.rejectMessage().contains("empty"), e.getMessage());
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  @Test
  void install_oneKiB_oneMessage() {
    WasmModule m = module(1024, 1);
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(canister, m, InstallMode.install()));
    assertFalse(i.chunked());
    assertEquals(1, replica.calls("install_code").size());
    assertTrue(replica.calls("upload_chunk").isEmpty());
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
  }

  /** The default argument {@code ()} is 6 bytes; the cutoff is on module plus argument. */
  @ParameterizedTest
  @ValueSource(ints = {-1, 0, 1})
  void install_aroundSingleMessageCutoff_switchesToChunked(int delta) {
    int size = ChunkedWasmInstaller.SINGLE_MESSAGE_LIMIT - 6 + delta;
    WasmModule m = module(size, 2);
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(canister, m, InstallMode.install()));
    assertEquals(delta > 0, i.chunked());
    assertEquals(delta > 0 ? 0 : 1, replica.calls("install_code").size());
    assertEquals(delta > 0 ? 1 : 0, replica.calls("install_chunked_code").size());
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 60, 100})
  void install_multiMiB_chunkedAndProven(int mib) {
    WasmModule m = module(mib * MIB, 3);
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(canister, m, InstallMode.install()));
    assertTrue(i.chunked());
    assertEquals(mib, i.chunksUploaded());
    assertEquals(mib, replica.calls("upload_chunk").size());
    assertEquals((long) mib * MIB, i.bytesUploaded());
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
    assertTrue(replica.chunkStore(canister).isEmpty(), "chunk store cleared afterwards");
  }

  @Test
  void install_101MiB_refusedBeforeAnyUpload() {
    byte[] big = new byte[101 * MIB];
    System.arraycopy(new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0}, 0, big, 0, 8);
    WasmModule m = WasmModule.of(big);
    replica.clearCalls();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> installer.install(canister, m, InstallMode.install()));
    assertTrue(e.getMessage().contains("at most 100 chunks"), e.getMessage());
    assertTrue(replica.calls().isEmpty(), "nothing was sent: " + replica.calls());
  }

  @Test
  void install_interruptedUpload_resumesUploadingOnlyMissingChunks() {
    WasmModule m = module(6 * MIB, 4);
    ChunkedWasmInstaller noRetry =
        ChunkedWasmInstaller.builder(ic).retryPolicy(RetryPolicy.none()).build();
    // The connection drops for good at the fourth chunk.
    replica.failAfter("upload_chunk", 3, 1,
        () -> new TransportException("connection reset", false, null));
    assertThrows(TransportException.class, () -> noRetry.install(canister, m, InstallMode.install()));
    assertEquals(3, replica.chunkStore(canister).size(), "uploaded chunks are kept");
    assertTrue(replica.calls("install_chunked_code").isEmpty());
    assertTrue(replica.calls("clear_chunk_store").isEmpty());

    replica.clearCalls();
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        noRetry.install(canister, m, InstallMode.install()));
    assertEquals(3, i.chunksSkipped());
    assertEquals(3, i.chunksUploaded());
    assertEquals(List.of("stored_chunks", "upload_chunk", "upload_chunk", "upload_chunk",
        "install_chunked_code", "clear_chunk_store"),
        replica.calls().stream().map(RecordedCall::method).toList());
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
  }

  /** Replies lost after the replica acted: a retried chunk, and an install that did happen. */
  @Test
  void install_lostReplies_chunkRetriedAndInstallNotRepeated() {
    WasmModule m = module(3 * MIB, 9);
    replica.fault(Fault.on("upload_chunk").canister(canister).attempt(2).loseReply());
    replica.fault(Fault.on("install_chunked_code").canister(canister).loseReply());
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(canister, m, InstallMode.install()));
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
    assertEquals(1, replica.calls("install_chunked_code").size(), "the install was not repeated");
    assertTrue(replica.calls("install_chunked_code").get(0).replyLost());
    assertEquals(1, replica.calls("upload_chunk").stream().filter(RecordedCall::replyLost).count());
    assertTrue(i.chunkStoreCleared());
    assertTrue(replica.chunkStore(canister).isEmpty());
  }

  @Test
  void install_notController_clearRejectionAndNothingChanges() {
    WasmModule v1 = module(1024, 5);
    installer.install(canister, v1, InstallMode.install());
    ChunkedWasmInstaller stranger = ChunkedWasmInstaller.builder(
        CandidManagementCanister.over(replica.agentFor(STRANGER))).build();
    WasmModule v2 = module(3 * MIB, 6);
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> stranger.install(canister, v2, InstallMode.upgrade()));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertTrue(e.rejectMessage().contains("Only controllers"), e.getMessage());
    assertEquals(Optional.of("IC0512"), e.errorCode());
    assertEquals(Optional.of(v1.hash()), replica.moduleHash(canister));
    assertTrue(replica.chunkStore(canister).isEmpty());
    assertEquals(1, replica.calls("stored_chunks").stream().filter(RecordedCall::rejected).count());
  }

  @Test
  void installChunkedCode_wrongChunkHashList_rejected() {
    WasmModule m = module(2 * MIB + 100, 7);
    m.chunks().forEach(c -> ic.uploadChunk(canister, c.content()));
    List<Sha256> reversed = new ArrayList<>(m.chunks().stream().map(c -> c.hash()).toList());
    java.util.Collections.reverse(reversed);
    CanisterRejectException wrongOrder = assertThrows(CanisterRejectException.class,
        () -> ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.install(), canister,
            null, reversed, m.hash(), new byte[0])));
    assertTrue(wrongOrder.rejectMessage().contains("does not match"), wrongOrder.getMessage());
    List<Sha256> unknown = List.of(Sha256.of(new byte[] {42}));
    CanisterRejectException missing = assertThrows(CanisterRejectException.class,
        () -> ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.install(), canister,
            null, unknown, m.hash(), new byte[0])));
    assertTrue(missing.rejectMessage().contains("not in the chunk store"), missing.getMessage());
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  /**
   * The replica remembers what a chunk list joined to (a fleet installs one store's chunks into
   * many canisters): the second install of the same list still checks the chunks are in the store
   * and the hash given, and installs the same module.
   */
  @Test
  void installChunkedCode_sameChunkListTwice_secondStillChecksStoreAndHash() {
    Principal store = replica.createCanister(ME);
    Principal second = replica.createCanister(ME);
    WasmModule m = module(2 * MIB + 100, 9);
    m.chunks().forEach(c -> ic.uploadChunk(store, c.content()));
    List<Sha256> list = m.chunks().stream().map(c -> c.hash()).toList();
    ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.install(), canister, store,
        list, m.hash(), new byte[0]));
    CanisterRejectException wrongHash = assertThrows(CanisterRejectException.class,
        () -> ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.install(), second,
            store, list, Sha256.of(new byte[] {1}), new byte[0])));
    assertTrue(wrongHash.rejectMessage().contains("does not match"), wrongHash.getMessage());
    CanisterRejectException elsewhere = assertThrows(CanisterRejectException.class,
        () -> ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.install(), second,
            second, list, m.hash(), new byte[0])));
    assertTrue(elsewhere.rejectMessage().contains("not in the chunk store"),
        elsewhere.getMessage());
    assertEquals(Optional.empty(), replica.moduleHash(second));
    ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.install(), second, store,
        list, m.hash(), new byte[0]));
    assertEquals(Optional.of(m.hash()), replica.moduleHash(second));
    ic.clearChunkStore(store);
    Principal third = replica.createCanister(ME);
    CanisterRejectException cleared = assertThrows(CanisterRejectException.class,
        () -> ic.installChunkedCode(new InstallChunkedCodeRequest(InstallMode.install(), third,
            store, list, m.hash(), new byte[0])));
    assertTrue(cleared.rejectMessage().contains("not in the chunk store"), cleared.getMessage());
  }

  @Test
  void install_viaStoreCanister_uploadsThereAndInstallsTarget() {
    Principal store = replica.createCanister(ME);
    WasmModule m = module(3 * MIB, 8);
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(InstallRequest.builder(canister, m).installMode(InstallMode.install())
            .storeCanister(store).build()));
    assertTrue(i.chunked());
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
    assertEquals(Optional.empty(), replica.moduleHash(store));
    assertTrue(replica.calls("upload_chunk").stream()
        .allMatch(c -> c.effectiveCanisterId().equals(store)));
    assertTrue(replica.chunkStore(store).isEmpty());
  }

  @Test
  void install_storeCanisterNotControlled_rejected() {
    Principal foreignStore = replica.createCanister(STRANGER);
    WasmModule m = module(3 * MIB, 9);
    assertThrows(CanisterRejectException.class, () -> installer.install(InstallRequest
        .builder(canister, m).installMode(InstallMode.install()).storeCanister(foreignStore)
        .build()));
    assertEquals(Optional.empty(), replica.moduleHash(canister));
  }

  @Test
  void install_transientFailureOnOneUpload_retriedAndCorrect() {
    WasmModule m = module(4 * MIB, 10);
    replica.failAfter("upload_chunk", 1, 1, () -> new CanisterRejectException(
        RejectCode.SYS_TRANSIENT, "subnet busy", "IC0999", Principal.MANAGEMENT_CANISTER,
        "upload_chunk"));
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(canister, m, InstallMode.install()));
    assertEquals(4, i.chunksUploaded());
    assertEquals(5, replica.calls("upload_chunk").size());
    assertEquals(1, replica.calls("upload_chunk").stream().filter(RecordedCall::rejected).count());
    assertEquals(List.of(Duration.ofMillis(250)), slept);
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
  }

  @Test
  void install_parallelUploads_sameResult() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      WasmModule m = module(12 * MIB, 11);
      InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
          ChunkedWasmInstaller.builder(ic).uploadExecutor(pool, 4).build()
              .install(canister, m, InstallMode.install()));
      assertEquals(12, i.chunksUploaded());
      assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void upgrade_sameModule_alreadyCurrentWithoutCalls() {
    WasmModule m = module(3 * MIB, 12);
    installer.install(canister, m, InstallMode.install());
    replica.clearCalls();
    assertInstanceOf(InstallOutcome.AlreadyCurrent.class,
        installer.install(canister, m, InstallMode.upgrade()));
    assertTrue(replica.calls().isEmpty());
  }

  @Test
  void install_storeFullOfUnrelatedChunks_stillWorks() {
    for (int i = 0; i < 99; i++) {
      ic.uploadChunk(canister, java.nio.ByteBuffer.wrap(new byte[] {(byte) i, 1, 2, 3}));
    }
    WasmModule m = module(2 * MIB + 10, 13);
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer.install(canister, m, InstallMode.install()));
    assertEquals(3, i.chunksUploaded());
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
    assertEquals(2, replica.calls("clear_chunk_store").size(), "cleared before and after");
  }

  @Test
  void install_storeWithFewUnrelatedChunks_keepsThemUntilAfterInstall() {
    ic.uploadChunk(canister, java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
    WasmModule m = module(2 * MIB + 10, 14);
    installer.install(canister, m, InstallMode.install());
    assertEquals(1, replica.calls("clear_chunk_store").size());
    assertEquals(Optional.of(m.hash()), replica.moduleHash(canister));
  }
}
