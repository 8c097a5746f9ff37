package org.icupgrade.deployer.release.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.icupgrade.core.Sha256;
import org.icupgrade.deployer.release.GitHubReleases;
import org.icupgrade.deployer.release.Release;
import org.icupgrade.deployer.release.ReleaseSource;
import org.icupgrade.deployer.release.ReleaseSourceException;
import org.jspecify.annotations.Nullable;

/** The {@link GitHubReleases} source; its Javadoc says what it does. */
public final class GitHubReleaseSource implements ReleaseSource {
  /** GitHub's storage host may redirect once more (signed URL); more than this is a loop. */
  private static final int MAX_REDIRECTS = 5;

  private final String api;
  private final String apiHost;
  private final String owner;
  private final String repo;
  private final @Nullable String token;
  private final HttpClient http;
  private final Duration timeout;
  /** Asset API URLs by tag, then name, from the last listing: a {@link Release} has no URLs. */
  private final Map<String, Map<String, URI>> assetUrls = new ConcurrentHashMap<>();

  public GitHubReleaseSource(URI apiUrl, String owner, String repo, @Nullable String token,
      HttpClient http, Duration timeout) {
    String s = apiUrl.toString();
    this.api = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    this.apiHost = Objects.requireNonNull(apiUrl.getAuthority(), "the API URL needs a host");
    this.owner = owner;
    this.repo = repo;
    this.token = token;
    this.http = http;
    this.timeout = timeout;
  }

