/*
 * The C reader TextReleaseBenchmark measures the library against, side by side in one run: what
 * a minimal native tool does with a tar.gz release. It inflates the archive with zlib, walks the
 * ustar headers, reads each regular file into memory while hashing it with OpenSSL's SHA-256, and
 * keeps every name with its digest (as a reader that diffs must). No checks beyond the header's
 * size field.
 *
 * Protocol (so that JMH times the reading, not a process start): the archive's path is argv[1];
 * each line read on stdin reads the whole archive once and answers one line on stdout: the number
 * of files read, a space, and the XOR of their SHA-256 digests in hex (so a test can check that
 * every file was read and hashed right). End of input ends the program. Any failure prints "error: ..." and exits 1.
 *
 * Build: cc -O2 -o tar-sha256-reader tar-sha256-reader.c -lz -lcrypto
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct entry {
  char name[256];
  unsigned char digest[32];
};

static void fail(const char *what) {
  printf("error: %s\n", what);
  fflush(stdout);
  exit(1);
}

static int read_full(gzFile in, unsigned char *buf, unsigned len) {
  unsigned off = 0;
  while (off < len) {
    int n = gzread(in, buf + off, len - off);
    if (n <= 0) {
      return 0;
    }
    off += (unsigned) n;
  }
  return 1;
}

static unsigned long long octal(const unsigned char *field, int len) {
  unsigned long long v = 0;
  for (int i = 0; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
    v = v * 8 + (unsigned long long) (field[i] - '0');
  }
  return v;
}

static long read_archive(const char *path, struct entry **entries, long *capacity) {
  gzFile in = gzopen(path, "rb");
  if (in == NULL) {
    fail("cannot open the archive");
  }
  gzbuffer(in, 64 * 1024);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char header[512];
  long count = 0;
  while (read_full(in, header, 512)) {
    if (header[0] == 0) {
      break; /* the end-of-archive block */
    }
    unsigned long long size = octal(header + 124, 12);
    unsigned long long padded = (size + 511) / 512 * 512;
    unsigned char *content = malloc(padded > 0 ? padded : 1);
    if (content == NULL || (padded > 0 && !read_full(in, content, (unsigned) padded))) {
      fail("truncated entry");
    }
    char type = (char) header[156];
    if (type == '0' || type == 0) {
      if (count == *capacity) {
        *capacity = *capacity * 2;
        *entries = realloc(*entries, (size_t) *capacity * sizeof(struct entry));
        if (*entries == NULL) {
          fail("out of memory");
        }
      }
      struct entry *e = &(*entries)[count++];
      size_t prefix = strnlen((const char *) header + 345, 155);
      size_t name = strnlen((const char *) header, 100);
      size_t at = 0;
      if (prefix > 0) {
        memcpy(e->name, header + 345, prefix);
        e->name[prefix] = '/';
        at = prefix + 1;
      }
      memcpy(e->name + at, header, name);
      e->name[at + name] = 0;
      EVP_DigestInit_ex(md, EVP_sha256(), NULL);
      EVP_DigestUpdate(md, content, (size_t) size);
      EVP_DigestFinal_ex(md, e->digest, NULL);
    }
    free(content);
  }
  EVP_MD_CTX_free(md);
  gzclose(in);
  return count;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fail("usage: tar-sha256-reader ARCHIVE.tar.gz");
  }
  long capacity = 1024;
  struct entry *entries = malloc((size_t) capacity * sizeof(struct entry));
  char line[64];
  while (fgets(line, sizeof line, stdin) != NULL) {
    long files = read_archive(argv[1], &entries, &capacity);
    unsigned char x[32] = {0};
    for (long i = 0; i < files; i++) {
      for (int b = 0; b < 32; b++) {
        x[b] ^= entries[i].digest[b];
      }
    }
    printf("%ld ", files);
    for (int b = 0; b < 32; b++) {
      printf("%02x", x[b]);
    }
    printf("\n");
    fflush(stdout);
  }
  free(entries);
  return 0;
}
