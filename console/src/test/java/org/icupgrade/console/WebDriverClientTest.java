package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WebDriverClientTest {
  @Test
  void executable_missing_failsSayingHowToInstall() {
    AssertionError e = assertThrows(AssertionError.class,
        () -> WebDriverClient.executable("chromium-that-is-not-installed"));
    assertTrue(e.getMessage().contains("apt-get install -y chromium chromium-driver"),
        e.getMessage());
  }
}
