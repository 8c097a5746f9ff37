package org.icupgrade.deployer.onreplica;

import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;

/**
 * An agent that forwards every call to another after {@link #before} has seen it: the tests'
 * way to make a deployer die, hang or let another deployer run in the middle of a call.
 */
class InterceptingAgent implements Agent {
  private final Agent target;

  InterceptingAgent(Agent target) {
    this.target = target;
  }

  /** Called before each call is forwarded; {@code method} is the IC method or the read. */
  void before(String method) {}

  @Override
  public Principal sender() {
    return target.sender();
  }

  @Override
  public byte[] query(Principal canisterId, String method, byte[] arg, Principal effective) {
    before(method);
    return target.query(canisterId, method, arg, effective);
  }

  @Override
  public byte[] update(Principal canisterId, String method, byte[] arg, Principal effective) {
    before(method);
    return target.update(canisterId, method, arg, effective);
  }

  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    before("read_state module_hash");
    return target.moduleHash(canisterId);
  }

  @Override
  public Optional<byte[]> metadata(Principal canisterId, String name) {
    before("read_state metadata");
    return target.metadata(canisterId, name);
  }

  @Override
  public Optional<Principal> subnetOf(Principal canisterId) {
    before("read_state subnet");
    return target.subnetOf(canisterId);
  }
}
