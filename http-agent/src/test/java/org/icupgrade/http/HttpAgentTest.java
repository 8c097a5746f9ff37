package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Security;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.icupgrade.core.IcTimeoutException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.core.TransportException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpAgentTest {
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");

  /** Spec, "Principals": a self-authenticating id is SHA-224 of the DER public key, then 0x02. */
  static Principal selfAuthenticating(byte[] derPublicKey) throws Exception {
    byte[] h = MessageDigest.getInstance("SHA-224").digest(derPublicKey);
    byte[] id = Arrays.copyOf(h, h.length + 1);
    id[h.length] = 0x02;
    return Principal.fromBytes(id);
  }

  @Test
  void readIdentity_ed25519Pkcs8_senderIsSelfAuthenticating(@TempDir Path dir) throws Exception {
    KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(kp.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    Path file = dir.resolve("identity.pem");
    Files.writeString(file, pem);
    Identity id = HttpAgent.readIdentity(file);
    HttpAgent agent = HttpAgent.builder(URI.create("http://127.0.0.1:1")).identity(id).build();
    assertEquals(selfAuthenticating(kp.getPublic().getEncoded()), agent.sender());
  }

  /** dfx writes Ed25519 keys as PKCS#8 v2 (OneAsymmetricKey) carrying the public key too. */
  @Test
  void readIdentity_ed25519Pkcs8WithPublicKey_senderIsSelfAuthenticating(@TempDir Path dir)
      throws Exception {
    KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo v1 =
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(kp.getPrivate().getEncoded());
    byte[] rawPublic = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo
        .getInstance(kp.getPublic().getEncoded()).getPublicKeyData().getBytes();
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo v2 = new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(
        v1.getPrivateKeyAlgorithm(), v1.parsePrivateKey(), null, rawPublic);
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(v2.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    Path file = dir.resolve("identity.pem");
    Files.writeString(file, pem);
    HttpAgent agent = HttpAgent.builder(URI.create("http://127.0.0.1:1")).identity(file).build();
    assertEquals(selfAuthenticating(kp.getPublic().getEncoded()), agent.sender());
  }

  static KeyPair secp256k1() throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "BC");
    g.initialize(new ECGenParameterSpec("secp256k1"));
    return g.generateKeyPair();
  }

  /** The key pair as a SEC1 PEM ({@code BEGIN EC PRIVATE KEY}), as BouncyCastle writes it. */
  static StringWriter sec1Pem(KeyPair kp) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(kp);
    }
    return w;
  }

  @Test
  void readIdentity_secp256k1EcPrivateKey_senderIsSelfAuthenticating(@TempDir Path dir)
      throws Exception {
    KeyPair kp = secp256k1();
    StringWriter w = sec1Pem(kp);
    assertTrue(w.toString().contains("BEGIN EC PRIVATE KEY"));
    Path file = dir.resolve("identity.pem");
    Files.writeString(file, w.toString());
    HttpAgent agent = HttpAgent.builder(URI.create("http://127.0.0.1:1")).identity(file).build();
    assertEquals(selfAuthenticating(kp.getPublic().getEncoded()), agent.sender());
  }

  /** dfx writes secp256k1 identities with an EC PARAMETERS block before the key. */
  @Test
  void readIdentity_secp256k1WithEcParametersBlock_senderIsSelfAuthenticating(@TempDir Path dir)
      throws Exception {
    KeyPair kp = secp256k1();
    StringWriter w = sec1Pem(kp);
    // OID 1.3.132.0.10 (secp256k1), DER: 06 05 2b 81 04 00 0a.
    String pem = "-----BEGIN EC PARAMETERS-----\nBgUrgQQACg==\n-----END EC PARAMETERS-----\n" + w;
    Path file = dir.resolve("identity.pem");
    Files.writeString(file, pem);
    HttpAgent agent = HttpAgent.builder(URI.create("http://127.0.0.1:1")).identity(file).build();
    assertEquals(selfAuthenticating(kp.getPublic().getEncoded()), agent.sender());
  }

  @Test
  void readIdentity_ecKeyOnP256_rejectedNamingTheFile(@TempDir Path dir) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "BC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(g.generateKeyPair());
    }
    Path file = dir.resolve("p256.pem");
    Files.writeString(file, w.toString());
    IdentityException e =
        assertThrows(IdentityException.class, () -> HttpAgent.readIdentity(file));
    assertTrue(e.getMessage().contains("p256.pem"), e.getMessage());
    assertFalse(e.getMessage().contains("PRIVATE KEY-----"), e.getMessage());
  }

  @Test
  void readIdentity_notAKey_errorNamesFileNotContent(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("secret.txt");
    Files.writeString(file, "hunter2 is my password");
    IdentityException e =
        assertThrows(IdentityException.class, () -> HttpAgent.readIdentity(file));
    assertTrue(e.getMessage().contains("secret.txt"));
    assertFalse(e.getMessage().contains("hunter2"));
  }

  /** A local server answering every request under {@code path} with {@code status}. */
  static HttpServer answering(String path, int status, String text) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(path, ex -> {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return server;
  }

  @Test
  void build_fetchRootKeyFromServerAnswering503_retryableTransportError() throws IOException {
    HttpServer server = answering("/api/v2/status", 503, "overloaded");
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      IcException e = assertThrows(IcException.class, () ->
          HttpAgent.builder(url).fetchRootKey(true).timeout(Duration.ofSeconds(5)).build());
      assertTrue(e.isTransient(), e.toString());
      assertTrue(e.getMessage().contains("503"), e.getMessage());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void query_serverAnswers400_nonRetryableTransportError() throws IOException {
    HttpServer server = answering("/api/v2/canister/", 400, "bad request");
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      HttpAgent agent = HttpAgent.builder(url).timeout(Duration.ofSeconds(5)).build();
      TransportException e = assertThrows(TransportException.class,
          () -> agent.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
      assertFalse(e.isTransient());
      assertTrue(e.getMessage().contains("400"), e.getMessage());
    } finally {
      server.stop(0);
    }
  }

  /**
   * A metadata read is a read_state of /canister/<id>/metadata/<name>; the IC answers a private
   * section's read by a non-controller with 403, which is no transient failure.
   */
  @Test
  void metadata_readStateOfTheMetadataPath_403NotRetryable() throws IOException {
    String refusal = "Custom section enhanced-orthogonal-persistence can only be requested by"
        + " the controllers of the canister.";
    java.util.concurrent.atomic.AtomicReference<String> requestPath =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<byte[]> requestBody =
        new java.util.concurrent.atomic.AtomicReference<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v2/canister/", ex -> {
      requestPath.set(ex.getRequestURI().getPath());
      requestBody.set(ex.getRequestBody().readAllBytes());
      byte[] body = refusal.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(403, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      HttpAgent agent = HttpAgent.builder(url).timeout(Duration.ofSeconds(5)).build();
      TransportException e = assertThrows(TransportException.class,
          () -> agent.metadata(CANISTER, "enhanced-orthogonal-persistence"));
      assertFalse(e.isTransient(), e.toString());
      assertTrue(e.getMessage().contains("403"), e.getMessage());
      assertEquals("/api/v2/canister/" + CANISTER + "/read_state", requestPath.get());
      String body = new String(requestBody.get(), StandardCharsets.ISO_8859_1);
      assertTrue(body.contains("metadata"), "the path has the label metadata");
      assertTrue(body.contains("enhanced-orthogonal-persistence"), "and the section's name");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void update_nothingListening_retryableTransportError() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    HttpAgent agent = HttpAgent.builder(URI.create("http://127.0.0.1:" + port))
        .timeout(Duration.ofSeconds(5)).build();
    TransportException e = assertThrows(TransportException.class,
        () -> agent.update(CANISTER, "increment", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
    assertTrue(e.isTransient());
  }

  @Test
  void sender_anonymousByDefault() {
    assertArrayEquals(Principal.ANONYMOUS.toBytes(),
        HttpAgent.builder(URI.create("http://127.0.0.1:1")).build().sender().toBytes());
  }

  @Test
  void identity_missingFile_uncheckedErrorNamingThePath(@TempDir Path dir) {
    Path missing = dir.resolve("nobody/identity.pem");
    IdentityException e = assertThrows(IdentityException.class,
        () -> HttpAgent.builder(URI.create("http://127.0.0.1:4943")).identity(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertEquals(missing, e.file());
  }

  /** A query's reject is typed from the answer's numeric fields, not from any text. */
  @Test
  void query_rejectedAnswer_typedFromTheWireFields() throws IOException {
    java.util.Map<String, Object> answer = new java.util.LinkedHashMap<>();
    answer.put("status", "rejected");
    answer.put("reject_code", 3L);
    answer.put("reject_message", "code 5, message: \"IC0503 looks like a trap\"");
    answer.put("error_code", "IC0301");
    byte[] body = Cbor.encode(answer);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v2/canister/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      // This scripted peer signs nothing: verification off to read the reject's fields.
      HttpAgent agent = HttpAgent.builder(url).timeout(Duration.ofSeconds(5))
          .verifyQuerySignatures(false).build();
      HttpRejectException e = assertThrows(HttpRejectException.class,
          () -> agent.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
      assertEquals(RejectCode.DESTINATION_INVALID, e.rejectCode());
      assertEquals("IC0301", e.errorCode().orElseThrow());
      assertEquals("code 5, message: \"IC0503 looks like a trap\"", e.rejectMessage());
      assertFalse(e.certified());
      assertEquals(CANISTER, e.canisterId().orElseThrow());
      // Verification on (the default), the same unsigned reject is not believed.
      HttpAgent verifying = HttpAgent.builder(url).timeout(Duration.ofSeconds(5)).build();
      org.icupgrade.core.IntegrityException refused = assertThrows(
          org.icupgrade.core.IntegrityException.class,
          () -> verifying.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
      assertTrue(refused.getMessage().contains("no node signature"), refused.getMessage());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void query_answerNotCbor_nonRetryableTransportErrorSayingSo() throws IOException {
    HttpServer server = answering("/api/v2/canister/", 200, "<html>a proxy page</html>");
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      HttpAgent agent = HttpAgent.builder(url).timeout(Duration.ofSeconds(5)).build();
      TransportException e = assertThrows(TransportException.class,
          () -> agent.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
      assertFalse(e.isTransient());
      assertTrue(e.getMessage().contains("not CBOR"), e.getMessage());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void query_unknownHost_namedAsSuch() {
    HttpAgent agent = HttpAgent.builder(URI.create("http://no-such-replica.invalid:4943"))
        .timeout(Duration.ofSeconds(10)).build();
    TransportException e = assertThrows(TransportException.class,
        () -> agent.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
    assertTrue(e.getMessage().contains("unknown host no-such-replica.invalid"), e.getMessage());
    assertFalse(e.isTransient());
  }

  @Test
  void query_nothingListening_namedConnectionRefused() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    HttpAgent agent = HttpAgent.builder(URI.create("http://127.0.0.1:" + port))
        .timeout(Duration.ofSeconds(5)).build();
    TransportException e = assertThrows(TransportException.class,
        () -> agent.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
    assertTrue(e.getMessage().contains("connection refused by 127.0.0.1:" + port),
        e.getMessage());
    assertTrue(e.isTransient());
  }

  /** https:// to a server speaking plain HTTP fails the TLS handshake. */
  @Test
  void query_httpsToPlainHttpServer_namedTlsFailure() throws Exception {
    try (ServerSocket plain = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread answer = new Thread(() -> {
        try (java.net.Socket s = plain.accept()) {
          s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          s.getInputStream().read();
        } catch (IOException e) {
          // the client hung up
        }
      });
      answer.setDaemon(true);
      answer.start();
      URI url = URI.create("https://127.0.0.1:" + plain.getLocalPort());
      HttpAgent agent = HttpAgent.builder(url).timeout(Duration.ofSeconds(5)).build();
      TransportException e = assertThrows(TransportException.class,
          () -> agent.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
      assertTrue(e.getMessage().startsWith("TLS failure talking to 127.0.0.1"), e.getMessage());
      assertFalse(e.isTransient());
    }
  }

  @Test
  void query_serverSilentPastTheDeadline_namedTimeout() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    server.createContext("/", ex -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      HttpAgent agent = HttpAgent.builder(url).timeout(Duration.ofMillis(300)).build();
      IcTimeoutException e = assertThrows(IcTimeoutException.class,
          () -> agent.query(CANISTER, "greet", new byte[] {'D', 'I', 'D', 'L', 0, 0}));
      assertTrue(e.getMessage().startsWith("timeout: no answer from 127.0.0.1"), e.getMessage());
    } finally {
      release.countDown();
      server.stop(0);
    }
  }

  @Test
  void build_fetchRootKeyFromMainnetHost_refusedWithoutAsking() {
    for (String host : new String[] {"https://icp-api.io", "https://icp0.io",
        "https://xyz.raw.ic0.app"}) {
      IcException e = assertThrows(IcException.class,
          () -> HttpAgent.builder(URI.create(host)).fetchRootKey(true).build());
      assertTrue(e.getMessage().contains("mainnet host"), e.getMessage());
    }
  }

  @Test
  void readIdentity_encryptedPem_saysHowToExportAPlaintextOne(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("identity.pem");
    Files.writeString(file, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0w\n"
        + "-----END ENCRYPTED PRIVATE KEY-----\n");
    IdentityException e =
        assertThrows(IdentityException.class, () -> HttpAgent.readIdentity(file));
    assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    assertTrue(e.getMessage().contains("dfx identity export"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void dfxIdentity_byName_readsIdentityPemUnderTheDfxConfig(@TempDir Path home)
      throws Exception {
    KeyPair kp = secp256k1();
    Path dir = Files.createDirectories(home.resolve(".config/dfx/identity/alice"));
    Files.writeString(dir.resolve("identity.pem"), sec1Pem(kp).toString());
    assertEquals(selfAuthenticating(kp.getPublic().getEncoded()),
        Identity.dfx(home, "alice").sender());
  }

  @Test
  void dfxIdentity_encrypted_saysHowToExportIt(@TempDir Path home) throws IOException {
    Path dir = Files.createDirectories(home.resolve(".config/dfx/identity/bob"));
    Files.write(dir.resolve("identity.pem.encrypted"), new byte[] {1, 2, 3});
    IdentityException e = assertThrows(IdentityException.class, () -> Identity.dfx(home, "bob"));
    assertTrue(e.getMessage().contains("dfx identity export bob"), e.getMessage());
  }

  @Test
  void dfxIdentity_unknownName_namesThePathLookedAt(@TempDir Path home) {
    IdentityException e =
        assertThrows(IdentityException.class, () -> Identity.dfx(home, "carol"));
    assertTrue(e.getMessage().contains(
        home.resolve(".config/dfx/identity/carol/identity.pem").toString()), e.getMessage());
  }
}
