package org.icupgrade.deployer.release.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A small strict JSON reader (RFC 8259) for the GitHub API's answers: objects become maps,
 * arrays lists, numbers {@link Long} (integers) or {@link Double}, and {@code null} Java null.
 * The JDK has no JSON parser, and a dependency for reading one response shape is not worth its
 * weight in a module that must stay free of third-party clients. Errors are
 * {@link IllegalArgumentException}s naming the offset.
 */
public final class Json {
  /** Deeper nesting than GitHub ever sends is refused rather than overflowing the stack. */
  private static final int MAX_DEPTH = 64;

  private static final Pattern NUMBER =
      Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

  private final String s;
  private int i;
  private int depth;

  private Json(String s) {
    this.s = s;
  }

  /** Parses one JSON value filling all of {@code text} (whitespace around it allowed). */
  public static @Nullable Object parse(String text) {
    Json j = new Json(text);
    j.ws();
    Object v = j.value();
    j.ws();
    if (j.i != text.length()) {
      throw j.error("trailing characters");
    }
    return v;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
  }

  private void ws() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
  }

  private @Nullable Object value() {
    if (i >= s.length()) {
      throw error("unexpected end");
    }
    char c = s.charAt(i);
    switch (c) {
      case '{':
        return nested(true);
      case '[':
        return nested(false);
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        return number();
    }
  }

  private Object nested(boolean object) {
    if (++depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
    Object v = object ? object() : array();
    depth--;
    return v;
  }

  private @Nullable Object literal(String word, @Nullable Object v) {
    if (!s.startsWith(word, i)) {
      throw error("expected " + word);
    }
    i += word.length();
    return v;
  }

  private Map<String, @Nullable Object> object() {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    i++;
    ws();
    if (peek('}')) {
      i++;
      return m;
    }
    while (true) {
      ws();
      if (!peek('"')) {
        throw error("expected a key");
      }
      String k = string();
      ws();
      expect(':');
      ws();
      m.put(k, value());
      ws();
      if (peek(',')) {
        i++;
        continue;
      }
      expect('}');
      return m;
    }
  }

  private List<@Nullable Object> array() {
    List<@Nullable Object> l = new ArrayList<>();
    i++;
    ws();
    if (peek(']')) {
      i++;
      return l;
    }
    while (true) {
      ws();
      l.add(value());
      ws();
      if (peek(',')) {
        i++;
        continue;
      }
      expect(']');
      return l;
    }
  }

  private String string() {
    i++;
    StringBuilder b = new StringBuilder();
    while (true) {
      if (i >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(i++);
      if (c == '"') {
        return b.toString();
      }
      if (c == '\\') {
        if (i >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(i++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw error("short \\u escape");
            }
            String hex = s.substring(i, i + 4);
            if (!hex.matches("[0-9a-fA-F]{4}")) {
              throw error("bad \\u escape " + hex);
            }
            b.append((char) Integer.parseInt(hex, 16));
            i += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      } else if (c < 0x20) {
        throw error("control character in string");
      } else {
        b.append(c);
      }
    }
  }

  private Object number() {
    int start = i;
    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    String n = s.substring(start, i);
    if (n.isEmpty()) {
      throw error("unexpected character '" + s.charAt(start) + "'");
    }
    if (!NUMBER.matcher(n).matches()) {
      throw error("bad number " + n);
    }
    try {
      if (n.contains(".") || n.contains("e") || n.contains("E")) {
        return Double.parseDouble(n);
      }
      return Long.parseLong(n);
    } catch (NumberFormatException e) {
      // an integer beyond long: GitHub sends none; refuse rather than lose precision
      throw error("bad number " + n);
    }
  }

  private boolean peek(char c) {
    return i < s.length() && s.charAt(i) == c;
  }

  private void expect(char c) {
    if (!peek(c)) {
      throw error("expected '" + c + "'");
    }
    i++;
  }

  /** {@code v} as a JSON array, or an error naming {@code what}. */
  public static List<@Nullable Object> array(@Nullable Object v, String what) {
    if (v instanceof List<?> l) {
      @SuppressWarnings("unchecked")
      List<@Nullable Object> list = (List<@Nullable Object>) l;
      return list;
    }
    throw new IllegalArgumentException(what + " is not a JSON array");
  }

  /** {@code v} as a JSON object, or an error naming {@code what}. */
  public static Map<String, @Nullable Object> object(@Nullable Object v, String what) {
    if (v instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, @Nullable Object> map = (Map<String, @Nullable Object>) m;
      return map;
    }
    throw new IllegalArgumentException(what + " is not a JSON object");
  }

  /** {@code v} as a JSON string, or an error naming {@code what}. */
  public static String string(@Nullable Object v, String what) {
    if (v instanceof String str) {
      return str;
    }
    throw new IllegalArgumentException(what + " is not a JSON string");
  }
}
