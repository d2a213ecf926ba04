// What the reports pages share: the date range in the URL and its presets, figures in
// the page's words, a CSV fetched with the token and saved under the server's name.

import { t, locale } from './i18n.js';

export const $ = (id) => document.getElementById(id);
export const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

// Today in the branch's timezone (the page's meta), as YYYY-MM-DD.
export function today(timezone) {
  const opts = { year: 'numeric', month: '2-digit', day: '2-digit' };
  try { if (timezone) opts.timeZone = timezone; return new Date().toLocaleDateString('en-CA', opts); } catch {
    return new Date().toLocaleDateString('en-CA');
  }
}

export function addDays(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// A preset: 0 today, 1 yesterday, 7 and 30 the last days up to today.
export function preset(kind, timezone) {
  const now = today(timezone);
  if (kind === 0) return { from: now, to: now };
  if (kind === 1) { const y = addDays(now, -1); return { from: y, to: y }; }
  return { from: addDays(now, 1 - kind), to: now };
}

// The range the address bar carries (?from=&to=&target=), so a reload or a link keeps it.
export function rangeFromUrl() {
  const q = new URL(location.href).searchParams;
  return { from: q.get('from'), to: q.get('to'), target: q.get('target') };
}

export function rangeToUrl({ from, to, target }) {
  const q = new URLSearchParams({ from, to });
  if (target) q.set('target', target);
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

export const minutes = (s) => s == null ? '–' : `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;
export const percent = (x) => x == null ? '–' : `${(x * 100).toFixed(x >= 0.995 || x === 0 ? 0 : 1)}%`;
export const number = (x, digits = 0) => x == null ? '–' : Number(x).toLocaleString(locale(), { maximumFractionDigits: digits });

export function dates({ from, to }) {
  return from === to ? from : `${from} – ${to}`;
}

export async function downloadCsv(path, token) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw Object.assign(new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`), { status: res.status });
  const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '')?.[1] || 'lobbyq-report.csv';
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A table from column keys and rows of cells (already escaped HTML).
export function table(columns, rows, cls = '') {
  return `<thead><tr>${columns.map(c => `<th${cls}>${esc(t(c))}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map(r => `<tr>${r.map(c => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody>`;
}
