package org.icupgrade.core.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.calls.RetryPolicy;
import org.junit.jupiter.api.Test;

class DefaultChunkedWasmInstallerTest {
  static final Principal TARGET = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal STORE = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");

  final FakeManagementCanister mc = new FakeManagementCanister();
  final List<Duration> slept = Collections.synchronizedList(new ArrayList<>());

  static WasmModule module(int size, int seed) {
    return TestModules.of(size, seed);
  }

  ChunkedWasmInstaller installer() {
    return ChunkedWasmInstaller.builder(mc)
        .retryPolicy(RetryPolicy.defaults().withSleeper(slept::add)).build();
  }

  @Test
  void install_atSingleMessageLimit_oneInstallCode() {
    WasmModule m = module(ChunkedWasmInstaller.SINGLE_MESSAGE_LIMIT - 6, 1);
    InstallOutcome out = installer().install(TARGET, m, InstallMode.install());
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class, out);
    assertFalse(i.chunked());
    assertEquals(List.of("module_hash", "install_code", "module_hash"), mc.calls);
    assertEquals(m.size(), i.bytesUploaded());
    assertEquals(m.hash(), i.moduleHash());
  }

  @Test
  void install_oneByteOverLimit_chunked() {
    WasmModule m = module(ChunkedWasmInstaller.SINGLE_MESSAGE_LIMIT - 5, 1);
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer().install(TARGET, m, InstallMode.install()));
    assertTrue(i.chunked());
    assertEquals(List.of("module_hash", "stored_chunks", "upload_chunk", "upload_chunk",
        "install_chunked_code", "clear_chunk_store", "module_hash"), mc.calls);
    assertEquals(2, i.chunksUploaded());
    assertTrue(i.chunkStoreCleared());
  }

  @Test
  void install_moreThan100Chunks_refusedBeforeAnyCall() {
    WasmModule m = module(100 * WasmModule.CHUNK_SIZE + 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> installer().install(TARGET, m, InstallMode.install()));
    assertTrue(e.getMessage().contains("101 chunks"), e.getMessage());
    assertTrue(mc.calls.isEmpty());
  }

  @Test
  void upgrade_sameHashInstalled_alreadyCurrentAndNothingSent() {
    WasmModule m = module(1000, 1);
    mc.installed.put(TARGET, m.hash());
    InstallOutcome out = installer().install(TARGET, m, InstallMode.upgrade());
    assertInstanceOf(InstallOutcome.AlreadyCurrent.class, out);
    assertEquals(List.of("module_hash"), mc.calls);
  }

  @Test
  void upgrade_sameHashForced_installs() {
    WasmModule m = module(1000, 1);
    mc.installed.put(TARGET, m.hash());
    InstallOutcome out = installer().install(
        InstallRequest.builder(TARGET, m).installMode(InstallMode.upgrade()).force(true).build());
    assertInstanceOf(InstallOutcome.Installed.class, out);
    assertEquals(1, mc.count("install_code"));
  }

  @Test
  void install_someChunksStored_uploadsOnlyMissing() {
    WasmModule m = module(5 * WasmModule.CHUNK_SIZE, 2);
    mc.store(TARGET).put(m.chunks().get(0).hash(), m.chunks().get(0).toBytes());
    mc.store(TARGET).put(m.chunks().get(3).hash(), m.chunks().get(3).toBytes());
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer().install(TARGET, m, InstallMode.install()));
    assertEquals(3, mc.count("upload_chunk"));
    assertEquals(3, i.chunksUploaded());
    assertEquals(2, i.chunksSkipped());
    assertEquals(3L * WasmModule.CHUNK_SIZE, i.bytesUploaded());
  }

  @Test
  void install_identicalChunks_uploadedOnce() {
    WasmModule m = TestModules.of(4 * WasmModule.CHUNK_SIZE, 0);
    installer().install(TARGET, m, InstallMode.install());
    // chunk 0 carries the magic; chunks 1..3 are all zeros and share one hash
    assertEquals(2, mc.count("upload_chunk"));
    assertEquals(m.hash(), mc.installed.get(TARGET));
  }

  @Test
  void install_transientUploadFailure_retriedWithBackoff() {
    WasmModule m = module(3 * WasmModule.CHUNK_SIZE, 3);
    mc.failNext("upload_chunk",
        new CanisterRejectException(RejectCode.SYS_TRANSIENT, "busy", null, null, "upload_chunk"),
        new TransportException("connection reset", true, null));
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer().install(TARGET, m, InstallMode.install()));
    assertEquals(5, mc.count("upload_chunk"));
    assertEquals(3, i.chunksUploaded());
    assertEquals(List.of(Duration.ofMillis(250), Duration.ofMillis(500)), slept);
    assertEquals(m.hash(), mc.installed.get(TARGET));
  }

  @Test
  void install_notControllerReject_notRetried() {
    WasmModule m = module(1000, 1);
    mc.failNext("install_code", new CanisterRejectException(
        RejectCode.CANISTER_ERROR, "Only controllers of canister may call install_code",
        "IC0512", Principal.MANAGEMENT_CANISTER, "install_code"));
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> installer().install(TARGET, m, InstallMode.install()));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertEquals(1, mc.count("install_code"));
    assertTrue(slept.isEmpty());
  }

  @Test
  void install_retriesExhausted_lastFailureThrown() {
    WasmModule m = module(1000, 1);
    TransportException last = new TransportException("down 5", true, null);
    mc.failNext("install_code", new TransportException("down 1", true, null),
        new TransportException("down 2", true, null), new TransportException("down 3", true, null),
        new TransportException("down 4", true, null), last);
    TransportException e = assertThrows(TransportException.class,
        () -> installer().install(TARGET, m, InstallMode.install()));
    assertSame(last, e);
    assertEquals(4, slept.size());
  }

  @Test
  void install_transportFailureAfterInstallLanded_notRepeated() {
    WasmModule m = module(1000, 1);
    mc.loseInstallReply = true;
    InstallOutcome out = installer().install(TARGET, m, InstallMode.upgrade());
    assertInstanceOf(InstallOutcome.Installed.class, out);
    assertEquals(1, mc.count("install_code"));
    assertEquals(1, slept.size());
  }

  @Test
  void install_chunkedInstallFails_chunkStoreStillCleared() {
    WasmModule m = module(3 * WasmModule.CHUNK_SIZE, 4);
    mc.failNext("install_chunked_code", new CanisterRejectException(
        RejectCode.CANISTER_ERROR, "Wasm module is invalid", "IC0505", null, null));
    assertThrows(CanisterRejectException.class,
        () -> installer().install(TARGET, m, InstallMode.install()));
    assertEquals(1, mc.count("clear_chunk_store"));
    assertTrue(mc.store(TARGET).isEmpty());
  }

  @Test
  void install_uploadInterrupted_secondInstallUploadsOnlyMissing() {
    WasmModule m = module(5 * WasmModule.CHUNK_SIZE, 5);
    int[] uploads = {0};
    mc.duringUpload = () -> {
      if (++uploads[0] == 4) {
        throw new TransportException("connection refused", false, null);
      }
    };
    assertThrows(TransportException.class,
        () -> installer().install(TARGET, m, InstallMode.install()));
    assertEquals(3, mc.store(TARGET).size());
    assertEquals(0, mc.count("install_chunked_code"));
    assertEquals(0, mc.count("clear_chunk_store"));

    mc.duringUpload = null;
    mc.calls.clear();
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer().install(TARGET, m, InstallMode.install()));
    assertEquals(2, mc.count("upload_chunk"));
    assertEquals(3, i.chunksSkipped());
    assertEquals(m.hash(), mc.installed.get(TARGET));
  }

  @Test
  void install_storeFullOfUnrelatedChunks_clearedFirst() {
    for (int i = 0; i < 99; i++) {
      byte[] b = {(byte) i, 1, 2};
      mc.store(TARGET).put(Sha256.of(b), b);
    }
    WasmModule m = module(2 * WasmModule.CHUNK_SIZE, 6);
    List<Integer> cleared = new ArrayList<>();
    InstallOutcome out = ChunkedWasmInstaller.builder(mc)
        .listener(event -> {
          if (event instanceof InstallEvent.ChunkStoreCleared c) {
            cleared.add(c.unrelatedChunks());
          }
        })
        .build()
        .install(TARGET, m, InstallMode.install());
    assertInstanceOf(InstallOutcome.Installed.class, out);
    assertEquals(List.of(99), cleared);
    assertEquals(2, mc.count("clear_chunk_store"));
  }

  @Test
  void install_storeCanister_uploadsToStoreAndInstallsTarget() {
    WasmModule m = module(10_000, 7);
    InstallOutcome.Installed i = assertInstanceOf(InstallOutcome.Installed.class,
        installer().install(InstallRequest.builder(TARGET, m)
            .installMode(InstallMode.install()).storeCanister(STORE).build()));
    assertTrue(i.chunked());
    assertEquals(m.hash(), mc.installed.get(TARGET));
    assertTrue(mc.store(STORE).isEmpty());
    assertFalse(mc.stores.containsKey(TARGET) && !mc.store(TARGET).isEmpty());
  }

  @Test
  void install_parallelExecutor_boundRespected() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      java.util.concurrent.CyclicBarrier pair = new java.util.concurrent.CyclicBarrier(3);
      mc.duringUpload = () -> {
        try {
          pair.await(200, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          // fewer than three at once: fine, the bound is what is checked
        }
      };
      WasmModule m = module(12 * WasmModule.CHUNK_SIZE, 8);
      ChunkedWasmInstaller.builder(mc).uploadExecutor(pool, 3).build()
          .install(TARGET, m, InstallMode.install());
      assertEquals(3, mc.maxConcurrentUploads.get());
      assertEquals(12, mc.count("upload_chunk"));
      assertEquals(m.hash(), mc.installed.get(TARGET));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void install_installedHashDiffers_integrityError() {
    WasmModule m = module(1000, 1);
    mc.reportedHash = Sha256.of(new byte[] {1});
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> installer().install(TARGET, m, InstallMode.install()));
    assertTrue(e.getMessage().contains(m.hash().hex()), e.getMessage());
  }

  @Test
  void install_parallelUploads_progressCountsInOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      // Uploads finish in a scrambled order; the counts reported must still be 1, 2, 3, ...
      mc.duringUpload = () -> {
        try {
          Thread.sleep((long) (Math.random() * 5));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      List<Integer> counts = Collections.synchronizedList(new ArrayList<>());
      WasmModule m = module(16 * WasmModule.CHUNK_SIZE, 9);
      ChunkedWasmInstaller.builder(mc).uploadExecutor(pool, 4)
          .listener(event -> {
            if (event instanceof InstallEvent.ChunkUploaded u) {
              counts.add(u.uploaded());
              assertEquals(16, u.toUpload());
            }
          })
          .build()
          .install(TARGET, m, InstallMode.install());
      List<Integer> expected = new ArrayList<>();
      for (int i = 1; i <= 16; i++) {
        expected.add(i);
      }
      assertEquals(expected, counts);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void newBuilder_derivesVariantWithSameConfiguration() {
    List<InstallEvent> events = Collections.synchronizedList(new ArrayList<>());
    ChunkedWasmInstaller base = installer();
    ChunkedWasmInstaller variant = base.newBuilder().listener(events::add).build();
    mc.failNext("module_hash", new TransportException("reset", true, null));
    variant.install(TARGET, module(1000, 2), InstallMode.install());
    // The variant kept the base's retry policy (its sleeper) and has its own listener.
    assertEquals(1, slept.size());
    assertInstanceOf(InstallEvent.Retrying.class, events.get(0));
    assertInstanceOf(InstallEvent.Finished.class, events.get(events.size() - 1));
  }
}
