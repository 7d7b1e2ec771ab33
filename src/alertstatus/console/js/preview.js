// The preview: count, histogram and top values in one search, and the table in another, both
// through Kibana's `POST /api/detection_engine/signals/search` (aggregations as Kibana's own
// alert pages ask for them).

import { call } from "./api.js";
import { FIELDS, formatTime, histogramInterval, timeZone } from "./filters.js";

const SEARCH = "/api/detection_engine/signals/search";
export const PAGE_SIZE = 25;
// Elasticsearch's index.max_result_window: the table pages through the first 10,000 matches.
export const MAX_ROWS = 10000;
const TABLE_FIELDS = ["@timestamp", FIELDS.status, "kibana.alert.workflow_reason", FIELDS.rule,
  FIELDS.severity, FIELDS.host, FIELDS.user];
const COLORS = {
  open: "#bd271e", acknowledged: "#d6a30f", closed: "#54b399",
  low: "#54b399", medium: "#d6bf57", high: "#da8b45", critical: "#bd271e",
};
const STACK_FIELDS = { status: FIELDS.status, severity: FIELDS.severity };

let chart = null;

export async function count(space, query) {
  const answer = await call("POST", SEARCH, {
    space, body: { size: 0, track_total_hits: true, query },
  });
  return answer.hits.total.value ?? answer.hits.total;
}

export async function loadSummary(space, query, window, stack, signal) {
  const [interval, size] = histogramInterval(window);
  const body = {
    size: 0,
    track_total_hits: true,
    query,
    aggs: {
      over_time: {
        date_histogram: {
          field: FIELDS.time, fixed_interval: interval, time_zone: timeZone(), min_doc_count: 0,
          extended_bounds: { min: window.from.getTime(), max: window.to.getTime() },
        },
        aggs: { stack: { terms: { field: STACK_FIELDS[stack] ?? FIELDS.status, size: 10 } } },
      },
      rules: { terms: { field: FIELDS.rule, size: 5 } },
      hosts: { terms: { field: FIELDS.host, size: 5 } },
      users: { terms: { field: FIELDS.user, size: 5 } },
    },
  };
  const answer = await call("POST", SEARCH, { space, body, signal });
  // A space with no alerts index yet: Elasticsearch answers with no shards and no aggregations.
  const aggregations = answer.aggregations ?? Object.fromEntries(
    Object.keys(body.aggs).map((name) => [name, { buckets: [] }]),
  );
  return { total: answer.hits.total.value, aggregations, bucketSize: size };
}

export function drawHistogram(canvas, summaryElement, aggregations) {
  const buckets = aggregations.over_time.buckets;
  const keys = [...new Set(buckets.flatMap((bucket) => bucket.stack.buckets.map((b) => b.key)))].sort();
  const labels = buckets.map((bucket) => formatTime(bucket.key));
  const datasets = keys.map((key) => ({
    label: key,
    backgroundColor: COLORS[key] ?? "#6092c0",
    data: buckets.map((bucket) => bucket.stack.buckets.find((b) => b.key === key)?.doc_count ?? 0),
  }));
  const totals = keys.map((key, index) =>
    `${key}: ${datasets[index].data.reduce((sum, value) => sum + value, 0)}`);
  summaryElement.textContent =
    `${buckets.length} bars from ${labels[0] ?? "–"} to ${labels.at(-1) ?? "–"}. ${totals.join(", ")}.`;
  if (!window.Chart) {
    summaryElement.classList.remove("visually-hidden"); // no chart library: the words remain
    return;
  }
  if (chart) chart.destroy();
  chart = new window.Chart(canvas, {
    type: "bar",
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true, ticks: { maxTicksLimit: 8 } }, y: { stacked: true, beginAtZero: true } },
      plugins: { legend: { position: "bottom" } },
    },
  });
}

export function fillTop(list, buckets, onPick) {
  list.replaceChildren(...buckets.map((bucket) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = bucket.key;
    button.title = `Filter on ${bucket.key}`;
    button.addEventListener("click", () => onPick(bucket.key));
    const amount = document.createElement("span");
    amount.className = "amount";
    amount.textContent = bucket.doc_count.toLocaleString();
    item.append(button, " ", amount);
    return item;
  }));
  if (!buckets.length) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "None" }));
}

// One page of the table; the search asks for everything up to the page (no `from` in Kibana's
// search body) and keeps its last PAGE_SIZE rows.
export async function loadPage(space, query, sortField, order, page, signal) {
  const upTo = Math.min(page * PAGE_SIZE, MAX_ROWS);
  const sort = [{ [sortField]: { order } }];
  if (sortField !== FIELDS.time) sort.push({ [FIELDS.time]: { order: "desc" } });
  const answer = await call("POST", SEARCH, {
    space, body: { size: upTo, query, sort, _source: TABLE_FIELDS, track_total_hits: true }, signal,
  });
  return { rows: answer.hits.hits.slice((page - 1) * PAGE_SIZE), total: answer.hits.total.value };
}

export async function loadAlert(space, id) {
  const answer = await call("POST", SEARCH, { space, body: { size: 1, query: { ids: { values: [id] } } } });
  const hit = answer.hits.hits[0];
  if (!hit) throw new Error("This alert is no longer there.");
  const history = await call("GET", `/api/alertstatus/alerts/${encodeURIComponent(id)}/history`, { space });
  return { source: hit._source, history: history.history };
}
