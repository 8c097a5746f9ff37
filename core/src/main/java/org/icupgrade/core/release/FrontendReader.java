package org.icupgrade.core.release;

import java.nio.file.Path;
import org.icupgrade.core.assets.FrontendRelease;

/**
 * Turns a downloaded frontend archive into a {@link FrontendRelease}. The {@code assets-diff}
 * module provides it: {@code ReleaseReader.defaults()::read}.
 */
@FunctionalInterface
public interface FrontendReader {
  FrontendRelease read(Path archive);
}
