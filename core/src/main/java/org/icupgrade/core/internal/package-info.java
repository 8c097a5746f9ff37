/** Small helpers shared by the modules; no API promise. */
@NullMarked
package org.icupgrade.core.internal;

import org.jspecify.annotations.NullMarked;
