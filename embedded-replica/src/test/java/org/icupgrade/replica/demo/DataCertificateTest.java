package org.icupgrade.replica.demo;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.CertificateException;
import org.icupgrade.protocol.LookupResult;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;

/** ic0.data_certificate_* (spec, "Certified data"): a BLS certificate in non-replicated queries. */
class DataCertificateTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 2});
  static final byte[] NONE = {'D', 'I', 'D', 'L', 0, 0};
  static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

  final EmbeddedReplica replica = EmbeddedReplica.start();
  final Agent agent = replica.agentFor(ME);
  final Principal canister = replica.createCanister(ME);

  /**
   * update "set": certified_data_set("hello"); query "present" and update "present_u": reply the byte
   * data_certificate_present(); query "cert" and update "cert_u": reply the certificate.
   */
  void install() {
    install(canister);
  }

  void install(Principal id) {
    WasmBuilder w = new WasmBuilder();
    int append = w.importFunction("ic0", "msg_reply_data_append", types(I32, I32), types());
    int reply = w.importFunction("ic0", "msg_reply", types(), types());
    int set = w.importFunction("ic0", "certified_data_set", types(I32, I32), types());
    int present = w.importFunction("ic0", "data_certificate_present", types(), types(I32));
    int size = w.importFunction("ic0", "data_certificate_size", types(), types(I32));
    int copy = w.importFunction("ic0", "data_certificate_copy", types(I32, I32, I32), types());
    w.data(64, HELLO);
    w.export("canister_update set", w.function(types(), types(), types(), new Code()
        .i32(64).i32(HELLO.length).call(set).call(reply).end()));
    int replyPresent = w.function(types(), types(), types(), new Code()
        .i32(0).call(present).i32Store8().i32(0).i32(1).call(append).call(reply).end());
    w.export("canister_query present", replyPresent);
    w.export("canister_update present_u", replyPresent);
    int replyCert = w.function(types(), types(), types(I32), new Code()
        .call(size).localSet(0)
        .i32(1024).i32(0).localGet(0).call(copy)
        .i32(1024).localGet(0).call(append).call(reply).end());
    w.export("canister_query cert", replyCert);
    w.export("canister_update cert_u", replyCert);
    w.memory(1);
    CandidManagementCanister.over(agent)
        .installCode(id, InstallMode.install(), ByteBuffer.wrap(w.build()), NONE);
  }

  @Test
  void query_hasACertificateOfTheCertifiedData_verifiedAgainstTheRootKey() {
    install();
    agent.update(canister, "set", NONE);
    assertArrayEquals(new byte[] {1}, agent.query(canister, "present", NONE));
    Certificate c = Certificate.decode(agent.query(canister, "cert", NONE));
    c.verify(replica.rootKey(), canister, Instant.now(), Duration.ofMinutes(5));
    assertArrayEquals(HELLO,
        c.lookup("canister", canister.toBytes(), "certified_data").found().orElseThrow());
    assertThrows(CertificateException.class, () -> c.verify(
        Bls12381.generate().publicKeyDer(), canister, Instant.now(), Duration.ofMinutes(5)));
  }

  @Test
  void update_hasNoCertificate_presentIsZeroAndSizeTraps() {
    install();
    assertArrayEquals(new byte[] {0}, agent.update(canister, "present_u", NONE));
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> agent.update(canister, "cert_u", NONE));
    assertTrue(e.rejectMessage().contains("data_certificate_size"), e.getMessage());
  }

  @Test
  void query_beforeAnyCertifiedData_certifiesTheEmptyBlob() {
    install();
    Certificate c = Certificate.decode(agent.query(canister, "cert", NONE));
    c.verify(replica.rootKey(), canister, Instant.now(), Duration.ofMinutes(5));
    assertEquals(0,
        c.lookup("canister", canister.toBytes(), "certified_data").found().orElseThrow().length);
  }

  @Test
  void queryCalledByAnotherCanister_runsReplicated_noCertificate() {
    install();
    Principal relay = replica.createCanister(ME);
    CandidManagementCanister.over(agent).installCode(relay, InstallMode.install(),
        ByteBuffer.wrap(InterCanisterCallTest.relay()), NONE);
    assertArrayEquals(new byte[] {0}, agent.update(relay, "relay",
        InterCanisterCallTest.relayArg(canister, "present", new byte[0])));
    assertArrayEquals(new byte[] {1}, agent.query(canister, "present", NONE));
  }

  /**
   * Spec, "Certified data" and "The system state tree": the data certificate is the state
   * tree pruned to the canister's certified data and the time, so another canister's subtree is
   * a pruned hash (Unknown), an absent canister is proven absent, and the root hash is the one
   * the replica's whole tree has at that time.
   */
  @Test
  void dataCertificate_isAWitnessOfTheReplicasStateTree() {
    install();
    Principal other = replica.createCanister(ME);
    install(other);
    agent.update(canister, "set", NONE);
    Certificate c = Certificate.decode(agent.query(canister, "cert", NONE));
    c.verify(replica.rootKey(), canister, Instant.now(), Duration.ofMinutes(5));
    assertArrayEquals(HELLO,
        c.lookup("canister", canister.toBytes(), "certified_data").found().orElseThrow());
    assertEquals(LookupResult.UNKNOWN,
        c.lookup("canister", other.toBytes(), "certified_data"));
    assertEquals(LookupResult.UNKNOWN, c.lookup("canister", canister.toBytes(), "module_hash"));
    byte[] absent = Principal.fromText("aaaaa-aa").toBytes();
    assertEquals(LookupResult.ABSENT, c.lookup("canister", absent, "certified_data"));
    // The same tree, whole, at the certificate's time: same root hash.
    Instant at = c.time();
    long nanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
    Certificate whole = Certificate.decode(replica.stateCertificate(nanos, List.of(List.of()),
        Map.of()));
    assertArrayEquals(HELLO,
        whole.lookup("canister", canister.toBytes(), "certified_data").found().orElseThrow());
    assertTrue(whole.lookup("canister", other.toBytes(), "module_hash").found().isPresent());
    assertArrayEquals(whole.tree().digest(), c.tree().digest());
  }
}
