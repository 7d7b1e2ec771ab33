// The console's controller: sign-in, the URL state, and wiring the views to the API.
// Read docs/console.md first; each module here says what it calls.

import { ApiError, call, isDropped, resume, signIn, signOut } from "./api.js";
import { changeMatching, changeSelected, confirmChange, wireProgressClose } from "./actions.js";
import { DIALECTS, loadChanges } from "./changes.js";
import {
  FIELDS, buildQuery, formatTime, readState, resolveWindow, timeZone, toLocalInput, writeState,
} from "./filters.js";
import { MAX_ROWS, PAGE_SIZE, count, drawHistogram, fillTop, loadAlert, loadPage, loadSummary } from "./preview.js";

const $ = (id) => document.getElementById(id);
const ROLE_RANK = { viewer: 0, analyst: 1, admin: 2 };

let caller = null;
let state = readState();
let current = null; // {query, window, total}: what the preview shows, and what an action uses
const selected = new Set();

// What the page shows comes from the last request for it: starting one aborts the one before, so
// a late answer never replaces a newer one, and no action uses a query the filters no longer show.
let shown = new AbortController();
function supersede() {
  shown.abort();
  shown = new AbortController();
  return shown.signal;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function guarded(work) {
  try {
    showError("");
    return await work();
  } catch (error) {
    if (isDropped(error)) return null;
    if (error instanceof ApiError && error.status === 401) return showSignIn(error.message);
    showError(error.message || "Something went wrong.");
    return null;
  }
}

// --- sign-in ----------------------------------------------------------------------------------

function showSignIn(message = "") {
  caller = null;
  for (const id of ["alerts-view", "changes-view", "nav", "who"]) $(id).hidden = true;
  $("sign-in").hidden = false;
  showError(message);
  $("apikey").focus();
}

function credential() {
  const method = new FormData($("sign-in-form")).get("method");
  if (method === "basic") {
    const pair = `${$("username").value}:${$("password").value}`;
    return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(pair)))}`;
  }
  return `ApiKey ${$("apikey").value.trim()}`;
}

async function start(who) {
  caller = who;
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  $("who").hidden = false;
  $("whoami").textContent = `${who.username} (${who.role})`;
  $("sign-out").hidden = who.authentication_type === "anonymous";
  await loadSpaces();
  applyRole();
  await render();
}

function canChange() {
  return caller && ROLE_RANK[caller.role] >= ROLE_RANK.analyst &&
    (caller.spaces === null || caller.spaces.includes(state.space));
}

// A viewer sees everything and changes nothing; the disabled buttons say why.
function applyRole() {
  const why = canChange() ? "" : caller.role === "viewer"
    ? `Your role (viewer) can look but not change alerts.`
    : `You may not change alerts in the space "${state.space}".`;
  for (const button of document.querySelectorAll("button.act")) {
    button.disabled = Boolean(why);
    button.title = why;
    if (why) button.setAttribute("aria-describedby", "act-why");
    else button.removeAttribute("aria-describedby");
  }
  $("act-why").textContent = why;
  updateSelection();
}

async function loadSpaces() {
  const spaces = await call("GET", "/api/spaces/space");
  const visible = spaces.filter((space) => caller.spaces === null || caller.spaces.includes(space.id));
  $("space").replaceChildren(...visible.map((space) => new Option(space.name || space.id, space.id)));
  if (!visible.some((space) => space.id === state.space) && visible.length) state.space = visible[0].id;
  $("space").value = state.space;
}

// --- the alerts view --------------------------------------------------------------------------

function formToState() {
  const form = $("filters");
  for (const key of ["range", "status", "severity", "rule", "host", "user", "kql"]) {
    state[key] = form.elements[key].value.trim();
  }
  if (state.range === "custom") {
    state.from = $("from").value;
    state.to = $("to").value;
  } else {
    state.from = "";
    state.to = "";
  }
}

function stateToForm(window) {
  const form = $("filters");
  for (const key of ["range", "status", "severity", "rule", "host", "user", "kql"]) {
    form.elements[key].value = state[key];
  }
  $("from").value = state.from || toLocalInput(window.from);
  $("to").value = state.to || toLocalInput(window.to);
  $("stack").value = state.stack;
  $("zone").textContent = timeZone();
}

async function compileKql(kql, signal) {
  if (!kql) return null;
  const answer = await call("POST", "/api/alertstatus/kql", { space: state.space, body: { kql }, signal });
  return answer.query;
}

async function renderAlerts() {
  const signal = supersede();
  current = null;
  const window = resolveWindow(state);
  stateToForm(window);
  const query = buildQuery(state, window, await compileKql(state.kql, signal));
  const summary = await loadSummary(state.space, query, window, state.stack, signal);
  current = { query, window, total: summary.total };
  $("count").textContent = summary.total.toLocaleString();
  $("count").dataset.value = String(summary.total);
  $("window").textContent = `${formatTime(window.from)} – ${formatTime(window.to)} (${timeZone()})`;
  drawHistogram($("histogram"), $("histogram-summary"), summary.aggregations);
  const pick = (key) => (value) => {
    state[key] = value;
    state.page = "1";
    render({ push: true });
  };
  fillTop($("top-rules"), summary.aggregations.rules.buckets, pick("rule"));
  fillTop($("top-hosts"), summary.aggregations.hosts.buckets, pick("host"));
  fillTop($("top-users"), summary.aggregations.users.buckets, pick("user"));
  for (const [list, key] of [["rule-names", "rules"], ["host-names", "hosts"], ["user-names", "users"]]) {
    $(list).replaceChildren(...summary.aggregations[key].buckets.map((bucket) => new Option(bucket.key)));
  }
  await renderTable();
}

async function renderTable() {
  if (!current) return renderAlerts(); // no preview of these filters yet (loading, or failed)
  const signal = supersede();
  const pages = Math.max(1, Math.ceil(Math.min(current.total, MAX_ROWS) / PAGE_SIZE));
  const page = Math.min(Math.max(1, Number(state.page) || 1), pages);
  const { rows } = await loadPage(state.space, current.query, state.sort, state.order, page, signal);
  selected.clear();
  $("alerts-body").replaceChildren(...rows.map(alertRow));
  $("select-page").checked = false;
  $("page-info").textContent = `Page ${page} of ${pages}` +
    (current.total > MAX_ROWS ? ` (the first ${MAX_ROWS.toLocaleString()} alerts)` : "");
  $("prev-page").disabled = page <= 1;
  $("next-page").disabled = page >= pages;
  for (const header of document.querySelectorAll("#alerts-table th[aria-sort]")) {
    const field = header.querySelector("button").dataset.field;
    header.setAttribute("aria-sort", field === state.sort
      ? (state.order === "asc" ? "ascending" : "descending") : "none");
  }
  updateSelection();
}

function alertRow(hit) {
  const source = hit._source;
  const row = document.createElement("tr");
  row.dataset.id = hit._id;
  const box = document.createElement("input");
  box.type = "checkbox";
  box.className = "pick";
  box.setAttribute("aria-label", `Select alert ${source[FIELDS.rule] ?? hit._id} at ${formatTime(source["@timestamp"])}`);
  box.addEventListener("change", () => {
    if (box.checked) selected.add(hit._id);
    else selected.delete(hit._id);
    updateSelection();
  });
  const status = source[FIELDS.status] ?? "";
  const reason = source["kibana.alert.workflow_reason"];
  const cells = [formatTime(source["@timestamp"]), reason ? `${status} (${reason.replaceAll("_", " ")})` : status,
    source[FIELDS.rule], source[FIELDS.severity], source[FIELDS.host], source[FIELDS.user]];
  const first = document.createElement("td");
  first.append(box);
  row.append(first, ...cells.map((text, index) => {
    const td = document.createElement("td");
    td.textContent = text ?? "";
    if (index === 1) td.className = `status status-${status}`;
    return td;
  }));
  const open = document.createElement("button");
  open.type = "button";
  open.className = "link history-button";
  open.textContent = "History";
  open.setAttribute("aria-label", `Open the history of alert ${source[FIELDS.rule] ?? hit._id}`);
  open.addEventListener("click", () => guarded(() => openDrawer(hit._id)));
  const last = document.createElement("td");
  last.append(open);
  row.append(last);
  return row;
}

function updateSelection() {
  $("selected-count").textContent = `${selected.size} selected`;
  for (const button of document.querySelectorAll('button.act[data-scope="selected"]')) {
    button.disabled = !canChange() || selected.size === 0;
  }
}

async function openDrawer(id) {
  const { source, history } = await loadAlert(state.space, id);
  $("drawer-title").textContent = `${source[FIELDS.rule] ?? "Alert"} on ${source[FIELDS.host] ?? "?"}`;
  $("drawer-history").replaceChildren(...(history.length ? history : [null]).map((entry) => {
    const item = document.createElement("li");
    item.textContent = entry === null ? "No status changes recorded."
      : `${formatTime(entry.at)}: ${entry.from ?? "?"} → ${entry.to ?? "?"}` +
        `${entry.reason ? ` (${entry.reason.replaceAll("_", " ")})` : ""}` +
        ` by ${entry.caller ?? entry.actor ?? "unknown"} through ${DIALECTS[entry.dialect] ?? entry.dialect ?? "?"}` +
        `${entry.note ? `: "${entry.note}"` : ""}`;
    return item;
  }));
  const fields = Object.entries(source).filter(([, value]) => typeof value !== "object" || value === null ||
    Array.isArray(value)).sort(([a], [b]) => a.localeCompare(b));
  $("drawer-fields").replaceChildren(...fields.flatMap(([name, value]) => [
    Object.assign(document.createElement("dt"), { textContent: name }),
    Object.assign(document.createElement("dd"), { textContent: Array.isArray(value) ? value.map((v) => typeof v === "object" ? JSON.stringify(v) : v).join(", ") : String(value) }),
  ]));
  $("drawer").showModal();
  $("drawer-close").focus();
}

async function act(status, scope) {
  if (scope === "selected") {
    const ids = [...selected];
    const choice = await confirmChange({ status, count: ids.length, query: { ids: { values: ids } }, what: "the selected alerts" });
    if (choice) await changeSelected({ space: state.space, status, ids, ...choice });
  } else {
    if (!current) return showError("Nothing to act on until the preview shows the count for these filters.");
    const exact = await count(state.space, current.query); // the count now, for this query
    if (exact === 0) return showError("No alert matches: nothing to change.");
    const choice = await confirmChange({ status, count: exact, query: current.query, what: "every matching alert" });
    if (choice) await changeMatching({ space: state.space, status, query: current.query, ...choice });
  }
  await renderAlerts();
}

// --- the changes view and routing -------------------------------------------------------------

async function renderChanges(cursor = null) {
  const more = $("more-changes");
  const next = await loadChanges(state.space, $("changes-body"), { cursor, signal: supersede() });
  more.hidden = !next;
  more.onclick = () => guarded(() => renderChanges(next));
}

async function render({ push = false } = {}) {
  writeState(state, { push });
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === state.view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  $("alerts-view").hidden = state.view !== "alerts";
  $("changes-view").hidden = state.view !== "changes";
  await guarded(async () => {
    if (state.view === "changes") await renderChanges();
    else await renderAlerts();
  });
}

function wire() {
  for (const radio of document.querySelectorAll('input[name="method"]')) {
    radio.addEventListener("change", () => {
      const basic = radio.value === "basic" && radio.checked;
      $("basic-fields").hidden = !basic;
      $("apikey-fields").hidden = basic;
    });
  }
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(async () => start(await signIn(credential())));
  });
  $("sign-out").addEventListener("click", () => guarded(async () => {
    await signOut();
    showSignIn("You are signed out.");
  }));
  $("space").addEventListener("change", () => {
    state.space = $("space").value;
    state.page = "1";
    applyRole();
    render({ push: true });
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    formToState();
    state.page = "1";
    render({ push: true });
  });
  $("range").addEventListener("change", () => {
    const custom = $("range").value === "custom";
    if (!custom) {
      formToState();
      render({ push: true });
    }
  });
  for (const id of ["from", "to"]) {
    $(id).addEventListener("change", () => { $("range").value = "custom"; });
  }
  $("reset").addEventListener("click", () => {
    state = { ...readState(), view: "alerts", space: state.space, range: "7d", from: "", to: "", status: "",
      severity: "", rule: "", host: "", user: "", kql: "", page: "1" };
    render({ push: true });
  });
  $("stack").addEventListener("change", () => {
    state.stack = $("stack").value;
    render();
  });
  for (const button of document.querySelectorAll("button.sort")) {
    button.addEventListener("click", () => {
      const field = button.dataset.field;
      state.order = state.sort === field && state.order === "desc" ? "asc" : "desc";
      state.sort = field;
      state.page = "1";
      writeState(state);
      guarded(renderTable);
    });
  }
  $("prev-page").addEventListener("click", () => {
    state.page = String(Math.max(1, Number(state.page) - 1));
    writeState(state);
    guarded(renderTable);
  });
  $("next-page").addEventListener("click", () => {
    state.page = String(Number(state.page) + 1);
    writeState(state);
    guarded(renderTable);
  });
  $("select-page").addEventListener("change", () => {
    for (const box of document.querySelectorAll("#alerts-body input.pick")) {
      box.checked = $("select-page").checked;
      box.dispatchEvent(new Event("change"));
    }
  });
  for (const button of document.querySelectorAll("button.act")) {
    button.addEventListener("click", () => guarded(() => act(button.dataset.status, button.dataset.scope)));
  }
  for (const link of document.querySelectorAll("#nav a")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      state.view = link.dataset.view;
      render({ push: true });
    });
  }
  $("drawer-close").addEventListener("click", () => $("drawer").close());
  wireProgressClose();
  window.addEventListener("popstate", () => {
    state = readState();
    if (caller) render();
  });
}

wire();
guarded(async () => {
  const who = await resume();
  if (who) await start(who);
  else showSignIn();
});
