// The connector's public JSON API, called with the platform's dashboard JWT. The one exception
// is dev's demo data: ingestion is the platform back end's part (an API key, never a JWT), and
// dev, which plays that back end too, hands the page a key bound to the demo workspace.
const TOKEN_KEY = "xero-connector-token";
const INGEST_KEY = "xero-connector-ingest-key";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// The token from a `#token=` fragment (then removed from the address bar) or this tab's storage.
export function takeToken() {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const given = fragment.get("token");
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    const ingestKey = fragment.get("ingest_key");
    if (ingestKey) sessionStorage.setItem(INGEST_KEY, ingestKey);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(INGEST_KEY);
}

// True when dev gave this page a key to ingest the demo data with.
export function canLoadDemoData() {
  return Boolean(sessionStorage.getItem(INGEST_KEY));
}

export function call(method, path, body) {
  return send(sessionStorage.getItem(TOKEN_KEY), method, path, body);
}

// A call as the platform's back end makes it (dev's demo-workspace key): only for demo data.
export function callAsBackend(method, path, body) {
  return send(sessionStorage.getItem(INGEST_KEY), method, path, body);
}

async function send(credential, method, path, body) {
  const headers = { Authorization: `Bearer ${credential || ""}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const answer = await fetch(path, init);
  if (answer.status === 204) return null;
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, data || {});
  return data;
}
