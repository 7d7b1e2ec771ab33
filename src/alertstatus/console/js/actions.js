// Acting on alerts: a confirmation with the exact count and query, then Kibana's status route.
// Everything that matches a query runs as an asynchronous task (`wait_for_completion=false`,
// docs/scale.md) with live progress and Cancel; selected rows are changed in one request by id.

import { call } from "./api.js";

const STATUS_ROUTE = "/api/detection_engine/signals/status";
const POLL_MS = 400;
const VERBS = { closed: "Close", acknowledged: "Acknowledge", open: "Reopen" };

const $ = (id) => document.getElementById(id);

// Resolves to {reason, note} when the analyst confirms, null when they cancel.
export function confirmChange({ status, count, query, what }) {
  const dialog = $("confirm");
  $("confirm-title").textContent = `${VERBS[status]} ${count.toLocaleString()} alert${count === 1 ? "" : "s"}?`;
  $("confirm-text").textContent =
    `${VERBS[status]} ${what}: exactly ${count.toLocaleString()} alert${count === 1 ? "" : "s"} ` +
    `will be set to "${status}".`;
  $("reason-field").hidden = status !== "closed";
  $("reason").value = status === "closed" ? "false_positive" : "";
  $("note").value = "";
  $("confirm-query").textContent = JSON.stringify(query, null, 2);
  $("confirm-ok").textContent = VERBS[status];
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "ok") return resolve(null);
      resolve({ reason: status === "closed" ? $("reason").value : "", note: $("note").value.trim() });
    }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

function routeWith(params) {
  const search = new URLSearchParams(Object.entries(params).filter(([, value]) => value));
  return `${STATUS_ROUTE}${search.size ? `?${search}` : ""}`;
}

function statusBody(status, reason, selection) {
  return { status, ...(reason ? { reason } : {}), conflicts: "proceed", ...selection };
}

function showResult(response) {
  const counts = [["total", "Total", response.total], ["updated", "Updated", response.updated],
    ["noops", "Noops", response.noops], ["conflicts", "Version conflicts", response.version_conflicts],
    ["failures", "Failures", (response.failures ?? []).length]];
  $("progress-result").replaceChildren(...counts.flatMap(([key, name, value]) => {
    const term = document.createElement("dt");
    term.textContent = name;
    const amount = document.createElement("dd");
    amount.id = `result-${key}`;
    amount.textContent = Number(value ?? 0).toLocaleString();
    return [term, amount];
  }));
  $("progress-result").hidden = false;
}

function openProgress(title) {
  $("progress-title").textContent = title;
  $("progress-bar").value = 0;
  $("progress-bar").removeAttribute("value"); // indeterminate until the first report
  $("progress-text").textContent = "Starting…";
  $("progress-result").hidden = true;
  $("task-cancel").hidden = false;
  $("task-cancel").disabled = false;
  $("progress-close").hidden = true;
  $("progress").showModal();
}

function finishProgress(text) {
  $("progress-text").textContent = text;
  $("task-cancel").hidden = true;
  $("progress-close").hidden = false;
  $("progress-close").focus();
  return new Promise((resolve) => {
    $("progress").addEventListener("close", resolve, { once: true });
  });
}

function describe(report) {
  const done = report.updated + report.noops + report.version_conflicts;
  const total = report.total || 0;
  const seconds = report.elapsed_seconds || 0;
  const rate = seconds > 0 ? done / seconds : 0;
  const left = rate > 0 && total > done ? Math.ceil((total - done) / rate) : 0;
  return { done, total, rate, left };
}

export async function changeMatching({ space, status, query, reason, note }) {
  openProgress(`${VERBS[status]} matching alerts`);
  let report;
  try {
    const { task } = await call("POST", routeWith({ wait_for_completion: "false", note }), {
      space, body: statusBody(status, reason, { query }),
    });
    const taskPath = `/api/alertstatus/tasks/${encodeURIComponent(task)}`;
    $("task-cancel").onclick = async () => {
      $("task-cancel").disabled = true;
      $("progress-text").textContent = "Cancelling…";
      await call("POST", `${taskPath}/_cancel`, { space });
    };
    for (;;) {
      report = await call("GET", taskPath, { space });
      const { done, total, rate, left } = describe(report);
      const percent = total ? Math.round((100 * done) / total) : report.done ? 100 : 0;
      $("progress-bar").value = percent;
      if (report.done) break;
      $("progress-text").textContent =
        `${done.toLocaleString()} of ${total.toLocaleString()} (${percent}%), ` +
        `${Math.round(rate).toLocaleString()} alerts/s, about ${left} s left`;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } catch (error) {
    await finishProgress(error.message);
    return null;
  }
  const { done, total } = describe(report);
  if (report.response) showResult(report.response);
  const ending = report.canceled ? `Cancelled after ${done.toLocaleString()} of ${total.toLocaleString()}.`
    : report.failed ? `Failed: ${report.error?.reason ?? "see the counts"}.`
      : `Done: ${done.toLocaleString()} of ${total.toLocaleString()} (100%).`;
  if (!report.canceled && !report.failed) $("progress-bar").value = 100;
  await finishProgress(ending);
  return report;
}

export async function changeSelected({ space, status, ids, reason, note }) {
  openProgress(`${VERBS[status]} selected alerts`);
  $("task-cancel").hidden = true;
  try {
    const response = await call("POST", routeWith({ note }), {
      space, body: statusBody(status, reason, { signal_ids: ids }),
    });
    $("progress-bar").value = 100;
    showResult(response);
    await finishProgress(`Done: ${response.updated + response.noops} of ${response.total} (100%).`);
    return response;
  } catch (error) {
    await finishProgress(error.message);
    return null;
  }
}

export function wireProgressClose() {
  $("progress-close").addEventListener("click", () => $("progress").close());
  // Escape would hide a running task's dialog: it closes only once the change has ended.
  $("progress").addEventListener("cancel", (event) => {
    if ($("progress-close").hidden) event.preventDefault();
  });
}
