// Public booking page /book/{b} (issue #13): on a phone, no account. Pick a category, a
// day and a free slot; book; keep the code (and its QR) to check in at the kiosk. The code
// stays in the address's #fragment, which no request and no log ever carries.

import { api } from './api.js';
import { pathParts } from './auth.js';
import { t, setLocale, locale, translateStatic } from './i18n.js';

const [, branch] = pathParts(); // /book/{b}
const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
let info = null;
let chosen = { category: null, day: null, time: null };
let changing = null; // the code of a booking being moved to another slot

function button(label, onClick, { disabled = false, selected = false, note = '' } = {}) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'choice' + (selected ? ' selected' : '');
  b.disabled = disabled;
  b.textContent = label;
  if (note) { const s = document.createElement('small'); s.textContent = note; b.append(s); }
  b.addEventListener('click', onClick);
  return b;
}

function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function dayLabel(day) {
  const d = new Date(`${day}T00:00:00Z`);
  return new Intl.DateTimeFormat(locale(), { month: 'numeric', day: 'numeric', weekday: 'short', timeZone: 'UTC' }).format(d);
}

function showError(e) { $('bk-error').textContent = e ? (e.message || String(e)) : ''; }

function category() { return info.categories.find((c) => c.code === chosen.category); }

function renderCategories() {
  const box = $('bk-categories');
  box.replaceChildren(...info.categories.map((c) => button(c.name, () => {
    chosen = { category: c.code, day: chosen.day, time: null };
    renderCategories(); renderDays();
  }, { selected: c.code === chosen.category })));
}

function renderDays() {
  const c = category();
  if (!c) return;
  const days = [];
  for (let i = 0; i <= c.book_ahead_days; i++) days.push(addDays(info.today, i));
  if (!days.includes(chosen.day)) chosen.day = days[Math.min(1, days.length - 1)];
  $('bk-days').replaceChildren(...days.map((d) => button(dayLabel(d), () => {
    chosen.day = d; chosen.time = null; renderDays();
  }, { selected: d === chosen.day })));
  loadSlots();
}

async function loadSlots() {
  const c = category();
  $('bk-form').hidden = true;
  try {
    const found = await api('GET', `/api/v1/book/${enc(branch)}/slots?category=${enc(c.code)}&date=${chosen.day}`);
    showError(null);
    $('bk-no-slots').hidden = found.slots.length > 0;
    $('bk-slots').replaceChildren(...found.slots.map((s) => button(s.time, () => {
      chosen.time = s.time; loadSlots();
    }, {
      disabled: s.free === 0,
      selected: s.time === chosen.time,
      note: s.free === 0 ? t('book_full') : t('book_free', { n: s.free }),
    })));
    if (chosen.time && found.slots.some((s) => s.time === chosen.time && s.free > 0)) showForm(c);
  } catch (e) { showError(e); }
}

function showForm(c) {
  $('bk-form').hidden = false;
  $('bk-cash').hidden = !c.cash;
  if (c.cash) {
    const currencies = Object.keys(c.cash);
    if ($('bk-currency').options.length !== currencies.length) {
      $('bk-currency').replaceChildren(...currencies.map((cur) => new Option(cur, cur)));
    }
    const cur = $('bk-currency').value || currencies[0];
    $('bk-cash-note').textContent = t('book_cash_note', { amount: c.cash[cur], currency: cur });
  }
}

async function submit(ev) {
  ev.preventDefault();
  const c = category();
  const body = { category: c.code, date: chosen.day, time: chosen.time };
  if (c.cash) { body.amount = Number($('bk-amount').value); body.currency = $('bk-currency').value; }
  const phone = $('bk-phone').value.trim();
  if (phone) body.phone = phone;
  $('bk-submit').disabled = true;
  try {
    if (changing) {
      const { date, time, amount, currency } = body;
      const moved = await api('POST', `/api/v1/bookings/${enc(changing)}/change`, { body: { date, time, amount, currency } });
      const code = changing;
      changing = null;
      showBooking(code, moved);
      return;
    }
    const made = await api('POST', `/api/v1/book/${enc(branch)}`, { body });
    location.hash = made.code;
    showBooking(made.code, made);
  } catch (e) {
    showError(e.body?.code === 'slot_full' ? { message: t('book_slot_gone') } : e);
    if (e.body?.code === 'slot_full') { chosen.time = null; loadSlots(); }
  } finally {
    $('bk-submit').disabled = false;
  }
}

