package org.icupgrade.core;

/** Bytes are not what they claim to be: a hash mismatch, a tampered download, a corrupt archive. */
public class IntegrityException extends IcException {
  private static final long serialVersionUID = 1L;

  public IntegrityException(String message) {
    super(message);
  }
}
