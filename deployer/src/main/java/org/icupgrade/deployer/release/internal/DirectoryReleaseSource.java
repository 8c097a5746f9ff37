package org.icupgrade.deployer.release.internal;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.icupgrade.deployer.release.Release;
import org.icupgrade.deployer.release.ReleaseSource;
import org.icupgrade.deployer.release.ReleaseSourceException;

/** The {@link ReleaseSource#directory} source; its Javadoc documents the layout. */
public final class DirectoryReleaseSource implements ReleaseSource {
  private final Path root;

  /** Marks a release subdirectory as a draft; it is not an asset. */
  static final String DRAFT_MARKER = "DRAFT";

  public DirectoryReleaseSource(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public List<Release> releases() {
    List<Release> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        List<String> names;
        try (Stream<Path> files = Files.list(d)) {
          names = files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
              .map(p -> p.getFileName().toString()).sorted().toList();
        }
        String tag = d.getFileName().toString();
        boolean draft = names.contains(DRAFT_MARKER);
        Release.Builder b = Release.builder(tag).draft(draft).prerelease(tag.contains("-"))
            .published(draft ? null : Files.getLastModifiedTime(d).toInstant());
        names.stream().filter(n -> !n.equals(DRAFT_MARKER))
            .forEach(n -> b.asset(Release.Asset.of(n)));
        out.add(b.build());
      }
    } catch (IOException e) {
      throw new ReleaseSourceException("cannot list the releases in " + root + " (" + e
          + "): check that the directory exists and is readable", false, e);
    }
    out.sort(Comparator.comparing(Release::tag, DirectoryReleaseSource::compareVersions)
        .reversed());
    return out;
  }

  @Override
  public InputStream download(Release release, String assetName) throws IOException {
    Path dir = root.resolve(release.tag()).normalize();
    Path file = dir.resolve(assetName).normalize();
    if (!dir.getParent().equals(root) || !dir.equals(file.getParent())
        || assetName.equals(DRAFT_MARKER)) {
      throw new ReleaseSourceException("asset name " + assetName + " leaves the release directory",
          false, null);
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ReleaseSourceException("release " + release.tag() + " in " + root
          + " has no file " + assetName + "; it has " + release.assetNames()
          + ": check the asset name the catalog is configured with", false, null);
    }
    return Files.newInputStream(file);
  }

  /** Compares runs of digits as numbers and everything else as text. */
  public static int compareVersions(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
          i++;
        }
        while (j < b.length() && Character.isDigit(b.charAt(j))) {
          j++;
        }
        int c = new BigInteger(a.substring(si, i))
            .compareTo(new java.math.BigInteger(b.substring(sj, j)));
        if (c != 0) {
          return c;
        }
      } else {
        if (ca != cb) {
          return Character.compare(ca, cb);
        }
        i++;
        j++;
      }
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  @Override
  public String toString() {
    return "releases in " + root;
  }

}
