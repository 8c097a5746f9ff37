package org.icupgrade.core;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Sha256Test {
  private static final String ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @Test
  void of_abc_matchesFipsVector() {
    assertEquals(ABC, Sha256.of("abc".getBytes(US_ASCII)).hex());
    assertEquals(ABC, Sha256.of(ByteBuffer.wrap("abc".getBytes(US_ASCII))).hex());
    assertEquals(ABC, Sha256.of(new ByteArrayInputStream("abc".getBytes(US_ASCII))).hex());
  }

  @Test
  void of_buffer_positionUnchanged() {
    ByteBuffer b = ByteBuffer.wrap(new byte[] {1, 2, 3});
    Sha256.of(b);
    assertEquals(0, b.position());
  }

  @Test
  void fromHex_upperCase_equalsLowerCase() {
    assertEquals(Sha256.fromHex(ABC), Sha256.fromHex(ABC.toUpperCase()));
    assertEquals(Sha256.fromHex(ABC).hashCode(), Sha256.fromHex(ABC.toUpperCase()).hashCode());
  }

  @Test
  void equals_differentDigest_notEqual() {
    assertNotEquals(Sha256.of(new byte[] {1}), Sha256.of(new byte[] {2}));
  }

  @Test
  void fromHex_wrongLength_refused() {
    assertThrows(IllegalArgumentException.class, () -> Sha256.fromHex("abcd"));
    assertThrows(IllegalArgumentException.class, () -> Sha256.fromHex("zz" + ABC.substring(2)));
    assertThrows(IllegalArgumentException.class, () -> Sha256.fromBytes(new byte[31]));
  }

  @Test
  void toBytes_isCopy() {
    Sha256 d = Sha256.fromHex(ABC);
    d.toBytes()[0] = 0;
    assertEquals(ABC, d.hex());
  }

  @Test
  void equals_everyByteCounts() {
    byte[] base = new byte[Sha256.LENGTH];
    for (int i = 0; i < base.length; i++) {
      base[i] = (byte) (i * 7 + 1);
    }
    assertEquals(Sha256.fromBytes(base), Sha256.fromBytes(base.clone()));
    for (int i = 0; i < base.length; i++) {
      byte[] other = base.clone();
      other[i] ^= (byte) 0x80;
      assertNotEquals(Sha256.fromBytes(base), Sha256.fromBytes(other), "byte " + i);
    }
  }

  @Test
  void newDigest_freshEachTime() {
    java.security.MessageDigest a = Sha256.newDigest();
    a.update("ab".getBytes(US_ASCII));
    java.security.MessageDigest b = Sha256.newDigest();
    b.update("abc".getBytes(US_ASCII));
    assertEquals(ABC, Sha256.fromDigest(b).hex());
    a.update("c".getBytes(US_ASCII));
    assertEquals(ABC, Sha256.fromDigest(a).hex());
  }
}
