package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.icupgrade.core.Principal;
import org.icupgrade.core.assets.Permission;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's JSON API against the started server, with java.net.http: what each owner sees,
 * the refusals as sentences, an upgrade to the end, and owner isolation enforced by the API.
 * Each test works on its own demo canisters, so one server serves the class.
 */
class ConsoleApiTest {
  static ConsoleServer console;

  @BeforeAll
  static void start() {
    console = ConsoleServer.start(0, Duration.ofMillis(100));
  }

  @AfterAll
  static void stop() {
    console.close();
  }

  static ApiClient as(String owner) {
    return ApiClient.loggedIn(console.uri(), owner);
  }

  static @Nullable Object kind(Map<String, @Nullable Object> storage) {
    Object u = storage.get("update");
    return u == null ? null : ((Map<?, ?>) u).get("kind");
  }

  static Principal id(Map<String, @Nullable Object> storage) {
    return Principal.fromText(String.valueOf(storage.get("canisterId")));
  }

  @Test
  void listStorages_alice_ownCanistersWithTheirBadges() {
    List<Map<String, @Nullable Object>> list = as("alice").storages();
    assertEquals(List.of("Photos", "Notes", "Music", "Documents"),
        list.stream().map(s -> s.get("label")).toList());
    assertEquals("BOTH", kind(list.get(0)));
    assertEquals("WASM", kind(list.get(1)));
    assertEquals("FRONTEND", kind(list.get(2)));
    assertNull(kind(list.get(3)), "Documents runs the latest release");
    assertEquals(DemoFleet.LATEST, ((Map<?, ?>) list.get(3).get("update")).get("availableReleaseTag"));
  }

  @Test
  void listStorages_bob_neverAlicesCanisters_andTheOneBeingCreated() {
    List<Map<String, @Nullable Object>> list = as("bob").storages();
    assertEquals(List.of("Backups", "Videos", "Archive"),
        list.stream().map(s -> s.get("label")).toList());
    assertEquals("CREATING", list.get(1).get("status"));
    assertNull(list.get(1).get("update"), "no update information while creating");
  }

  @Test
  void storages_withoutSession_401() {
    ApiClient.Answer a = new ApiClient(console.uri()).get("/api/storages");
    assertEquals(401, a.status());
    assertEquals("NOT_LOGGED_IN", a.object().get("error"));
  }

  @Test
  void login_unknownOwner_400WithTheChoices() {
    ApiClient.Answer a = new ApiClient(console.uri()).post("/api/login", Map.of("owner", "mallory"));
    assertEquals(400, a.status());
    assertTrue(String.valueOf(a.object().get("message")).contains("alice"), a.toString());
  }

  @Test
  void upgrade_anotherOwnersCanister_notFoundAndNothingTouched() {
    Map<String, @Nullable Object> alicesMusic = as("alice").storage("Music");
    Principal music = id(alicesMusic);
    ApiClient bob = as("bob");
    ApiClient.Answer a = bob.post("/api/storages/" + music + "/upgrade",
        Map.of("scope", "FRONTEND_ONLY"));
    assertEquals(404, a.status());
    assertEquals("NOT_FOUND", a.object().get("error"));
    assertEquals("This storage canister is not one of yours, or it does not exist.",
        a.object().get("message"));
    assertEquals(404, bob.get("/api/storages/" + music + "/plan").status());
    // Not a controller change, not a permission, not a status change.
    assertEquals(1, console.fleet().replica().controllers(music).size());
    assertEquals(alicesMusic, as("alice").storage("Music"));
  }

  @Test
  void upgrade_canisterBeingCreated_notCompletedSentence() {
    ApiClient bob = as("bob");
    ApiClient.Answer a = bob.post("/api/storages/" + id(bob.storage("Videos")) + "/upgrade",
        Map.of("scope", "ALL"));
    assertEquals(409, a.status());
    assertEquals("NOT_COMPLETED", a.object().get("error"));
    assertTrue(String.valueOf(a.object().get("message")).startsWith(
        "This storage canister is still being created."), a.toString());
  }

