// The public API, as any client calls it: a cookie session (POST /api/alertstatus/session) and
// its CSRF token on every change (docs/security.md, "Cookie sessions and CSRF"). Errors become
// plain sentences (ApiError.message); bodies are never shown raw.

const SESSION = "/api/alertstatus/session";
let csrfToken = null;
// Every request a session starts carries this signal. Signing out aborts it first, so an answer
// that arrives afterwards (a 401, once the session has ended) is dropped, not shown.
let session = new AbortController();

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// "Elasticsearch says: ..." style messages from each dialect's error shape, one line, bounded.
export function plainMessage(status, body) {
  let text = "";
  if (body && typeof body === "object") {
    text = body.message ?? body.detail ?? body.error?.reason ?? "";
    if (Array.isArray(text)) text = text.map((item) => item.msg ?? String(item)).join("; ");
  }
  text = String(text || "").split("\n")[0].slice(0, 300);
  const prefix = {
    401: "You are not signed in, or your session has ended.",
    403: "You are not allowed to do this.",
    429: "The service is busy; try again in a moment.",
    503: "Elasticsearch is not reachable right now; try again in a moment.",
  }[status];
  if (prefix) return text ? `${prefix} (${text})` : prefix;
  if (status >= 500) return `The service could not do this (${status}). ${text}`.trim();
  return text || `The request failed (${status}).`;
}

export function spacePrefix(space) {
  return !space || space === "default" ? "" : `/s/${encodeURIComponent(space)}`;
}

// `signal`: a request that a newer one makes moot (main.js, "supersede") is aborted by it too.
export async function call(method, path, { body, headers = {}, space, signal } = {}) {
  const url = spacePrefix(space) + path;
  const init = {
    method,
    headers: { ...headers },
    credentials: "same-origin",
    signal: signal ? AbortSignal.any([session.signal, signal]) : session.signal,
  };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET" && csrfToken) {
    init.headers["x-csrf-token"] = csrfToken;
    init.headers["kbn-xsrf"] = "alertstatus-console";
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (isDropped(error)) throw error;
    throw new ApiError(0, "The service did not answer. Check that it is running.");
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, plainMessage(response.status, parsed));
  return parsed;
}

// Sign in with a header credential; the answer sets the cookie and gives the CSRF token.
export async function signIn(authorization) {
  const started = await call("POST", SESSION, { headers: { authorization } });
  csrfToken = started.csrf_token;
  return whoami();
}

// After a reload: the cookie may still hold a session; its token comes back from the server.
// With authentication off (ALERTSTATUS_AUTH_ENABLED=false) there is no session to resume, and
// every caller is the anonymous admin.
export async function resume() {
  try {
    csrfToken = (await call("GET", SESSION)).csrf_token;
  } catch (error) {
    if (error.status === 401) return null;
    if (error.status !== 400) throw error;
    const caller = await whoami();
    return caller.authentication_type === "anonymous" ? caller : null;
  }
  return whoami();
}

export function whoami() {
  return call("GET", "/api/alertstatus/whoami");
}

// Work of a session that has ended, or superseded by newer work: nothing to show or report.
export function isDropped(error) {
  return error?.name === "AbortError";
}

export async function signOut() {
  session.abort();
  session = new AbortController();
  try {
    await call("DELETE", SESSION);
  } finally {
    csrfToken = null;
  }
}
