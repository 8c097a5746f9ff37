package org.icupgrade.deployer.registry;

class InMemoryRegistryTest extends DeploymentRegistryContract {
  @Override
  DeploymentRegistry registry() {
    return DeploymentRegistry.inMemory();
  }

  /** Memory is not shared: the racers share the one instance. */
  @Override
  DeploymentRegistry sameStorage(DeploymentRegistry first) {
    return first;
  }
}
