// Lobby manager dashboard: the day's figures (live), queues with waits, counters,
// no-shows, alerts (acknowledge with a note), device health; and the manager's actions,
// among them issuing a green-channel or VIP ticket printed at a kiosk the manager picks.

import { BranchStream } from './stream.js';
import { fromSnapshot, applyEvent, seedTickets, applyAlert, applyDevice } from './state.js';
import { api, branchPath } from './api.js';
import { staffSession, pathParts } from './auth.js';
import { showStatus, translateStatic, startClock, refreshClock } from './screen.js';
import { t, setLocale, locale, counterLabel, sinceLabel } from './i18n.js';
import { alarm, alertTitle, managerSignIn, unlockSound } from './alarm.js';

const [, branch] = pathParts(); // /manager/{b}
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

let session = staffSession.load('manager', branch); // {token}
let state = null;
let alerts = new Map();
let devices = new Map();
let stream = null;
let selected = null; // ticket open in the dialog
let kiosks = []; // the layout's kiosks; the first is the branch's default printer
let figures = null; // GET …/stats of the current day
let figuresTimer = null;

const req = (method, rest, body) => api(method, branchPath(branch, rest), { token: session.token, body });

async function run(fn, errorEl = 'manager-error') {
  $(errorEl).textContent = '';
  try { return await fn(); } catch (e) {
    $(errorEl).textContent = e.message;
    if (e.status === 401) signOut();
    return null;
  }
}

const badge = (p) => p !== 'normal' ? `<span class="badge ${esc(p)}">${esc(t(p))}</span>` : '';
const catName = (code) => state.categories.find(c => c.code === code)?.name || code;

function renderQueues() {
  $('queues').innerHTML = state.categories.map(c => {
    const rows = state.waiting.filter(x => x.category === c.code).map(x => `
      <tr class="ticket-row" data-ticket="${esc(x.id)}">
        <td class="num">${esc(x.number)} ${badge(x.priority)}${x.pinned_counter ? ` → ${esc(counterLabel(x.pinned_counter))}` : ''}</td>
        <td class="num wait" data-since="${esc(x.issued_at)}">${sinceLabel(x.issued_at)}</td></tr>`).join('');
    return `<div class="cat-queue" data-category="${esc(c.code)}">
      <h3>${esc(c.name)} <span class="count num">${c.waiting}</span></h3>
      <table>${rows || `<tr><td class="muted">${esc(t('none'))}</td></tr>`}</table></div>`;
  }).join('');
}

function renderCounters() {
  const kept = new Set([...document.querySelectorAll('#no-shows tr')]
    .filter(tr => tr.querySelector('.keep')?.checked).map(tr => tr.dataset.ticketId));
  $('counters').innerHTML = `<tr><th>${esc(t('counters'))}</th><th>${esc(t('status'))}</th><th>${esc(t('current'))}</th><th>${esc(t('waiting'))}</th></tr>`
    + state.counters.map(c => `<tr data-counter="${c.number}">
      <td>${esc(c.name || counterLabel(c.number))}<div class="muted">${esc(c.teller || '')}</div></td>
      <td><span class="badge ${esc(c.state)}">${esc(t(c.state === 'open' ? 'open' : c.state))}</span>
        <div class="muted">${esc(c.pause_reason || '')}</div></td>
      <td class="num">${esc(c.current?.number || '—')}</td><td class="num">${c.waiting ?? 0}</td></tr>`).join('');
  $('no-shows').innerHTML = state.no_show.map(x => `<tr data-ticket-id="${esc(x.id)}">
      <td class="num">${esc(x.number)}</td>
      <td><label><input type="checkbox" class="keep"${kept.has(x.id) ? ' checked' : ''}> ${esc(t('keep_place'))}</label></td>
      <td><button class="btn secondary" data-requeue="${esc(x.id)}">${esc(t('requeue'))}</button></td></tr>`).join('')
    || `<tr><td class="muted">${esc(t('none'))}</td></tr>`;
}

