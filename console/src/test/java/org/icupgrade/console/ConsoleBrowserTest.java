package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven
 * over WebDriver): log in, the badges, the dialog, the confirmation, the progress while polling,
 * the outcome, a failure's reason and a refusal as sentences, and a second owner who sees none of
 * the first owner's canisters. Screenshots of each state go to {@code target/screenshots/}.
 */
@Timeout(value = 60)
class ConsoleBrowserTest {
  static final Path SHOTS = Path.of("target", "screenshots");

  static ConsoleServer console;
  static WebDriverClient browser;

  @BeforeAll
  static void startBrowser() throws IOException, InterruptedException {
    browser = WebDriverClient.start();
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  /** Each test on a fresh demo data set, whatever the others upgraded. */
  @BeforeEach
  void startConsole() {
    // Long enough that polling sees each step, short enough for the test's time.
    console = ConsoleServer.start(0, Duration.ofMillis(700));
  }

  @AfterEach
  void stopConsole() {
    console.close();
  }

  static void login(String owner) {
    browser.open(console.uri());
    browser.click("#login-" + owner);
    browser.await(".card");
  }

  static String card(String label) {
    return ".card[data-canister='" + ConsoleApiTest.id(
        ApiClient.withSession(console.uri(), browser.cookie(ConsoleServer.COOKIE)).storage(label))
        + "']";
  }

  static void shot(String name) throws IOException {
    browser.screenshot(SHOTS.resolve(name + ".png"));
  }

  static List<String> badges() {
    @SuppressWarnings("unchecked")
    List<String> b = (List<String>) browser.script("return [...document.querySelectorAll('.card')]"
        + ".map(c => c.querySelector('h3').textContent + ': ' + (c.querySelector('.badge')"
        + " ? c.querySelector('.badge').textContent : '-'))");
    return b;
  }

  @Test
  void owner_upgradesBothCanister_progressThenCurrent() throws IOException {
    browser.open(console.uri());
    browser.await("#login-alice");
    shot("01-login");
    login("alice");
    assertEquals(List.of("Photos: Update available: Both", "Notes: Update available: WASM",
        "Music: Update available: Frontend", "Documents: Up to date"), badges());
    shot("02-cards");

    String photos = card("Photos");
    browser.click(photos + " .update-button");
    browser.await("#dialog[open]");
    assertEquals("v1.0.0", browser.text("#tag-current"));
    assertEquals(DemoFleet.LATEST, browser.text("#tag-available"));
    String files = browser.text("#files");
    assertTrue(files.contains("changed /index.html") && files.contains("removed /legacy.css")
        && files.contains("added /style.css"), files);
    browser.click("input[name=scope][value=ALL]");
    shot("03-dialog");

    browser.click("#next");
    String confirm = browser.text("#step-confirm");
    assertTrue(confirm.contains("added to this canister's controllers"), confirm);
    assertTrue(confirm.contains("removes itself from the controllers"), confirm);
    assertTrue(confirm.contains(console.fleet().backend().toText()), confirm);
    shot("04-confirm");

    browser.click("#confirm");
    browser.waitUntil("the module step to show as running", () -> browser
        .find("#progress li.active[data-step=UPGRADING_WASM]") != null);
    shot("05-upgrading-wasm");
    browser.waitUntil("the frontend step to show as running", () -> browser
        .find("#progress li.active[data-step=UPGRADING_FRONTEND]") != null);
    browser.waitUntil("the outcome", () -> browser.find("#outcome.ok") != null);
    assertEquals("Done. Photos now runs release " + DemoFleet.LATEST + ".",
        browser.text("#outcome"));
    shot("06-completed");

    browser.click("#close");
    browser.waitUntil("the Photos card to be current", () -> badges().get(0)
        .equals("Photos: Up to date"));
    assertNull(browser.find(photos + " .update-button"));
    shot("07-cards-after");
  }

  @Test
  void owner_frontendOnly_badgeDisappears_andTheCanistersOwnFrontendChanges() throws IOException {
    login("alice");
    String music = card("Music");
    String musicId = music.substring(music.indexOf("='") + 2, music.indexOf("']"));
    browser.open(console.uri().resolve("/canister/" + musicId + "/"));
    browser.waitUntil("the storage frontend's update notice", () -> browser.find("#notice") != null
        && !(Boolean) browser.script("return document.querySelector('#notice').hidden"));
    assertEquals("Frontend v1", browser.text("#version"));
    assertEquals("An update is available: release " + DemoFleet.LATEST
        + ". Open the storage console to upgrade.", browser.text("#notice"));
    shot("08a-storage-frontend-notice");
    browser.open(console.uri());
    browser.await(music);
    browser.click(music + " .update-button");
    browser.await("#dialog[open]");
    assertEquals(Boolean.TRUE, browser.script(
        "return document.querySelector('input[value=WASM_ONLY]').disabled"));
    browser.click("input[name=scope][value=FRONTEND_ONLY]");
    browser.click("#next");
    browser.click("#confirm");
    browser.waitUntil("the outcome", () -> browser.find("#outcome.ok") != null);
    browser.click("#close");
    browser.waitUntil("the Music badge to go", () -> badges().get(2).equals("Music: Up to date"));
    shot("08b-frontend-only-done");
    browser.open(console.uri().resolve("/canister/" + musicId + "/"));
    browser.waitUntil("the new frontend", () -> browser.find("#version") != null
        && browser.text("#version").equals("Frontend v2"));
    assertEquals(Boolean.TRUE, browser.script(
        "return document.querySelector('#notice').hidden"), "no update left, no notice");
    shot("08c-storage-frontend-after");
  }

  @Test
  void failingUpgrade_showsItsReason() throws IOException {
    login("bob");
    String archive = card("Archive");
    browser.click(archive + " .update-button");
    browser.await("#dialog[open]");
    browser.click("input[name=scope][value=ALL]");
    browser.click("#next");
    browser.click("#confirm");
    browser.waitUntil("the outcome", () -> browser.find("#outcome.failed") != null);
    String outcome = browser.text("#outcome");
    assertTrue(outcome.startsWith("The upgrade failed while upgrading the frontend.")
        && outcome.contains("out of cycles"), outcome);
    assertTrue(browser.find("#progress li.failed[data-step=UPGRADING_FRONTEND]") != null,
        "the step that failed is marked");
    assertTrue(browser.find("#progress li.done[data-step=UPGRADING_WASM]") != null);
    shot("09-failed-dialog");
    browser.click("#close");
    browser.waitUntil("the card to show the failure", () -> browser
        .find(archive + "[data-status=FAILED] .failure") != null);
    assertTrue(browser.text(archive + " .failure").contains("out of cycles"));
    shot("10-failed-card");
  }

  @Test
  void refusedUpgrade_shownAsASentence() throws IOException {
    login("alice");
    String notes = card("Notes");
    browser.click(notes + " .update-button");
    browser.await("#dialog[open]");
    browser.click("input[name=scope][value=WASM_ONLY]");
    browser.click("#next");
    // Meanwhile the same owner upgrades Notes elsewhere (another tab): when this page
    // confirms, there is nothing left to update.
    ApiClient other = ApiClient.withSession(console.uri(), browser.cookie(ConsoleServer.COOKIE));
    assertEquals(202, other.post("/api/storages/" + ConsoleApiTest.id(other.storage("Notes"))
        + "/upgrade", Map.of("scope", "WASM_ONLY")).status());
    browser.waitUntil("the other upgrade to finish", () -> "COMPLETED"
        .equals(other.storage("Notes").get("status")));
    browser.click("#confirm");
    browser.waitUntil("the refusal", () -> !(Boolean) browser.script(
        "return document.querySelector('#dialog-error').hidden"));
    assertEquals("There is nothing to update for what you chose: this storage canister already"
        + " runs what the latest release offers for it.", browser.text("#dialog-error"));
    assertEquals(Boolean.TRUE, browser.script(
        "return document.querySelector('#confirm').hidden"), "confirming again cannot help");
    browser.waitUntil("the Notes card to be current", () -> badges().get(1)
        .equals("Notes: Up to date"));
    shot("11-refused");
    browser.click("#cancel");
  }

  @Test
  void secondOwner_seesNoneOfTheFirstOwnersCanisters() throws IOException {
    login("carol");
    List<String> b = badges();
    assertEquals(List.of("Journal"), b.stream().map(s -> s.substring(0, s.indexOf(':'))).toList());
    String alicesPhotos = ConsoleApiTest.id(ApiClient.loggedIn(console.uri(), "alice")
        .storage("Photos")).toText();
    assertNull(browser.find(".card[data-canister='" + alicesPhotos + "']"));
    // Not even through the API with the page's own session.
    ApiClient carol = ApiClient.withSession(console.uri(), browser.cookie(ConsoleServer.COOKIE));
    assertEquals(404, carol.get("/api/storages/" + alicesPhotos + "/plan").status());
    assertFalse(carol.storages().stream().anyMatch(s -> alicesPhotos.equals(s.get("canisterId"))));
    shot("12-second-owner");
  }

  @Test
  void storageFrontend_onTheReplicasGateway_showsTheNotice_thenTheNewFrontend()
      throws IOException, InterruptedException {
    login("alice");
    ApiClient alice = ApiClient.withSession(console.uri(), browser.cookie(ConsoleServer.COOKIE));
    String music = ConsoleApiTest.id(alice.storage("Music")).toText();
    URI frontend = URI.create(String.valueOf(alice.storage("Music").get("frontendUrl")));
    assertEquals(music + ".localhost", frontend.getHost());
    String link = (String) browser.script("return document.querySelector(arguments[0]).href",
        card("Music") + " .frontend-link");
    assertEquals(frontend.toString(), link, "the card links to the gateway");

    browser.open(frontend);
    browser.waitUntil("the storage frontend's update notice", () -> browser.find("#notice") != null
        && !(Boolean) browser.script("return document.querySelector('#notice').hidden"));
    assertEquals(console.fleet().gatewayOrigin(ConsoleApiTest.id(alice.storage("Music"))),
        browser.script("return location.origin"), "served by the replica, not the console");
    assertEquals("Frontend v1", browser.text("#version"));
    assertEquals("An update is available: release " + DemoFleet.LATEST
        + ". Open the storage console to upgrade.", browser.text("#notice"));
    shot("13a-gateway-frontend-notice");

    assertEquals(202, alice.post("/api/storages/" + music + "/upgrade",
        Map.of("scope", "FRONTEND_ONLY")).status());
    assertEquals("COMPLETED", alice.awaitSettled("Music").get("status"));
    browser.open(frontend);
    browser.waitUntil("the new frontend", () -> browser.find("#version") != null
        && browser.text("#version").equals("Frontend v2"));
    // The page asks again and is told there is nothing left: the notice stays hidden.
    browser.waitUntil("the page's check to finish", () -> "true".equals(
        browser.script("return document.body.dataset.checked")));
    assertEquals(Boolean.TRUE, browser.script(
        "return document.querySelector('#notice').hidden"), "no update left, no notice");
    shot("13b-gateway-frontend-after");
  }
}
