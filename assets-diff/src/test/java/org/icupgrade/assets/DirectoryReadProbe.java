package org.icupgrade.assets;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link ReleaseReaderHardeningTest} under another locale: reads the
 * directory given as the first argument and prints its keys, URL-encoded so that the output is
 * ASCII whatever the locale, one per line (or the refusal's message).
 */
public final class DirectoryReadProbe {
  private DirectoryReadProbe() {}

  /**
   * Reads the directory and prints its keys.
   *
   * @param args the directory
   */
  public static void main(String[] args) {
    try {
      for (String key : ReleaseReader.defaults().read(Path.of(args[0])).keys()) {
        System.out.println(URLEncoder.encode(key, StandardCharsets.UTF_8));
      }
    } catch (ReleaseReadException e) {
      System.out.println("refused " + URLEncoder.encode(e.getMessage(), StandardCharsets.UTF_8));
    }
    System.out.println("jnu=" + System.getProperty("sun.jnu.encoding"));
  }
}
