/**
 * The embedded replica over the IC's HTTP interface (spec, "HTTPS Interface"): CBOR envelopes,
 * request ids, signature checks, certificates, and a JDK {@code HttpServer} serving
 * {@code /api/v2} and {@code /api/v3}. Start it with {@code EmbeddedReplica.serveHttp(port)} or
 * standalone with {@link org.icupgrade.replica.http.ReplicaServer}.
 */
@NullMarked
package org.icupgrade.replica.http;

import org.jspecify.annotations.NullMarked;