  @Test
  void upgrade_scopeWithNothingToUpdate_noUpdateAvailable_backendNotAdded() {
    ApiClient alice = as("alice");
    Principal notes = id(alice.storage("Notes"));
    ApiClient.Answer a = alice.post("/api/storages/" + notes + "/upgrade",
        Map.of("scope", "FRONTEND_ONLY"));
    assertEquals(409, a.status());
    assertEquals("NO_UPDATE_AVAILABLE", a.object().get("error"));
    assertTrue(String.valueOf(a.object().get("message")).startsWith("There is nothing to update"));
    assertFalse(console.fleet().replica().controllers(notes).contains(console.fleet().backend()),
        "a refused request leaves the controllers as they were");
  }

  @Test
  void upgrade_ownerNoLongerController_setupRefusedAsASentence() {
    ApiClient bob = as("bob");
    Principal backups = id(bob.storage("Backups"));
    Principal bobPrincipal = console.fleet().owners().get("bob");
    Principal elsewhere = console.fleet().owners().get("carol");
    console.fleet().management(bobPrincipal).updateSettings(backups,
        org.icupgrade.core.management.CanisterSettings.ofControllers(List.of(elsewhere)));
    ApiClient.Answer a = bob.post("/api/storages/" + backups + "/upgrade", Map.of("scope", "ALL"));
    assertEquals(409, a.status(), String.valueOf(a.body()));
    assertEquals("OWNER_SETUP_FAILED", a.object().get("error"));
    assertTrue(String.valueOf(a.object().get("message")).startsWith("The upgrade did not start"));
    assertEquals("COMPLETED", bob.storage("Backups").get("status"), "nothing started");
  }

  @Test
  void upgrade_badScope_400() {
    ApiClient alice = as("alice");
    ApiClient.Answer a = alice.post("/api/storages/" + id(alice.storage("Notes")) + "/upgrade",
        Map.of("scope", "EVERYTHING"));
    assertEquals(400, a.status());
  }

  @Test
  void plan_bothBehind_listsHashesTagsAndFrontendFiles() {
    ApiClient bob = as("bob");
    ApiClient.Answer a = bob.get("/api/storages/" + id(bob.storage("Backups")) + "/plan");
    assertEquals(200, a.status());
    Map<?, ?> u = (Map<?, ?>) a.object().get("update");
    assertEquals("v1.0.0", u.get("currentReleaseTag"));
    assertEquals(DemoFleet.LATEST, u.get("availableReleaseTag"));
    assertFalse(u.get("currentModuleHash").equals(u.get("availableModuleHash")));
    assertEquals(List.of(Map.of("key", "/index.html", "kind", "CHANGED"),
            Map.of("key", "/legacy.css", "kind", "STALE"),
            Map.of("key", "/style.css", "kind", "NEW")),
        a.object().get("frontendChanges"));
    assertEquals(1L, a.object().get("unchangedFiles"));
  }

