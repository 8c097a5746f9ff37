package org.icupgrade.replica.assets.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.icupgrade.candid.internal.AssetCandid;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.replica.assets.internal.AssetStore.Asset;
import org.icupgrade.replica.assets.internal.AssetStore.Encoding;
import org.jspecify.annotations.Nullable;

/**
 * The asset canister's queries: {@code list}, {@code get}, {@code get_chunk} and {@code
 * http_request}.
 */
final class AssetReads {
  /** The encodings in the order they are served when the request names none that is stored. */
  static final List<String> ENCODING_ORDER =
      List.of("identity", "gzip", "compress", "deflate", "br");

  private final AssetFlavour flavour;
  private final AssetStore store;

  AssetReads(AssetFlavour flavour, AssetStore store) {
    this.flavour = flavour;
    this.store = store;
  }

  List<AssetDetails> list(long[] startLength) {
    List<AssetDetails> out = new ArrayList<>();
    long start = flavour.listStart(startLength);
    long limit = flavour.listLimit(startLength);
    long i = 0;
    for (Map.Entry<String, Asset> e : store.assets.entrySet()) {
      if (i++ < start) {
        continue;
      }
      if (out.size() >= limit) {
        break;
      }
      List<AssetEncodingDetails> encs = new ArrayList<>();
      new TreeMap<>(e.getValue().encodings()).forEach((name, enc) -> encs.add(
          AssetEncodingDetails.of(name, enc.sha256(), enc.length(), enc.modifiedNanos())));
      out.add(AssetDetails.of(e.getKey(), e.getValue().contentType(), encs));
    }
    return out;
  }

  /** The asset at {@code key}, or the one {@code key} is an alias of (state_machine get_asset). */
  private @Nullable Asset lookup(String key) {
    String resolved = resolve(key);
    return resolved == null ? null : store.assets.get(resolved);
  }

  /** The stored key that serves {@code key}: itself, or the asset it is an alias of. */
  private @Nullable String resolve(String key) {
    if (store.assets.containsKey(key)) {
      return key;
    }
    for (String alias : aliasesOf(key)) {
      Asset target = store.assets.get(alias);
      if (target != null) {
        boolean aliased = target.isAliased() == null ? flavour.aliasedByDefault()
            : target.isAliased();
        return aliased ? alias : null;
      }
    }
    return null;
  }

  /** {@code /a} may be served by {@code /a.html} or {@code /a/index.html}; {@code /a/} by the latter. */
  private static List<String> aliasesOf(String key) {
    if (key.endsWith("/")) {
      return List.of(key + "index.html");
    }
    if (!key.endsWith(".html")) {
      return List.of(key + ".html", key + "/index.html");
    }
    return List.of();
  }

  EncodedAsset get(String key, List<String> acceptEncodings) {
    Asset a = lookup(key);
    if (a == null) {
      throw flavour.assetNotFound("get", key);
    }
    for (String name : acceptEncodings) {
      Encoding e = a.encodings().get(name);
      if (e != null) {
        return EncodedAsset.of(e.chunks().get(0), a.contentType(), name, e.sha256(), e.length());
      }
    }
    throw flavour.noAcceptedEncoding("get", key, acceptEncodings);
  }

  byte[] getChunk(AssetCandid.GetChunkArgs args) {
    String m = "get_chunk";
    Asset a = lookup(args.key());
    if (a == null) {
      throw flavour.assetNotFound(m, args.key());
    }
    Encoding e = a.encodings().get(args.contentEncoding());
    if (e == null) {
      throw flavour.encodingNotFound(m, args.key(), args.contentEncoding());
    }
    if (args.sha256() == null && flavour.chunkNeedsSha256()) {
      throw flavour.fail(m, "sha256 required");
    }
    if (args.sha256() != null && !args.sha256().equals(e.sha256())) {
      throw flavour.fail(m, "sha256 mismatch");
    }
    if (args.index() < 0 || args.index() >= e.chunks().size()) {
      throw flavour.chunkIndexOutOfBounds(m);
    }
    return e.chunks().get((int) args.index());
  }

  AssetCandid.HttpResponse http(AssetCandid.HttpRequest r) {
    String path = r.url();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    try {
      path = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return new AssetCandid.HttpResponse(400, List.of(),
          ("failed to decode path '" + path + "': " + e.getMessage())
              .getBytes(StandardCharsets.UTF_8));
    }
    String key = resolve(path);
    Asset a = key == null ? null : store.assets.get(key);
    if (a == null) {
      // Single-page apps: a path with no asset is answered with /index.html (FALLBACK_FILE in the
      // DFINITY canister; get_fallback_asset in http-assets, which looks up the directory tree).
      key = flavour.fallback(path, store.assets);
      a = key == null ? null : store.assets.get(key);
    }
    if (a == null || key == null) {
      return flavour.httpNotFound(path);
    }
    String name = chooseEncoding(a, r.headers());
    if (name == null) {
      return flavour.httpNoEncoding(path);
    }
    Encoding e = a.encodings().get(name);
    List<HeaderField> headers = new ArrayList<>();
    headers.add(new HeaderField("content-type", a.contentType()));
    if (a.maxAge() != null) {
      headers.add(new HeaderField("cache-control", "max-age=" + a.maxAge()));
    }
    flavour.encodingHeaders(headers, name);
    headers.add(new HeaderField("etag", "\"" + e.sha256().hex() + "\""));
    if (a.headers() != null) {
      headers.addAll(a.headers());
    }
    flavour.trailingHeaders(headers, key);
    // The body is the whole encoding: the replica has no HTTP gateway to follow the streaming
    // callback, so this answers as the gateway would after assembling the chunks.
    return new AssetCandid.HttpResponse(200, headers, e.whole());
  }

  /** The first stored encoding the flavour wants for this request, else the first stored. */
  private @Nullable String chooseEncoding(Asset a, List<HeaderField> headers) {
    for (String n : flavour.wantedEncodings(headers)) {
      if (a.encodings().containsKey(n)) {
        return n;
      }
    }
    for (String n : ENCODING_ORDER) {
      if (a.encodings().containsKey(n)) {
        return n;
      }
    }
    return null;
  }

  /** The encodings a request header lists, without their {@code ;q=} weights, in its order. */
  static List<String> headerTokens(List<HeaderField> headers, String header) {
    List<String> wanted = new ArrayList<>();
    for (HeaderField h : headers) {
      if (h.name().toLowerCase(Locale.ROOT).equals(header)) {
        for (String v : h.value().split(",")) {
          String token = v.trim();
          int semi = token.indexOf(';');
          wanted.add(semi < 0 ? token : token.substring(0, semi).trim());
        }
      }
    }
    return wanted;
  }
}
