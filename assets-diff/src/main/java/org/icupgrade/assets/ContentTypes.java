package org.icupgrade.assets;

import java.util.Locale;
import java.util.Map;

/**
 * Content types of web assets by file extension, and which of them are worth compressing.
 *
 * <p>Types are given without parameters ({@code text/html}, not {@code text/html; charset=utf-8}),
 * as the reference tool stores them, so that a canister filled by either tool compares equal.
 */
public final class ContentTypes {
  /** The type of a file whose extension is unknown. */
  public static final String OCTET_STREAM = "application/octet-stream";

  private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
      // documents and code
      Map.entry("html", "text/html"),
      Map.entry("htm", "text/html"),
      Map.entry("xhtml", "application/xhtml+xml"),
      Map.entry("css", "text/css"),
      Map.entry("js", "text/javascript"),
      Map.entry("mjs", "text/javascript"),
      Map.entry("cjs", "text/javascript"),
      Map.entry("json", "application/json"),
      Map.entry("jsonld", "application/ld+json"),
      Map.entry("map", "application/json"),
      Map.entry("webmanifest", "application/manifest+json"),
      Map.entry("xml", "application/xml"),
      Map.entry("rss", "application/rss+xml"),
      Map.entry("atom", "application/atom+xml"),
      Map.entry("txt", "text/plain"),
      Map.entry("csv", "text/csv"),
      Map.entry("tsv", "text/tab-separated-values"),
      Map.entry("md", "text/markdown"),
      Map.entry("ics", "text/calendar"),
      Map.entry("wasm", "application/wasm"),
      Map.entry("pdf", "application/pdf"),
      Map.entry("zip", "application/zip"),
      Map.entry("gz", "application/gzip"),
      Map.entry("tar", "application/x-tar"),
      // images
      Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"),
      Map.entry("apng", "image/apng"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("webp", "image/webp"),
      Map.entry("avif", "image/avif"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("bmp", "image/bmp"),
      Map.entry("tif", "image/tiff"),
      Map.entry("tiff", "image/tiff"),
      // fonts
      Map.entry("woff", "font/woff"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("ttf", "font/ttf"),
      Map.entry("otf", "font/otf"),
      Map.entry("eot", "application/vnd.ms-fontobject"),
      // media
      Map.entry("mp4", "video/mp4"),
      Map.entry("m4v", "video/mp4"),
      Map.entry("webm", "video/webm"),
      Map.entry("ogv", "video/ogg"),
      Map.entry("mov", "video/quicktime"),
      Map.entry("mp3", "audio/mpeg"),
      Map.entry("m4a", "audio/mp4"),
      Map.entry("aac", "audio/aac"),
      Map.entry("wav", "audio/wav"),
      Map.entry("ogg", "audio/ogg"),
      Map.entry("oga", "audio/ogg"),
      Map.entry("opus", "audio/opus"),
      Map.entry("flac", "audio/flac"),
      Map.entry("vtt", "text/vtt"));

  private ContentTypes() {}

  /**
   * The content type for a key or file name, from its extension (case-insensitive);
   * {@value #OCTET_STREAM} for an unknown or missing extension.
   *
   * @param key an asset key ({@code /assets/app.js}) or a file name
   * @return the content type
   */
  public static String forKey(String key) {
    // Indices into the key, no substring of the name: called once per file of every release.
    int nameStart = key.lastIndexOf('/') + 1;
    int dot = key.lastIndexOf('.');
    if (dot <= nameStart || dot == key.length() - 1) {
      return OCTET_STREAM;
    }
    String ext = key.substring(dot + 1).toLowerCase(Locale.ROOT);
    return BY_EXTENSION.getOrDefault(ext, OCTET_STREAM);
  }

  /**
   * Whether content of this type is text-like and usually shrinks with gzip: {@code text/*},
   * JavaScript, JSON and its variants, XML and its variants, SVG, and WebAssembly is not among them
   * (browsers fetch it with streaming compilation; the reference tool stores it as is). Images,
   * fonts, media and archives are already compressed.
   *
   * @param contentType a content type, parameters allowed ({@code text/html; charset=utf-8})
   * @return true for text-like content, which gzip usually shrinks
   */
  public static boolean isCompressible(String contentType) {
    String t = contentType.toLowerCase(Locale.ROOT);
    int semi = t.indexOf(';');
    if (semi >= 0) {
      t = t.substring(0, semi).strip();
    }
    return t.startsWith("text/")
        || t.equals("application/javascript")
        || t.equals("application/json")
        || t.endsWith("+json")
        || t.equals("application/xml")
        || t.endsWith("+xml")
        || t.equals("application/vnd.ms-fontobject");
  }
}
