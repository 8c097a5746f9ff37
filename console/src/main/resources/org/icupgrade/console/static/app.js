"use strict";
// The storage console page: plain DOM, no build step. It follows seed 004's frontend plan:
// cards with an "Update available" badge, the update dialog (what changes, the scope), the
// confirmation (the backend becomes a controller for a while), polling, the outcome.

const $ = (sel) => document.querySelector(sel);
const STATUS_TEXT = {
  CREATING: "Being created",
  COMPLETED: "Running",
  UPGRADING_WASM: "Upgrading the WASM module…",
  UPGRADING_FRONTEND: "Upgrading the frontend…",
  FAILED: "The last upgrade failed",
  HANDBACK_PENDING: "Finishing: the backend still holds its rights and keeps retrying to hand them back",
};
const KIND_TEXT = { WASM: "WASM", FRONTEND: "Frontend", BOTH: "Both" };
const FILE_KIND = { NEW: "added", CHANGED: "changed", STALE: "removed" };
const SCOPE_TEXT = {
  ALL: "the WASM module and the frontend",
  WASM_ONLY: "the WASM module",
  FRONTEND_ONLY: "the frontend",
};

let me = null;
let storages = [];
let pollTimer = null;
// The upgrade the dialog follows: {canisterId, scope, sawUpgrading}
let watching = null;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: "same-origin",
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const err = new Error(data && data.message ? data.message
      : "The backend answered " + res.status + ".");
    err.code = data && data.error;
    err.status = res.status;
    throw err;
  }
  return data;
}

