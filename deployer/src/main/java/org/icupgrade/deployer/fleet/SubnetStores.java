package org.icupgrade.deployer.fleet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.calls.RetryPolicy;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;

/**
 * One {@link SharedChunkStore} per subnet, for a fleet whose targets live on several subnets:
 * {@code install_chunked_code} takes its chunks only from a store on the target's own subnet
 * (interface spec, "IC method install_chunked_code": the store canister must be on the target's
 * subnet), so each subnet's targets install from that subnet's store. The
 * fleet uploads the module once to each store whose subnet has a target in the plan, and clears
 * every store when it ends, done, halted or cancelled.
 *
 * <p>The subnet of each target is given ({@link #of}: the backend knows where it created each
 * canister) or learned from the IC ({@link #learned}: the agent's {@link Agent#subnetOf}, from
 * the certificate of a read_state about the canister). A target whose subnet has no store is
 * refused before the first wave.
 *
 * <pre>{@code
 * SubnetStores stores = SubnetStores.of(Map.of(subnetA, storeOnA, subnetB, storeOnB),
 *     target -> subnetOfTarget.get(target));
 * ChunkedWasmInstaller installer = stores.installer(ChunkedWasmInstaller.builder(mc).build());
 * // ... the upgrader over installer, the deployer over the upgrader ...
 * FleetUpgrader fleet = FleetUpgrader.builder(deployer, registry)
 *     .sharedStores(stores, catalog).build();
 * }</pre>
 */
public final class SubnetStores {
  private final Map<Principal, SharedChunkStore> storeBySubnet;
  private final Function<Principal, Principal> subnetOf;

  private SubnetStores(Map<Principal, SharedChunkStore> storeBySubnet,
      Function<Principal, Principal> subnetOf) {
    this.storeBySubnet = storeBySubnet;
    this.subnetOf = subnetOf;
  }

  /**
   * A store for each subnet.
   *
   * @param storeBySubnet each subnet's id and the store canister on it
   * @param subnetOf the subnet a target canister is on
   * @return the stores
   */
  public static SubnetStores of(Map<Principal, SharedChunkStore> storeBySubnet,
      Function<Principal, Principal> subnetOf) {
    if (storeBySubnet.isEmpty()) {
      throw new IllegalArgumentException("at least one store is needed");
    }
    return new SubnetStores(new LinkedHashMap<>(storeBySubnet),
        Objects.requireNonNull(subnetOf, "subnetOf"));
  }

  /**
   * A store for each subnet, every subnet learned from the IC through {@code agent}'s {@link
   * Agent#subnetOf}: the stores' own (once, here) and each target's (once, when first needed).
   * The HTTP agent ({@code HttpAgent}) learns it from the certificate of a
   * read_state about the canister, the embedded replica from its own knowledge.
   *
   * @param agent the agent asking the IC
   * @param stores the store canisters, one on each subnet the fleet's targets are on
   * @return the stores
   * @throws IcException when a store's subnet cannot be learned, or two stores share one
   */
  public static SubnetStores learned(Agent agent, Collection<SharedChunkStore> stores) {
    Objects.requireNonNull(agent, "agent");
    Map<Principal, SharedChunkStore> bySubnet = new LinkedHashMap<>();
    for (SharedChunkStore store : stores) {
      Principal subnet = learn(agent, store.canisterId(), "store canister");
      SharedChunkStore other = bySubnet.putIfAbsent(subnet, store);
      if (other != null) {
        throw new IcException("store canisters " + other.canisterId() + " and "
            + store.canisterId() + " are both on subnet " + subnet + ": one store per subnet");
      }
    }
    Map<Principal, Principal> known = new ConcurrentHashMap<>();
    return of(bySubnet, target -> known.computeIfAbsent(target,
        t -> learn(agent, t, "target canister")));
  }

  private static Principal learn(Agent agent, Principal canister, String what) {
    return agent.subnetOf(canister).orElseThrow(() -> new IcException("the subnet of " + what
        + " " + canister + " is unknown to " + agent + ": give the subnets with"
        + " SubnetStores.of instead"));
  }

  /**
   * One store for a fleet on one subnet.
   *
   * @param store the store, on the targets' subnet
   * @return the stores
   */
  public static SubnetStores single(SharedChunkStore store) {
    Principal only = store.canisterId();
    return new SubnetStores(Map.of(only, store), target -> only);
  }

  /**
   * The store {@code target} installs from: the one on its subnet.
   *
   * @param target a target canister
   * @return its subnet's store
   * @throws IcException when its subnet has no store
   */
  public SharedChunkStore storeFor(Principal target) {
    Principal subnet = subnetOf.apply(target);
    SharedChunkStore store = subnet == null ? null : storeBySubnet.get(subnet);
    if (store == null) {
      throw new IcException("no store canister for " + target + " on subnet " + subnet
          + ": install_chunked_code needs one on the target's subnet; create a canister there"
          + " and give it to SubnetStores.of");
    }
    return store;
  }

  /**
   * The stores the given targets install from, each once.
   *
   * @param targets target canisters
   * @return their subnets' stores, in the order first needed
   * @throws IcException when a target's subnet has no store
   */
  public List<SharedChunkStore> storesFor(Collection<Principal> targets) {
    List<SharedChunkStore> used = new ArrayList<>();
    for (Principal t : targets) {
      SharedChunkStore s = storeFor(t);
      if (!used.contains(s)) {
        used.add(s);
      }
    }
    return used;
  }

  /**
   * Every store.
   *
   * @return the stores, one per subnet
   */
  public Collection<SharedChunkStore> all() {
    return List.copyOf(storeBySubnet.values());
  }

  /**
   * An installer that installs each target from its subnet's store (see
   * {@link SharedChunkStore#installer}).
   *
   * @param delegate the installer doing the work
   * @return the installer to give the upgraders
   */
  public ChunkedWasmInstaller installer(ChunkedWasmInstaller delegate) {
    Map<SharedChunkStore, ChunkedWasmInstaller> each = new LinkedHashMap<>();
    for (SharedChunkStore s : storeBySubnet.values()) {
      each.put(s, s.installer(delegate));
    }
    return new ChunkedWasmInstaller() {
      @Override
      public InstallOutcome install(InstallRequest request) {
        return each.get(storeFor(request.canisterId())).install(request);
      }

      /** The delegate's variant, installing from the stores again. */
      @Override
      public ChunkedWasmInstaller withRetryPolicy(RetryPolicy retryPolicy) {
        return installer(delegate.withRetryPolicy(retryPolicy));
      }

      /** Refused: a variant built from it would not install from the stores. */
      @Override
      public ChunkedWasmInstaller.Builder newBuilder() {
        throw new UnsupportedOperationException("derive a variant from the delegate installer"
            + " and wrap it again with SubnetStores.installer");
      }
    };
  }
}
