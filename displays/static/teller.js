// Teller console: sign in to a counter, then the nine keypad keys
// (docs/keypads.md) as buttons and F1–F9, the current ticket, waiting counts,
// postponed list.

import { BranchStream } from './stream.js';
import { fromSnapshot, applyEvent, seedTickets } from './state.js';
import { api, branchPath, refusalOf, NOBODY_WAITING } from './api.js';
import { staffSession, pathParts } from './auth.js';
import { showStatus, translateStatic, startClock, refreshClock } from './screen.js';
import { t, setLocale, locale, counterLabel, sinceLabel } from './i18n.js';

const [, branch] = pathParts(); // /teller/{b}
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

let session = staffSession.load('teller', branch); // {token, counter}
let state = null;
let stream = null;
// The booking the current ticket was checked in from (slot, a withdrawal's amount), by ticket id.
let booked = { id: null, booking: null };

// Keypad key → what it does (numbered as in docs/keypads.md).
const KEYS = {
  1: () => act('/call-next'),
  2: () => act('/recall'),
  3: () => act('/skip'),
  4: () => act('/start'),
  5: () => act('/finish'),
  6: () => openPause(),
  7: () => act('/resume'),
  8: () => openTransfer(),
  9: () => act('/postpone'),
};

const counterPath = (rest) => branchPath(branch, `/counters/${session.counter}${rest}`);

// Why the last key did nothing, as the pad's display says it (CLOSED, EMPTY, ERR…) and in words.
function showReason(reason) {
  const box = $('teller-reason');
  if (!reason) { box.innerHTML = ''; delete box.dataset.label; return; }
  const words = reason.key ? t(reason.key) : reason.message;
  box.innerHTML = `<b class="reason-label">${esc(reason.label)}</b> <span>${esc(words)}</span>`;
  box.dataset.label = reason.label;
}

async function act(rest, body) {
  showReason(null);
  $('teller-warning').textContent = '';
  try {
    const res = await api('POST', counterPath(rest), { token: session.token, body });
    if (rest === '/call-next' && res === null) showReason(NOBODY_WAITING);
    // Accepted, but the teller should know (a transfer to a paused window): the server's
    // words, in the branch's language.
    if (res?.warning) $('teller-warning').textContent = res.warning.message;
    return res;
  } catch (e) {
    showReason(refusalOf(e));
    if (e.status === 401) signOut(false);
    return null;
  }
}

// Signed out, there is no counter: the clock's tick and a late event find nothing to draw.
function myCounter() {
  return session ? state?.counters.find(c => c.number === session.counter) : undefined;
}

function render() {
  if (!state || !session) return;
  const c = myCounter();
  $('title').textContent = `${state.name || branch} · ${c?.name || counterLabel(session.counter)}`;
  const st = c?.state || 'closed';
  $('counter-state').innerHTML = `<span class="badge ${st}">${esc(t(st === 'open' ? 'open' : st))}</span>`
    + (c?.pause_reason ? ` ${esc(c.pause_reason)}` : '') + (c?.teller ? ` · ${esc(c.teller)}` : '');
  const cur = c?.current;
  if (cur && cur.id !== booked.id) seedBooking(cur.id);
  $('current-ticket').textContent = cur ? cur.number : '—';
  $('current-ticket').dataset.status = cur ? cur.status : '';
  renderMeta();
  const serves = c?.serves || [];
  const cats = state.categories.filter(x => serves.includes(x.code));
  $('counts').innerHTML = cats.map(x => `<span>${esc(x.name)}</span><b class="num">${x.waiting}</b>`).join('')
    + `<span>${esc(t('for_this_counter'))}</span><b class="num" id="counter-waiting">${c?.waiting ?? 0}</b>`;
  const mine = state.postponed.filter(p => p.counter === session.counter);
  $('postponed').innerHTML = mine.map(p => `<tr><td class="num">${esc(p.number)}</td>
    <td><button class="btn secondary" data-call="${esc(p.id)}">${esc(t('call'))}</button></td></tr>`).join('')
    || `<tr><td class="muted">${esc(t('none'))}</td></tr>`;
  for (const b of document.querySelectorAll('#keys button')) {
    const k = Number(b.dataset.key);
    b.disabled = (k === 7 && st !== 'paused') || (k === 6 && st === 'paused')
      || ([2, 3, 4, 5, 8, 9].includes(k) && !cur);
  }
}

// Waiting time of the current customer (issue → call) and time at the counter.
function renderMeta() {
  const cur = myCounter()?.current;
  if (!cur) { $('current-meta').textContent = ''; return; }
  const waited = cur.called_at ? sinceLabel(cur.issued_at, Date.parse(cur.called_at)) : sinceLabel(cur.issued_at);
  $('current-meta').innerHTML = `<span>${esc(t('st_' + cur.status))}</span>
    <span>${esc(t('waited'))} <b class="num">${waited}</b></span>
    <span>${esc(t('serving_for'))} <b class="num">${sinceLabel(cur.called_at)}</b></span>
    ${cur.priority !== 'normal' ? `<span class="badge ${esc(cur.priority)}">${esc(t(cur.priority))}</span>` : ''}
    ${booked.id === cur.id && booked.booking ? `<span class="badge booked" id="current-booking">${esc(bookingLabel(booked.booking))}</span>` : ''}`;
}

function bookingLabel(booking) {
  const amount = booking.amount ? ` · ${booking.amount.toLocaleString(locale())} ${booking.currency}` : '';
  return t('booked_at', { time: booking.time }) + amount;
}