function short(hash) {
  return hash ? hash.slice(0, 12) + "…" : "—";
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

// ---- login ----

async function showLogin() {
  me = null;
  stopPolling();
  $("#whoami").hidden = true;
  $("#storages").hidden = true;
  $("#login").hidden = false;
  const owners = await api("GET", "/api/owners");
  const box = $("#owners");
  box.replaceChildren();
  for (const o of owners) {
    const b = el("button", { class: "owner", type: "button", id: "login-" + o.name },
      el("strong", { text: o.name }), el("code", { text: o.principal }));
    b.addEventListener("click", async () => {
      await api("POST", "/api/login", { owner: o.name });
      await start();
    });
    box.append(b);
  }
}

async function start() {
  try {
    me = await api("GET", "/api/me");
  } catch (e) {
    if (e.status === 401) { await showLogin(); return; }
    throw e;
  }
  $("#login").hidden = true;
  $("#whoami").hidden = false;
  $("#owner-name").textContent = me.owner;
  $("#owner-principal").textContent = me.principal;
  $("#backend-principal").textContent = me.backend;
  $("#storages").hidden = false;
  await refresh();
}

$("#logout").addEventListener("click", async () => {
  await api("POST", "/api/logout");
  await showLogin();
});

// ---- the list ----

async function refresh() {
  try {
    storages = await api("GET", "/api/storages");
    $("#banner").hidden = true;
  } catch (e) {
    if (e.status === 401) { await showLogin(); return; }
    showBanner("The list of your storage canisters could not be loaded: " + e.message);
    return;
  }
  render();
  followUpgrade();
  const busy = storages.some((s) => s.status.startsWith("UPGRADING"));
  if (busy || watching) startPolling(); else stopPolling();
}

function startPolling() {
  if (!pollTimer) pollTimer = setInterval(refresh, 400);
}

function stopPolling() {
  if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
}

function showBanner(text) {
  $("#banner").textContent = text;
  $("#banner").hidden = false;
}

function render() {
  const cards = $("#cards");
  cards.replaceChildren();
  const latest = storages.map((s) => s.update && s.update.availableReleaseTag).find((t) => t);
  $("#release-note").textContent = latest ? "Latest release: " + latest : "";
  if (storages.length === 0) {
    cards.append(el("p", { class: "muted", text: "You have no storage canisters yet." }));
  }
  for (const s of storages) cards.append(card(s));
}

function badge(s) {
  if (s.status === "CREATING") return el("span", { class: "badge creating", text: "Being created" });
  if (s.status.startsWith("UPGRADING")) return el("span", { class: "badge busy", text: "Upgrading" });
  const kind = s.update && s.update.kind;
  if (kind) return el("span", { class: "badge update", "data-kind": kind,
    text: "Update available: " + KIND_TEXT[kind] });
  if (s.update) return el("span", { class: "badge current", text: "Up to date" });
  return null;
}

function card(s) {
  const c = el("article", { class: "card", "data-canister": s.canisterId, "data-status": s.status },
    el("div", { class: "card-head" }, el("h3", { text: s.label }), badge(s)),
    el("div", { class: "id mono", text: s.canisterId }));
  c.append(el("p", { class: "status-line", text: STATUS_TEXT[s.status] || s.status }));
  const dl = el("dl");
  dl.append(el("dt", { text: "Release" }), el("dd", { text: s.releaseTag || "—" }));
  dl.append(el("dt", { text: "Module" }), el("dd", { class: "mono", text: short(s.moduleHash) }));
  dl.append(el("dt", { text: "Frontend" }), el("dd", { class: "mono", text: short(s.frontendHash) }));
  c.append(dl);
  if ((s.status === "FAILED" || s.status === "HANDBACK_PENDING") && s.failureReason) {
    c.append(el("p", { class: "failure", text: "Why: " + s.failureReason }));
  }
  const actions = el("div", { class: "actions" });
  if (s.status !== "CREATING") {
    actions.append(el("a", { class: "frontend-link", href: s.frontendUrl,
      target: "_blank", rel: "noopener", text: "Open its frontend" }));
  }
  if (s.update && s.update.kind && (s.status === "COMPLETED" || s.status === "FAILED")) {
    const b = el("button", { type: "button", class: "update-button",
      text: s.status === "FAILED" ? "Try again…" : "Update…" });
    b.addEventListener("click", () => openDialog(s.canisterId));
    actions.append(b);
  }
  if (actions.childElementCount > 0) c.append(actions);
  return c;
}

// ---- the dialog ----

let plan = null;

function showStep(name) {
  for (const s of ["choose", "confirm", "progress"]) $("#step-" + s).hidden = s !== name;
  $("#next").hidden = name !== "choose";
  $("#back").hidden = name !== "confirm";
  $("#confirm").hidden = name !== "confirm";
  $("#cancel").hidden = name === "progress";
  $("#close").hidden = name !== "progress";
}

function dialogError(text) {
  $("#dialog-error").textContent = text;
  $("#dialog-error").hidden = !text;
}

async function openDialog(canisterId) {
  dialogError("");
  watching = null;
  $("#cancel").textContent = "Cancel";
  try {
    plan = await api("GET", "/api/storages/" + canisterId + "/plan");
  } catch (e) {
    showBanner(e.message);
    return;
  }
  const u = plan.update;
  $("#dialog-title").textContent = "Update " + plan.label;
  $("#dialog-canister").textContent = plan.canisterId;
  $("#tag-current").textContent = u.currentReleaseTag || "—";
  $("#tag-available").textContent = u.availableReleaseTag || "—";
  fillRow("wasm", u.currentModuleHash, u.availableModuleHash, u.wasmUpdateAvailable);
  fillRow("frontend", u.currentFrontendHash, u.availableFrontendHash, u.frontendUpdateAvailable);
  const files = $("#files");
  files.replaceChildren();
  for (const f of plan.frontendChanges) {
    files.append(el("li", { "data-kind": f.kind },
      el("span", { class: "kind " + f.kind, text: FILE_KIND[f.kind] || f.kind }), " ",
      el("code", { text: f.key })));
  }
  $("#files-block").hidden = plan.frontendChanges.length === 0;
  $("#files-summary").textContent = plan.frontendChanges.length === 0 ? ""
    : (plan.unchangedFiles || 0) + " unchanged file(s) are kept; "
      + (plan.uploadBytes || 0).toLocaleString("en") + " bytes to upload.";
  const possible = {
    ALL: u.wasmUpdateAvailable && u.frontendUpdateAvailable,
    WASM_ONLY: u.wasmUpdateAvailable,
    FRONTEND_ONLY: u.frontendUpdateAvailable,
  };
  let first = null;
  for (const input of document.querySelectorAll("input[name=scope]")) {
    input.disabled = !possible[input.value];
    input.checked = false;
    input.parentElement.classList.toggle("disabled", input.disabled);
    if (!input.disabled && !first) first = input;
  }
  if (first) first.checked = true;
  showStep("choose");
  $("#dialog").showModal();
}

function fillRow(name, current, available, changed) {
  $("#" + name + "-current").textContent = short(current);
  $("#" + name + "-available").textContent = changed ? short(available) : "unchanged";
  $("#" + name + "-available").classList.toggle("changed", !!changed);
  $("#" + name + "-current").title = current || "";
  $("#" + name + "-available").title = available || "";
}

function chosenScope() {
  const c = document.querySelector("input[name=scope]:checked");
  return c ? c.value : null;
}

$("#next").addEventListener("click", () => {
  const scope = chosenScope();
  if (!scope) { dialogError("Choose what to update."); return; }
  dialogError("");
  $("#confirm-text").textContent = "You are about to upgrade " + SCOPE_TEXT[scope] + " of "
    + plan.label + " to release " + plan.update.availableReleaseTag + ". On your behalf, the"
    + " console first makes two calls with your identity:";
  showStep("confirm");
});
$("#back").addEventListener("click", () => { dialogError(""); showStep("choose"); });
$("#cancel").addEventListener("click", () => $("#dialog").close());
$("#close").addEventListener("click", () => $("#dialog").close());
$("#dialog").addEventListener("close", () => { watching = null; refresh(); });

$("#confirm").addEventListener("click", async () => {
  const scope = chosenScope();
  $("#confirm").disabled = true;
  dialogError("");
  try {
    await api("POST", "/api/storages/" + plan.canisterId + "/upgrade", { scope });
  } catch (e) {
    // A refusal will not change by confirming again: say why, offer only to close, and show
    // the list as it is now.
    dialogError(e.message);
    $("#confirm").disabled = false;
    $("#confirm").hidden = true;
    $("#back").hidden = true;
    $("#cancel").textContent = "Close";
    await refresh();
    return;
  }
  $("#confirm").disabled = false;
  watching = { canisterId: plan.canisterId, scope };
  for (const li of document.querySelectorAll("#progress li")) {
    li.className = "";
    const step = li.dataset.step;
    if ((step === "UPGRADING_WASM" && scope === "FRONTEND_ONLY")
      || (step === "UPGRADING_FRONTEND" && scope === "WASM_ONLY")) li.className = "skipped";
  }
  $("#progress li[data-step=setup]").className = "done";
  $("#outcome").hidden = true;
  $("#progress-status").textContent = "Upgrade started.";
  showStep("progress");
  await refresh();
});

// Moves the dialog's progress along with the record's status, as polling sees it.
function followUpgrade() {
  if (!watching) return;
  const s = storages.find((x) => x.canisterId === watching.canisterId);
  if (!s) return;
  const order = ["UPGRADING_WASM", "UPGRADING_FRONTEND"];
  $("#progress-status").textContent = STATUS_TEXT[s.status] || s.status;
  const at = order.indexOf(s.status);
  if (at >= 0) watching.lastStep = s.status;
  for (const li of document.querySelectorAll("#progress li")) {
    const i = order.indexOf(li.dataset.step);
    if (i < 0 || li.classList.contains("skipped")) continue;
    li.className = at < 0 || i < at ? "done" : i === at ? "active" : "";
  }
  // Not over while the backend still holds rights: polling goes on (the deployer retries).
  if (at >= 0 || s.status === "HANDBACK_PENDING") return;
  const out = $("#outcome");
  out.hidden = false;
  $("#progress li[data-step=done]").className = "done";
  if (s.status === "COMPLETED") {
    out.className = "outcome ok";
    out.textContent = "Done. " + s.label + " now runs release " + s.releaseTag
      + (s.update && s.update.kind ? " (an update remains for the part you left out)." : ".");
    $("#progress-status").textContent = "Completed";
  } else {
    // The step the record was in when polling last saw it running is the one that failed;
    // the steps after it did not run.
    const failedAt = order.indexOf(watching.lastStep || order[0]);
    for (const li of document.querySelectorAll("#progress li")) {
      const i = order.indexOf(li.dataset.step);
      if (i < 0 || li.classList.contains("skipped")) continue;
      li.className = i < failedAt ? "done" : i === failedAt ? "failed" : "";
    }
    const where = watching.lastStep === "UPGRADING_FRONTEND" ? "while upgrading the frontend"
      : "while upgrading the WASM module";
    out.className = "outcome failed";
    out.textContent = "The upgrade failed " + where + ". The backend has handed its rights back,"
      + " and the card shows what the canister runs now. Why: "
      + (s.failureReason || "no reason was recorded") + ".";
    $("#progress-status").textContent = "Failed";
  }
  watching = null;
}

start().catch((e) => showBanner(e.message));
