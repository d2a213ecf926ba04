// Customer page /t/{track_token}: their own ticket, live, on a phone.
// Polls the public tracking API (no token needed, no personal data).

import { api } from './api.js';
import { pathParts } from './auth.js';
import { t, setLocale, translateStatic, counterLabel } from './i18n.js';

const [, trackToken] = pathParts(); // /t/{token}
const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
const path = `/api/v1/track/${encodeURIComponent(trackToken)}`;
let alerted = { almost: false, called: null };
let last = null;
let timer = null;

// Phones allow sound and vibration only after a tap on the page: one tap on
// "turn on alerts" (or any button) unlocks both for later nudges.
let audioCtx = null;
$('tr-notify').addEventListener('click', () => {
  try { audioCtx ||= new AudioContext(); audioCtx.resume?.(); } catch { /* no audio */ }
  try { navigator.vibrate?.(50); } catch { /* not a phone */ }
  $('tr-notify').hidden = true;
});

// Vibrate and beep once when it matters: 3 or fewer ahead, and when called.
function nudge() {
  try { navigator.vibrate?.([300, 150, 300]); } catch { /* not a phone */ }
  try {
    const ctx = audioCtx ||= new AudioContext();
    const o = ctx.createOscillator(); const g = ctx.createGain();
    o.frequency.value = 880; o.connect(g); g.connect(ctx.destination);
    g.gain.setValueAtTime(0.3, ctx.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.6);
    o.start(); o.stop(ctx.currentTime + 0.6);
  } catch { /* no audio */ }
}

// A counter's name from the layout, unless it is only its number ("5" reads as "5号窗口").
function windowName(name, number) {
  return name && !/^\d+$/.test(name) ? name : counterLabel(number);
}

function render(tk) {
  setLocale(tk.locale); translateStatic();
  document.title = `${tk.number} · ${tk.branch_name || 'lobbyq'}`;
  $('tr-branch').textContent = tk.branch_name || '';
  $('tr-number').textContent = tk.number;
  $('tr-category').textContent = tk.category_name || tk.category || '';
  $('tr-status').textContent = t('st_' + tk.status);
  document.body.dataset.status = tk.status;
  const waiting = tk.status === 'waiting';
  // Transferred to a window (转柜): called there first, so the customer is told the
  // window to wait for, not a count of the category's queue.
  const pinned = waiting && tk.pinned_counter != null;
  $('tr-pinned').hidden = !pinned;
  $('tr-pinned-window').textContent = pinned
    ? t('wait_at_counter', { name: windowName(tk.pinned_counter_name, tk.pinned_counter) }) : '';
  $('tr-figures').hidden = !waiting || pinned;
  $('tr-ahead').textContent = tk.ahead ?? '–';
  $('tr-wait').textContent = tk.wait_minutes == null ? '–' : `${tk.wait_minutes} ${t('minutes')}`;
  $('tr-leave').hidden = !waiting;
  if (!waiting && tk.status !== 'called') $('tr-notify').hidden = true;
  const called = tk.status === 'called' || tk.status === 'serving';
  $('tr-call').hidden = !called;
  $('tr-call').textContent = called
    ? t('go_to_counter', { name: windowName(tk.counter_name, tk.counter) }) : '';
  const almost = waiting && !pinned && tk.ahead != null && tk.ahead <= 3;
  $('tr-almost').hidden = !almost;
  $('tr-almost').textContent = t('almost');
  if (almost && !alerted.almost) { alerted.almost = true; nudge(); }
  if (tk.status === 'called' && alerted.called !== tk.called_at) { alerted.called = tk.called_at; nudge(); }
}

async function poll() {
  clearTimeout(timer); // one polling loop, whatever woke us
  try {
    last = await api('GET', path);
    $('tr-error').textContent = '';
    render(last);
  } catch (e) {
    // 404: the code is wrong or the ticket is gone; network errors just retry.
    if (e.status === 404) $('tr-error').textContent = t('not_found');
  } finally {
    const done = last && ['done', 'cancelled', 'expired'].includes(last.status);
    if (!done) timer = setTimeout(poll, document.hidden ? POLL_MS * 3 : POLL_MS);
  }
}

$('tr-leave').addEventListener('click', async () => {
  if (!confirm(t('leaving_confirm'))) return;
  try {
    last = await api('POST', `${path}/cancel`);
    render(last);
  } catch (e) {
    $('tr-error').textContent = e.message;
  }
});
document.addEventListener('visibilitychange', () => { if (!document.hidden) poll(); });

translateStatic();
poll();
