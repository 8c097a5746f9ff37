package org.icupgrade.http;

import java.nio.file.Path;
import org.icupgrade.core.IcException;
import org.jspecify.annotations.Nullable;

/**
 * An identity file cannot be used: it is missing or unreadable, or it holds no private key that
 * can sign IC requests (Ed25519 or secp256k1 in PEM form). The message names the file, never its
 * content.
 */
public final class IdentityException extends IcException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /**
   * @param file the identity file
   * @param message what is wrong and what to do, naming the file
   * @param cause the I/O failure behind it, if any
   */
  public IdentityException(Path file, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  /**
   * The identity file that could not be used.
   *
   * @return its path
   */
  public Path file() {
    return file;
  }
}
