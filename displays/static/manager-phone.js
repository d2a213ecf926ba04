// The lobby manager's phone: the open alerts, newest first, live from the stream and
// with a sound for each new one, each acknowledged on the spot with a note on what was
// done. Signs in with the manager's token, as the dashboard does.

import { BranchStream } from './stream.js';
import { applyAlert } from './state.js';
import { api, branchPath } from './api.js';
import { staffSession, pathParts } from './auth.js';
import { showStatus, translateStatic, startClock, refreshClock } from './screen.js';
import { t, setLocale, locale, sinceLabel } from './i18n.js';
import { alarm, alertTitle, managerSignIn, unlockSound, soundOn, URGENT } from './alarm.js';

const [, branch] = pathParts(); // /manager/{b}/phone
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

let session = staffSession.load('manager', branch); // {token}
let alerts = new Map();
let timezone = null;
let stream = null;

const req = (method, rest, body) => api(method, branchPath(branch, rest), { token: session.token, body });

function render() {
  // Keep what the manager is typing: an event may re-render the list at any moment.
  const notes = {};
  for (const el of document.querySelectorAll('[data-alert]')) notes[el.dataset.alert] = el.querySelector('.note').value;
  const focused = document.activeElement?.closest?.('[data-alert]')?.dataset.alert;
  const open = [...alerts.values()].sort((a, b) => Date.parse(b.raised_at) - Date.parse(a.raised_at));
  $('alert-count').innerHTML = open.length ? `<span class="badge paused">${open.length}</span>` : '';
  document.title = `${open.length ? `(${open.length}) ` : ''}lobbyq · ${t('phone_title')}`;
  $('alerts').innerHTML = open.map(a => `
    <form class="alert phone-alert ${esc(a.type.replace('.', '-'))}${URGENT.has(a.type) ? ' urgent' : ''}" data-alert="${esc(a.id)}">
      <div class="title">${esc(alertTitle(a))}
        <span class="muted num since" data-since="${esc(a.raised_at)}">${esc(sinceLabel(a.raised_at))}</span></div>
      <div class="text">${esc(a.text || a.data?.message || '')}</div>
      <textarea class="note" rows="2" maxlength="2000" placeholder="${esc(t('ack_note_placeholder'))}"></textarea>
      <button class="btn" type="submit">${esc(t('ack'))}</button>
    </form>`).join('') || `<div class="muted phone-none">${esc(t('no_alerts'))}</div>`;
  for (const el of document.querySelectorAll('[data-alert]')) {
    const input = el.querySelector('.note');
    input.value = notes[el.dataset.alert] || '';
    if (el.dataset.alert === focused) input.focus();
  }
  $('sound-on').hidden = soundOn();
}

async function loadOpen() {
  try {
    const open = await req('GET', '/alerts?status=open');
    alerts = new Map(open.alerts.map(a => [a.id, a]));
    render();
  } catch (e) {
    if (e.status === 401 || e.status === 403) signOut();
  }
}

function onEvent(ev) {
  if (ev.type.startsWith('alert.')) {
    alerts = applyAlert(alerts, ev);
    if (ev.type === 'alert.raised' && ev.data.status === 'open') alarm(ev.data);
    render();
  }
  if (ev.type === 'branch.updated' && ev.data.locale) { setLocale(ev.data.locale); translateStatic(); render(); }
  document.body.dataset.seq = ev.seq;
}

function startStream() {
  stream?.stop();
  stream = new BranchStream({
    branch, token: session.token,
    onStatus: (s) => { showStatus(s); if (s === 'denied') signOut(); },
    onSnapshot: (s) => {
      timezone = s.timezone;
      setLocale(s.locale); translateStatic(); refreshClock();
      loadOpen(); // the snapshot has no alerts but device faults: read them all again
      document.body.dataset.seq = s.seq;
    },
    onEvent,
  }).start();
}

function show() {
  $('signin').hidden = true;
  $('phone-alerts').hidden = false;
  $('sign-out').hidden = false;
  $('dashboard-link').href = `/manager/${encodeURIComponent(branch)}`;
  startStream();
}

function signOut() {
  stream?.stop();
  staffSession.clear('manager', branch);
  session = null;
  alerts = new Map();
  $('phone-alerts').hidden = true;
  $('sign-out').hidden = true;
  $('sound-on').hidden = true;
  $('signin').hidden = false;
}

managerSignIn(branch, (signedIn) => { session = signedIn; show(); });
$('sign-out').addEventListener('click', signOut);
$('sound-on').addEventListener('click', () => { unlockSound(); render(); });

$('alerts').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target.closest('[data-alert]');
  const note = form.querySelector('.note').value.trim();
  $('phone-error').textContent = '';
  if (!note) { $('phone-error').textContent = t('note_first'); form.querySelector('.note').focus(); return; }
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const acked = await req('POST', `/alerts/${encodeURIComponent(form.dataset.alert)}/ack`, { note });
    alerts = applyAlert(alerts, { type: 'alert.acked', data: acked }); // the event follows; no need to wait
    render();
  } catch (err) {
    $('phone-error').textContent = err.message;
    if (err.status === 401) signOut();
    if (err.status === 409) loadOpen(); // cleared or acked elsewhere meanwhile
    button.disabled = false;
  }
});

// The age of each alert ticks every second without re-rendering the notes.
setInterval(() => {
  for (const el of document.querySelectorAll('.since[data-since]')) el.textContent = sinceLabel(el.dataset.since);
}, 1000);

translateStatic();
startClock(() => timezone, locale);
if (session) show();