function renderAlerts() {
  // Keep what the manager is typing: events re-render this list at any time.
  const notes = {};
  for (const el of document.querySelectorAll('[data-alert]')) notes[el.dataset.alert] = el.querySelector('.note').value;
  const focused = document.activeElement?.closest?.('[data-alert]')?.dataset.alert;
  const open = [...alerts.values()].sort((a, b) => Date.parse(b.raised_at) - Date.parse(a.raised_at));
  $('alert-count').innerHTML = open.length ? `<span class="badge paused">${esc(t('alerts'))} ${open.length}</span>` : '';
  $('alerts').innerHTML = open.map(a => {
    // The server wrote the alert's text in the branch's language: shown as it is.
    const facts = esc(a.text || a.data?.message || '');
    return `<div class="alert ${esc(a.type.replace('.', '-'))}" data-alert="${esc(a.id)}">
      <div class="title">${esc(alertTitle(a))} <span class="muted num">${esc(sinceLabel(a.raised_at))}</span></div>
      <div>${facts}</div>
      <div class="row"><input placeholder="${esc(t('note'))}" class="note" maxlength="500">
        <button class="btn" data-ack="${esc(a.id)}">${esc(t('ack'))}</button></div></div>`;
  }).join('') || `<div class="muted">${esc(t('none'))}</div>`;
  for (const el of document.querySelectorAll('[data-alert]')) {
    const input = el.querySelector('.note');
    input.value = notes[el.dataset.alert] || '';
    if (el.dataset.alert === focused) input.focus();
  }
}

function renderDevices() {
  $('devices').innerHTML = [...devices.values()].map(d => `<tr>
    <td>${esc(d.id)}<div class="muted">${esc(d.kind)}</div></td>
    <td class="${d.status === 'ok' ? 'dev-ok' : 'dev-bad'}">${esc(d.status)}</td>
    <td class="muted">${esc(d.detail || '')}</td></tr>`).join('')
    || `<tr><td class="muted">${esc(t('none'))}</td></tr>`;
}

// The printer of a ticket issued here: a kiosk of the layout, the first by default.
function renderKiosks() {
  const sel = $('issue-kiosk');
  const keep = sel.value;
  sel.innerHTML = kiosks.length
    ? kiosks.map((k, i) => `<option value="${esc(k)}">${esc(i === 0 ? t('kiosk_default', { name: k }) : k)}</option>`).join('')
    : `<option value="">${esc(t('no_printer'))}</option>`;
  sel.disabled = !kiosks.length;
  if (kiosks.includes(keep)) sel.value = keep;
}

async function loadKiosks() {
  const layout = await req('GET', '').catch(() => null);
  if (layout) { kiosks = layout.kiosks || []; renderKiosks(); }
}

// ---- the day's figures: read from GET …/stats, a second after ticket events and every 30 s
function duration(seconds) {
  if (seconds == null) return '–';
  const s = Math.round(seconds); const m = Math.floor(s / 60); const r = String(s % 60).padStart(2, '0');
  if (locale() === 'en') return m ? `${m}m ${r}s` : `${s}s`;
  return m ? `${m}分${r}秒` : `${s}秒`;
}
const percent = (x) => x == null ? '–' : `${Math.round(x * 1000) / 10}%`;