async function showBooking(code, known = null) {
  try {
    const bk = known || await api('GET', `/api/v1/bookings/${enc(code)}`);
    showError(null);
    $('bk-choose').hidden = true;
    $('bk-done').hidden = false;
    document.body.dataset.status = bk.status;
    $('bk-status').textContent = t('book_st_' + bk.status);
    $('bk-what').textContent = bk.category_name;
    $('bk-when').textContent = `${dayLabel(bk.date)} ${bk.time}`;
    $('bk-amount-shown').textContent = bk.amount ? `${bk.amount.toLocaleString(locale())} ${bk.currency}` : '';
    $('bk-code').textContent = code;
    $('bk-qr').src = `/qr.svg?data=${enc(code)}`;
    $('bk-cancel').hidden = bk.status !== 'booked';
    $('bk-change').hidden = bk.status !== 'booked' || !info.categories.some((c) => c.code === bk.category);
    $('bk-change').onclick = () => startChange(code, bk);
    $('bk-cancel').onclick = async () => {
      if (!confirm(t('book_cancel_confirm'))) return;
      try { showBooking(code, await api('POST', `/api/v1/bookings/${enc(code)}/cancel`)); } catch (e) { showError(e); }
    };
  } catch (e) { showError(e); }
}

// Another slot for the same booking: the chooser again, its category chosen, the amount kept.
function startChange(code, bk) {
  changing = code;
  chosen = { category: bk.category, day: bk.date, time: null };
  $('bk-done').hidden = true;
  $('bk-choose').hidden = false;
  if (bk.amount) $('bk-amount').value = bk.amount;
  $('bk-phone').closest('label').hidden = true; // a change keeps the booking's own number
  $('bk-submit').textContent = t('book_change_submit');
  renderCategories(); renderDays();
}

function again() {
  changing = null;
  $('bk-phone').closest('label').hidden = false;
  $('bk-submit').textContent = t('book_submit');
  history.replaceState(null, '', location.pathname);
  chosen = { category: null, day: null, time: null };
  $('bk-done').hidden = true;
  $('bk-choose').hidden = false;
  renderRemoteChoices();
  renderCategories();
  $('bk-days').replaceChildren(); $('bk-slots').replaceChildren(); $('bk-form').hidden = true;
}

// ---- A remote ticket (a place in today's queue, confirmed on arrival).
let remoteTimer = null;

function renderRemoteChoices() {
  $('rm-take').hidden = !(info.remote.length && info.open_now);
  $('rm-categories').replaceChildren(...info.remote.map((c) => button(c.name, () => takeRemote(c.code))));
}

async function takeRemote(category) {
  const body = { category };
  const phone = $('rm-phone').value.trim();
  if (phone) body.phone = phone;
  try {
    const taken = await api('POST', `/api/v1/book/${enc(branch)}/remote`, { body });
    location.hash = `remote=${taken.code}`;
    showRemote(taken.code, taken);
  } catch (e) { showError(e); }
}

async function showRemote(code, known = null) {
  clearTimeout(remoteTimer);
  try {
    const rm = known || await api('GET', `/api/v1/remote/${enc(code)}`);
    if (rm.status === 'confirmed' && rm.track_url) { location.href = rm.track_url; return; }
    showError(null);
    $('bk-choose').hidden = true; $('rm-take').hidden = true; $('rm-shown').hidden = false;
    document.body.dataset.status = rm.status;
    $('rm-status').textContent = t('remote_st_' + rm.status);
    $('rm-what').textContent = rm.category_name;
    $('rm-ahead').textContent = rm.ahead ?? '–';
    $('rm-confirm-by').textContent = t('remote_confirm_by', { at: rm.confirm_by.slice(11, 16) });
    $('rm-code').textContent = code;
    $('rm-qr').src = `/qr.svg?data=${enc(code)}`;
    if (rm.status === 'waiting') remoteTimer = setTimeout(() => showRemote(code), 5000);
  } catch (e) { showError(e); }
}

async function start() {
  try {
    info = await api('GET', `/api/v1/book/${enc(branch)}`);
  } catch (e) { showError(e); return; }
  setLocale(info.locale); translateStatic();
  document.title = `${t('book_title')} · ${info.name}`;
  $('bk-branch').textContent = info.name;
  $('bk-open').textContent = info.open_now ? t('book_open_now')
    : info.opens_at ? t('book_opens_at', { at: info.opens_at.slice(0, 16).replace('T', ' ') }) : '';
  $('bk-form').addEventListener('submit', submit);
  $('bk-currency').addEventListener('change', () => showForm(category()));
  $('bk-again').addEventListener('click', again);
  const code = location.hash.slice(1);
  if (code.startsWith('remote=')) { showRemote(code.slice(7)); return; }
  if (code) { showBooking(code); return; }
  $('bk-choose').hidden = !info.categories.length;
  renderRemoteChoices();
  renderCategories();
}

start();
