// The admin's branches side by side over the same days: a table, charts drawn by the
// server (SVG), a CSV, and the browser's print to PDF.

import { api } from './api.js';
import { staffSession } from './auth.js';
import { t, setLocale, locale, translateStatic } from './i18n.js';
import { $, esc, preset, rangeFromUrl, rangeToUrl, minutes, percent, number, dates, downloadCsv, table } from './report-tools.js';

let session = staffSession.load('admin', '*');
let range = null;
const query = () => `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;

async function load() {
  $('report-error').textContent = '';
  rangeToUrl(range);
  try {
    const [body, charts] = await Promise.all([
      api('GET', `/api/v1/reports?${query()}`, { token: session.token }),
      api('GET', `/reports/charts.json?${query()}&lang=${locale()}`, { token: session.token }),
    ]);
    $('report-title').textContent = `${t('compare_title')} · ${dates(body)}`;
    const link = (b) => `/reports/${encodeURIComponent(b.branch)}?${query()}`;
    $('compare-table').innerHTML = table(
      ['col_branch', 'col_issued', 'col_served', 'col_wait_avg', 'col_wait_p90', 'r_abandoned', 'col_satisfaction', 'col_score', 'col_utilisation'],
      body.branches.map(b => [`<a href="${esc(link(b))}">${esc(b.name)}</a> <span class="muted">${esc(b.branch)}</span>`,
        ...[number(b.issued), number(b.served), minutes(b.wait_avg_s), minutes(b.wait_p90_s), percent(b.abandonment_rate),
          percent(b.satisfaction_rate), b.score_avg != null ? b.score_avg.toFixed(2) : '–', percent(b.utilisation)]
          .map(v => `<span class="num">${v}</span>`)]));
    for (const name of ['waits', 'abandonment', 'satisfaction', 'utilisation']) $(`chart-${name}`).innerHTML = charts[name];
    document.body.dataset.loaded = `${body.from}:${body.to}`;
  } catch (e) {
    $('report-error').textContent = e.message;
    if (e.status === 401) signOut();
  }
}

function setRange(next) {
  range = { ...range, ...next };
  $('from').value = range.from; $('to').value = range.to;
}

function show() {
  $('signin').hidden = true;
  $('report').hidden = false;
  $('sign-out').hidden = false;
  $('print').hidden = false;
  const fromUrl = rangeFromUrl();
  setRange(fromUrl.from ? { from: fromUrl.from, to: fromUrl.to || fromUrl.from } : preset(0, null));
  load();
}

function signOut() {
  staffSession.clear('admin', '*');
  session = null;
  $('report').hidden = true;
  $('sign-out').hidden = true;
  $('print').hidden = true;
  $('signin').hidden = false;
}

function applyLocale(next) {
  setLocale(next); translateStatic();
  localStorage.setItem('lobbyq:compare:locale', next);
  $('lang').textContent = next === 'en' ? '中文' : 'English';
}

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('signin-token').value.trim();
  $('signin-error').textContent = '';
  try {
    const today = preset(0, null).from;
    await api('GET', `/api/v1/reports?from=${today}`, { token }); // admin-only: proves the role
    session = { token };
    staffSession.save('admin', '*', session);
    $('signin-token').value = '';
    show();
  } catch (err) {
    $('signin-error').textContent = err.message;
  }
});
$('range').addEventListener('submit', (e) => {
  e.preventDefault();
  setRange({ from: $('from').value, to: $('to').value || $('from').value });
  load();
});
for (const b of document.querySelectorAll('[data-preset]')) {
  b.addEventListener('click', () => { setRange(preset(Number(b.dataset.preset), null)); load(); });
}
$('csv').addEventListener('click', () => downloadCsv(`/api/v1/reports.csv?${query()}`, session.token)
  .catch(e => { $('report-error').textContent = e.message; }));
$('lang').addEventListener('click', () => { applyLocale(locale() === 'en' ? 'zh-CN' : 'en'); if (session) load(); });
$('print').addEventListener('click', () => window.print());
$('sign-out').addEventListener('click', signOut);

applyLocale(new URL(location.href).searchParams.get('lang') || localStorage.getItem('lobbyq:compare:locale') || 'zh-CN');
if (session) show();
