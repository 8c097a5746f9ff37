package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identity.generateEd25519 and its PEM, read back as dfx's identity.pem is. */
class IdentityPemTest {
  @TempDir
  Path dir;

  @Test
  void generateEd25519_writtenAndReadBack_sameSenderAndSignatures() throws Exception {
    Identity id = Identity.generateEd25519();
    Path pem = dir.resolve("identity.pem");
    id.writePem(pem);
    Identity back = Identity.fromPem(pem);
    assertEquals(id.sender(), back.sender());
    assertArrayEquals(id.publicKeyDer(), back.publicKeyDer());
    byte[] message = {1, 2, 3};
    Signature v = Signature.getInstance("Ed25519");
    v.initVerify(KeyFactory.getInstance("Ed25519")
        .generatePublic(new X509EncodedKeySpec(id.publicKeyDer())));
    v.update(message);
    assertTrue(v.verify(back.sign(message)), "the key read back signs as the generated one");
  }

  @Test
  void generateEd25519_twice_twoSenders() {
    assertNotEquals(Identity.generateEd25519().sender(), Identity.generateEd25519().sender());
  }

  /** The PEM is PKCS#8 v1 byte for byte as the JDK encodes the same Ed25519 key. */
  @Test
  void toPem_ofAJdkKeyReadBack_sameTextAsTheJdksEncoding() throws Exception {
    java.security.KeyPair k = java.security.KeyPairGenerator.getInstance("Ed25519")
        .generateKeyPair();
    String jdk = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(k.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    Path pem = dir.resolve("jdk.pem");
    Files.writeString(pem, jdk);
    Identity id = Identity.fromPem(pem);
    assertEquals(jdk, id.toPem());
    assertArrayEquals(k.getPublic().getEncoded(), id.publicKeyDer());
  }

  @Test
  void writePem_posix_ownerOnly() throws IOException {
    Path pem = dir.resolve("k.pem");
    Identity.generateEd25519().writePem(pem);
    if (pem.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
          Files.getPosixFilePermissions(pem));
    }
  }

  @Test
  void writePem_existingFile_replaced() throws IOException {
    Path pem = dir.resolve("k.pem");
    Files.writeString(pem, "old");
    Identity id = Identity.generateEd25519();
    id.writePem(pem);
    assertEquals(id.sender(), Identity.fromPem(pem).sender());
  }

  @Test
  void toPem_anonymousOrSecp256k1_refused() {
    assertThrows(IllegalStateException.class, () -> Identity.anonymous().toPem());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Identity.secp256k1(BigInteger.valueOf(12345)).toPem());
    assertFalse(e.getMessage().contains("12345"), "no key material in the message");
  }
}
