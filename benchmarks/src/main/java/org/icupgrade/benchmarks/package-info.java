/**
 * JMH benchmarks: each pits the library against the raw JDK or library it builds on, on the same
 * input in the same run, so that the report is a ratio and not a number of one machine.
 */
@NullMarked
package org.icupgrade.benchmarks;

import org.jspecify.annotations.NullMarked;
