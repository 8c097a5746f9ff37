package org.icupgrade.core.release;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Releases of a GitHub repository, over the REST API with the JDK's HTTP client.
 *
 * <p>The asset download answers with a redirect to a storage host; the redirect is followed by
 * hand, without the {@code Authorization} header, so that a token never leaves GitHub. A rate
 * limit (403/429 with {@code x-ratelimit-remaining: 0}), a missing repository (404) and a bad
 * token (401) become {@link ReleaseSourceException}s saying what to do.
 */
public final class GitHubReleaseSource implements ReleaseSource {
  private final URI api;
  private final String owner;
  private final String repo;
  private final @Nullable String token;
  private final HttpClient http;
  private final Duration timeout;
  /** Asset download URLs by tag and name, from the last listing. */
  private final Map<String, Map<String, String>> assetUrls = new ConcurrentHashMap<>();

  private GitHubReleaseSource(Builder b) {
    this.api = b.api;
    this.owner = b.owner;
    this.repo = b.repo;
    this.token = b.token;
    this.http = b.http != null ? b.http
        : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    this.timeout = b.timeout;
  }

  /** The releases of {@code owner/repo} on github.com. */
  public static Builder builder(String owner, String repo) {
    return new Builder(owner, repo);
  }

  @Override
  public List<Release> releases() {
    URI uri = api.resolve("/repos/" + owner + "/" + repo + "/releases?per_page=100");
    HttpResponse<String> r = send(request(uri, "application/vnd.github+json", true),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), "list the releases");
    Object parsed;
    try {
      parsed = Json.parse(r.body());
    } catch (IllegalArgumentException e) {
      throw new ReleaseSourceException("GitHub answered the release list of " + owner + "/"
          + repo + " with something that is not JSON: " + e.getMessage(), false, e);
    }
    if (!(parsed instanceof List<?> list)) {
      throw new ReleaseSourceException("GitHub's release list of " + owner + "/" + repo
          + " is not a JSON array", false, null);
    }
    List<Release> out = new ArrayList<>();
    for (Object o : list) {
      Map<?, ?> m = (Map<?, ?>) o;
      String tag = String.valueOf(m.get("tag_name"));
      List<String> names = new ArrayList<>();
      Map<String, String> urls = new ConcurrentHashMap<>();
      Object assets = m.get("assets");
      if (assets instanceof List<?> al) {
        for (Object a : al) {
          Map<?, ?> am = (Map<?, ?>) a;
          String name = String.valueOf(am.get("name"));
          names.add(name);
          urls.put(name, String.valueOf(am.get("url")));
        }
      }
      assetUrls.put(tag, urls);
      Object published = m.get("published_at");
      out.add(new Release(tag, Boolean.TRUE.equals(m.get("draft")),
          Boolean.TRUE.equals(m.get("prerelease")),
          published instanceof String p ? Instant.parse(p) : null, names));
    }
    // GitHub lists newest first by creation; order by publication to be sure.
    out.sort((a, b) -> {
      Instant pa = a.publishedAt();
      Instant pb = b.publishedAt();
      if (pa == null || pb == null) {
        return pa == null ? (pb == null ? 0 : 1) : -1;
      }
      return pb.compareTo(pa);
    });
    return out;
  }

  @Override
  public InputStream download(Release release, String assetName) throws IOException {
    Map<String, String> urls = assetUrls.get(release.tag());
    if (urls == null || !urls.containsKey(assetName)) {
      releases();
      urls = assetUrls.getOrDefault(release.tag(), Map.of());
    }
    String url = urls.get(assetName);
    if (url == null) {
      throw new ReleaseSourceException("release " + release.tag() + " of " + owner + "/" + repo
          + " has no asset named " + assetName + "; it has " + release.assetNames(), false, null);
    }
    String what = "download " + assetName + " of " + release.tag();
    HttpResponse<InputStream> r = send(request(URI.create(url), "application/octet-stream", true),
        HttpResponse.BodyHandlers.ofInputStream(), what);
    int hops = 0;
    while (r.statusCode() / 100 == 3) {
      r.body().close();
      Optional<String> location = r.headers().firstValue("location");
      if (location.isEmpty() || ++hops > 5) {
        throw new ReleaseSourceException("GitHub redirected the " + what
            + (location.isEmpty() ? " without a location" : " too many times"), true, null);
      }
      // The storage host gets no token.
      r = send(request(r.uri().resolve(location.get()), "application/octet-stream", false),
          HttpResponse.BodyHandlers.ofInputStream(), what);
    }
    return r.body();
  }

  private HttpRequest request(URI uri, String accept, boolean withToken) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Accept", accept)
        .header("User-Agent", "icupgrade")
        .header("X-GitHub-Api-Version", "2022-11-28");
    if (withToken && token != null) {
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
      throw new ReleaseSourceException("could not reach " + request.uri().getHost() + " to "
          + what + ": " + e.getMessage(), true, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReleaseSourceException("interrupted while trying to " + what, false, e);
    }
    int status = r.statusCode();
    if (status < 400) {
      return r;
    }
    closeQuietly(r.body());
    String remaining = r.headers().firstValue("x-ratelimit-remaining").orElse("");
    if ((status == 403 || status == 429) && (remaining.equals("0") || status == 429)) {
      String reset = r.headers().firstValue("x-ratelimit-reset")
          .map(s -> " (it resets at " + Instant.ofEpochSecond(Long.parseLong(s)) + ")")
          .orElse("");
      throw new ReleaseSourceException("GitHub's API rate limit is used up" + reset + ": could"
          + " not " + what + ". Wait, or give the source a token (builder().token(...)) for a"
          + " higher limit", true, null);
    }
    if (status == 401) {
      throw new ReleaseSourceException("GitHub refused the token (401) trying to " + what
          + ": check that it is valid and not expired", false, null);
    }
    if (status == 404) {
      throw new ReleaseSourceException("not found (404) trying to " + what + " of " + owner + "/"
          + repo + ": check the owner and repository names; a private repository needs a token",
          false, null);
    }
    throw new ReleaseSourceException("GitHub answered HTTP " + status + " trying to " + what,
        status >= 500, null);
  }

  private static void closeQuietly(Object body) {
    if (body instanceof InputStream in) {
      try {
        in.close();
      } catch (IOException ignored) {
        // the error being reported matters more
      }
    }
  }

  @Override
  public String toString() {
    return "GitHubReleaseSource[" + owner + "/" + repo + "]";
  }

  /** Configures a {@link GitHubReleaseSource}. */
  public static final class Builder {
    private final String owner;
    private final String repo;
    private URI api = URI.create("https://api.github.com");
    private @Nullable String token;
    private @Nullable HttpClient http;
    private Duration timeout = Duration.ofMinutes(2);

    private Builder(String owner, String repo) {
      this.owner = Objects.requireNonNull(owner, "owner");
      this.repo = Objects.requireNonNull(repo, "repo");
    }

    /** The API's base URL; {@code https://api.github.com} by default (GitHub Enterprise, tests). */
    public Builder apiUrl(URI api) {
      this.api = Objects.requireNonNull(api, "api");
      return this;
    }

    /** A token for private repositories and a higher rate limit; never sent off GitHub. */
    public Builder token(@Nullable String token) {
      this.token = token;
      return this;
    }

    /** The HTTP client; it must not follow redirects itself (the token must stay on GitHub). */
    public Builder httpClient(HttpClient http) {
      if (http.followRedirects() != HttpClient.Redirect.NEVER) {
        throw new IllegalArgumentException(
            "the HttpClient must not follow redirects: downloads follow them without the token");
      }
      this.http = http;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    public GitHubReleaseSource build() {
      return new GitHubReleaseSource(this);
    }
  }
}
