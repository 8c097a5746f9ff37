package org.icupgrade.core.assets;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;
import org.icupgrade.core.Sha256;

/**
 * One encoding of a release file as it is to be stored: its name ({@code identity}, {@code gzip})
 * and its bytes, with their SHA-256 computed here so that the two cannot disagree.
 *
 * <p>The bytes are held in memory and copied on the way in; {@link #openStream()} and
 * {@link #copyOfRange} read them without exposing the array.
 */
public final class ReleaseEncoding {
  /** The name of the unencoded content. */
  public static final String IDENTITY = "identity";
  /** The name of gzip-compressed content. */
  public static final String GZIP = "gzip";

  private final String contentEncoding;
  private final byte[] content;
  private final Sha256 sha256;

  private ReleaseEncoding(String contentEncoding, byte[] content) {
    this(contentEncoding, content, Sha256.of(content));
  }

  private ReleaseEncoding(String contentEncoding, byte[] content, Sha256 sha256) {
    this.contentEncoding = Objects.requireNonNull(contentEncoding, "contentEncoding");
    this.content = content;
    this.sha256 = sha256;
  }

  /**
   * Reads exactly {@code size} bytes of {@code in} into an array of its own, hashing them as they
   * arrive: one pass over the data and no copy, for reading releases fast.
   *
   * @throws java.io.EOFException when the stream ends before {@code size} bytes
   */
  public static ReleaseEncoding read(String contentEncoding, java.io.InputStream in, int size)
      throws java.io.IOException {
    byte[] content = new byte[size];
    java.security.MessageDigest md = Sha256.newDigest();
    int off = 0;
    while (off < size) {
      int r = in.read(content, off, Math.min(64 * 1024, size - off));
      if (r < 0) {
        throw new java.io.EOFException(
            "the stream ended after " + off + " of " + size + " bytes");
      }
      md.update(content, off, r);
      off += r;
    }
    return new ReleaseEncoding(contentEncoding, content, Sha256.fromDigest(md));
  }

  /** The encoding {@code contentEncoding} with these bytes (copied). */
  public static ReleaseEncoding of(String contentEncoding, byte[] content) {
    return new ReleaseEncoding(contentEncoding, content.clone());
  }

  public String contentEncoding() {
    return contentEncoding;
  }

  /** The SHA-256 of the encoded bytes: what {@code SetAssetContent} sends and {@code list} shows. */
  public Sha256 sha256() {
    return sha256;
  }

  /** Bytes of encoded content. */
  public int length() {
    return content.length;
  }

  /** A copy of the encoded bytes. */
  public byte[] content() {
    return content.clone();
  }

  /** A copy of the bytes from {@code from} (inclusive) to {@code to} (exclusive). */
  public byte[] copyOfRange(int from, int to) {
    Objects.checkFromToIndex(from, to, content.length);
    return Arrays.copyOfRange(content, from, to);
  }

  /** A stream over the encoded bytes; each call starts from the beginning. */
  public InputStream openStream() {
    return new ByteArrayInputStream(content);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReleaseEncoding e
        && contentEncoding.equals(e.contentEncoding)
        && sha256.equals(e.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(contentEncoding, sha256);
  }

  @Override
  public String toString() {
    return contentEncoding + "(" + content.length + " bytes, sha256 " + sha256.hex() + ")";
  }
}
