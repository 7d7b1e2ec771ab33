// The view's state lives in the URL (so a view can be shared) and becomes one Elasticsearch query:
// the same query counts, charts, lists and changes the alerts (docs/console.md, "One query").

export const FIELDS = {
  time: "@timestamp",
  status: "kibana.alert.workflow_status",
  rule: "kibana.alert.rule.name",
  severity: "kibana.alert.severity",
  host: "host.name",
  user: "user.name",
};
const KEYS = ["view", "space", "range", "from", "to", "status", "severity", "rule", "host", "user",
  "kql", "sort", "order", "page", "stack"];
const DEFAULTS = { view: "alerts", space: "default", range: "7d", sort: "@timestamp",
  order: "desc", page: "1", stack: "status" };
export const QUICK_RANGES = { "24h": 24 * 3600e3, "7d": 7 * 24 * 3600e3, "30d": 30 * 24 * 3600e3 };

export function readState() {
  const params = new URLSearchParams(window.location.search);
  const state = {};
  for (const key of KEYS) state[key] = params.get(key) ?? DEFAULTS[key] ?? "";
  return state;
}

// Only what differs from the defaults goes in the URL; replace (no history entry per keystroke).
export function writeState(state, { push = false } = {}) {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = state[key];
    if (value && value !== DEFAULTS[key]) params.set(key, value);
  }
  const url = `${window.location.pathname}${params.size ? `?${params}` : ""}`;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

// The absolute window [from, to] for the state, fixed now: a quick range is resolved once per
// preview, and the confirmation and the change use that same window.
export function resolveWindow(state, now = new Date()) {
  if (state.range === "custom") {
    const from = state.from ? new Date(state.from) : null;
    const to = state.to ? new Date(state.to) : now;
    if (!from || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      throw new Error("Choose a valid From and To for the absolute range.");
    }
    if (from > to) throw new Error("From must be before To.");
    return { from, to };
  }
  if (state.range === "week") {
    const from = new Date(now);
    from.setHours(0, 0, 0, 0);
    from.setDate(from.getDate() - ((from.getDay() + 6) % 7)); // back to Monday, local time
    return { from, to: now };
  }
  const span = QUICK_RANGES[state.range] ?? QUICK_RANGES["7d"];
  return { from: new Date(now.getTime() - span), to: now };
}

// `datetime-local` values are local time without a zone: what the analyst sees and types.
export function toLocalInput(date) {
  const pad = (number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatTime(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value ?? "");
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

// The query: the window, the field filters and the KQL bar's query (already compiled by
// POST /api/alertstatus/kql), all in `bool.filter`.
export function buildQuery(state, window, kqlQuery) {
  const filter = [
    { range: { [FIELDS.time]: { gte: window.from.toISOString(), lte: window.to.toISOString() } } },
  ];
  for (const key of ["status", "rule", "severity", "host", "user"]) {
    if (state[key]) filter.push({ term: { [FIELDS[key]]: state[key] } });
  }
  if (kqlQuery && !kqlQuery.match_all) filter.push(kqlQuery);
  return { bool: { filter } };
}

// A histogram interval that gives at most about 60 bars over the window.
const INTERVALS = [
  ["1m", 60e3], ["5m", 300e3], ["10m", 600e3], ["30m", 1800e3], ["1h", 3600e3],
  ["3h", 3 * 3600e3], ["6h", 6 * 3600e3], ["12h", 12 * 3600e3], ["1d", 24 * 3600e3],
  ["7d", 7 * 24 * 3600e3], ["30d", 30 * 24 * 3600e3],
];
export function histogramInterval(window) {
  const span = window.to.getTime() - window.from.getTime();
  for (const [name, size] of INTERVALS) if (span / size <= 60) return [name, size];
  return INTERVALS[INTERVALS.length - 1];
}
