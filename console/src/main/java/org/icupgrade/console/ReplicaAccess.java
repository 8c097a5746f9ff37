package org.icupgrade.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.http.HttpAgent;
import org.icupgrade.http.Identity;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.icupgrade.replica.assets.EmbeddedAssetCanister;
import org.icupgrade.replica.http.ReplicaHttpServer;
import org.jspecify.annotations.Nullable;

/**
 * Where the console's demo fleet runs and how the console reaches it: the embedded replica in
 * this process ({@link #embedded()}, the default), or a replica over the IC's HTTP interface
 * through {@link HttpAgent} ({@link #overHttp}).
 *
 * <p>Over HTTP every demo identity (the backend and each owner) is a new Ed25519 key whose PEM
 * the console keeps in a temporary directory, so that the demo login can act for an owner; a
 * real deployment would have the owner's two pre-upgrade calls signed in the owner's browser.
 */
public abstract class ReplicaAccess implements AutoCloseable {
  ReplicaAccess() {}

  /**
   * How a replica reached over HTTP makes storage canisters: an asset canister owned by the
   * owner, and the storage module of each demo release.
   */
  public interface StorageCanisters {
    /**
     * Creates an asset canister controlled by {@code owner}'s sender; its storage module is then
     * installed by the fleet.
     *
     * @param owner the owner's agent
     * @return the new canister
     */
    Principal create(Agent owner);

    /**
     * The storage module of demo release {@code version} (1 or 2); the two must differ.
     *
     * @param version the release's module version
     * @return the WASM module's bytes
     */
    byte[] module(int version);
  }

  /**
   * Storage canisters made from a real asset canister module, such as dfx's {@code
   * assetstorage.wasm.gz}: created empty with {@code provisional_create_canister_with_cycles}
   * (local replicas allow it), each release's module being that module with a custom section
   * {@code icupgrade:demo-release} naming the version (WASM spec, "Custom Sections": no effect on
   * execution), so that the versions differ in hash but not in behaviour.
   *
   * @param assetWasm the asset canister module, gzipped or not
   * @return the storage canisters
   */
  public static StorageCanisters assetModule(byte[] assetWasm) {
    byte[] wasm = gunzipped(assetWasm);
    return new StorageCanisters() {
      @Override
      public Principal create(Agent owner) {
        return CandidManagementCanister.over(owner).provisionalCreateCanisterWithCycles(
            BigInteger.valueOf(2_000_000_000_000L),
            CanisterSettings.ofControllers(List.of(owner.sender())), null);
      }

      @Override
      public byte[] module(int version) {
        return withCustomSection(wasm, "icupgrade:demo-release",
            ("v" + version).getBytes(StandardCharsets.UTF_8));
      }
    };
  }

  /**
   * The embedded replica in this process, also served on a free loopback port for its HTTP
   * gateway (where the storage canisters' frontends open).
   *
   * @return the access
   */
  public static ReplicaAccess embedded() {
    return new Embedded();
  }

  /**
   * A replica over the IC's HTTP interface, through {@link HttpAgent}.
   *
   * @param url the replica's base URL, such as {@code http://127.0.0.1:4943}; its host's port
   *     also serves the canisters' frontends at {@code http://<id>.localhost:<port>/}
   * @param rootKey the replica's DER root key, which its certificates are verified against; null
   *     to fetch it from the replica's {@code /api/v2/status} (local replicas only, as HttpAgent
   *     allows)
   * @param storage how storage canisters are made there
   * @return the access
   */
  public static ReplicaAccess overHttp(
      URI url, byte @Nullable [] rootKey, StorageCanisters storage) {
    return new OverHttp(url, rootKey, storage);
  }

  abstract Agent agentFor(Principal who);

  /** The principal of demo identity {@code name}; {@code n} numbers it on the embedded replica. */
  abstract Principal identity(String name, int n);

  abstract Principal createStorageCanister(Principal owner);

  abstract Principal createCanister(Principal owner);

  abstract byte[] storageModule(int version);

  abstract Optional<EmbeddedReplica> embeddedReplica();

  /** The browser origin of canister {@code id}'s frontend on the replica's HTTP gateway. */
  abstract String gatewayOrigin(Principal id);

  /** Stops what this access started. */
  @Override
  public abstract void close();

  private static final class Embedded extends ReplicaAccess {
    private final EmbeddedReplica replica = EmbeddedReplica.start();
    private final ReplicaHttpServer gateway = replica.serveHttp(0);

    @Override
    Agent agentFor(Principal who) {
      return replica.agentFor(who);
    }

