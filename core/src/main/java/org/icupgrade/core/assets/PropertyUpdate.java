package org.icupgrade.core.assets;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One field of {@link BatchOperation.SetAssetProperties}: Candid's {@code opt opt T}, where the
 * outer option says whether to touch the property and the inner one whether it has a value.
 *
 * @param <T> the property's type
 */
public final class PropertyUpdate<T> {
  private static final PropertyUpdate<?> KEEP = new PropertyUpdate<>(false, null);
  private static final PropertyUpdate<?> CLEAR = new PropertyUpdate<>(true, null);

  private final boolean change;
  private final @Nullable T value;

  private PropertyUpdate(boolean change, @Nullable T value) {
    this.change = change;
    this.value = value;
  }

  /** Leave the property as it is (outer {@code null}). */
  @SuppressWarnings("unchecked")
  public static <T> PropertyUpdate<T> keep() {
    return (PropertyUpdate<T>) KEEP;
  }

  /** Remove the property's value (outer {@code opt}, inner {@code null}). */
  @SuppressWarnings("unchecked")
  public static <T> PropertyUpdate<T> clear() {
    return (PropertyUpdate<T>) CLEAR;
  }

  /** Set the property to this value. */
  public static <T> PropertyUpdate<T> set(T value) {
    return new PropertyUpdate<>(true, Objects.requireNonNull(value, "value"));
  }

  /** Whether the property is changed at all (the outer option is present). */
  public boolean isChange() {
    return change;
  }

  /** The new value; empty both for {@link #keep()} and {@link #clear()}. */
  public Optional<T> value() {
    return Optional.ofNullable(value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PropertyUpdate<?> p && change == p.change && Objects.equals(value, p.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(change, value);
  }

  @Override
  public String toString() {
    return !change ? "keep" : value == null ? "clear" : "set(" + value + ")";
  }
}
