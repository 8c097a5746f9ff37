/**
 * An {@code Agent} that talks the IC's HTTP interface to a real replica or mainnet: {@link
 * org.icupgrade.http.HttpAgent}, its {@link org.icupgrade.http.Identity} (dfx PEM files) and its
 * typed rejects ({@link org.icupgrade.http.HttpRejectException}).
 */
@NullMarked
package org.icupgrade.http;

import org.jspecify.annotations.NullMarked;