  @Override
  public List<Release> releases() {
    URI uri = URI.create(api + "/repos/" + owner + "/" + repo + "/releases?per_page=100");
    String what = "list the releases of " + owner + "/" + repo;
    HttpResponse<String> r = send(request(uri, "application/vnd.github+json", true),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), what);
    if (r.statusCode() != 200) {
      throw new ReleaseSourceException("GitHub answered HTTP " + r.statusCode() + " to " + what
          + " where 200 was expected", false, null);
    }
    List<Release> out = new ArrayList<>();
    try {
      for (Object o : Json.array(Json.parse(r.body()), "the release list")) {
        out.add(release(Json.object(o, "a release")));
      }
    } catch (IllegalArgumentException e) {
      throw new ReleaseSourceException("GitHub's answer to " + what + " is not the release list"
          + " of its REST API (" + e.getMessage() + "): check the API URL " + api, false, e);
    }
    // GitHub lists by creation; the latest is the newest by publication. Drafts (unpublished)
    // go last.
    out.sort(Comparator.comparing((Release x) -> x.publishedAt().orElse(Instant.MIN))
        .reversed());
    return out;
  }

  private Release release(Map<String, @Nullable Object> m) {
    String tag = Json.string(m.get("tag_name"), "tag_name");
    Release.Builder b = Release.builder(tag)
        .name(m.get("name") instanceof String n ? n : null)
        .draft(Boolean.TRUE.equals(m.get("draft")))
        .prerelease(Boolean.TRUE.equals(m.get("prerelease")));
    if (m.get("published_at") instanceof String p) {
      try {
        b.published(Instant.parse(p));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("published_at of " + tag + " is not a time: " + p);
      }
    }
    Map<String, URI> urls = new ConcurrentHashMap<>();
    Object assets = m.get("assets");
    for (Object a : assets == null ? List.of() : Json.array(assets, "assets of " + tag)) {
      Map<String, @Nullable Object> am = Json.object(a, "an asset of " + tag);
      String name = Json.string(am.get("name"), "asset name");
      urls.put(name, URI.create(Json.string(am.get("url"), "asset url")));
      b.asset(digest(am.get("digest"))
          .map(d -> Release.Asset.of(name, d)).orElseGet(() -> Release.Asset.of(name)));
    }
    assetUrls.put(tag, urls);
    return b.build();
  }

  /** GitHub's asset digest is {@code "sha256:<hex>"}; other algorithms are not checked. */
  private static Optional<Sha256> digest(@Nullable Object d) {
    if (d instanceof String s && s.startsWith("sha256:")) {
      return Optional.of(Sha256.fromHex(s.substring("sha256:".length())));
    }
    return Optional.empty();
  }

  @Override
  public InputStream download(Release release, String assetName) throws IOException {
    URI url = assetUrl(release.tag(), assetName);
    if (url == null) {
      releases();
      url = assetUrl(release.tag(), assetName);
    }
    if (url == null) {
      throw new ReleaseSourceException("release " + release.tag() + " of " + owner + "/" + repo
          + " has no asset named " + assetName + "; it has " + release.assetNames()
          + ": check the asset name the catalog is configured with", false, null);
    }
    String what = "download " + assetName + " of " + owner + "/" + repo + " " + release.tag();
    HttpResponse<InputStream> r = send(request(url, "application/octet-stream", true),
        HttpResponse.BodyHandlers.ofInputStream(), what);
    for (int hops = 0; r.statusCode() / 100 == 3; hops++) {
      r.body().close();
      Optional<String> location = r.headers().firstValue("location");
      if (location.isEmpty() || hops == MAX_REDIRECTS) {
        throw new ReleaseSourceException("GitHub redirected the request to " + what
            + (location.isEmpty() ? " without a Location header" : " too many times")
            + ": try again later", true, null);
      }
      // A redirect leads off the API (a signed storage URL): it gets no token, wherever it goes.
      r = send(request(r.uri().resolve(location.get()), "application/octet-stream", false),
          HttpResponse.BodyHandlers.ofInputStream(), what);
    }
    if (r.statusCode() != 200) {
      r.body().close();
      throw new ReleaseSourceException("GitHub answered HTTP " + r.statusCode() + " to " + what
          + " where 200 was expected", false, null);
    }
    return r.body();
  }

  private @Nullable URI assetUrl(String tag, String name) {
    Map<String, URI> urls = assetUrls.get(tag);
    return urls == null ? null : urls.get(name);
  }

  private HttpRequest request(URI uri, String accept, boolean toApi) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Accept", accept)
        .header("User-Agent", "icupgrade")
        .header("X-GitHub-Api-Version", "2022-11-28");
    // The token goes to the API host only: never to the storage host a download redirects to.
    if (toApi && token != null && apiHost.equals(uri.getAuthority())
        && Objects.equals(URI.create(api).getScheme(), uri.getScheme())) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.GET().build();
  }

  private <T> HttpResponse<T> send(
      HttpRequest request, HttpResponse.BodyHandler<T> handler, String what) {
    HttpResponse<T> r;
    try {
      r = http.send(request, handler);
    } catch (IOException e) {
      throw new ReleaseSourceException("could not reach " + request.uri().getAuthority() + " to "
          + what + " (" + e + "): check the network and try again", true, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReleaseSourceException("interrupted while trying to " + what, false, e);
    }
    int status = r.statusCode();
    if (status < 400) {
      return r;
    }
    closeQuietly(r.body());
    HttpHeaders h = r.headers();
    boolean primaryLimit = h.firstValue("x-ratelimit-remaining").orElse("").equals("0");
    boolean secondaryLimit = h.firstValue("retry-after").isPresent();
    if ((status == 403 || status == 429) && (primaryLimit || secondaryLimit || status == 429)) {
      String when = h.firstValue("x-ratelimit-reset").flatMap(GitHubReleaseSource::epoch)
          .map(t -> "; it resets at " + t)
          .or(() -> h.firstValue("retry-after").map(s -> "; retry after " + s + " s"))
          .orElse("");
      throw new ReleaseSourceException("GitHub's API rate limit is used up (HTTP " + status + ")"
          + when + ": could not " + what + ". Wait until then"
          + (token == null ? ", or give the source a token (GitHubReleases.Builder.token) for"
              + " a higher limit" : ""), true, null);
    }
    if (status == 401) {
      throw new ReleaseSourceException("GitHub refused the token (HTTP 401) trying to " + what
          + ": check that it is valid, not expired, and can read " + owner + "/" + repo,
          false, null);
    }
    if (status == 403) {
      throw new ReleaseSourceException("GitHub forbids it (HTTP 403) trying to " + what
          + ": the token lacks access to " + owner + "/" + repo, false, null);
    }
    if (status == 404) {
      throw new ReleaseSourceException("not found (HTTP 404) trying to " + what + ": check the"
          + " owner and repository names" + (token == null
              ? "; a private repository needs a token" : " and that the token can read it"),
          false, null);
    }
    if (status >= 500) {
      throw new ReleaseSourceException("GitHub failed (HTTP " + status + ") trying to " + what
          + ": a GitHub-side problem; try again later", true, null);
    }
    throw new ReleaseSourceException("GitHub answered HTTP " + status + " trying to " + what,
        false, null);
  }

  private static Optional<Instant> epoch(String s) {
    try {
      return Optional.of(Instant.ofEpochSecond(Long.parseLong(s.trim())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void closeQuietly(Object body) {
    if (body instanceof InputStream in) {
      try {
        in.close();
      } catch (IOException ignored) {
        // the error being reported matters more than a failed close
      }
    }
  }

  @Override
  public String toString() {
    return "GitHub releases of " + owner + "/" + repo;
  }
}
