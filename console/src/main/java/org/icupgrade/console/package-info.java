/**
 * A web console in front of the storage deployer: owners log in, see which of their canisters
 * have an update, and upgrade them by scope. {@link org.icupgrade.console.ConsoleServer} serves the
 * JSON API and the page; {@link org.icupgrade.console.DemoFleet} is the demo data set on the
 * embedded replica.
 */
@NullMarked
package org.icupgrade.console;

import org.jspecify.annotations.NullMarked;
