// The management API from the browser: the operator's token, JSON in and out, and errors
// that say whether an endpoint exists on this server at all.
const TOKEN_KEY = 'evpower.console.token';

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(t) { sessionStorage.setItem(TOKEN_KEY, t.trim()); }
export function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
  /// The route is not on this server (an older or newer version): 404 "no such endpoint",
  /// or 405 when the path exists with other methods only.
  get missing() { return (this.status === 404 && this.code === 'not_found') || this.status === 405; }
}

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${token() || ''}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', `the server cannot be reached (${e.message})`);
  }
  let json = null;
  try { json = await res.json(); } catch { /* an empty or non-JSON body */ }
  if (!res.ok || !json || json.success === false) {
    const err = json && json.error ? json.error : {};
    throw new ApiError(res.status, err.code || `http_${res.status}`, err.message || res.statusText, err.details);
  }
  return json.data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const put = (path, body) => api('PUT', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

/// `/api/v1/admin/` + the parts, each path-encoded.
export function admin(...parts) {
  return '/api/v1/admin/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
