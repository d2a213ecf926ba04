// Kiosk: one big button per category, optional VIP card, then the issued
// ticket with its QR on screen - shown whether or not the paper prints.
// The VIP card number is never shown (a password field, then only its last
// 4 digits), and is forgotten after the ticket or VIP_IDLE_MS without a touch.

import { followBranch, startClock, translateStatic } from './screen.js';
import { api, branchPath } from './api.js';
import { deviceToken, pathParts } from './auth.js';
import { t, locale, waitingLabel } from './i18n.js';

const [, branch] = pathParts(); // /kiosk/{b}
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
const TICKET_SHOWN_MS = 30000;
const VIP_IDLE_MS = 30000; // displays/README.md: the card is forgotten after this without a touch

// The kiosk's own name (its token's name) tells which printer is ours. It can
// be given once as ?kiosk=NAME, and is learned from the first issued ticket.
const nameKey = `lobbyq:kiosk-name:${branch}`;
const urlName = new URL(location.href).searchParams.get('kiosk');
if (urlName) localStorage.setItem(nameKey, urlName);
const token = deviceToken('kiosk', branch); // strips ?token= from the address bar
if (urlName) {
  const u = new URL(location.href); u.searchParams.delete('kiosk');
  history.replaceState(null, '', u.pathname + u.search);
}
let busy = false;
let hideTimer = null;
let vipTimer = null;

function kioskName() { return localStorage.getItem(nameKey); }

// Is this device.fault about our printer?  Unknown name: any printer counts.
function ours(alert) {
  if (alert.type !== 'device.fault') return false;
  const d = alert.data || {};
  if (d.kind && d.kind !== 'printer') return false; // a screen or keypad is not our concern
  const name = kioskName();
  if (!name) return true;
  const dev = String(d.device ?? d.device_id ?? d.printer ?? '');
  return d.kiosk === name || dev === name || dev.startsWith(`${name}-`);
}

// The open device faults come with the branch state (snapshot, then alert events).
function renderFault() {
  const fault = (box.state?.device_faults || []).some(ours);
  $('printer-fault').hidden = !fault;
  $('printer-fault').textContent = t('printer_fault');
  return fault;
}

function renderButtons(state) {
  $('branch-name').textContent = state.name || branch;
  $('category-buttons').innerHTML = state.categories.map(c =>
    `<button class="cat-btn" data-category="${esc(c.code)}">${esc(c.name)}
      <small>${esc(waitingLabel(c.waiting))}</small></button>`).join('');
}

async function issue(category, vipCard) {
  if (busy) return; // a double tap must not print two tickets
  busy = true;
  $('kiosk-error').textContent = '';
  $('vip-fallback').hidden = true;
  const body = { category };
  if (vipCard) { body.priority = 'vip'; body.vip_card = vipCard; }
  try {
    const res = await api('POST', branchPath(branch, '/tickets'), { token, body });
    clearVip();
    showTicket(res);
    renderBooking(null);
  } catch (e) {
    if (vipCard && e.status === 403) offerNormal(category);
    else $('kiosk-error').textContent = `${t('issue_failed')}: ${e.message}`;
  } finally {
    busy = false;
  }
}

function offerNormal(category) {
  const box = $('vip-fallback');
  box.hidden = false;
  box.innerHTML = `<p class="refused">${esc(t('vip_refused'))}</p>
    <button class="cat-btn take-normal" data-category="${esc(category)}" data-normal="1">${esc(t('take_normal'))}</button>`;
  clearVip();
}

function showTicket(res) {
  const tk = res.ticket || res;
  if (tk.kiosk && !kioskName()) localStorage.setItem(nameKey, tk.kiosk);
  const cat = box.state?.categories.find(c => c.code === tk.category);
  $('t-number').textContent = tk.number;
  $('t-category').textContent = cat?.name || tk.category;
  $('t-ahead').textContent = `${res.ahead ?? '–'}`;
  $('t-wait').textContent = res.wait_minutes == null ? '–' : `${res.wait_minutes} ${t('minutes')}`;
  const tz = box.state?.timezone;
  try {
    $('t-time').textContent = new Date(tk.issued_at).toLocaleTimeString(locale(),
      { hour: '2-digit', minute: '2-digit', hour12: false, ...(tz ? { timeZone: tz } : {}) });
  } catch { $('t-time').textContent = tk.issued_at; }
  // The server knows its public address (track_url); else this page's origin.
  let trackUrl = res.track_url || `/t/${encodeURIComponent(res.track_token || tk.track_token || '')}`;
  if (trackUrl.startsWith('/')) trackUrl = location.origin + trackUrl;
  $('t-qr').src = `/qr.svg?data=${encodeURIComponent(trackUrl)}`;
  $('t-qr').dataset.url = trackUrl;
  const fault = renderFault() || tk.print_failed;
  $('t-fault').hidden = !fault;
  $('t-fault').textContent = t('printer_fault');
  $('ticket-view').hidden = false;
  clearTimeout(hideTimer);
  hideTimer = setTimeout(hideTicket, TICKET_SHOWN_MS);
}

// The booking a checked-in ticket comes from: its slot, and a withdrawal's amount.
function renderBooking(booking) {
  $('t-booking').hidden = !booking;
  if (!booking) return;
  const amount = booking.amount ? ` · ${booking.amount.toLocaleString(locale())} ${booking.currency}` : '';
  $('t-booking').textContent = t('booked_at', { time: booking.time }) + amount;
}