function renderFigures() {
  const f = figures;
  if (!f || !state) return;
  $('kpi-date').textContent = f.date;
  $('kpi-served').textContent = f.served;
  $('kpi-waiting').textContent = f.waiting;
  $('kpi-wait-avg').textContent = duration(f.wait_s.avg);
  $('kpi-wait-p90').textContent = duration(f.wait_s.p90);
  $('kpi-abandoned').textContent = `${f.abandoned} · ${percent(f.abandonment_rate)}`;
  $('kpi-satisfaction').textContent = percent(f.satisfaction_rate);
  $('kpi-score').textContent = f.ratings ? t('score_avg', { avg: f.score_avg.toFixed(1), n: f.ratings }) : t('no_ratings');
  const by = new Map(f.by_counter.map(c => [c.counter, c]));
  $('kpi-counters').innerHTML = `<tr><th>${esc(t('counters'))}</th><th>${esc(t('kpi_served'))}</th>`
    + `<th>${esc(t('kpi_service_avg'))}</th><th>${esc(t('kpi_satisfaction'))}</th></tr>`
    + state.counters.map(c => {
      const x = by.get(c.number);
      return `<tr data-counter="${c.number}"><td>${esc(c.name || counterLabel(c.number))}</td>
        <td class="num served">${x ? x.served : 0}</td><td class="num service">${esc(duration(x?.service_s.avg))}</td>
        <td class="num satisfaction">${esc(percent(x?.satisfaction_rate))}${x?.ratings ? ` <span class="muted">(${x.ratings})</span>` : ''}</td></tr>`;
    }).join('');
}

async function loadFigures() {
  if (!session) return;
  try {
    figures = await req('GET', '/stats');
    renderFigures();
    document.body.dataset.figures = String(Date.now());
  } catch (e) {
    if (e.status === 401) signOut();
  }
}

function figuresSoon() { // at most one read a second, however busy the stream
  if (!figuresTimer) figuresTimer = setTimeout(() => { figuresTimer = null; loadFigures(); }, 1000);
}

