package org.icupgrade.protocol;

/**
 * A certificate or hash tree that does not decode as the spec's "Encoding of certificates" says
 * (a missing field, a value of the wrong CBOR type, an unknown node tag, a tree nested too deep).
 * A kind of {@link CertificateException}: bytes that do not parse are not trusted either.
 */
public final class MalformedCertificateException extends CertificateException {
  private static final long serialVersionUID = 1L;

  MalformedCertificateException(String message) {
    super("malformed certificate: " + message + " (spec, \"Certification\", \"Encoding of"
        + " certificates\")");
  }
}