function hideTicket() {
  clearTimeout(hideTimer);
  $('ticket-view').hidden = true;
}

// ---- VIP card: a reader types digits + Enter like a keyboard, or the on-screen keypad.
const field = $('vip-card');
const vipOpen = () => !$('vip-entry').hidden;

function masked(card) {
  // The last 4 digits only when at least 4 more stay hidden.
  return card.length >= 8 ? `•••• ${card.slice(-4)}` : '•'.repeat(card.length);
}

function showVip(open) {
  const card = field.value;
  $('vip-entry').hidden = !open;
  $('vip-chip').hidden = open || !card;
  $('vip-open').hidden = open || !!card;
  $('vip-masked').textContent = masked(card);
  if (open) field.focus();
  clearTimeout(vipTimer);
  if (open || card) vipTimer = setTimeout(clearVip, VIP_IDLE_MS);
}

function clearVip() {
  field.value = '';
  showVip(false);
}

function typeDigits(digits) {
  if (!$('ticket-view').hidden) hideTicket(); // a swipe is the next customer
  field.value = (field.value + digits).slice(0, field.maxLength);
  showVip(true);
}

function confirmVip() {
  if (!field.value) clearVip();
  else showVip(false);
}

field.addEventListener('input', () => showVip(true));
field.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  // A VIP card is digits; a scanned booking code that began with a digit landed here.
  if (/[^0-9]/.test(field.value)) { const code = field.value; clearVip(); checkIn(code); } else confirmVip();
});
// While the entry is open the field keeps the focus, whatever was touched: a press elsewhere
// does not take it (so a swipe right after still lands), and a blur that slips through gives it back.
document.addEventListener('mousedown', (e) => { if (vipOpen() && e.target !== field) e.preventDefault(); });
field.addEventListener('blur', () => setTimeout(() => { if (vipOpen()) field.focus(); }, 0));

// A swipe on the idle screen: its first digit opens the entry, the rest land in the field;
// a scanner typing a booking code: its first letter opens the check-in.
document.addEventListener('keydown', (e) => {
  if (e.target === field || e.target === codeField || e.ctrlKey || e.altKey || e.metaKey) return;
  if (/^[0-9]$/.test(e.key)) { e.preventDefault(); typeDigits(e.key); }
  else if (/^[A-Za-z_-]$/.test(e.key) && !vipOpen()) { e.preventDefault(); showCheckIn(true, e.key); }
  else if (e.key === 'Enter' && vipOpen()) { e.preventDefault(); confirmVip(); }
});
// Any touch keeps a card being entered alive; the idle timer forgets it otherwise.
document.addEventListener('pointerdown', () => { if (vipOpen() || field.value) showVip(vipOpen()); });

$('vip-keypad').addEventListener('click', (e) => {
  const key = e.target.closest('button');
  if (!key) return;
  if (key.dataset.digit) typeDigits(key.dataset.digit);
  else if (key.dataset.pad === 'del') { field.value = field.value.slice(0, -1); showVip(true); }
  else if (key.dataset.pad === 'ok') confirmVip();
});
$('vip-open').addEventListener('click', () => showVip(true));
$('vip-cancel').addEventListener('click', clearVip);
$('vip-clear').addEventListener('click', clearVip);

document.addEventListener('click', (e) => {
  const btn = e.target.closest('[data-category]');
  if (!btn) return;
  const card = btn.dataset.normal ? '' : field.value.trim();
  issue(btn.dataset.category, card);
});
$('t-done').addEventListener('click', hideTicket);

// ---- Check-in of a booking or a remote ticket (issue #13): its QR scanned by a scanner
// that types, or its code typed.
const codeField = $('checkin-code');

function showCheckIn(open, typed = '') {
  $('checkin-entry').hidden = !open;
  $('checkin-open').hidden = open;
  codeField.value = open ? typed : '';
  if (open) { hideTicket(); codeField.focus(); }
}

async function checkIn(code) {
  showCheckIn(false);
  if (busy || !code.trim()) return;
  busy = true;
  $('kiosk-error').textContent = '';
  try {
    const body = { code: code.trim() };
    // A booking's code, or else a remote ticket's (taken from the phone): the same scanner reads both.
    const res = await api('POST', branchPath(branch, '/bookings/check-in'), { token, body }).catch((e) => {
      if (e.status !== 404) throw e;
      return api('POST', branchPath(branch, '/remote/confirm'), { token, body });
    });
    showTicket(res);
    renderBooking(res.booking);
  } catch (e) {
    $('kiosk-error').textContent = `${t('checkin_failed')}: ${e.message}`;
  } finally {
    busy = false;
  }
}

$('checkin-open').addEventListener('click', () => showCheckIn(true));
$('checkin-cancel').addEventListener('click', () => showCheckIn(false));
$('checkin-ok').addEventListener('click', () => checkIn(codeField.value));
codeField.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') { e.preventDefault(); checkIn(codeField.value); }
});

const box = followBranch('kiosk', branch, {
  snapshot(state) { renderButtons(state); renderFault(); },
  event(ev, state) {
    if (ev.type.startsWith('alert.')) renderFault();
    if (ev.type === 'branch.updated' || ev.type.startsWith('ticket.')) renderButtons(state);
  },
});
translateStatic();
startClock(() => box.state?.timezone, locale);
