package org.icupgrade.deployer.registry.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.icupgrade.core.Principal;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.icupgrade.deployer.registry.DeploymentRegistry;

/** {@link DeploymentRegistry#inMemory()}: compare-and-set through {@link ConcurrentMap#replace}. */
public final class InMemoryRegistry implements DeploymentRegistry {
  private final ConcurrentMap<Principal, DeploymentRecord> records = new ConcurrentHashMap<>();

  @Override
  public Optional<DeploymentRecord> find(Principal canisterId) {
    return Optional.ofNullable(records.get(canisterId));
  }

  @Override
  public List<DeploymentRecord> byOwner(Principal owner) {
    return records.values().stream().filter(r -> r.owner().equals(owner))
        .sorted(Comparator.comparing(DeploymentRecord::canisterId)).toList();
  }

  @Override
  public List<DeploymentRecord> all() {
    return records.values().stream()
        .sorted(Comparator.comparing(DeploymentRecord::canisterId)).toList();
  }

  @Override
  public List<DeploymentRecord> withJobs() {
    return records.values().stream().filter(r -> r.job().isPresent())
        .sorted(Comparator.comparing(DeploymentRecord::canisterId)).toList();
  }

  @Override
  public DeploymentRecord insert(DeploymentRecord record) {
    if (records.putIfAbsent(record.canisterId(), record) != null) {
      throw new IllegalStateException("canister " + record.canisterId() + " already has a record");
    }
    return record;
  }

  @Override
  public Optional<DeploymentRecord> replace(DeploymentRecord expected, DeploymentRecord next) {
    Checks.sameCanister(expected, next);
    DeploymentRecord stored = next.withVersion(expected.version() + 1);
    boolean[] swapped = {false};
    records.computeIfPresent(expected.canisterId(), (id, current) -> {
      if (current.version() != expected.version()) {
        return current;
      }
      swapped[0] = true;
      return stored;
    });
    return swapped[0] ? Optional.of(stored) : Optional.empty();
  }
}
