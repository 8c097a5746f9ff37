package org.icupgrade.core.assets;

import java.util.Objects;

/**
 * One HTTP header an asset is served with ({@code HeaderField = record { text; text }}).
 *
 * @param name the header name, e.g. {@code Cache-Control}
 * @param value the header value
 */
public record HeaderField(String name, String value) {
  public HeaderField {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }

  /** Bytes this header adds to a commit, as the reference tool counts them (name + value, UTF-8). */
  public int byteSize() {
    return name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        + value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
