// The manager's report of a day or a range of days: figures, charts drawn by the server
// (SVG), tables, the staffing suggestion, a CSV per table, and the browser's print to PDF.

import { api, branchPath } from './api.js';
import { staffSession, pathParts } from './auth.js';
import { t, setLocale, translateStatic, counterLabel } from './i18n.js';
import {
  $, esc, preset, rangeFromUrl, rangeToUrl, minutes, percent, number, dates, downloadCsv, table,
} from './report-tools.js';

const [, branch] = pathParts(); // /reports/{b}
const timezone = document.querySelector('meta[name="lobbyq-timezone"]')?.content || null;
// The manager's session of the dashboard: signed in there, signed in here (same tab).
let session = staffSession.load('manager', branch);
let range = null;
let categories = {};

function query() {
  return `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}&target_minutes=${encodeURIComponent(range.target)}`;
}

function renderKpis(r) {
  const s = r.summary;
  $('k-issued').textContent = number(s.issued);
  $('k-served').textContent = number(s.served);
  $('k-wait-avg').textContent = minutes(s.wait_s.avg);
  $('k-wait-p90').textContent = minutes(s.wait_s.p90);
  $('k-abandoned').textContent = percent(s.abandonment_rate);
  $('k-abandoned-n').textContent = s.abandoned ? ` ${s.abandoned}` : '';
  $('k-satisfaction').textContent = percent(s.satisfaction_rate);
  $('k-score').textContent = s.score_avg != null ? ` ${s.score_avg.toFixed(2)}` : '';
  $('k-score').title = t('score_hint');
  $('k-utilisation').textContent = percent(s.utilisation);
  const e = r.estimate_error;
  $('k-estimate').textContent = e.count ? `${minutes(e.p50_s)} / ${minutes(e.p90_s)}` : '–';
}

// Bookings and remote tickets (issue #13): shown when the days had any.
function renderBookings(r) {
  const b = r.bookings;
  $('bookings-panel').hidden = !b.booked && !b.remote.taken;
  for (const [id, n] of Object.entries({
    'b-booked': b.booked, 'b-checked-in': b.checked_in, 'b-cancelled': b.cancelled, 'b-no-show': b.no_show,
    'b-late': b.late, 'b-remote-taken': b.remote.taken, 'b-remote-confirmed': b.remote.confirmed,
    'b-remote-expired': b.remote.expired,
  })) $(id).textContent = number(n);
  $('b-wait').textContent = b.wait_s.avg != null ? `${minutes(b.wait_s.avg)} / ${minutes(b.wait_s.p90)}` : '–';
}

const people = (x) => [
  `<span class="num">${number(x.served)}</span>`, `<span class="num">${number(x.no_show)}</span>`,
  `<span class="num">${minutes(x.service_avg_s)}</span>`, `<span class="num">${minutes(x.service_p90_s)}</span>`,
  `<span class="num">${number(x.ratings)}</span>`, `<span class="num">${percent(x.satisfaction_rate)}</span>`,
  `<span class="num">${x.score_avg != null ? x.score_avg.toFixed(2) : '–'}</span>`,
  `<span class="num">${percent(x.utilisation)}</span>`,
];
const PEOPLE = ['col_served', 'col_no_show', 'col_service_avg', 'col_service_p90', 'col_ratings', 'col_satisfaction', 'col_score', 'col_utilisation'];

function renderTables(r) {
  $('counters-table').innerHTML = table(['col_counter', ...PEOPLE],
    r.counters.map(c => [esc(c.name || counterLabel(c.counter)), ...people(c)]));
  $('tellers-table').innerHTML = table(['col_teller', ...PEOPLE],
    r.tellers.map(x => [`${esc(x.teller)} <span class="muted">${esc(x.counters.map(counterLabel).join(' '))}</span>`, ...people(x)]));
  $('hourly-table').innerHTML = table(
    ['col_hour', 'col_arrivals', 'col_served', 'col_abandoned', 'col_rate', 'col_wait_avg', 'col_wait_p90'],
    r.hourly.map(h => [`${h.hour}:00–${h.hour + 1}:00`, ...[number(h.arrivals), number(h.served), number(h.abandoned),
      percent(h.abandonment_rate), minutes(h.wait_avg_s), minutes(h.wait_p90_s)].map(v => `<span class="num">${v}</span>`)]));
}