async function downloadCsv(rest = '/stats.csv') {
  await run(async () => {
    const res = await fetch(branchPath(branch, rest), { headers: { Authorization: `Bearer ${session.token}` } });
    if (!res.ok) throw Object.assign(new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`), { status: res.status });
    const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '')?.[1] || 'lobbyq-stats.csv';
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
}

function render() {
  if (!state) return;
  $('title').textContent = state.name || branch;
  const sel = $('issue-category');
  if (sel.options.length !== state.categories.length) {
    sel.innerHTML = state.categories.map(c => `<option value="${esc(c.code)}">${esc(c.name)}</option>`).join('');
  }
  renderQueues(); renderCounters(); renderAlerts(); renderDevices(); renderFigures();
}

// Every alert sounds; a customer the manager must go to now (unhappy, or a green-channel
// customer who missed the call) sounds urgent and flashes a banner as well.
function sound(a) {
  if (!alarm(a)) return;
  const el = $('alert-flash');
  el.textContent = a.text || `${alertTitle(a)}: ${a.data?.ticket_number || ''}`;
  el.hidden = false;
  clearTimeout(sound.timer);
  sound.timer = setTimeout(() => { el.hidden = true; }, 10000);
}

// Side lists the snapshot does not carry: re-read after every snapshot.
async function seedSideLists() {
  const [noShows, open, devs] = await Promise.all([
    req('GET', '/tickets?status=no_show').catch(() => ({ tickets: [] })),
    req('GET', '/alerts?status=open').catch(() => ({ alerts: [] })),
    req('GET', '/devices').catch(() => ({ devices: [] })),
  ]);
  loadBookings();
  state = seedTickets(state, noShows.tickets || []);
  alerts = new Map((open.alerts || []).map(a => [a.id, a]));
  devices = new Map((devs.devices || []).map(d => [d.id, d]));
  render();
  loadKiosks(); loadFigures();
}

function onEvent(ev) {
  state = applyEvent(state, ev);
  if (ev.type.startsWith('alert.')) {
    alerts = applyAlert(alerts, ev);
    if (ev.type === 'alert.raised') sound(ev.data);
  }
  if (ev.type === 'device.health') devices = applyDevice(devices, ev);
  if (ev.type.startsWith('ticket.')) figuresSoon();
  render();
  document.body.dataset.seq = ev.seq;
  if (ev.type === 'branch.updated') stream.resync(); // exact state for a new layout
}

// ---- Bookings (issue #13): today's list, check-in by code, booking for a customer.
let bookable = []; // the categories that take appointments, with their rules

async function loadBookings() {
  const info = await api('GET', `/api/v1/book/${encodeURIComponent(branch)}`).catch(() => null);
  bookable = info?.categories || [];
  $('bookings-panel').hidden = !bookable.length && !(info?.remote || []).length;
  if ($('bookings-panel').hidden) return;
  $('mgr-checkin-code').placeholder = t('checkin_prompt');
  $('mb-phone').placeholder = t('book_phone');
  $('mb-amount').placeholder = t('book_amount');
  if ($('mb-category').options.length !== bookable.length) {
    $('mb-category').innerHTML = bookable.map(c => `<option value="${esc(c.code)}">${esc(c.name)}</option>`).join('');
    if (!$('mb-date').value && info) $('mb-date').value = info.today;
  }
  renderBookForm();
  const day = await run(() => req('GET', '/bookings'), 'bookings-error');
  if (!day) return;
  $('bookings').innerHTML = `<tr><th>${esc(t('bk_time'))}</th><th>${esc(t('category'))}</th><th>${esc(t('book_amount'))}</th><th>${esc(t('status'))}</th><th>${esc(t('bk_phone'))}</th></tr>`
    + day.bookings.map(b => `<tr data-booking="${esc(b.id)}"><td class="num">${esc(b.time)}</td><td>${esc(b.category_name)}</td>
      <td class="num">${b.amount ? esc(`${b.amount.toLocaleString(locale())} ${b.currency}`) : ''}</td>
      <td>${esc(t('book_st_' + b.status))}</td><td class="num">${esc(b.phone || '')}</td></tr>`).join('');
  document.body.dataset.bookings = String(day.bookings.length);
}

function renderBookForm() {
  const c = bookable.find(x => x.code === $('mb-category').value);
  const cash = c?.cash ? Object.keys(c.cash) : [];
  $('mb-amount').hidden = $('mb-currency').hidden = !cash.length;
  if ($('mb-currency').options.length !== cash.length) {
    $('mb-currency').innerHTML = cash.map(cur => `<option>${esc(cur)}</option>`).join('');
  }
}

async function bookFor(ev) {
  ev.preventDefault();
  const body = { category: $('mb-category').value, date: $('mb-date').value, time: $('mb-time').value };
  if (!$('mb-amount').hidden) { body.amount = Number($('mb-amount').value); body.currency = $('mb-currency').value; }
  if ($('mb-phone').value.trim()) body.phone = $('mb-phone').value.trim();
  const made = await run(() => req('POST', '/bookings', body), 'bookings-error');
  if (made) { $('mb-code').textContent = made.code; loadBookings(); }
}

async function checkInCode() {
  const body = { code: $('mgr-checkin-code').value.trim() };
  const kiosk = $('issue-kiosk').value;
  if (kiosk) body.kiosk = kiosk;
  const res = await run(() => req('POST', '/bookings/check-in', body).catch((e) => {
    if (e.status !== 404) throw e;
    return req('POST', '/remote/confirm', body); // a remote ticket's code
  }), 'bookings-error');
  if (res) { $('mgr-checked-in').textContent = res.number; $('mgr-checkin-code').value = ''; loadBookings(); }
}

$('mgr-checkin').addEventListener('click', checkInCode);
$('mgr-checkin-code').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); checkInCode(); } });
$('mgr-book').addEventListener('submit', bookFor);
$('mb-category').addEventListener('change', renderBookForm);

function startStream() {
  stream?.stop();
  stream = new BranchStream({
    branch, token: session.token,
    onStatus: (s) => { showStatus(s); if (s === 'denied') signOut(); },
    onSnapshot: (s) => {
      state = fromSnapshot(s);
      setLocale(state.locale); translateStatic(); refreshClock();
      render(); seedSideLists();
      document.body.dataset.seq = state.seq;
    },
    onEvent,
  }).start();
}

function showDashboard() {
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
  $('reports-link').hidden = false;
  startStream();
}

function signOut() {
  stream?.stop();
  staffSession.clear('manager', branch);
  session = null;
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('reports-link').hidden = true;
  $('signin').hidden = false;
}

function openTicket(id) {
  selected = state.waiting.find(x => x.id === id);
  if (!selected) return;
  $('td-title').textContent = `${selected.number} · ${catName(selected.category)}`;
  $('td-category').innerHTML = state.categories.filter(c => c.code !== selected.category)
    .map(c => `<option value="${esc(c.code)}">${esc(c.name)}</option>`).join('');
  $('td-counter').innerHTML = state.counters.filter(c => c.state === 'open')
    .map(c => `<option value="${c.number}">${esc(c.name || counterLabel(c.number))}</option>`).join('');
  $('td-error').textContent = '';
  $('ticket-dialog').showModal();
}

async function ticketAction(kind, btn) {
  const id = encodeURIComponent(selected.id);
  const actions = {
    reassign: () => req('POST', `/tickets/${id}/reassign`, { category: $('td-category').value }),
    priority: () => req('POST', `/tickets/${id}/priority`, { priority: btn.dataset.priority }),
    call: () => req('POST', `/counters/${Number($('td-counter').value)}/call/${id}`),
    cancel: () => req('POST', `/tickets/${id}/cancel`),
  };
  const ok = await run(actions[kind], 'td-error');
  if (ok) $('ticket-dialog').close();
}

managerSignIn(branch, (signedIn) => { session = signedIn; showDashboard(); });
$('sign-out').addEventListener('click', signOut);
$('reports-link').href = `/reports/${encodeURIComponent(branch)}`;
$('cash-link').href = `/cash/${encodeURIComponent(branch)}`;
$('stats-csv').addEventListener('click', () => downloadCsv());
$('cash-csv').addEventListener('click', () => downloadCsv('/cash.csv'));
$('alert-flash').addEventListener('click', () => { $('alert-flash').hidden = true; });

document.addEventListener('click', async (e) => {
  const row = e.target.closest('.ticket-row');
  if (row) { openTicket(row.dataset.ticket); return; }
  const td = e.target.closest('[data-td]');
  if (td) { ticketAction(td.dataset.td, td); return; }
  const ack = e.target.closest('[data-ack]');
  if (ack) {
    const note = ack.parentElement.querySelector('.note').value.trim();
    await run(() => req('POST', `/alerts/${encodeURIComponent(ack.dataset.ack)}/ack`, { note }));
    return;
  }
  const rq = e.target.closest('[data-requeue]');
  if (rq) {
    const keep = rq.closest('tr').querySelector('.keep').checked;
    await run(() => req('POST', `/tickets/${encodeURIComponent(rq.dataset.requeue)}/requeue`, { keep_place: keep }));
    return;
  }
  const issue = e.target.closest('#issue-green, #issue-vip');
  if (issue) {
    const priority = issue.id === 'issue-green' ? 'green' : 'vip';
    const kiosk = $('issue-kiosk').value;
    const body = { category: $('issue-category').value, priority, ...(kiosk ? { kiosk } : {}) };
    const res = await run(() => req('POST', '/tickets', body));
    if (res) {
      $('issued').textContent = res.number;
      $('issued-at').textContent = res.kiosk ? t('printed_at', { kiosk: res.kiosk }) : t('not_printed');
    }
  }
});

// Waits tick every second without re-rendering the tables.
setInterval(() => {
  for (const el of document.querySelectorAll('.wait[data-since]')) el.textContent = sinceLabel(el.dataset.since);
}, 1000);
setInterval(() => { if (session && state) loadFigures(); }, 30000);

translateStatic();
startClock(() => state?.timezone, locale);
if (session) showDashboard();
