// The vault's cash list (issue #13 item 4): a day's booked large withdrawals (tomorrow's by
// default, the server's default), their totals per currency, the CSV, and a printed sheet
// the vault signs. The manager's sign-in of the dashboard carries over (same tab).

import { api, branchPath } from './api.js';
import { staffSession, pathParts } from './auth.js';
import { managerSignIn } from './alarm.js';
import { t, setLocale, translateStatic } from './i18n.js';
import { $, esc, today, addDays, number, downloadCsv, table } from './report-tools.js';

const [, branch] = pathParts(); // /cash/{b}
const timezone = document.querySelector('meta[name="lobbyq-timezone"]')?.content || null;
let session = staffSession.load('manager', branch);
let layout = null;

const hhmm = (iso) => iso.slice(11, 16); // the slot's times are written in the branch's offset

function dayQuery(day) {
  return day ? `?date=${encodeURIComponent(day)}` : '';
}

function render(list) {
  const name = layout?.name || branch;
  document.title = `lobbyq · ${name} · ${t('cash_title')}`;
  $('title').textContent = name;
  $('cash-heading').textContent = `${name} · ${list.date}`;
  const made = new Date().toLocaleString(layout?.locale || 'zh-CN', { timeZone: layout?.timezone || undefined, hour12: false });
  $('cash-meta').textContent = `${t('cash_note')} · ${t('generated', { at: made })}`;
  const counts = {};
  for (const w of list.withdrawals) counts[w.currency] = (counts[w.currency] || 0) + 1;
  $('cash-totals').innerHTML = Object.entries(list.totals).map(([currency, amount]) => `
    <div class="kpi" data-currency="${esc(currency)}"><b class="num">${esc(number(amount))} ${esc(currency)}</b>
      <span>${esc(t('cash_total'))} · ${esc(t('cash_count', { n: counts[currency] }))}</span></div>`).join('')
    || `<p class="muted">${esc(t('cash_none'))}</p>`;
  $('cash-table').innerHTML = table(['bk_time', 'category', 'cash_amount', 'book_currency', 'status'],
    list.withdrawals.map(w => [
      `<span class="num">${esc(w.time)}–${esc(hhmm(w.slot_end))}</span>`, esc(w.category_name),
      `<span class="num">${esc(number(w.amount))}</span>`, esc(w.currency), esc(t('book_st_' + w.status)),
    ]));
  $('cash-table').hidden = !list.withdrawals.length;
}

async function load(day) {
  $('cash-error').textContent = '';
  try {
    const list = await api('GET', branchPath(branch, `/cash${dayQuery(day)}`), { token: session.token });
    $('day').value = list.date;
    history.replaceState(null, '', `${location.pathname}?date=${encodeURIComponent(list.date)}`);
    render(list);
    document.body.dataset.loaded = list.date;
  } catch (e) {
    $('cash-error').textContent = e.message;
    if (e.status === 401) signOut();
  }
}

async function show() {
  $('signin').hidden = true;
  $('cash').hidden = false;
  $('sign-out').hidden = false;
  $('print').hidden = false;
  layout = await api('GET', branchPath(branch), { token: session.token }).catch(() => null);
  if (layout) { setLocale(layout.locale); translateStatic(); }
  await load(new URL(location.href).searchParams.get('date'));
}

function signOut() {
  staffSession.clear('manager', branch);
  session = null;
  for (const id of ['cash', 'sign-out', 'print']) $(id).hidden = true;
  $('signin').hidden = false;
}

managerSignIn(branch, (signedIn) => { session = signedIn; show(); });
$('day-form').addEventListener('submit', (e) => { e.preventDefault(); load($('day').value); });
for (const b of document.querySelectorAll('[data-days]')) {
  b.addEventListener('click', () => load(addDays(today(timezone), Number(b.dataset.days))));
}
$('cash-csv').addEventListener('click', () => downloadCsv(branchPath(branch, `/cash.csv${dayQuery($('day').value)}`), session.token)
  .catch(e => { $('cash-error').textContent = e.message; }));
$('print').addEventListener('click', () => window.print());
$('sign-out').addEventListener('click', signOut);
$('to-dashboard').href = `/manager/${encodeURIComponent(branch)}`;

translateStatic();
if (session) show();
