package org.icupgrade.deployer.release;

import java.nio.file.Path;
import org.icupgrade.core.assets.FrontendRelease;

/**
 * Turns a downloaded frontend archive into a {@link FrontendRelease}: its files and its frontend
 * hash. The {@code assets-diff} module provides one for tar and tar.gz archives:
 * {@code ReleaseReader.defaults()::read}.
 *
 * <p>The catalog calls it with a temporary file that it deletes afterwards, so the reader must
 * not keep the path. A corrupt or unsafe archive should be refused with an
 * {@link org.icupgrade.core.IntegrityException} (or another {@link org.icupgrade.core.IcException}):
 * the catalog then keeps its previous release.
 */
@FunctionalInterface
public interface FrontendReader {
  /**
   * Reads the archive.
   *
   * @param archive the downloaded archive, deleted after the call
   * @return the release: its files and its frontend hash
   */
  FrontendRelease read(Path archive);
}
