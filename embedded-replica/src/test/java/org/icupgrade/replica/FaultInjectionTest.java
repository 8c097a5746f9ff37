package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcTimeoutException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.junit.jupiter.api.Test;

/** Faults scripted on the replica: lost replies, delays, matching by method, canister, attempt. */
class FaultInjectionTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 1, 1, 2});
  static final Principal STRANGER = Principal.fromBytes(new byte[] {6, 6, 6, 2});

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(ME));
  final Principal canister = replica.createCanister(ME);

  static ByteBuffer bytes(int... b) {
    byte[] a = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      a[i] = (byte) b[i];
    }
    return ByteBuffer.wrap(a);
  }

  static TransportException injected(String what) {
    return new TransportException(what, true, null);
  }

  @Test
  void uploadChunk_lostReply_chunkStoredButCallerSawTransportFailure() {
    replica.fault(Fault.on("upload_chunk").loseReply());
    TransportException e =
        assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(1, 2, 3)));
    assertTrue(e.isTransient(), "a lost reply is worth retrying");
    assertTrue(e.getMessage().startsWith("reply lost"), e.getMessage());
    assertEquals(List.of(Sha256.of(new byte[] {1, 2, 3})), ic.storedChunks(canister),
        "the chunk was stored");

    RecordedCall call = replica.calls("upload_chunk").get(0);
    assertTrue(call.replyLost());
    assertFalse(call.rejected(), "it ran and was answered; the answer was lost");
    assertFalse(replica.calls("stored_chunks").get(0).replyLost());

    // Spent: the retry gets its reply.
    assertEquals(Sha256.of(new byte[] {1, 2, 3}), ic.uploadChunk(canister, bytes(1, 2, 3)));
  }

  @Test
  void installCode_lostReplyAsTimeout_moduleInstalled() {
    byte[] module = SyntheticWasm.ofSize(2048, 7);
    replica.fault(Fault.on("install_code").canister(canister)
        .loseReply(() -> new IcTimeoutException("no answer in time", null)));
    assertThrows(IcTimeoutException.class, () -> ic.installCode(canister, InstallMode.install(),
        ByteBuffer.wrap(module), new byte[] {0x44, 0x49, 0x44, 0x4c, 0, 0}));
    assertEquals(Optional.of(Sha256.of(module)), ic.moduleHash(canister));
    assertEquals(Optional.of(Sha256.of(module)), replica.moduleHash(canister));
    assertTrue(replica.calls("install_code").get(0).replyLost());
  }

  @Test
  void installChunkedCode_firstAttemptLosesReply_moduleInstalledFromChunks() {
    byte[] module = SyntheticWasm.ofSize(4096, 8);
    Sha256 chunk = ic.uploadChunk(canister, ByteBuffer.wrap(module));
    replica.fault(Fault.on("install_chunked_code").canister(canister).attempt(1).loseReply());
    InstallChunkedCodeRequest request = new InstallChunkedCodeRequest(InstallMode.install(),
        canister, canister, List.of(chunk), Sha256.of(module), new byte[] {0x44, 0x49, 0x44,
            0x4c, 0, 0});
    assertThrows(TransportException.class, () -> ic.installChunkedCode(request));
    assertEquals(Optional.of(Sha256.of(module)), replica.moduleHash(canister));
    // A blind retry of the install is refused: the module is already there.
    CanisterRejectException e =
        assertThrows(CanisterRejectException.class, () -> ic.installChunkedCode(request));
    assertFalse(replica.calls("install_chunked_code").get(1).replyLost(), e.getMessage());
  }

  @Test
  void lostReply_ofARejectedCall_callerSeesOnlyTheFailure() {
    ManagementCanister stranger = CandidManagementCanister.over(replica.agentFor(STRANGER));
    replica.fault(Fault.on("upload_chunk").loseReply());
    assertThrows(TransportException.class, () -> stranger.uploadChunk(canister, bytes(1)));
    RecordedCall call = replica.calls("upload_chunk").get(0);
    assertTrue(call.rejected(), "the replica rejected it: not a controller");
    assertTrue(call.replyLost());
    assertTrue(replica.chunkStore(canister).isEmpty());
  }

  @Test
  void attempt_onlyTheSecondCallFailsBeforeRunning() {
    replica.fault(Fault.on("upload_chunk").attempt(2)
        .failBefore(() -> injected("connection reset")));
    ic.uploadChunk(canister, bytes(1));
    assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(2)));
    ic.uploadChunk(canister, bytes(3));
    ic.uploadChunk(canister, bytes(4));
    assertEquals(List.of(Sha256.of(new byte[] {1}), Sha256.of(new byte[] {3}),
        Sha256.of(new byte[] {4})), replica.chunkStore(canister), "the 2nd chunk was never stored");
    assertEquals(List.of(false, true, false, false),
        replica.calls("upload_chunk").stream().map(RecordedCall::rejected).toList());
    assertTrue(replica.calls().stream().noneMatch(RecordedCall::replyLost));
  }

  @Test
  void attempt_countsOnlyCallsOfItsMethodAndCanister_sinceRegistered() {
    Principal other = replica.createCanister(ME);
    ic.uploadChunk(canister, bytes(0)); // before registration: not counted
    replica.fault(Fault.on("upload_chunk").canister(canister).attempt(2).times(2)
        .failBefore(() -> injected("down")));
    ic.uploadChunk(other, bytes(1)); // another canister: not counted
    ic.storedChunks(canister); // another method: not counted
    ic.uploadChunk(canister, bytes(2)); // attempt 1
    assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(3))); // 2
    assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(4))); // 3
    ic.uploadChunk(canister, bytes(5)); // spent
    assertEquals(List.of(Sha256.of(new byte[] {0}), Sha256.of(new byte[] {2}),
        Sha256.of(new byte[] {5})), replica.chunkStore(canister));
  }

  @Test
  void canister_callsAboutAnotherCanisterUntouched() {
    Principal other = replica.createCanister(ME);
    replica.fault(Fault.on("upload_chunk").canister(canister).times(3).loseReply());
    assertEquals(Sha256.of(new byte[] {9}), ic.uploadChunk(other, bytes(9)));
    assertEquals(List.of(Sha256.of(new byte[] {9})), replica.chunkStore(other));
    assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(9)));
    assertEquals(List.of(false, true),
        replica.calls("upload_chunk").stream().map(RecordedCall::replyLost).toList());
  }

  @Test
  void twoFaultsOnOneMethod_eachCountsEveryCall() {
    replica.fault(Fault.on("upload_chunk").canister(canister).attempt(1).loseReply());
    replica.fault(Fault.on("upload_chunk").canister(canister).attempt(2)
        .failBefore(() -> injected("reset")));
    assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(1)));
    assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(2)));
    ic.uploadChunk(canister, bytes(3));
    assertEquals(List.of(Sha256.of(new byte[] {1}), Sha256.of(new byte[] {3})),
        replica.chunkStore(canister));
    List<RecordedCall> calls = replica.calls("upload_chunk");
    assertEquals(List.of(true, false, false), calls.stream().map(RecordedCall::replyLost).toList());
    assertEquals(List.of(false, true, false), calls.stream().map(RecordedCall::rejected).toList());
  }

  @Test
  void failNext_stillWorks_andScriptedFaultsCountTheCallsItFails() {
    replica.failNext("upload_chunk", 1, () -> injected("old style"));
    replica.fault(Fault.on("upload_chunk").attempt(2).loseReply());
    TransportException first =
        assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(1)));
    assertEquals("old style", first.getMessage());
    assertTrue(replica.chunkStore(canister).isEmpty());
    assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(2)));
    assertEquals(List.of(Sha256.of(new byte[] {2})), replica.chunkStore(canister));
  }

  @Test
  void delay_waitsThroughTheSleeper_thenRuns() {
    List<String> events = new ArrayList<>();
    replica.sleeper(d -> events.add("slept " + d.toMillis() + " ms"));
    replica.fault(Fault.on("upload_chunk").delay(Duration.ofMillis(250)));
    ic.uploadChunk(canister, bytes(1));
    events.add("answered");
    ic.uploadChunk(canister, bytes(2)); // spent: no wait
    assertEquals(List.of("slept 250 ms", "answered"), events);
    assertEquals(2, replica.chunkStore(canister).size());
  }

  @Test
  void delay_realSleep_tinyDuration_callRuns() {
    replica.fault(Fault.on("upload_chunk").delay(Duration.ofMillis(1)));
    assertEquals(Sha256.of(new byte[] {1}), ic.uploadChunk(canister, bytes(1)));
    assertEquals(1, replica.chunkStore(canister).size());
  }

  @Test
  void delay_thenLostReply_slowTimeout() {
    List<Duration> slept = new ArrayList<>();
    replica.sleeper(slept::add);
    replica.fault(Fault.on("upload_chunk").delay(Duration.ofSeconds(30))
        .loseReply(() -> new IcTimeoutException("timed out", null)));
    assertThrows(IcTimeoutException.class, () -> ic.uploadChunk(canister, bytes(1)));
    assertEquals(List.of(Duration.ofSeconds(30)), slept);
    assertEquals(1, replica.chunkStore(canister).size());
  }

  @Test
  void delay_interrupted_callFailsWithoutRunning() {
    replica.sleeper(d -> {
      throw new InterruptedException("test");
    });
    replica.fault(Fault.on("upload_chunk").delay(Duration.ofSeconds(1)));
    try {
      TransportException e =
          assertThrows(TransportException.class, () -> ic.uploadChunk(canister, bytes(1)));
      assertFalse(e.isTransient());
      assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
    } finally {
      Thread.interrupted();
    }
    assertTrue(replica.chunkStore(canister).isEmpty());
  }

  @Test
  void clearFaults_dropsScriptedFaults() {
    replica.fault(Fault.on("upload_chunk").times(5).loseReply());
    replica.clearFaults();
    ic.uploadChunk(canister, bytes(1));
    assertTrue(replica.calls().stream().noneMatch(RecordedCall::replyLost));
  }

  @Test
  void fault_thatDoesNothing_refused() {
    assertThrows(IllegalArgumentException.class, () -> replica.fault(Fault.on("upload_chunk")));
    assertThrows(IllegalArgumentException.class, () -> Fault.on("x").attempt(0));
    assertThrows(IllegalArgumentException.class, () -> Fault.on("x").times(0));
    assertThrows(IllegalArgumentException.class,
        () -> Fault.on("x").delay(Duration.ofMillis(-1)));
  }

  @Test
  void failBefore_suppliedFailureThrownAsIs() {
    CanisterRejectException reject = new CanisterRejectException(RejectCode.SYS_TRANSIENT,
        "injected", null, Principal.MANAGEMENT_CANISTER, "canister_status");
    replica.fault(Fault.on("canister_status").failBefore(() -> reject));
    assertSame(reject, assertThrows(CanisterRejectException.class,
        () -> ic.canisterStatus(canister)));
  }

  @Test
  void recordedCall_keepsTheCandidBytesSent_asCopies() {
    ic.uploadChunk(canister, bytes(4, 5, 6));
    RecordedCall call = replica.calls("upload_chunk").get(0);
    byte[] sent = ManagementCandid.encodeUploadChunkArgs(canister, bytes(4, 5, 6));
    assertArrayEquals(sent, call.arg());
    assertEquals(sent.length, call.argBytes());
    call.arg()[0] ^= 1;
    assertArrayEquals(sent, call.arg(), "arg() hands out copies");
    assertArrayEquals(sent, replica.calls("upload_chunk").get(0).arg());

    byte[] mine = sent.clone();
    RecordedCall made = new RecordedCall(ME, canister, "m", canister, mine, false, false);
    mine[0] ^= 1;
    assertArrayEquals(sent, made.arg(), "the constructor copies");
    assertEquals(made, new RecordedCall(ME, canister, "m", canister, sent, false, false));
    assertEquals(made.hashCode(),
        new RecordedCall(ME, canister, "m", canister, sent, false, false).hashCode());
    assertNotEquals(made, new RecordedCall(ME, canister, "m", canister, mine, false, false));
    assertNotEquals(made, new RecordedCall(ME, canister, "m", canister, sent, false, true));
  }

  @Test
  void keepCallArgumentsOff_recordsOnlySizes_fromThenOn() {
    ic.uploadChunk(canister, bytes(1, 2, 3));
    replica.keepCallArguments(false);
    ic.uploadChunk(canister, bytes(4, 5, 6, 7));
    List<RecordedCall> uploads = replica.calls("upload_chunk");
    assertTrue(uploads.get(0).argKept(), "recorded before the switch: kept");
    byte[] sent = ManagementCandid.encodeUploadChunkArgs(canister, bytes(4, 5, 6, 7));
    RecordedCall sizeOnly = uploads.get(1);
    assertFalse(sizeOnly.argKept());
    assertEquals(sent.length, sizeOnly.argBytes());
    IllegalStateException e = assertThrows(IllegalStateException.class, sizeOnly::arg);
    assertTrue(e.getMessage().contains("keepCallArguments(true)"), e.getMessage());
    assertTrue(sizeOnly.toString().contains("(not kept)"), sizeOnly.toString());
    replica.keepCallArguments(true);
    ic.uploadChunk(canister, bytes(8));
    assertTrue(replica.calls("upload_chunk").get(2).argKept());
    assertThrows(IllegalArgumentException.class,
        () -> new RecordedCall(ME, canister, "m", canister, new byte[] {1, 2}, false, false, 3));
  }
}
