package org.icupgrade.deployer.release;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import org.icupgrade.deployer.release.internal.GitHubReleaseSource;
import org.jspecify.annotations.Nullable;

/**
 * The releases of a GitHub repository as a {@link ReleaseSource}, over GitHub's REST API with the
 * JDK's HTTP client; configured through {@link ReleaseSource#gitHub}, its one entry point.
 *
 * <pre>{@code
 * ReleaseSource source = ReleaseSource.gitHub("owner", "repo")
 *     .token(System.getenv("GITHUB_TOKEN"))   // optional: private repositories, higher rate limit
 *     .build();
 * }</pre>
 *
 * <p>What it does, and why:
 * <ul>
 *   <li>Lists {@code GET /repos/{owner}/{repo}/releases} (the first 100, which GitHub returns
 *       newest first; older ones are never the latest), ordered by publication time.
 *   <li>Downloads an asset through its API URL with {@code Accept: application/octet-stream};
 *       GitHub answers with a redirect to a storage host, which is followed by hand
 *       <em>without</em> the {@code Authorization} header, so the token never leaves the API
 *       host. For the same reason the token is only sent to the host of {@link Builder#apiUrl}.
 *   <li>Reads each asset's {@code digest} ({@code sha256:<hex>}) when GitHub gives one, so the
 *       catalog can check the download against it.
 *   <li>Turns answers into {@link ReleaseSourceException}s that say what to do: a used-up rate
 *       limit (403 or 429 with {@code x-ratelimit-remaining: 0}, or a secondary limit with
 *       {@code retry-after}) with the reset time, a refused token (401), a missing repository or
 *       asset (404), and GitHub's own failures (5xx, retryable).
 * </ul>
 */
public final class GitHubReleases {
  private GitHubReleases() {}

  /**
   * Starts configuring the source of {@code owner/repo} on github.com.
   *
   * @param owner the repository's owner, a user or an organisation
   * @param repo the repository's name
   * @return a builder
   */
  static Builder builder(String owner, String repo) {
    return new Builder(owner, repo);
  }

  /** Configures the GitHub source; {@link #build()} may be called more than once. */
  public static final class Builder {
    private final String owner;
    private final String repo;
    private URI apiUrl = URI.create("https://api.github.com");
    private @Nullable String token;
    private @Nullable HttpClient httpClient;
    private Duration timeout = Duration.ofMinutes(2);

    private Builder(String owner, String repo) {
      this.owner = requireName(owner, "owner");
      this.repo = requireName(repo, "repo");
    }

    private static String requireName(String s, String what) {
      if (s.isEmpty() || !s.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("not a GitHub " + what + " name: '" + s + "'");
      }
      return s;
    }

    /**
     * The API's base URL: {@code https://api.github.com} by default; a GitHub Enterprise server's
     * {@code https://host/api/v3}, or a local server in tests.
     *
     * @param apiUrl the base URL
     * @return this builder
     */
    public Builder apiUrl(URI apiUrl) {
      this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl");
      return this;
    }

    /**
     * A token (a personal access token or an app installation token), sent as
     * {@code Authorization: Bearer} to the API host only: needed for private repositories and
     * raising the rate limit from 60 to 5,000 requests an hour. {@code null} or blank: none.
     *
     * @param token the token, or null for none
     * @return this builder
     */
    public Builder token(@Nullable String token) {
      this.token = token == null || token.isBlank() ? null : token;
      return this;
    }

    /**
     * The HTTP client to use (proxies, TLS settings). It must not follow redirects itself,
     * because it would carry the token to the storage host.
     *
     * @param httpClient the client
     * @return this builder
     * @throws IllegalArgumentException when the client follows redirects
     */
    public Builder httpClient(HttpClient httpClient) {
      if (httpClient.followRedirects() != HttpClient.Redirect.NEVER) {
        throw new IllegalArgumentException("the HttpClient must be built with"
            + " followRedirects(HttpClient.Redirect.NEVER): downloads follow GitHub's redirect"
            + " themselves, without the token");
      }
      this.httpClient = httpClient;
      return this;
    }

    /**
     * How long one request may take, body included; two minutes by default.
     *
     * @param timeout how long to wait
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Builds the source.
     *
     * @return the source
     */
    public ReleaseSource build() {
      HttpClient http = httpClient != null ? httpClient
          : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
              .followRedirects(HttpClient.Redirect.NEVER).build();
      return new GitHubReleaseSource(apiUrl, owner, repo, token, http, timeout);
    }
  }
}