    @Override
    Principal identity(String name, int n) {
      return name.equals("backend") ? Principal.fromBytes(new byte[] {0x0b, 0x0a, 0x0c, 1})
          : Principal.fromBytes(new byte[] {0x0a, 0x11, (byte) n, 1});
    }

    @Override
    Principal createStorageCanister(Principal owner) {
      return EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, owner);
    }

    @Override
    Principal createCanister(Principal owner) {
      return replica.createCanister(owner);
    }

    @Override
    byte[] storageModule(int version) {
      return SyntheticWasm.ofSize(200 * 1024 + (version - 1) * 64, version);
    }

    @Override
    Optional<EmbeddedReplica> embeddedReplica() {
      return Optional.of(replica);
    }

    @Override
    String gatewayOrigin(Principal id) {
      return "http://" + id + ".localhost:" + gateway.url().getPort();
    }

    @Override
    public void close() {
      gateway.close();
    }
  }

  private static final class OverHttp extends ReplicaAccess {
    private final URI url;
    private final byte @Nullable [] rootKey;
    private final StorageCanisters storage;
    private final Path keys;
    private final Map<Principal, Agent> agents = new ConcurrentHashMap<>();
    private final Agent anonymous;

    OverHttp(URI url, byte @Nullable [] rootKey, StorageCanisters storage) {
      this.url = Objects.requireNonNull(url, "url");
      this.rootKey = rootKey == null ? null : rootKey.clone();
      this.storage = Objects.requireNonNull(storage, "storage");
      try {
        keys = Files.createTempDirectory("icupgrade-console-identities");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a directory for the demo identities", e);
      }
      anonymous = builder().build();
    }

    private HttpAgent.Builder builder() {
      HttpAgent.Builder b = HttpAgent.builder(url);
      return rootKey == null ? b.fetchRootKey(true) : b.rootKey(rootKey);
    }

    @Override
    Agent agentFor(Principal who) {
      if (who.equals(Principal.ANONYMOUS)) {
        return anonymous;
      }
      Agent a = agents.get(who);
      if (a == null) {
        throw new IllegalArgumentException("the console holds no identity for " + who);
      }
      return a;
    }

    @Override
    Principal identity(String name, int n) {
      Path pem = keys.resolve(name + ".pem");
      try {
        Identity.generateEd25519().writePem(pem);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the demo identity " + pem, e);
      }
      Agent a = builder().identity(pem).build();
      agents.put(a.sender(), a);
      return a.sender();
    }

    @Override
    Principal createStorageCanister(Principal owner) {
      return storage.create(agentFor(owner));
    }

    @Override
    Principal createCanister(Principal owner) {
      return CandidManagementCanister.over(agentFor(owner)).provisionalCreateCanisterWithCycles(
          BigInteger.valueOf(1_000_000_000_000L), CanisterSettings.ofControllers(List.of(owner)),
          null);
    }

    @Override
    byte[] storageModule(int version) {
      return storage.module(version);
    }

    @Override
    Optional<EmbeddedReplica> embeddedReplica() {
      return Optional.empty();
    }

    @Override
    String gatewayOrigin(Principal id) {
      int port = url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
      return "http://" + id + ".localhost:" + port;
    }

    @Override
    public void close() {
      try (var files = Files.list(keys)) {
        List<Path> all = new ArrayList<>(files.toList());
        Collections.reverse(all);
        for (Path p : all) {
          Files.deleteIfExists(p);
        }
        Files.deleteIfExists(keys);
      } catch (IOException e) {
        // Left for the temporary directory's cleanup; the keys are demo keys.
      }
    }
  }

  private static byte[] gunzipped(byte[] b) {
    if (b.length < 2 || (b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b) {
      return b.clone();
    }
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalArgumentException("the asset canister module is gzipped but cannot be"
          + " read: " + e.getMessage(), e);
    }
  }

  /** WASM spec, "Custom Sections": id 0, size, name (a vec of bytes), then the content. */
  static byte[] withCustomSection(byte[] wasm, String name, byte[] content) {
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    leb128(payload, n.length);
    payload.writeBytes(n);
    payload.writeBytes(content);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(wasm);
    out.write(0);
    leb128(out, payload.size());
    out.writeBytes(payload.toByteArray());
    return out.toByteArray();
  }

  private static void leb128(ByteArrayOutputStream out, int value) {
    int v = value;
    do {
      int b = v & 0x7f;
      v >>>= 7;
      out.write(v == 0 ? b : b | 0x80);
    } while (v != 0);
  }
}
