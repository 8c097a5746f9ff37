package org.icupgrade.candid.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The fields of a decoded record or variant: an unmodifiable map from field id to value over the
 * type table's array of ids (shared, never copied) and one array of values. A {@code LinkedHashMap}
 * per record cost about 200 bytes for a record of one field; this costs about 50, and finds a field
 * by binary search (the ids are strictly increasing: the decoder checks it in the type table).
 */
final class FieldValues extends AbstractMap<Long, @Nullable Object> {
  private final long[] ids;
  private final @Nullable Object[] values;

  FieldValues(long[] ids, @Nullable Object[] values) {
    this.ids = ids;
    this.values = values;
  }

  /** The value of field {@code id}; null when there is no such field or its value is null. */
  @Nullable Object value(long id) {
    int i = Arrays.binarySearch(ids, id);
    return i >= 0 ? values[i] : null;
  }

  @Override
  public int size() {
    return ids.length;
  }

  @Override
  public boolean containsKey(Object key) {
    return key instanceof Long id && Arrays.binarySearch(ids, id) >= 0;
  }

  @Override
  public @Nullable Object get(Object key) {
    return key instanceof Long id ? value(id) : null;
  }

  @Override
  public Set<Entry<Long, @Nullable Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return ids.length;
      }

      @Override
      public Iterator<Entry<Long, @Nullable Object>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < ids.length;
          }

          @Override
          public Entry<Long, @Nullable Object> next() {
            if (next >= ids.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new SimpleImmutableEntry<>(ids[i], values[i]);
          }
        };
      }
    };
  }
}
