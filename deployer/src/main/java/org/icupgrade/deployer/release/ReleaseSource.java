package org.icupgrade.deployer.release;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.icupgrade.deployer.release.internal.DirectoryReleaseSource;

/**
 * Where releases are published: lists them and downloads their assets. Two implementations come
 * with the library, {@link #gitHub GitHub Releases} and a {@link #directory local directory};
 * a test or a service with its own artifact store implements this interface.
 *
 * <p>A source only transports bytes: the {@link ReleaseCatalog} checks them against the
 * published checksums. Failures to reach the source, or a refusal by it, throw
 * {@link ReleaseSourceException} saying what to do. Implementations are thread-safe.
 */
public interface ReleaseSource {
  /**
   * Every release, newest first (drafts and prereleases included).
   *
   * @return the releases
   */
  List<Release> releases();

  /**
   * The newest release that is neither a draft nor a prerelease.
   *
   * @return the release, or empty when there is none
   */
  default Optional<Release> latest() {
    return latest(false);
  }

  /**
   * The newest release that is not a draft, and not a prerelease unless {@code includePrereleases}.
   *
   * @param includePrereleases true to count prereleases
   * @return the release, or empty when there is none
   */
  default Optional<Release> latest(boolean includePrereleases) {
    return releases().stream()
        .filter(r -> !r.draft() && (includePrereleases || !r.prerelease()))
        .findFirst();
  }

  /**
   * Opens the named asset of {@code release} for reading; the caller closes the stream.
   *
   * @param release the release
   * @param assetName the asset's name
   * @return the asset's content
   * @throws ReleaseSourceException when the release has no such asset or the source refuses
   * @throws IOException when reading fails midway
   */
  InputStream download(Release release, String assetName) throws IOException;

  /**
   * Downloads the named asset of {@code release} into {@code target}, replacing it; returns it.
   *
   * @param release the release
   * @param assetName the asset's name
   * @param target the file to write
   * @return {@code target}
   * @throws IOException when the download or the write fails midway
   */
  default Path downloadTo(Release release, String assetName, Path target) throws IOException {
    try (InputStream in = download(release, assetName)) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  /**
   * Releases in a local directory, one subdirectory per release named by its tag, holding the
   * assets as files:
   *
   * <pre>
   *   root/
   *     v1.0.0/            storage.wasm.gz, frontend.tar.gz, SHA256SUMS (optional)
   *     v1.1.0-rc1/        a tag with a "-" suffix is a prerelease
   *     v1.2.0/DRAFT       a subdirectory holding a file named DRAFT is a draft
   * </pre>
   *
   * Newest first by tag compared as a version ({@code v1.10.0} after {@code v1.9.2}); the
   * published time is the subdirectory's modification time. Asset names that would leave the
   * release's subdirectory are refused.
   *
   * @param root the directory holding one subdirectory per release
   * @return the source
   */
  static ReleaseSource directory(Path root) {
    return new DirectoryReleaseSource(root);
  }

  /**
   * The releases of the GitHub repository {@code owner/repo}; see {@link GitHubReleases}.
   *
   * @param owner the repository's owner
   * @param repo the repository's name
   * @return a builder of the source
   */
  static GitHubReleases.Builder gitHub(String owner, String repo) {
    return GitHubReleases.builder(owner, repo);
  }
}