// A booked customer at the counter: what the visit is for (the vault has the cash ready).
async function seedBooking(id) {
  booked = { id, booking: null };
  try {
    const ticket = await api('GET', branchPath(branch, `/tickets/${encodeURIComponent(id)}`), { token: session.token });
    if (booked.id === id) { booked = { id, booking: ticket.booking }; renderMeta(); }
  } catch { /* the console works without it */ }
}

function buildKeys() {
  $('keys').innerHTML = Object.keys(KEYS).map(k =>
    `<button data-key="${k}">${esc(t('k' + k))}<kbd>F${k}</kbd></button>`).join('');
}

function openPause() {
  $('pause-presets').innerHTML = t('reasons').map(r =>
    `<button type="button" class="btn secondary" data-reason="${esc(r)}">${esc(r)}</button>`).join('');
  $('pause-reason').value = '';
  $('pause-dialog').showModal();
}

function openTransfer() {
  const c = myCounter();
  $('transfer-category').innerHTML = state.categories.map(x =>
    `<option value="${esc(x.code)}">${esc(x.name)}</option>`).join('');
  // A closed window would strand the customer (the server refuses it): shown, not chosen.
  // A paused one takes them when it resumes: marked.
  const mark = { closed: t('counter_closed_mark'), paused: t('counter_paused_mark') };
  $('transfer-counter').innerHTML = state.counters.filter(x => x.number !== c?.number).map(x =>
    `<option value="${x.number}" data-state="${esc(x.state)}"${x.state === 'closed' ? ' disabled' : ''}>`
    + `${esc(x.name || counterLabel(x.number))}${mark[x.state] ? ` (${esc(mark[x.state])})` : ''}</option>`).join('');
  const first = $('transfer-counter').querySelector('option:not([disabled])');
  if (first) $('transfer-counter').value = first.value;
  $('transfer-dialog').showModal();
}

// Postponed tickets are not in the snapshot: fetch them after each snapshot.
async function seedPostponed() {
  if (!session) return;
  try {
    const r = await api('GET', branchPath(branch, '/tickets?status=postponed'), { token: session.token });
    state = seedTickets(state, r.tickets || []);
    render();
  } catch { /* the list fills from live events anyway */ }
}

function startStream() {
  stream?.stop();
  stream = new BranchStream({
    branch, token: session.token,
    onStatus: (s) => { showStatus(s); if (s === 'denied') signOut(false); },
    onSnapshot: (s) => {
      state = fromSnapshot(s);
      setLocale(state.locale); translateStatic(); refreshClock(); buildKeys();
      render(); seedPostponed();
      document.body.dataset.seq = state.seq;
    },
    onEvent: (ev) => {
      state = applyEvent(state, ev); render(); document.body.dataset.seq = ev.seq;
      if (ev.type === 'branch.updated') stream.resync(); // exact state for a new layout
    },
  }).start();
}

function showConsole() {
  showReason(null);
  $('signin').hidden = true;
  $('console').hidden = false;
  $('sign-out').hidden = false;
  buildKeys();
  startStream();
}

async function signOut(close = true) {
  if (close && session) {
    try { await api('POST', counterPath('/close'), { token: session.token }); }
    catch (e) {
      // Closed already (from another tab, by the manager): nothing to close, sign out here too.
      if (e.status === 409 && e.body?.code !== 'counter_closed') { showReason(refusalOf(e)); return; }
    }
  }
  stream?.stop();
  staffSession.clear('teller', branch);
  session = null;
  state = null;
  $('console').hidden = true;
  $('sign-out').hidden = true;
  $('signin').hidden = false;
}

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('signin-token').value.trim();
  const counter = Number($('signin-counter').value);
  $('signin-error').textContent = '';
  try {
    await api('POST', branchPath(branch, `/counters/${counter}/open`), { token });
    session = { token, counter };
    staffSession.save('teller', branch, session);
    $('signin-token').value = '';
    showConsole();
  } catch (err) {
    $('signin-error').textContent = err.message;
  }
});

$('sign-out').addEventListener('click', () => signOut(true));

document.addEventListener('click', (e) => {
  const key = e.target.closest('#keys button');
  if (key) { KEYS[key.dataset.key](); return; }
  const call = e.target.closest('[data-call]');
  if (call) { act(`/call/${encodeURIComponent(call.dataset.call)}`); return; }
  const preset = e.target.closest('[data-reason]');
  if (preset) $('pause-reason').value = preset.dataset.reason;
});

// F1–F9 mirror the keypad; the browser's own F-key meaning (F5 reload!) is suppressed.
document.addEventListener('keydown', (e) => {
  const m = /^F([1-9])$/.exec(e.key);
  if (!m || !session || $('console').hidden) return;
  if (document.querySelector('dialog[open]')) return;
  e.preventDefault();
  KEYS[m[1]]();
});

$('pause-dialog').addEventListener('close', () => {
  if ($('pause-dialog').returnValue === 'ok') act('/pause', { reason: $('pause-reason').value.trim() || null });
});
$('transfer-dialog').addEventListener('close', () => {
  if ($('transfer-dialog').returnValue !== 'ok') return;
  const kind = document.querySelector('#transfer-dialog input[name=kind]:checked').value;
  const body = kind === 'counter' ? { counter: Number($('transfer-counter').value) }
    : { category: $('transfer-category').value };
  act('/transfer', body);
});

translateStatic();
startClock(() => state?.timezone, locale);
setInterval(renderMeta, 1000);
if (session) showConsole();
