// Thin fetch wrapper for the JSON API of docs/api.md (bearer tokens).

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// The human-readable message of an error body, whatever key the server used.
function messageOf(body, status) {
  if (!body) return `HTTP ${status}`;
  const d = body.detail ?? body.message ?? body.error;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) return d.map(x => x.msg || JSON.stringify(x)).join('; ');
  return d ? JSON.stringify(d) : `HTTP ${status}`;
}

export async function api(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) { try { data = JSON.parse(text); } catch { data = { message: text }; } }
  if (!res.ok) throw new ApiError(res.status, messageOf(data, res.status), data);
  return data;
}

// Path helpers so pages never hand-build URLs with unescaped parts.
export const branchPath = (b, rest = '') => `/api/v1/branches/${encodeURIComponent(b)}${rest}`;
