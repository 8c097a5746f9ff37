/**
 * Where releases come from (GitHub Releases, a local directory), and the catalog that keeps the
 * latest fully downloaded and verified one.
 */
@NullMarked
package org.icupgrade.deployer.release;

import org.jspecify.annotations.NullMarked;
