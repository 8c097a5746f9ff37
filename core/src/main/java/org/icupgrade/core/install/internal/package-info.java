/** Implementation of {@link org.icupgrade.core.install.ChunkedWasmInstaller}; no API promise. */
@NullMarked
package org.icupgrade.core.install.internal;

import org.jspecify.annotations.NullMarked;
