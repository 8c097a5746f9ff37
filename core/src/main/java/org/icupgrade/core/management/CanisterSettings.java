package org.icupgrade.core.management;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * {@code canister_settings}: every field optional; an absent field is left unchanged by
 * {@code update_settings} and defaulted by {@code create_canister}.
 */
public final class CanisterSettings {
  private static final CanisterSettings EMPTY = builder().build();

  private final @Nullable List<Principal> controllers;
  private final @Nullable BigInteger computeAllocation;
  private final @Nullable BigInteger memoryAllocation;
  private final @Nullable BigInteger freezingThreshold;
  private final @Nullable BigInteger reservedCyclesLimit;
  private final @Nullable BigInteger wasmMemoryLimit;
  private final @Nullable BigInteger wasmMemoryThreshold;
  private final @Nullable LogVisibility logVisibility;
  private final @Nullable Map<String, String> environmentVariables;

  private CanisterSettings(Builder b) {
    this.controllers = b.controllers == null ? null : List.copyOf(b.controllers);
    this.computeAllocation = b.computeAllocation;
    this.memoryAllocation = b.memoryAllocation;
    this.freezingThreshold = b.freezingThreshold;
    this.reservedCyclesLimit = b.reservedCyclesLimit;
    this.wasmMemoryLimit = b.wasmMemoryLimit;
    this.wasmMemoryThreshold = b.wasmMemoryThreshold;
    this.logVisibility = b.logVisibility;
    this.environmentVariables = b.environmentVariables;
  }

  /** Settings with no field set. */
  public static CanisterSettings empty() {
    return EMPTY;
  }

  /** Settings that set only the controllers. */
  public static CanisterSettings ofControllers(List<Principal> controllers) {
    return builder().controllers(controllers).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.controllers = controllers;
    b.computeAllocation = computeAllocation;
    b.memoryAllocation = memoryAllocation;
    b.freezingThreshold = freezingThreshold;
    b.reservedCyclesLimit = reservedCyclesLimit;
    b.wasmMemoryLimit = wasmMemoryLimit;
    b.wasmMemoryThreshold = wasmMemoryThreshold;
    b.logVisibility = logVisibility;
    b.environmentVariables = environmentVariables;
    return b;
  }

  public Optional<List<Principal>> controllers() {
    return Optional.ofNullable(controllers);
  }

  public Optional<BigInteger> computeAllocation() {
    return Optional.ofNullable(computeAllocation);
  }

  public Optional<BigInteger> memoryAllocation() {
    return Optional.ofNullable(memoryAllocation);
  }

  public Optional<BigInteger> freezingThreshold() {
    return Optional.ofNullable(freezingThreshold);
  }

  public Optional<BigInteger> reservedCyclesLimit() {
    return Optional.ofNullable(reservedCyclesLimit);
  }

  public Optional<BigInteger> wasmMemoryLimit() {
    return Optional.ofNullable(wasmMemoryLimit);
  }

  public Optional<BigInteger> wasmMemoryThreshold() {
    return Optional.ofNullable(wasmMemoryThreshold);
  }

  /**
   * These settings with every field {@code update} sets replacing this one's, the others kept:
   * what {@code update_settings} does to a canister's settings.
   *
   * @param update the fields to replace
   * @return the combined settings
   */
  public CanisterSettings overriddenBy(CanisterSettings update) {
    Builder b = toBuilder();
    update.controllers().ifPresent(b::controllers);
    update.computeAllocation().ifPresent(b::computeAllocation);
    update.memoryAllocation().ifPresent(b::memoryAllocation);
    update.freezingThreshold().ifPresent(b::freezingThreshold);
    update.reservedCyclesLimit().ifPresent(b::reservedCyclesLimit);
    update.logVisibility().ifPresent(b::logVisibility);
    update.wasmMemoryLimit().ifPresent(b::wasmMemoryLimit);
    update.wasmMemoryThreshold().ifPresent(b::wasmMemoryThreshold);
    update.environmentVariables().ifPresent(b::environmentVariables);
    return b.build();
  }

  /** Who may read the canister's logs, when set. */
  public Optional<LogVisibility> logVisibility() {
    return Optional.ofNullable(logVisibility);
  }

