package org.icupgrade.candid.management;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.junit.jupiter.api.Test;
import org.icupgrade.candid.internal.Idl;
import org.icupgrade.candid.internal.ManagementCandid;

class CandidManagementCanisterTest {
  static final Principal SENDER = Principal.fromText("2vxsx-fae");
  static final Principal TARGET = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal STORE = Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai");

  /** One call as the agent saw it. */
  record Call(boolean update, Principal canister, String method, byte[] arg, Principal effective) {}

  /** A scripted agent: records every call and answers with the next queued reply. */
  static final class ScriptedAgent implements Agent {
    final List<Call> calls = new ArrayList<>();
    final Deque<byte[]> replies = new ArrayDeque<>();
    final Optional<Sha256> moduleHash = Optional.of(Sha256.of(new byte[] {42}));

    ScriptedAgent reply(byte[] candid) {
      replies.add(candid);
      return this;
    }

    @Override
    public Principal sender() {
      return SENDER;
    }

    @Override
    public byte[] query(Principal canisterId, String method, byte[] arg, Principal effective) {
      calls.add(new Call(false, canisterId, method, arg, effective));
      return replies.remove();
    }

    @Override
    public byte[] update(Principal canisterId, String method, byte[] arg, Principal effective) {
      calls.add(new Call(true, canisterId, method, arg, effective));
      return replies.remove();
    }

    @Override
    public Optional<Sha256> moduleHash(Principal canisterId) {
      return moduleHash;
    }

    Call only() {
      assertEquals(1, calls.size(), calls.toString());
      Call c = calls.get(0);
      assertTrue(c.update(), c.method() + " must be an update call");
      assertEquals(Principal.MANAGEMENT_CANISTER, c.canister());
      return c;
    }
  }

  @Test
  void uploadChunk_effectiveIsTheCanister_hashDecoded() {
    Sha256 hash = Sha256.of(new byte[] {1, 2, 3});
    ScriptedAgent agent = new ScriptedAgent().reply(ManagementCandid.encodeUploadChunkResult(hash));
    ManagementCanister ic = CandidManagementCanister.over(agent);
    assertEquals(hash, ic.uploadChunk(STORE, ByteBuffer.wrap(new byte[] {1, 2, 3})));
    Call c = agent.only();
    assertEquals("upload_chunk", c.method());
    assertEquals(STORE, c.effective());
    assertArrayEquals(new byte[] {1, 2, 3}, ManagementCandid.decodeUploadChunkArgs(c.arg()).chunk());
  }

  @Test
  void storedChunks_updateCallToTheStore_listDecoded() {
    List<Sha256> hashes = List.of(Sha256.of(new byte[] {1}), Sha256.of(new byte[] {2}));
    ScriptedAgent agent =
        new ScriptedAgent().reply(ManagementCandid.encodeStoredChunksResult(hashes));
    assertEquals(hashes, CandidManagementCanister.over(agent).storedChunks(STORE));
    Call c = agent.only();
    assertEquals("stored_chunks", c.method());
    assertEquals(STORE, c.effective());
    assertEquals(STORE, ManagementCandid.decodeCanisterIdArgs(c.arg(), "stored_chunks"));
  }

  @Test
  void installChunkedCode_effectiveIsTheTargetNotTheStore() {
    ScriptedAgent agent = new ScriptedAgent().reply(ManagementCandid.encodeEmptyResult());
    InstallChunkedCodeRequest r = new InstallChunkedCodeRequest(InstallMode.upgrade(), TARGET,
        STORE, List.of(Sha256.of(new byte[] {1})), Sha256.of(new byte[] {1}), new byte[0]);
    CandidManagementCanister.over(agent).installChunkedCode(r);
    Call c = agent.only();
    assertEquals("install_chunked_code", c.method());
    assertEquals(TARGET, c.effective());
    assertEquals(STORE, ManagementCandid.decodeInstallChunkedCodeArgs(c.arg()).storeCanister()
        .orElseThrow());
  }

  @Test
  void canisterStatus_updateCall_statusDecoded() {
    CanisterStatus status = new CanisterStatus(CanisterStatus.RunStatus.STOPPED, List.of(SENDER),
        null, BigInteger.TEN, BigInteger.ONE);
    ScriptedAgent agent =
        new ScriptedAgent().reply(ManagementCandid.encodeCanisterStatusResult(status));
    CanisterStatus got = CandidManagementCanister.over(agent).canisterStatus(TARGET);
    assertEquals(CanisterStatus.RunStatus.STOPPED, got.status());
    assertEquals(List.of(SENDER), got.controllers());
    Call c = agent.only();
    assertEquals("canister_status", c.method());
    assertEquals(TARGET, c.effective());
  }

  @Test
  void provisionalCreate_withSpecifiedId_routedToIt() {
    ScriptedAgent agent = new ScriptedAgent().reply(ManagementCandid.encodeCanisterIdResult(STORE));
    assertEquals(STORE, CandidManagementCanister.over(agent)
        .provisionalCreateCanisterWithCycles(BigInteger.TEN, CanisterSettings.empty(), STORE));
    assertEquals(STORE, agent.only().effective());
  }

  @Test
  void provisionalCreate_withoutSpecifiedId_routedToTheSender() {
    ScriptedAgent agent =
        new ScriptedAgent().reply(ManagementCandid.encodeCanisterIdResult(TARGET));
    assertEquals(TARGET, CandidManagementCanister.over(agent)
        .provisionalCreateCanisterWithCycles(null, CanisterSettings.empty(), null));
    Call c = agent.only();
    assertEquals("provisional_create_canister_with_cycles", c.method());
    assertEquals(SENDER, c.effective());
  }

