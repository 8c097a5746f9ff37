package org.icupgrade.core.release;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where releases are published. Implementations: {@link GitHubReleaseSource} and
 * {@link DirectoryReleaseSource}. Failures to reach the source or a refusal by it throw
 * {@link ReleaseSourceException} with what to do.
 */
public interface ReleaseSource {
  /** Every release, newest first. */
  List<Release> releases();

  /** The newest release that is neither a draft nor a prerelease. */
  default Optional<Release> latest() {
    return releases().stream().filter(r -> !r.draft() && !r.prerelease()).findFirst();
  }

  /** Opens the named asset of a release for reading; the caller closes the stream. */
  InputStream download(Release release, String assetName) throws IOException;
}
