/** Runnable examples; each runs on the embedded replica by default. */
@NullMarked
package org.icupgrade.examples;

import org.jspecify.annotations.NullMarked;
