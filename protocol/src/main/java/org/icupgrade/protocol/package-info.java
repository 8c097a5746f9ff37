/**
 * The wire format of the Internet Computer's HTTP interface (spec, "HTTPS Interface"): CBOR
 * ({@link org.icupgrade.protocol.Cbor}), request ids ({@link org.icupgrade.protocol.RequestId}),
 * hash trees ({@link org.icupgrade.protocol.HashTree}) and the signature schemes a request or a
 * certificate carries. Both sides of the protocol use it: the HTTP agent and the embedded
 * replica's HTTP server, so that one definition of each rule is tested from both ends.
 */
@NullMarked
package org.icupgrade.protocol;

import org.jspecify.annotations.NullMarked;
