package org.icupgrade.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A user's tests that use the embedded replica carry no HTTP client, no BouncyCastle, no ic4j and
 * no logging library: the replica depends on core, protocol, the Candid codec and Chicory (its
 * runtime, wasm and compiler, the compiler bringing ASM) only. (Its test
 * classpath adds only JUnit and the test-scoped assets-diff, which bring none of them either.)
 */
class ClasspathTest {
  static final List<String> FORBIDDEN =
      List.of("bcprov", "bcpkix", "bcutil", "ic4j", "httpclient", "httpcore", "slf4j", "jackson");

  @Test
  void classpath_holdsNoHttpAgentDependency() {
    List<String> entries = Arrays.asList(
        System.getProperty("java.class.path").split(File.pathSeparator));
    assertTrue(entries.stream().anyMatch(e -> e.contains("chicory")
        || e.contains("runtime-")), "the classpath is the real one: " + entries);
    List<String> found = entries.stream()
        .filter(e -> FORBIDDEN.stream().anyMatch(f -> new File(e).getName()
            .toLowerCase(Locale.ROOT).contains(f)))
        .collect(Collectors.toList());
    assertEquals(List.of(), found);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "org.bouncycastle.jce.provider.BouncyCastleProvider",
      "org.ic4j.agent.Agent",
      "org.slf4j.Logger",
      "org.icupgrade.http.HttpAgent"})
  void forbiddenClass_notLoadable(String name) {
    assertThrows(ClassNotFoundException.class, () -> Class.forName(name));
  }
}