  @Test
  void upgrade_both_completesCurrentAndRightsHandedBack() {
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      ApiClient alice = as("alice");
      Principal photos = id(alice.storage("Photos"));
      ApiClient.Answer a = alice.post("/api/storages/" + photos + "/upgrade",
          Map.of("scope", "ALL"));
      assertEquals(202, a.status(), String.valueOf(a.body()));
      assertTrue(String.valueOf(a.object().get("status")).startsWith("UPGRADING"));
      Map<String, @Nullable Object> done = alice.awaitSettled("Photos");
      assertEquals("COMPLETED", done.get("status"), String.valueOf(done.get("failureReason")));
      assertEquals(DemoFleet.LATEST, done.get("releaseTag"));
      assertNull(kind(done));
      Principal alicePrincipal = console.fleet().owners().get("alice");
      assertEquals(List.of(alicePrincipal), console.fleet().replica().controllers(photos));
      assertFalse(console.fleet().assets(alicePrincipal, photos).listPermitted(Permission.COMMIT)
          .contains(console.fleet().backend()));
    });
  }

  @Test
  void upgrade_twiceAtOnce_secondIsAlreadyUpgrading() {
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      ApiClient carol = as("carol");
      Principal journal = id(carol.storage("Journal"));
      assertEquals(202, carol.post("/api/storages/" + journal + "/upgrade",
          Map.of("scope", "FRONTEND_ONLY")).status());
      // The record says UPGRADING before the first request is answered.
      ApiClient.Answer second = carol.post("/api/storages/" + journal + "/upgrade",
          Map.of("scope", "FRONTEND_ONLY"));
      assertEquals(409, second.status());
      assertEquals("ALREADY_UPGRADING", second.object().get("error"));
      assertEquals("COMPLETED", carol.awaitSettled("Journal").get("status"));
    });
  }

  @Test
  void upgrade_commitRejected_failedWithTheReason() {
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      ApiClient bob = as("bob");
      Principal archive = id(bob.storage("Archive"));
      assertEquals(202, bob.post("/api/storages/" + archive + "/upgrade",
          Map.of("scope", "ALL")).status());
      Map<String, @Nullable Object> done = bob.awaitSettled("Archive");
      assertEquals("FAILED", done.get("status"));
      assertTrue(String.valueOf(done.get("failureReason")).contains("out of cycles"),
          String.valueOf(done.get("failureReason")));
      assertEquals(List.of(console.fleet().owners().get("bob")),
          console.fleet().replica().controllers(archive), "the backend left the controllers");
    });
  }

  @Test
  void checkStorageUpdate_public_withoutSession() {
    Principal music = id(as("alice").storage("Music"));
    ApiClient.Answer a = new ApiClient(console.uri()).get("/api/check/" + music);
    assertEquals(200, a.status());
    assertEquals(Boolean.TRUE, a.object().get("frontendUpdateAvailable"));
    assertEquals(404, new ApiClient(console.uri()).get("/api/check/aaaaa-aa").status());
  }

  @Test
  void canisterFrontend_servedFromItsAssets_unknownCanister404() {
    Principal documents = id(as("alice").storage("Documents"));
    ApiClient anyone = new ApiClient(console.uri());
    ApiClient.Answer page = anyone.raw("/canister/" + documents + "/");
    assertEquals(200, page.status());
    assertTrue(String.valueOf(page.body()).contains("Frontend v2"), String.valueOf(page.body()));
    ApiClient.Answer css = anyone.raw("/canister/" + documents + "/style.css");
    assertEquals(200, css.status());
    assertEquals(404, anyone.raw("/canister/" + documents + "/legacy.css").status(),
        "the v2 frontend has no legacy.css");
    assertEquals(404, anyone.raw("/canister/aaaaa-aa/").status());
  }

  @Test
  void checkStorageUpdate_readableAcrossOriginsByThatCanistersGatewayPageOnly() throws Exception {
    Principal music = id(as("alice").storage("Music"));
    Principal photos = id(as("alice").storage("Photos"));
    HttpClient http = HttpClient.newHttpClient();
    Function<String, HttpResponse<String>> check = origin -> {
      try {
        return http.send(HttpRequest.newBuilder(
            console.uri().resolve("/api/check/" + music)).header("Origin", origin).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    };
    String own = console.fleet().gatewayOrigin(music);
    assertEquals(Optional.of(own),
        check.apply(own).headers().firstValue("Access-Control-Allow-Origin"));
    assertEquals(Optional.empty(), check.apply(console.fleet().gatewayOrigin(photos))
        .headers().firstValue("Access-Control-Allow-Origin"), "another canister's page");
    assertEquals(Optional.empty(), check.apply("http://evil.example")
        .headers().firstValue("Access-Control-Allow-Origin"));
    assertEquals(Optional.empty(), check.apply(own).headers()
        .firstValue("Access-Control-Allow-Credentials"), "never with the session cookie");
  }

  @Test
  void logout_endsTheSession() {
    ApiClient alice = as("alice");
    assertEquals(200, alice.post("/api/logout", Map.of()).status());
    assertEquals(401, alice.get("/api/storages").status());
  }
}
