package org.icupgrade.core.registry;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.icupgrade.core.Principal;

/** A {@link DeploymentRegistry} in memory: for tests and for services that keep no history. */
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
  public DeploymentRecord insert(DeploymentRecord record) {
    if (records.putIfAbsent(record.canisterId(), record) != null) {
      throw new IllegalStateException("canister " + record.canisterId() + " already has a record");
    }
    return record;
  }

  @Override
  public Optional<DeploymentRecord> replace(DeploymentRecord expected, DeploymentRecord next) {
    DeploymentRecord stored = new DeploymentRecord(next.canisterId(), next.owner(), next.status(),
        next.failureReason(), next.wasmHash(), next.frontendHash(), next.releaseTag(),
        expected.version() + 1);
    boolean swapped = records.computeIfPresent(expected.canisterId(),
        (id, current) -> current.version() == expected.version() ? stored : current) == stored;
    return swapped ? Optional.of(stored) : Optional.empty();
  }
}
