/** The transport SPI: raw Candid bytes to and from canisters. */
@NullMarked
package org.icupgrade.core.agent;

import org.jspecify.annotations.NullMarked;
