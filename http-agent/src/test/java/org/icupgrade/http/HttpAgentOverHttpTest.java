package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.TransportException;
import org.icupgrade.replica.BuiltinCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.Fault;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HttpAgent over real HTTP on 127.0.0.1 against the embedded replica's HTTP interface. */
class HttpAgentOverHttpTest {
  private static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3});
  private static final byte[] DIDL = {'D', 'I', 'D', 'L', 0, 0};

  private EmbeddedReplica replica;
  private ReplicaHttpServer server;
  private Principal canister;
  private final AtomicInteger counter = new AtomicInteger();

  @BeforeEach
  void setUp() {
    replica = EmbeddedReplica.start();
    canister = replica.createBuiltinCanister(new BuiltinCanister() {
      @Override
      public byte[] query(CallContext ctx, String method, byte[] arg) {
        if (method.equals("whoami")) {
          return ctx.caller().toBytes();
        }
        if (method.equals("echo")) {
          return arg;
        }
        throw new CanisterRejectException(RejectCode.CANISTER_REJECT, "no query " + method,
            "IC0536", ctx.canisterId(), method);
      }

      @Override
      public byte[] update(CallContext ctx, String method, byte[] arg) {
        if (method.equals("bump")) {
          return new byte[] {(byte) counter.incrementAndGet()};
        }
        if (method.equals("whoami")) {
          return ctx.caller().toBytes();
        }
        throw new CanisterRejectException(RejectCode.CANISTER_ERROR, "trapped in " + method,
            "IC0503", ctx.canisterId(), method);
      }
    }, OWNER);
    server = replica.serveHttp(0);
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  private HttpAgent.Builder builder(Identity identity) {
    // Every certificate is verified as in production: BLS against the replica's root key.
    return HttpAgent.builder(server.url()).identity(identity).rootKey(server.rootKey())
        .timeout(Duration.ofSeconds(20));
  }

  static Identity ed25519() {
    byte[] seed = new byte[32];
    new java.security.SecureRandom().nextBytes(seed);
    return Identity.ed25519(seed);
  }

  @Test
  void update_v3_roundTripSignedWithEd25519_senderIsTheCaller() {
    Identity me = ed25519();
    HttpAgent agent = builder(me).build();
    assertArrayEquals(new byte[] {1}, agent.update(canister, "bump", DIDL));
    assertArrayEquals(new byte[] {2}, agent.update(canister, "bump", DIDL));
    assertArrayEquals(me.sender().toBytes(), agent.update(canister, "whoami", DIDL));
    assertTrue(agent.usesV3());
  }

  @Test
  void update_overAGivenJdkHttpClient_roundTripsAsOverTheAgentsOwnClient() {
    Identity me = ed25519();
    HttpAgent agent = builder(me).httpClient(java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1).build()).build();
    assertArrayEquals(new byte[] {1}, agent.update(canister, "bump", DIDL));
    assertArrayEquals(me.sender().toBytes(), agent.update(canister, "whoami", DIDL));
  }

  @Test
  void update_signedWithSecp256k1_acceptedAndSenderIsTheCaller() {
    Identity me = Identity.secp256k1(new BigInteger("1234567890abcdef1234567890abcdef", 16));
    HttpAgent agent = builder(me).build();
    assertArrayEquals(me.sender().toBytes(), agent.update(canister, "whoami", DIDL));
  }

  @Test
  void queryAndUpdate_anonymous_roundTrip() {
    HttpAgent agent = builder(Identity.anonymous()).build();
    assertArrayEquals(Principal.ANONYMOUS.toBytes(), agent.query(canister, "whoami", DIDL));
    assertArrayEquals(new byte[] {1}, agent.update(canister, "bump", DIDL));
  }

  @Test
  void query_roundTrip_echoesTheArgument() {
    HttpAgent agent = builder(ed25519()).build();
    byte[] arg = {'D', 'I', 'D', 'L', 0, 1, 0x71, 3, 'a', 'b', 'c'};
    assertArrayEquals(arg, agent.query(canister, "echo", arg));
  }

  @Test
  void update_rejected_typedFromTheCertifiedStatus() {
    HttpAgent agent = builder(ed25519()).build();
    HttpRejectException e = assertThrows(HttpRejectException.class,
        () -> agent.update(canister, "explode", DIDL));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertEquals("IC0503", e.errorCode().orElseThrow());
    assertTrue(e.rejectMessage().contains("trapped in explode"), e.rejectMessage());
    assertTrue(e.certified());
    assertEquals(canister, e.canisterId().orElseThrow());
    assertEquals("explode", e.method().orElseThrow());
  }

  @Test
  void query_rejected_typedAndNotCertified() {
    HttpAgent agent = builder(ed25519()).build();
    HttpRejectException e = assertThrows(HttpRejectException.class,
        () -> agent.query(canister, "nothing", DIDL));
    assertEquals(RejectCode.CANISTER_REJECT, e.rejectCode());
    assertEquals("IC0536", e.errorCode().orElseThrow());
    assertFalse(e.certified());
  }

  @Test
  void update_v3Absent_fallsBackToV2CallAndPolling() {
    server.serveV3(false);
    replica.fault(Fault.on("bump").canister(canister).delay(Duration.ofMillis(300)));
    HttpAgent agent = builder(ed25519()).build();
    assertArrayEquals(new byte[] {1}, agent.update(canister, "bump", DIDL));
    assertFalse(agent.usesV3());
    assertArrayEquals(new byte[] {2}, agent.update(canister, "bump", DIDL));
    HttpRejectException e = assertThrows(HttpRejectException.class,
        () -> agent.update(canister, "explode", DIDL));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertTrue(e.certified());
    long bumps = replica.calls().stream().filter(c -> c.method().equals("bump")).count();
    assertEquals(2, bumps, "each update ran once");
  }

  @Test
  void update_interruptedWhileTheReplicaRuns_returnsAtOnceWithTheFlagSet() throws Exception {
    replica.fault(Fault.on("bump").canister(canister).delay(Duration.ofSeconds(20)));
    HttpAgent agent = builder(ed25519()).timeout(Duration.ofMinutes(1)).build();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        agent.update(canister, "bump", DIDL);
      } catch (Throwable t) {
        thrown.set(t);
      }
      flag.set(Thread.currentThread().isInterrupted());
    });
    caller.start();
    Thread.sleep(300); // the call is at the replica, in its delay
    long start = System.nanoTime();
    caller.interrupt();
    caller.join(Duration.ofSeconds(5).toMillis());
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertFalse(caller.isAlive(), "the caller still waits");
    assertTrue(tookMillis < 1000, "returned " + tookMillis + " ms after the interrupt");
    assertTrue(thrown.get() instanceof IcException, String.valueOf(thrown.get()));
    assertTrue(thrown.get().getMessage().startsWith("interrupted"), thrown.get().getMessage());
    assertEquals(Boolean.TRUE, flag.get(), "the interrupt flag is restored");
  }

  @Test
  void update_interruptedWhilePollingV2_returnsAtOnceWithTheFlagSet() throws Exception {
    server.serveV3(false);
    replica.fault(Fault.on("bump").canister(canister).delay(Duration.ofSeconds(20)));
    HttpAgent agent = builder(ed25519()).timeout(Duration.ofMinutes(1)).build();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        agent.update(canister, "bump", DIDL);
      } catch (Throwable t) {
        thrown.set(t);
      }
      flag.set(Thread.currentThread().isInterrupted());
    });
    caller.start();
    Thread.sleep(300);
    long start = System.nanoTime();
    caller.interrupt();
    caller.join(Duration.ofSeconds(5).toMillis());
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertFalse(caller.isAlive(), "the caller still waits");
    assertTrue(tookMillis < 1000, "returned " + tookMillis + " ms after the interrupt");
    assertTrue(thrown.get().getMessage().startsWith("interrupted"), thrown.get().getMessage());
    assertEquals(Boolean.TRUE, flag.get(), "the interrupt flag is restored");
  }

  @Test
  void update_ingressExpiryInThePast_refusedByTheReplicaAndNotRun() {
    // The agent's clock is 10 minutes behind: its ingress_expiry (+4 min) is already past.
    Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10));
    HttpAgent agent = builder(ed25519()).clock(behind).build();
    TransportException e = assertThrows(TransportException.class,
        () -> agent.update(canister, "bump", DIDL));
    assertFalse(e.isTransient());
    assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
    assertTrue(e.getMessage().contains("ingress_expiry"), e.getMessage());
    assertEquals(0, counter.get(), "the call did not run");
  }

  @Test
  void update_replicasCertificateCheckedAgainstAnotherKey_integrityErrorNotData() {
    HttpAgent agent = HttpAgent.builder(server.url()).identity(ed25519())
        .rootKey(org.icupgrade.protocol.Bls12381.generate().publicKeyDer())
        .timeout(Duration.ofSeconds(20)).build();
    assertThrows(IntegrityException.class, () -> agent.update(canister, "bump", DIDL));
    assertThrows(IntegrityException.class, () -> agent.moduleHash(canister));
  }

  @Test
  void update_transientFailureInTransit_resubmittedAsTheSameRequest() {
    // The first submission fails before the call runs (503); the same signed request is sent
    // again and runs once.
    replica.fault(Fault.on("bump").canister(canister).attempt(1)
        .failBefore(() -> new TransportException("scripted", true, null)));
    HttpAgent agent = builder(ed25519()).build();
    assertArrayEquals(new byte[] {1}, agent.update(canister, "bump", DIDL));
    assertEquals(1, counter.get(), "ran once");
  }

  @Test
  void moduleHash_ofACanisterWithoutModule_emptyFromTheCertifiedTree() {
    HttpAgent agent = builder(Identity.anonymous()).build();
    assertTrue(agent.moduleHash(canister).isEmpty());
  }

  @Test
  void build_fetchRootKey_readsTheServedReplicasKeyAndVerifiesWithIt() {
    HttpAgent agent = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> HttpAgent.builder(server.url()).identity(ed25519()).fetchRootKey(true).build());
    assertArrayEquals(server.rootKey(), agent.rootKey());
    assertArrayEquals(new byte[] {1}, agent.update(canister, "bump", DIDL));
  }

  @Test
  void moduleHash_readStateCertificateOfTheReplica_verifiedAgainstItsKey() {
    // The replica's own certificates fail against mainnet's key, the default.
    HttpAgent mainnetKey = HttpAgent.builder(server.url()).timeout(Duration.ofSeconds(20)).build();
    assertThrows(IntegrityException.class, () -> mainnetKey.moduleHash(canister));
    assertTrue(builder(Identity.anonymous()).build().moduleHash(canister).isEmpty());
  }
}
