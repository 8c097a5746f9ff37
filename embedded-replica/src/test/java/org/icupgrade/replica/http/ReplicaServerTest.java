package org.icupgrade.replica.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icupgrade.core.Principal;
import org.icupgrade.protocol.Cbor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaServerTest {
  static final Principal ME = Principal.fromBytes(new byte[] {9, 8, 7});

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();

  /** What the server printed: its URL and root key. */
  record Printed(String url, String rootKeyHex) {
    static Printed of(ByteArrayOutputStream out) {
      String text = out.toString(StandardCharsets.UTF_8);
      Matcher url = Pattern.compile("at (http://\\S+)").matcher(text);
      Matcher key = Pattern.compile("Root key .*: ([0-9a-f]+)").matcher(text);
      assertTrue(url.find() && key.find(), text);
      return new Printed(url.group(1), key.group(1));
    }
  }

  @SuppressWarnings("unchecked")
  byte[] statusRootKey(String url) throws Exception {
    HttpResponse<byte[]> r = http.send(
        HttpRequest.newBuilder(URI.create(url + "/api/v2/status")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    return (byte[]) ((Map<String, Object>) Cbor.decode(r.body())).get("root_key");
  }

  @Test
  void stateDir_restartedServer_sameRootKeyAndCanisters() throws Exception {
    ByteArrayOutputStream first = new ByteArrayOutputStream();
    Principal canister;
    Printed p1;
    try (ReplicaServer.Running running =
        ReplicaServer.start(0, dir, new PrintStream(first, true, StandardCharsets.UTF_8))) {
      p1 = Printed.of(first);
      assertArrayEquals(HexFormat.of().parseHex(p1.rootKeyHex()), statusRootKey(p1.url()));
      canister = running.replica().createCanister(ME);
      assertTrue(first.toString(StandardCharsets.UTF_8).contains("State: kept in " + dir));
    }
    ByteArrayOutputStream second = new ByteArrayOutputStream();
    try (ReplicaServer.Running running =
        ReplicaServer.start(0, dir, new PrintStream(second, true, StandardCharsets.UTF_8))) {
      Printed p2 = Printed.of(second);
      assertEquals(p1.rootKeyHex(), p2.rootKeyHex());
      assertArrayEquals(HexFormat.of().parseHex(p1.rootKeyHex()), statusRootKey(p2.url()));
      assertEquals(List.of(ME), running.replica().controllers(canister));
    }
  }

  @Test
  void noStateDir_inMemory_saysSo() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ReplicaServer.Running running =
        ReplicaServer.start(0, null, new PrintStream(out, true, StandardCharsets.UTF_8))) {
      Printed p = Printed.of(out);
      assertArrayEquals(HexFormat.of().parseHex(p.rootKeyHex()), statusRootKey(p.url()));
      assertTrue(out.toString(StandardCharsets.UTF_8).contains("in memory"));
      assertTrue(running.replica().stateDirectory().isEmpty());
    }
  }
}
