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

// A refused teller action in the words of the teller pad's display (docs/keypads.md):
// the error body's `code` → the pad's label and the i18n key of the console's reason.
// Every other refusal is ERR with the server's own message.
const REFUSALS = {
  counter_closed: { label: 'CLOSED', key: 'refused_closed' },
  counter_paused: { label: 'PAUSED', key: 'refused_paused' },
  no_customer: { label: 'NONE', key: 'refused_none' },
  customer_at_counter: { label: 'BUSY', key: 'refused_busy' },
};
// call-next answered 204: nobody waits for this counter.
export const NOBODY_WAITING = { label: 'EMPTY', key: 'refused_empty' };

// {label, key, message} of an error thrown by api(); key is null for ERR.
export function refusalOf(error) {
  const known = REFUSALS[error?.body?.code];
  return { label: known?.label ?? 'ERR', key: known?.key ?? null, message: error?.message || String(error) };
}
