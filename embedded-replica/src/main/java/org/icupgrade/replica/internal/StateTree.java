package org.icupgrade.replica.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.HashTree;
import org.icupgrade.protocol.RequestId;
import org.jspecify.annotations.Nullable;

/**
 * The replica's state tree (spec, "The system state tree"), built from its canisters when a
 * certificate is asked for, and pruned to what the reader asked ({@link HashTree#witness}), as
 * the IC answers: every certificate the replica issues — a query's data certificate, a {@code
 * read_state} or a synchronous call's answer — is a witness of this one tree, so a client sees
 * pruned subtrees and proofs of absence as it does from the IC.
 *
 * <p>Per canister (spec, "Canister information"): {@code /canister/<id>/controllers} (a CBOR
 * array of principals, self-described), and when a module is installed {@code module_hash},
 * {@code certified_data} and {@code metadata/<name>} for each custom section {@code icp:public
 * <name>} or {@code icp:private <name>} (who may read a private one is checked before a
 * certificate is made). Plus {@code /time}. The HTTP server adds what it keeps itself ({@code
 * request_status}, {@code subnet}) at the root.
 *
 * <p>Canisters are read without their locks (each field read is an immutable value or a
 * reference replaced whole), so that a query making its data certificate never waits for another
 * canister's message, which could be waiting for it.
 */
public final class StateTree {
  private static final byte[] CANISTER = label("canister");
  private static final byte[] TIME = label("time");
  private static final byte[] CONTROLLERS = label("controllers");
  private static final byte[] MODULE_HASH = label("module_hash");
  private static final byte[] CERTIFIED_DATA = label("certified_data");
  private static final byte[] METADATA = label("metadata");

  private final Canisters canisters;
  /** The metadata subtree of each module installed lately, by module hash (64 at most). */
  private final Map<Sha256, HashTree> metadata = new LinkedHashMap<>(16, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Sha256, HashTree> eldest) {
      return size() > 64;
    }
  };

  StateTree(Canisters canisters) {
    this.canisters = canisters;
  }

  private static byte[] label(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The whole tree at {@code timeNanos}: the canisters, the time and {@code more} (subtrees by
   * their root label).
   */
  public HashTree tree(long timeNanos, Map<String, HashTree> more) {
    return tree(timeNanos, more, null, null);
  }

  private HashTree tree(long timeNanos, Map<String, HashTree> more, @Nullable Principal self,
      byte @Nullable [] selfData) {
    Map<byte[], HashTree> root = new LinkedHashMap<>();
    more.forEach((k, v) -> root.put(label(k), v));
    root.put(CANISTER, canisters(self, selfData));
    root.put(TIME, HashTree.leaf(RequestId.leb128(BigInteger.valueOf(timeNanos))));
    return HashTree.node(root);
  }

  /**
   * Spec, "Certified data": the data certificate of canister {@code id}, a certificate of this
   * tree pruned to {@code /canister/<id>/certified_data} and {@code /time}, with {@code
   * certifiedData} as the canister's (its value as the query sees it, committed).
   */
  byte[] dataCertificate(Certifier certifier, Principal id, byte[] certifiedData,
      long timeNanos) {
    HashTree t = tree(timeNanos, Map.of(), id, certifiedData);
    return certifier.certificate(t.witness(List.of(
        List.of(CANISTER, id.toBytes(), CERTIFIED_DATA), List.of(TIME))));
  }

  private HashTree canisters(@Nullable Principal self, byte @Nullable [] selfData) {
    Map<byte[], HashTree> all = new LinkedHashMap<>();
    for (CanisterState c : canisters.all()) {
      Map<byte[], HashTree> fields = new LinkedHashMap<>();
      List<Object> controllers = new ArrayList<>();
      for (Principal p : c.controllers) {
        controllers.add(p.toBytes());
      }
      fields.put(CONTROLLERS, HashTree.leaf(Cbor.encode(controllers)));
      Sha256 hash = c.moduleHash;
      ModuleBytes module = c.module;
      if (hash != null && module != null) {
        fields.put(MODULE_HASH, HashTree.leaf(hash.toBytes()));
        WasmCanister code = c.code;
        byte[] data = c.id.equals(self) && selfData != null ? selfData
            : code == null ? new byte[0] : code.certifiedData();
        fields.put(CERTIFIED_DATA, HashTree.leaf(data));
        HashTree meta = metadataOf(hash, module);
        if (meta != null) {
          fields.put(METADATA, meta);
        }
      }
      all.put(c.id.toBytes(), HashTree.node(fields));
    }
    return HashTree.node(all);
  }

  /** The module's {@code metadata} subtree, or null when it exports no custom section. */
  private @Nullable HashTree metadataOf(Sha256 hash, ModuleBytes module) {
    synchronized (metadata) {
      HashTree known = metadata.get(hash);
      if (known != null) {
        return known == EMPTY ? null : known;
      }
    }
    Map<byte[], HashTree> sections = new LinkedHashMap<>();
    try {
      ModuleValidator.exportedSections(module).forEach(
          (name, s) -> sections.put(name.getBytes(StandardCharsets.UTF_8),
              HashTree.leaf(s.content())));
    } catch (RuntimeException e) {
      // A module that installed parses; one that does not (a builtin's stand-in) has none.
    }
    HashTree made = sections.isEmpty() ? EMPTY : HashTree.node(sections);
    synchronized (metadata) {
      metadata.put(hash, made);
    }
    return made == EMPTY ? null : made;
  }

  private static final HashTree EMPTY = HashTree.empty();
}
