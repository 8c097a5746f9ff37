/**
 * An in-process Internet Computer replica for tests and demos: it implements the {@code Agent}
 * SPI for any caller and enforces the interface specification's rules for the management canister,
 * so that code passing against it has met the IC's limits.
 */
@NullMarked
package org.icupgrade.replica;

import org.jspecify.annotations.NullMarked;
