package org.icupgrade.core.agent;

import java.util.Optional;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;

/**
 * The transport seam: sends query and update calls carrying raw Candid bytes as one identity
 * ({@link #sender()}) and returns the reply bytes.
 *
 * <p>Implementations: the embedded replica (in-process, for tests and demos) and {@code HttpAgent}
 * in the {@code http-agent} module (a real replica or mainnet). Implementations are thread-safe;
 * calls are synchronous and a caller who wants parallelism runs them on its own executor.
 *
 * <p>A rejected call throws {@link CanisterRejectException}; a call that did not get through throws
 * {@link org.icupgrade.core.TransportException}.
 */
public interface Agent {
  /** The principal calls are sent as. */
  Principal sender();

  /**
   * A query call. {@code effectiveCanisterId} routes the call: the callee itself, or for the
   * management canister the canister the call is about.
   */
  byte[] query(Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId);

  /** An update call, waiting for its certified reply. */
  byte[] update(Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId);

  /** A query to a canister other than the management canister. */
  default byte[] query(Principal canisterId, String method, byte[] arg) {
    return query(canisterId, method, arg, canisterId);
  }

  /** An update to a canister other than the management canister. */
  default byte[] update(Principal canisterId, String method, byte[] arg) {
    return update(canisterId, method, arg, canisterId);
  }

  /**
   * The module hash of a canister, read from the certified state tree at
   * {@code /canister/<id>/module_hash}: public, no controller needed. Empty when no code is
   * installed.
   */
  Optional<Sha256> moduleHash(Principal canisterId);

  /**
   * A custom section of the canister's installed module, read from the certified state tree at
   * {@code /canister/<id>/metadata/<name>}, the way dfx reads a running canister's metadata.
   *
   * <p>{@code name} is the section's name without its {@code icp:public } or {@code icp:private }
   * prefix, such as {@code candid:service} or {@code enhanced-orthogonal-persistence}. Public
   * sections are readable by anyone; private ones only by the canister's controllers: for anyone
   * else the IC refuses the read, and so does this method (an {@link
   * org.icupgrade.core.IcException}).
   *
   * <p>The default implementation throws {@link UnsupportedOperationException}, for agents
   * written before this method existed; the agents of this library implement it.
   *
   * @param canisterId the canister
   * @param name the section's name, without the visibility prefix
   * @return the section's content; empty when the installed module has no such section or the
   *     canister has no module
   * @throws org.icupgrade.core.IcException as the other calls do, and when a private section is
   *     read by someone who is not a controller
   * @throws UnsupportedOperationException when this agent cannot read metadata
   */
  default Optional<byte[]> metadata(Principal canisterId, String name) {
    throw new UnsupportedOperationException(
        getClass().getName() + " does not read canister metadata");
  }

  /**
   * The subnet the canister is on, learned from the IC: the subnet whose key certifies state
   * about the canister (interface spec, "Certification", "Delegation": a certificate signed by
   * a subnet carries that subnet's delegation; one without is the root subnet's).
   *
   * <p>The default implementation says unknown, for agents that cannot tell; the agents of this
   * library implement it. A caller that needs the subnet (such as {@code SubnetStores} choosing
   * a store canister on the target's subnet) then has to be given it.
   *
   * @param canisterId the canister
   * @return its subnet's id; empty when this agent cannot tell
   * @throws org.icupgrade.core.IcException as the other calls do, when asking the IC failed
   */
  default Optional<Principal> subnetOf(Principal canisterId) {
    return Optional.empty();
  }
}
