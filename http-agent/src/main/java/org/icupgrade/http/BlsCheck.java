package org.icupgrade.http;

/** The BLS12-381 signature check of certificates (spec, "Certification"). */
final class BlsCheck {
  private BlsCheck() {}

  /**
   * Whether {@code signature} is the root key's signature of {@code message}. Until the protocol
   * module has BLS12-381, nothing verifies: every certificate is refused.
   */
  static boolean verify(byte[] rootKeyDer, byte[] message, byte[] signature) {
    return false;
  }
}
