package org.icupgrade.core.release;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A published release: its tag, whether it is a draft or a prerelease, when it was published, and
 * the names of its downloadable assets.
 */
public record Release(
    String tag, boolean draft, boolean prerelease, @Nullable Instant publishedAt,
    List<String> assetNames) {
  public Release {
    assetNames = List.copyOf(assetNames);
  }

  public Optional<Instant> published() {
    return Optional.ofNullable(publishedAt);
  }
}