function renderStaffing(r) {
  const st = r.staffing;
  $('staffing-note').textContent = t('staffing_note', { open: r.open_days, min: Math.round(st.wait_target_s / 60) });
  const hours = [...new Set(st.rows.map(x => x.hour))].sort((a, b) => a - b);
  const cats = [...new Set(st.rows.map(x => x.category))];
  const cell = new Map(st.rows.map(x => [`${x.category}:${x.hour}`, x]));
  const most = Math.max(1, ...st.rows.map(x => x.counters_needed));
  // Shaded through the CSSOM, not a style attribute: the pages' CSP allows no inline style.
  const shade = (td) => {
    const n = Number(td.dataset.need);
    td.style.background = `rgba(31, 95, 191, ${(0.1 + 0.75 * n / most).toFixed(2)})`;
    td.style.color = n / most > 0.55 ? '#fff' : '#14233a';
  };
  const head = `<thead><tr><th></th>${hours.map(h => `<th class="num">${h}:00</th>`).join('')}</tr></thead>`;
  const body = cats.map(c => `<tr><th>${esc(categories[c] || c)}</th>${hours.map(h => {
    const x = cell.get(`${c}:${h}`);
    if (!x) return '<td class="empty">·</td>';
    const tip = t('staffing_cell', { n: x.arrivals_per_hour, avg: minutes(x.service_avg_s) });
    return `<td class="num need" data-need="${x.counters_needed}" title="${esc(tip)}">${x.counters_needed}</td>`;
  }).join('')}</tr>`).join('');
  const totals = hours.map(h => cats.reduce((n, c) => n + (cell.get(`${c}:${h}`)?.counters_needed || 0), 0));
  const foot = `<tfoot><tr><th>${esc(t('staffing_total'))}</th>${totals.map(n => `<td class="num">${n}</td>`).join('')}</tr></tfoot>`;
  $('staffing').innerHTML = st.rows.length ? head + `<tbody>${body}</tbody>` + foot : `<tr><td class="muted">${esc(t('no_data'))}</td></tr>`;
  $('staffing').querySelectorAll('td.need').forEach(shade);
}

async function load() {
  $('report-error').textContent = '';
  rangeToUrl({ from: range.from, to: range.to, target: range.target });
  try {
    const [r, charts] = await Promise.all([
      api('GET', branchPath(branch, `/reports?${query()}`), { token: session.token }),
      api('GET', `/reports/${encodeURIComponent(branch)}/charts.json?${query()}`, { token: session.token }),
    ]);
    setLocale(r.locale); translateStatic();
    document.title = `lobbyq · ${r.name} · ${t('reports_title')}`;
    $('title').textContent = r.name;
    $('report-title').textContent = `${r.name} · ${dates(r)}`;
    const made = new Date().toLocaleString(r.locale, { timeZone: r.timezone, hour12: false });
    $('report-meta').textContent = `${t('days_label', { days: r.days, open: r.open_days })} · ${t('generated', { at: made })}`;
    renderKpis(r);
    renderBookings(r);
    for (const name of ['hourly', 'waits', 'abandonment', 'counters']) {
      $(`chart-${name}`).innerHTML = r.summary.issued ? charts[name] : `<p class="muted">${esc(t('no_data'))}</p>`;
    }
    renderStaffing(r);
    renderTables(r);
    document.body.dataset.loaded = `${r.from}:${r.to}`;
  } catch (e) {
    $('report-error').textContent = e.message;
    if (e.status === 401) signOut();
  }
}

function setRange(next) {
  range = { ...range, ...next };
  $('from').value = range.from; $('to').value = range.to; $('target').value = range.target;
}

async function show() {
  $('signin').hidden = true;
  $('report').hidden = false;
  $('sign-out').hidden = false;
  $('print').hidden = false;
  const layout = await api('GET', branchPath(branch), { token: session.token }).catch(() => null);
  if (layout) {
    categories = Object.fromEntries(layout.categories.map(c => [c.code, c.name]));
    setLocale(layout.locale); translateStatic();
  }
  const fromUrl = rangeFromUrl();
  setRange(fromUrl.from ? { from: fromUrl.from, to: fromUrl.to || fromUrl.from, target: fromUrl.target || 10 } : { ...preset(0, timezone), target: 10 });
  await load();
}

function signOut() {
  staffSession.clear('manager', branch);
  session = null;
  $('report').hidden = true;
  $('sign-out').hidden = true;
  $('print').hidden = true;
  $('signin').hidden = false;
}

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('signin-token').value.trim();
  $('signin-error').textContent = '';
  try {
    await api('GET', branchPath(branch, '/alerts?status=open'), { token }); // manager-only: proves the role
    session = { token };
    staffSession.save('manager', branch, session);
    $('signin-token').value = '';
    await show();
  } catch (err) {
    $('signin-error').textContent = err.message;
  }
});
$('range').addEventListener('submit', (e) => {
  e.preventDefault();
  setRange({ from: $('from').value, to: $('to').value || $('from').value, target: $('target').value || 10 });
  load();
});
for (const b of document.querySelectorAll('[data-preset]')) {
  b.addEventListener('click', () => { setRange(preset(Number(b.dataset.preset), timezone)); load(); });
}
for (const b of document.querySelectorAll('[data-table]')) {
  b.addEventListener('click', () => downloadCsv(branchPath(branch, `/reports.csv?table=${b.dataset.table}&${query()}`), session.token)
    .catch(e => { $('report-error').textContent = e.message; }));
}
$('print').addEventListener('click', () => window.print());
$('sign-out').addEventListener('click', signOut);
$('to-dashboard').href = `/manager/${encodeURIComponent(branch)}`;

translateStatic();
if (session) show();
