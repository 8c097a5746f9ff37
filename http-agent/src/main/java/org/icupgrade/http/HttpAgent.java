package org.icupgrade.http;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ic4j.agent.AgentBuilder;
import org.ic4j.agent.AgentError;
import org.ic4j.agent.QueryBuilder;
import org.ic4j.agent.ReplicaTransport;
import org.ic4j.agent.UpdateBuilder;
import org.ic4j.agent.Waiter;
import org.ic4j.agent.certification.Certificate;
import org.ic4j.agent.certification.hashtree.Label;
import org.ic4j.agent.certification.hashtree.LookupResult;
import org.ic4j.agent.identity.AnonymousIdentity;
import org.ic4j.agent.identity.BasicIdentity;
import org.ic4j.agent.identity.Identity;
import org.ic4j.agent.identity.Secp256k1Identity;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IcTimeoutException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.agent.Agent;
import org.jspecify.annotations.Nullable;

/**
 * An {@link Agent} that talks HTTP to a real replica (dfx, PocketIC) or to mainnet, signing as an
 * identity read from a PEM file, over ic4j-agent.
 *
 * <pre>{@code
 * Agent agent = HttpAgent.builder(URI.create("http://127.0.0.1:4943"))
 *     .identity(Path.of(System.getProperty("user.home"), ".config/dfx/identity/default/identity.pem"))
 *     .fetchRootKey(true)          // local replicas only: mainnet's root key is built in
 *     .build();
 * }</pre>
 *
 * <p>Rejections become {@link CanisterRejectException} with the reject code and message (and the
 * {@code IC0xxx} error code when the message carries one); a replica that cannot be reached, or
 * answers 429/5xx, becomes a retryable {@link TransportException}. Keys and PEM text are never
 * logged or put in messages.
 */
public final class HttpAgent implements Agent {
  /**
   * ic4j's REPLICA_ERROR text, "code {0}, message: \"{1}\"": {0} is the numeric reject code for an
   * update (request_status) but the name of ic4j's RejectCode enum for a query ("CanisterReject").
   */
  private static final Pattern REPLICA_ERROR =
      Pattern.compile("code (\\w+), message: \"(.*)\"", Pattern.DOTALL);
  private static final Pattern ERROR_CODE = Pattern.compile("\\b(IC\\d{4})\\b");

  /**
   * The IC mainnet's API boundary nodes. Its root key is built into ic4j, so a mainnet agent never
   * needs {@link Builder#fetchRootKey}.
   */
  public static final URI MAINNET = URI.create("https://icp-api.io");

  private final org.ic4j.agent.Agent agent;
  private final Principal sender;
  private final Duration timeout;

  private HttpAgent(org.ic4j.agent.Agent agent, Principal sender, Duration timeout) {
    this.agent = agent;
    this.sender = sender;
    this.timeout = timeout;
  }

  /**
   * A builder for an agent talking to the replica at {@code replicaUrl}.
   *
   * @param replicaUrl the replica's or boundary node's base URL, such as {@link #MAINNET} or
   *     {@code http://127.0.0.1:4943}
   * @return a builder, with the defaults its methods name
   */
  public static Builder builder(URI replicaUrl) {
    return new Builder(replicaUrl);
  }

  @Override
  public Principal sender() {
    return sender;
  }

  @Override
  public byte[] query(Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
    return await(method, canisterId, () -> QueryBuilder.create(agent, ic4j(canisterId), method)
        .effectiveCanisterId(ic4j(effectiveCanisterId)).arg(arg).call());
  }

  @Override
  public byte[] update(Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
    int seconds = (int) Math.max(1, timeout.toSeconds());
    return await(method, canisterId, () -> UpdateBuilder.create(agent, ic4j(canisterId), method)
        .effectiveCanisterId(ic4j(effectiveCanisterId)).arg(arg)
        .callAndWait(Waiter.create(seconds, 1)));
  }

