/** The embedded replica's state machine; no API promise. */
@NullMarked
package org.icupgrade.replica.internal;

import org.jspecify.annotations.NullMarked;
