/** An {@code Agent} that talks HTTP to a real replica or mainnet, over ic4j-agent. */
@NullMarked
package org.icupgrade.http;

import org.jspecify.annotations.NullMarked;