  /** Reads {@code /canister/<id>/module_hash} from the certified state tree. */
  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    return readState(canisterId, "module_hash".getBytes(StandardCharsets.US_ASCII))
        .map(Sha256::fromBytes);
  }

  /**
   * Reads {@code /canister/<id>/metadata/<name>} from the certified state tree, as dfx reads a
   * running canister's metadata. The IC answers the read of a private section by anyone but a
   * controller with HTTP 403: a {@link TransportException} that is not transient.
   */
  @Override
  public Optional<byte[]> metadata(Principal canisterId, String name) {
    Objects.requireNonNull(name, "name");
    return readState(canisterId, "metadata".getBytes(StandardCharsets.US_ASCII),
        name.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The value at {@code /canister/<id>/<labels...>} of a certified {@code read_state}, checked
   * against the root key by ic4j; empty when the certificate does not hold it (absent).
   */
  private Optional<byte[]> readState(Principal canisterId, byte[]... labels) {
    byte[] id = canisterId.toBytes();
    List<byte[]> path = new java.util.ArrayList<>();
    path.add("canister".getBytes(StandardCharsets.US_ASCII));
    path.add(id);
    path.addAll(List.of(labels));
    List<List<byte[]>> paths = List.of(path);
    Certificate certificate = await("read_state", canisterId,
        () -> agent.readStateRaw(ic4j(canisterId), paths, java.util.Map.of())
            .thenApply(r -> r.certificate));
    List<Label> lookup = new java.util.ArrayList<>();
    for (byte[] label : path) {
      lookup.add(new Label(label));
    }
    LookupResult r = certificate.tree.lookupPath(lookup);
    if (r.status == LookupResult.LookupResultStatus.FOUND && r.value != null) {
      return Optional.of(r.value);
    }
    return Optional.empty();
  }

  private <T> T await(String method, Principal canisterId, CallSupplier<T> call) {
    try {
      return call.start().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IcException("interrupted while waiting for " + method + " on " + canisterId, e);
    } catch (ExecutionException e) {
      throw translate(e.getCause() == null ? e : e.getCause(), method, canisterId);
    } catch (AgentError e) {
      throw translate(e, method, canisterId);
    }
  }

  /** Maps ic4j's failures onto ours. Package-private for tests. */
  static IcException translate(Throwable failure, String method, Principal canisterId) {
    // Our transport's own verdict may sit anywhere in ic4j's wrapping; it is the most precise.
    for (Throwable c = failure; c != null; c = c.getCause()) {
      if (c instanceof IcException ic) {
        return ic;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException
        || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof AgentError a) {
      String message = String.valueOf(a.getMessage());
      switch (a.getCode()) {
        case REPLICA_ERROR: {
          Matcher m = REPLICA_ERROR.matcher(message);
          RejectCode code = RejectCode.SYS_FATAL;
          String text = message;
          if (m.find()) {
            code = rejectCode(m.group(1));
            text = m.group(2);
          }
          Matcher ec = ERROR_CODE.matcher(text);
          return new CanisterRejectException(code, text, ec.find() ? ec.group(1) : null,
              canisterId, method);
        }
        case TIMEOUT_WAITING_FOR_RESPONSE:
          return new IcTimeoutException("no answer to " + method + " on " + canisterId
              + " in time; it may still execute: check its effect before repeating it", a);
        case TRANSPORT_ERROR:
        case HTTP_ERROR:
          return new TransportException(method + " on " + canisterId + ": " + message, true, a);
        default:
          return new TransportException(method + " on " + canisterId + ": " + message, false, a);
      }
    }
    return new TransportException(method + " on " + canisterId + ": " + t, false, t);
  }

  /** A reject code as ic4j prints it: a number, or its (package-private) enum's name for queries. */
  private static RejectCode rejectCode(String printed) {
    switch (printed) {
      case "SysFatal":
        return RejectCode.SYS_FATAL;
      case "SysTransient":
        return RejectCode.SYS_TRANSIENT;
      case "DestinationInvalid":
        return RejectCode.DESTINATION_INVALID;
      case "CanisterReject":
        return RejectCode.CANISTER_REJECT;
      case "CanisterError":
        return RejectCode.CANISTER_ERROR;
      default:
        return printed.chars().allMatch(Character::isDigit) && printed.length() < 9
            ? RejectCode.of(Integer.parseInt(printed))
            : RejectCode.SYS_FATAL;
    }
  }

  private static org.ic4j.types.Principal ic4j(Principal p) {
    return org.ic4j.types.Principal.from(p.toBytes());
  }

  @FunctionalInterface
  private interface CallSupplier<T> {
    CompletableFuture<T> start();
  }

  /**
   * Reads a PEM identity as dfx writes it: Ed25519 ({@code BEGIN PRIVATE KEY}, PKCS#8) or
   * secp256k1 ({@code BEGIN EC PRIVATE KEY}).
   *
   * @param pem the PEM file
   * @return the identity the file holds
   * @throws IdentityException naming the file (never its content) when it cannot be read or holds
   *     neither
   */
  public static Identity readIdentity(Path pem) {
    String text;
    try {
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IdentityException(pem, "no identity file at " + pem
          + ": export one with `dfx identity export <name>` or give the path of identity.pem", e);
    } catch (IOException e) {
      throw new IdentityException(pem, "cannot read the identity file " + pem + ": " + e, e);
    }
    try {
      if (text.contains("BEGIN EC PRIVATE KEY")) {
        return Secp256k1Identity.fromKeyPair(secp256k1KeyPair(text));
      }
      if (text.contains("BEGIN PRIVATE KEY")) {
        return BasicIdentity.fromKeyPair(ed25519KeyPair(text));
      }
    } catch (RuntimeException | AgentError | org.ic4j.agent.identity.PemError e) {
      // (ic4j's PemError extends java.lang.Error, yet it only means "not a key we can read".)
      // The cause is dropped on purpose: parser messages may quote key material.
      throw new IdentityException(pem, "cannot read the identity in " + pem
          + ": not an Ed25519 or secp256k1 private key in PEM form (" + e.getClass().getSimpleName()
          + ")", null);
    }
    throw new IdentityException(pem, "cannot read the identity in " + pem + ": expected a PEM"
        + " private key (BEGIN PRIVATE KEY for Ed25519, BEGIN EC PRIVATE KEY for secp256k1)",
        null);
  }

  private static Reader reader(String text) {
    return new StringReader(text);
  }

  /**
   * The secp256k1 key pair of a SEC1 PEM ({@code BEGIN EC PRIVATE KEY}). dfx writes an
   * {@code EC PARAMETERS} block first, which ic4j's own reader takes for the key and fails on; it
   * is skipped here.
   */
  private static java.security.KeyPair secp256k1KeyPair(String pem) {
    try (org.bouncycastle.openssl.PEMParser parser = new org.bouncycastle.openssl.PEMParser(
        reader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof org.bouncycastle.openssl.PEMKeyPair kp) {
          org.bouncycastle.asn1.ASN1Encodable curve =
              kp.getPrivateKeyInfo().getPrivateKeyAlgorithm().getParameters();
          if (!org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256k1.equals(curve)) {
            throw new IllegalArgumentException("an EC key on another curve than secp256k1");
          }
          return new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
              .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
              .getKeyPair(kp);
        }
      }
      throw new IllegalArgumentException("no EC private key");
    } catch (IOException e) {
      throw new IllegalArgumentException("not a readable secp256k1 key", null);
    }
  }

  /**
   * The Ed25519 key pair of a PKCS#8 PEM. ic4j's own reader needs the optional public key inside
   * the PKCS#8 structure (dfx writes it; OpenSSL and the JDK do not), so the public key is
   * derived from the private one here.
   */
  private static java.security.KeyPair ed25519KeyPair(String pem) {
    try (org.bouncycastle.openssl.PEMParser parser = new org.bouncycastle.openssl.PEMParser(
        reader(pem))) {
      Object o = parser.readObject();
      if (!(o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info)
          || !info.getPrivateKeyAlgorithm().getAlgorithm()
              .equals(org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519)) {
        throw new IllegalArgumentException("not an Ed25519 PKCS#8 key");
      }
      byte[] seed = org.bouncycastle.asn1.ASN1OctetString.getInstance(info.parsePrivateKey())
          .getOctets();
      byte[] publicKey = new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(seed, 0)
          .generatePublicKey().getEncoded();
      org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki =
          new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(
              new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                  org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519), publicKey);
      java.security.KeyFactory kf = java.security.KeyFactory.getInstance("Ed25519");
      return new java.security.KeyPair(
          kf.generatePublic(new java.security.spec.X509EncodedKeySpec(spki.getEncoded())),
          kf.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(info.getEncoded())));
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("not a readable Ed25519 key", null);
    }
  }

  /** Configures an {@link HttpAgent}. */
  public static final class Builder {
    private final URI replicaUrl;
    private Identity identity = new AnonymousIdentity();
    private boolean fetchRootKey;
    private @Nullable HttpClient httpClient;
    private @Nullable ReplicaTransport transport;
    private Duration timeout = Duration.ofMinutes(5);

    private Builder(URI replicaUrl) {
      this.replicaUrl = Objects.requireNonNull(replicaUrl, "replicaUrl");
    }

    /**
     * Signs as this identity; anonymous by default.
     *
     * @param identity the identity to sign with
     * @return this builder
     */
    public Builder identity(Identity identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /**
     * Signs as the identity in this PEM file (see {@link HttpAgent#readIdentity}).
     *
     * @param pemFile a PEM file as dfx writes it
     * @return this builder
     * @throws IdentityException when the file is missing, unreadable or holds no usable key
     */
    public Builder identity(Path pemFile) {
      return identity(readIdentity(pemFile));
    }

    /**
     * Fetches the replica's root key at build time: needed for a local replica, whose key is not
     * mainnet's. <b>Warning:</b> never do this against mainnet: a man in the middle could hand you
     * his key.
     *
     * @param fetchRootKey true to fetch the root key (a local replica only); false by default
     * @return this builder
     */
    public Builder fetchRootKey(boolean fetchRootKey) {
      this.fetchRootKey = fetchRootKey;
      return this;
    }

    /**
     * The JDK HTTP client to use; a default one otherwise.
     *
     * @param httpClient the client, with its proxy, TLS and executor settings
     * @return this builder
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /**
     * A complete ic4j transport (for tests or another HTTP stack); overrides the client.
     *
     * @param transport the transport every call goes through
     * @return this builder
     */
    public Builder transport(ReplicaTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * How long an update may take, and the HTTP request timeout; 5 minutes by default.
     *
     * @param timeout how long to wait
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Builds the agent, fetching the root key first when {@link #fetchRootKey} asked for it.
     *
     * @return the agent
     * @throws IcException when the root key was to be fetched and the replica did not give it
     */
    public HttpAgent build() {
      ReplicaTransport t = transport != null ? transport : new JdkHttpTransport(
          httpClient != null ? httpClient : HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(30)).build(), replicaUrl, timeout);
      org.ic4j.agent.Agent agent = new AgentBuilder().transport(t).identity(identity).build();
      Principal sender = Principal.fromBytes(identity.sender().getValue());
      HttpAgent result = new HttpAgent(agent, sender, timeout);
      if (fetchRootKey) {
        try {
          agent.fetchRootKey();
        } catch (AgentError e) {
          throw translate(e, "status", Principal.MANAGEMENT_CANISTER);
        }
      }
      return result;
    }
  }
}