  @Test
  void unitMethods_eachRoutedToItsCanister() {
    ScriptedAgent agent = new ScriptedAgent();
    for (int i = 0; i < 7; i++) {
      agent.reply(ManagementCandid.encodeEmptyResult());
    }
    ManagementCanister ic = CandidManagementCanister.over(agent);
    SnapshotId snap = SnapshotId.of(new byte[] {7});
    ic.updateSettings(TARGET, CanisterSettings.ofControllers(List.of(SENDER)));
    ic.installCode(TARGET, InstallMode.install(), ByteBuffer.wrap(new byte[] {0, 'a', 's', 'm'}),
        new byte[0]);
    ic.clearChunkStore(STORE);
    ic.startCanister(TARGET);
    ic.stopCanister(TARGET);
    ic.loadCanisterSnapshot(TARGET, snap);
    ic.deleteCanisterSnapshot(TARGET, snap);
    List<String> methods = agent.calls.stream().map(Call::method).toList();
    assertEquals(List.of("update_settings", "install_code", "clear_chunk_store", "start_canister",
        "stop_canister", "load_canister_snapshot", "delete_canister_snapshot"), methods);
    List<Principal> effective = agent.calls.stream().map(Call::effective).toList();
    assertEquals(List.of(TARGET, TARGET, STORE, TARGET, TARGET, TARGET, TARGET), effective);
    assertTrue(agent.calls.stream().allMatch(Call::update));
  }

  @Test
  void snapshots_takeAndList_decoded() {
    Snapshot s = new Snapshot(SnapshotId.of(new byte[] {1}), 5L, 6L);
    ScriptedAgent agent = new ScriptedAgent()
        .reply(ManagementCandid.encodeSnapshotResult(s))
        .reply(ManagementCandid.encodeListSnapshotsResult(List.of(s)));
    ManagementCanister ic = CandidManagementCanister.over(agent);
    assertEquals(s, ic.takeCanisterSnapshot(TARGET, null));
    assertEquals(List.of(s), ic.listCanisterSnapshots(TARGET));
    assertEquals(List.of("take_canister_snapshot", "list_canister_snapshots"),
        agent.calls.stream().map(Call::method).toList());
  }

  @Test
  void startCanister_replyNotCandid_candidExceptionNamingTheMethod() {
    ScriptedAgent agent = new ScriptedAgent().reply(new byte[] {1, 2});
    CandidException e = assertThrows(CandidException.class,
        () -> CandidManagementCanister.over(agent).startCanister(TARGET));
    assertTrue(e.getMessage().contains("start_canister"), e.getMessage());
    assertEquals(Optional.of("start_canister reply"), e.method());
  }

  /**
   * Garbage from the agent reaches the caller as an IcException a retry loop sees, never
   * transient (the same bytes fail the same way), naming the method and the field.
   */
  @Test
  void canisterStatus_garbageReply_nonTransientIcExceptionNamingMethodAndField() {
    ScriptedAgent agent = new ScriptedAgent().reply(new byte[] {'D', 'I', 'D', 'L', 0, 1, 0x7e, 7});
    ManagementCanister ic = CandidManagementCanister.over(agent);
    IcException e = assertThrows(IcException.class, () -> ic.canisterStatus(TARGET));
    CandidException c = assertInstanceOf(CandidException.class, e);
    assertFalse(c.isTransient());
    assertEquals(Optional.of("canister_status reply"), c.method());
    assertTrue(c.getMessage().contains("a bool is 0 or 1"), c.getMessage());

    // Well-formed Candid of the wrong shape: the field is named too.
    agent.reply(ManagementCandid.encodeCanisterIdResult(TARGET));
    CandidException shape = assertThrows(CandidException.class, () -> ic.canisterStatus(TARGET));
    assertEquals(Optional.of("canister_status reply"), shape.method());
    assertTrue(shape.getMessage().contains("missing field"), shape.getMessage());
    assertFalse(shape.isTransient());
  }

  @Test
  void uploadChunk_replyHashOfWrongLength_candidExceptionAtHash() {
    ScriptedAgent agent = new ScriptedAgent().reply(Idl.encode(
        Idl.value("hash", new byte[] {1, 2, 3}), Idl.record("hash", Idl.BLOB)));
    CandidException e = assertThrows(CandidException.class, () -> CandidManagementCanister
        .over(agent).uploadChunk(STORE, ByteBuffer.wrap(new byte[] {1})));
    assertEquals(Optional.of("upload_chunk reply"), e.method());
    assertEquals(Optional.of("hash"), e.field());
    assertFalse(e.isTransient());
  }

  @Test
  void provisionalCreate_replyWithoutCanisterId_namesTheMethod() {
    ScriptedAgent agent = new ScriptedAgent().reply(ManagementCandid.encodeEmptyResult());
    CandidException e = assertThrows(CandidException.class, () -> CandidManagementCanister
        .over(agent).provisionalCreateCanisterWithCycles(null, CanisterSettings.empty(), null));
    assertEquals(Optional.of("provisional_create_canister_with_cycles reply"), e.method());
  }

  @Test
  void moduleHash_delegatesToTheAgentsCertifiedRead() {
    ScriptedAgent agent = new ScriptedAgent();
    assertEquals(agent.moduleHash, CandidManagementCanister.over(agent).moduleHash(TARGET));
    assertTrue(agent.calls.isEmpty());
  }
}