  /**
   * The canister's environment variables, when set (ic.did {@code environment_variables}):
   * name to value, in the order given; setting them replaces all of them.
   */
  public Optional<Map<String, String>> environmentVariables() {
    return Optional.ofNullable(environmentVariables);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanisterSettings s
        && Objects.equals(controllers, s.controllers)
        && Objects.equals(computeAllocation, s.computeAllocation)
        && Objects.equals(memoryAllocation, s.memoryAllocation)
        && Objects.equals(freezingThreshold, s.freezingThreshold)
        && Objects.equals(reservedCyclesLimit, s.reservedCyclesLimit)
        && Objects.equals(wasmMemoryLimit, s.wasmMemoryLimit)
        && Objects.equals(wasmMemoryThreshold, s.wasmMemoryThreshold)
        && Objects.equals(logVisibility, s.logVisibility)
        && Objects.equals(environmentVariables, s.environmentVariables);
  }

  @Override
  public int hashCode() {
    return Objects.hash(controllers, computeAllocation, memoryAllocation, freezingThreshold,
        reservedCyclesLimit, wasmMemoryLimit, wasmMemoryThreshold, logVisibility,
        environmentVariables);
  }

  @Override
  public String toString() {
    return "CanisterSettings[controllers=" + controllers + ", computeAllocation="
        + computeAllocation + ", memoryAllocation=" + memoryAllocation + ", freezingThreshold="
        + freezingThreshold + ", reservedCyclesLimit=" + reservedCyclesLimit
        + ", wasmMemoryLimit=" + wasmMemoryLimit + ", wasmMemoryThreshold="
        + wasmMemoryThreshold + ", logVisibility=" + logVisibility
        + ", environmentVariables=" + environmentVariables + "]";
  }

  /** Builds {@link CanisterSettings}; unset fields stay absent. */
  public static final class Builder {
    private @Nullable List<Principal> controllers;
    private @Nullable BigInteger computeAllocation;
    private @Nullable BigInteger memoryAllocation;
    private @Nullable BigInteger freezingThreshold;
    private @Nullable BigInteger reservedCyclesLimit;
    private @Nullable BigInteger wasmMemoryLimit;
    private @Nullable BigInteger wasmMemoryThreshold;
    private @Nullable LogVisibility logVisibility;
    private @Nullable Map<String, String> environmentVariables;

    private Builder() {}

    public Builder controllers(List<Principal> controllers) {
      this.controllers = List.copyOf(controllers);
      return this;
    }

    public Builder computeAllocation(BigInteger v) {
      this.computeAllocation = nat(v, "compute_allocation");
      return this;
    }

    public Builder memoryAllocation(BigInteger v) {
      this.memoryAllocation = nat(v, "memory_allocation");
      return this;
    }

    public Builder freezingThreshold(BigInteger v) {
      this.freezingThreshold = nat(v, "freezing_threshold");
      return this;
    }

    public Builder reservedCyclesLimit(BigInteger v) {
      this.reservedCyclesLimit = nat(v, "reserved_cycles_limit");
      return this;
    }

    public Builder wasmMemoryLimit(BigInteger v) {
      this.wasmMemoryLimit = nat(v, "wasm_memory_limit");
      return this;
    }

    public Builder wasmMemoryThreshold(BigInteger v) {
      this.wasmMemoryThreshold = nat(v, "wasm_memory_threshold");
      return this;
    }

    public Builder logVisibility(LogVisibility v) {
      this.logVisibility = Objects.requireNonNull(v, "logVisibility");
      return this;
    }

    /**
     * Sets the environment variables, replacing all the canister has.
     *
     * @param variables name to value; the iteration order is kept
     * @return this builder
     */
    public Builder environmentVariables(Map<String, String> variables) {
      Map<String, String> copy = new LinkedHashMap<>();
      variables.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "name"),
          Objects.requireNonNull(v, "value of " + k)));
      this.environmentVariables = Collections.unmodifiableMap(copy);
      return this;
    }

    private static BigInteger nat(BigInteger v, String field) {
      if (v.signum() < 0) {
        throw new IllegalArgumentException(field + " is a nat and cannot be negative: " + v);
      }
      return v;
    }

    public CanisterSettings build() {
      return new CanisterSettings(this);
    }
  }
}
