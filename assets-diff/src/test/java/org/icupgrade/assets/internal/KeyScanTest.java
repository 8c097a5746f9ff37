package org.icupgrade.assets.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.Random;
import org.icupgrade.assets.ContentTypes;
import org.icupgrade.assets.UnsafeArchiveException;
import org.junit.jupiter.api.Test;

/**
 * The index scans of {@link ReleaseCollector#keyFor}, {@link ReleaseCollector#isHidden} and
 * {@link ContentTypes#forKey} against their definitions written with {@code split} and
 * {@code substring}, on names built from the pieces where the rules bite.
 */
class KeyScanTest {
  private static final String[] PIECES = {"a", "b", "/", "//", ".", "..", "./", "../", "._",
      ".DS_Store", ".well-known", ".well-knownx", ".env", "x.JS", ".html", "é", "-", "\\", "?",
      "\0"};

  private static String randomName(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + r.nextInt(7);
    for (int i = 0; i < n; i++) {
      sb.append(PIECES[r.nextInt(PIECES.length)]);
    }
    return sb.toString();
  }

  /** keyFor as first written: split on '/', drop "" and ".", refuse "..". */
  private static String referenceKeyFor(String name) {
    if (name.indexOf('\uFFFD') >= 0 || name.indexOf('?') >= 0 || name.indexOf('\0') >= 0
        || name.indexOf('\\') >= 0 || name.startsWith("/")
        || (name.length() >= 2 && name.charAt(1) == ':')) {
      return "refused";
    }
    StringBuilder key = new StringBuilder();
    String last = "";
    for (String part : name.split("/", -1)) {
      if (part.equals("..")) {
        return "refused: ..";
      }
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      key.append('/').append(part);
      last = part;
    }
    if (last.startsWith("._") || last.equals(".DS_Store")) {
      return "skipped";
    }
    return key.length() == 0 ? "/" : key.toString();
  }

  private static String actualKeyFor(String name) {
    try {
      String key = ReleaseCollector.keyFor(name);
      return key == null ? "skipped" : key;
    } catch (UnsafeArchiveException e) {
      return e.getMessage().contains("'..'") ? "refused: .." : "refused";
    }
  }

  private static boolean referenceIsHidden(String key) {
    for (String part : key.split("/")) {
      if (part.startsWith(".") && !part.equals(".well-known")) {
        return true;
      }
    }
    return false;
  }

  private static String referenceForKey(String key) {
    String name = key.substring(key.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    if (dot <= 0 || dot == name.length() - 1) {
      return ContentTypes.OCTET_STREAM;
    }
    String ext = name.substring(dot + 1).toLowerCase(Locale.ROOT);
    return switch (ext) {
      case "js" -> "text/javascript";
      case "html" -> "text/html";
      case "env", "well-known", "well-knownx", "ds_store" -> ContentTypes.OCTET_STREAM;
      default -> ContentTypes.forKey("f." + ext);
    };
  }

  @Test
  void keyFor_agreesWithSplitDefinition() {
    Random r = new Random(1);
    for (int i = 0; i < 100_000; i++) {
      String name = randomName(r);
      assertEquals(referenceKeyFor(name), actualKeyFor(name), name);
    }
    assertEquals("/a/b", ReleaseCollector.keyFor("./a//b/"));
    assertEquals("/", ReleaseCollector.keyFor("./"));
  }

  @Test
  void isHiddenAndContentType_agreeWithSplitDefinitions() {
    Random r = new Random(2);
    for (int i = 0; i < 100_000; i++) {
      String key = "/" + randomName(r);
      assertEquals(referenceIsHidden(key), ReleaseCollector.isHidden(key), key);
      assertEquals(referenceForKey(key), ContentTypes.forKey(key), key);
    }
    assertEquals(false, ReleaseCollector.isHidden("/.well-known/x.txt"));
    assertEquals(true, ReleaseCollector.isHidden("/a/.well-known.bak"));
    assertEquals("text/javascript", ContentTypes.forKey("/a.b/APP.JS"));
    assertEquals(ContentTypes.OCTET_STREAM, ContentTypes.forKey("/a.js/readme"));
  }
}
