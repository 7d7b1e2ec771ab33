// "Recent changes": the change records of the space, newest first (GET /api/alertstatus/changes),
// with who, when, through which API, what and how many.

import { call } from "./api.js";
import { formatTime } from "./filters.js";

export const DIALECTS = { kibana: "Elastic Security", utmstack: "UTMStack", chad: "CHAD", cli: "CLI" };

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

function what(change) {
  const target = change.target ?? {};
  const reason = target.reason ? ` (${target.reason.replaceAll("_", " ")})` : "";
  const selection = change.selection ?? {};
  const by = selection.ids !== undefined ? `${selection.ids} id${selection.ids === 1 ? "" : "s"}`
    : selection.query ? "a query" : Array.isArray(selection.alert_ids) ? `${selection.alert_ids.length} ids` : "";
  return `${target.status ?? "?"}${reason}${by ? ` by ${by}` : ""}`;
}

function howMany(change) {
  const result = change.result;
  if (!result) return change.task ? "running or not read yet" : "–";
  const parts = [`${(result.updated ?? 0).toLocaleString()} updated`];
  if (result.noops) parts.push(`${result.noops.toLocaleString()} unchanged`);
  if (result.version_conflicts) parts.push(`${result.version_conflicts.toLocaleString()} conflicts`);
  return `${parts.join(", ")} of ${(result.total ?? 0).toLocaleString()}`;
}

// One page of records into `tbody` (appended after `cursor`); the cursor of the next, or null.
export async function loadChanges(space, tbody, { cursor = null, signal } = {}) {
  const query = new URLSearchParams({ size: "25" });
  if (cursor) query.set("search_after", cursor);
  const answer = await call("GET", `/api/alertstatus/changes?${query}`, { space, signal });
  const rows = answer.changes.map((change) => {
    const row = document.createElement("tr");
    row.append(
      cell(formatTime(change.at)),
      cell(change.caller ?? change.actor ?? "–"),
      cell(DIALECTS[change.dialect] ?? change.dialect),
      cell(what(change)),
      cell(howMany(change), "number"),
      cell(change.note ?? ""),
    );
    return row;
  });
  if (cursor) tbody.append(...rows);
  else tbody.replaceChildren(...rows);
  if (!cursor && !rows.length) {
    const row = document.createElement("tr");
    const empty = cell("No changes recorded in this space yet.");
    empty.colSpan = 6;
    row.append(empty);
    tbody.append(row);
  }
  return answer.next ?? null;
}
