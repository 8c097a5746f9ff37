package org.icupgrade.assets;

import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Keys a sync never deletes or overwrites: user data that lives among the frontend's files.
 *
 * <p>Globs match whole keys: {@code *} matches within one path segment, {@code **} across segments
 * ({@code /thumbnails/**} is every key under {@code /thumbnails/}), {@code ?} one character of a
 * segment. A protected key the canister does not hold yet is still created from the release.
 */
public final class ProtectedKeys implements Predicate<String> {
  private static final ProtectedKeys NONE = new ProtectedKeys(List.of(), k -> false);

  private final List<String> description;
  private final Predicate<String> predicate;

  private ProtectedKeys(List<String> description, Predicate<String> predicate) {
    this.description = List.copyOf(description);
    this.predicate = predicate;
  }

  /**
   * Nothing is protected.
   *
   * @return keys of which none is protected
   */
  public static ProtectedKeys none() {
    return NONE;
  }

  /**
   * The user data a storage canister keeps among its frontend's assets, which an upgrade must
   * neither delete nor overwrite: {@code /info.json} and the thumbnails ({@code /thumbnails/**}).
   *
   * @return {@code /info.json} and {@code /thumbnails/**}
   */
  public static ProtectedKeys storageDefaults() {
    return globs("/info.json", "/thumbnails/**");
  }

  /**
   * The keys matching any of these globs.
   *
   * @param globs globs over keys: {@code *} within one path segment, {@code **} across segments
   * @return the keys any of the globs matches
   */
  public static ProtectedKeys globs(String... globs) {
    List<String> list = List.of(globs);
    List<Predicate<String>> matchers = new java.util.ArrayList<>();
    for (String glob : list) {
      Pattern p = compile(glob);
      int wildcard = glob.indexOf('*');
      if (wildcard < 0 && glob.indexOf('?') < 0) {
        matchers.add(glob::equals);
      } else {
        // Most keys fail the literal prefix; only those pay for the regular expression.
        String prefix = glob.substring(0, wildcard < 0 ? glob.indexOf('?') : wildcard);
        matchers.add(key -> key.startsWith(prefix) && p.matcher(key).matches());
      }
    }
    return new ProtectedKeys(list, key -> {
      for (Predicate<String> m : matchers) {
        if (m.test(key)) {
          return true;
        }
      }
      return false;
    });
  }

  /**
   * The keys this predicate accepts, described as {@code description} when printed.
   *
   * @param description what {@code toString} prints
   * @param predicate true for a protected key
   * @return the keys {@code predicate} accepts
   */
  public static ProtectedKeys matching(String description, Predicate<String> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return new ProtectedKeys(List.of(description), predicate);
  }

  /** Whether {@code key} is protected. */
  @Override
  public boolean test(String key) {
    return predicate.test(key);
  }

  private static Pattern compile(String glob) {
    if (!glob.startsWith("/")) {
      throw new IllegalArgumentException(
          "a protected-key glob matches /-rooted keys and must start with '/': \"" + glob + "\"");
    }
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          re.append(".*");
          i++;
        } else {
          re.append("[^/]*");
        }
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  @Override
  public String toString() {
    return description.isEmpty() ? "no protected keys" : "protected " + description;
  }
}
