// Hall screen: latest calls, every counter, waiting per category, voice.

import { followBranch, startClock, blink, translateStatic } from './screen.js';
import { callsSince, liveCall, pruneCalls } from './state.js';
import { Announcer } from './announcer.js';
import { t, counterLabel, locale } from './i18n.js';
import { deviceToken, pathParts } from './auth.js';
import { branchPath } from './api.js';

const [, branch] = pathParts(); // /screens/{b}/hall
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

const soundButton = $('enable-sound');
const announcer = new Announcer({ onBlocked: () => { soundButton.hidden = false; } });
soundButton.addEventListener('click', () => {
  // A user gesture unlocks audio for the rest of the session.
  new Audio('/voice/chime.wav').play().catch(() => {});
  soundButton.hidden = true;
});

let box;
const announce = (call) => {
  announcer.locale = locale();
  announcer.enqueue(call.number, call.counter);
};

// Shrink a one-line element's font until it fits its box ("VIP0007 → Counter 12").
function fitWidth(el) {
  el.style.fontSize = '';
  let size = parseFloat(getComputedStyle(el).fontSize);
  while (el.scrollWidth > el.clientWidth && size > 12) {
    size *= 0.92;
    el.style.fontSize = `${size}px`;
  }
}

// The big line is the latest live call (docs/state-fold.md): a no-show, a
// finished ticket or a paused window ends it, and the previous live call (or
// nothing) shows. The list below holds the other recent calls, one line a ticket.
function renderCalls(state, fresh) {
  const latest = liveCall(state);
  const rest = state.recent_calls.filter(c => c !== latest);
  const el = $('latest');
  el.dataset.number = latest ? latest.number : '';
  if (!latest) {
    el.className = 'num empty';
    el.style.fontSize = '';
    el.textContent = t('no_calls');
  } else {
    el.className = 'num';
    el.innerHTML = `${esc(latest.number)}<span class="arrow">→</span>${esc(counterLabel(latest.counter))}`;
    fitWidth(el);
    if (fresh && fresh.number === latest.number) blink(el);
  }
  $('recent').innerHTML = rest.slice(0, 6).map(c =>
    `<li class="num ${esc(c.status || 'called')}" data-number="${esc(c.number)}"><span>${esc(c.number)}</span>`
    + `<span>${esc(counterLabel(c.counter))}</span></li>`).join('');
}

function renderCounters(state, freshCounter) {
  $('counter-grid').innerHTML = state.counters.map(c => {
    const cls = c.state === 'paused' ? 'paused' : c.state === 'closed' ? 'closed' : 'open';
    const value = c.state === 'paused' ? t('paused')
      : c.state === 'closed' ? t('closed')
        : c.current ? esc(c.current.number) : '—';
    return `<div class="tile ${cls}" data-counter="${c.number}">
      <div class="label">${esc(c.name || counterLabel(c.number))}</div>
      <div class="value num">${value}</div></div>`;
  }).join('');
  if (freshCounter != null) blink(document.querySelector(`.tile[data-counter="${freshCounter}"]`));
}

// A new ticket's estimated wait per category, from the latest snapshot: the server plays
// the lobby forward (docs/domain.md), so the page asks again rather than guess.
let estimates = {};
const keepEstimates = (state) => {
  estimates = Object.fromEntries(state.categories.map(c => [c.code, c.wait_minutes]));
};

function renderWaiting(state) {
  // "个人业务 等候 3 人 · 预计等候 14 分钟" / "Personal 3 waiting · Estimated wait 14 min"
  const count = (n) => `<b class="num">${n}</b>`;
  const estimate = (c) => (c.waiting && estimates[c.code] != null
    ? ` <small class="estimate">· ${esc(t('est_wait'))} ${count(estimates[c.code])} ${esc(t('minutes'))}</small>` : '');
  $('waiting-strip').innerHTML = state.categories.map(c => `<span data-category="${esc(c.code)}">${esc(c.name)} ${
    locale() === 'en' ? `${count(c.waiting)} waiting` : `${esc(t('waiting'))} ${count(c.waiting)} ${esc(t('people'))}`
  }${estimate(c)}</span>`).join('');
  $('notice').textContent = state.notice || t('notice');
}

function render(state, freshCall) {
  $('branch-name').textContent = state.name || branch;
  renderCalls(state, freshCall);
  renderCounters(state, freshCall ? freshCall.counter : null);
  renderWaiting(state);
}

// The time of the latest call this screen has heard (a line that left the list
// since was heard all the same).
let heardAt = null;
const later = (a, b) => (!a || (b && Date.parse(b) > Date.parse(a)) ? b : a);

box = followBranch('display', branch, {
  snapshot(state, previous) {
    // A snapshot after a long absence: announce the calls made meanwhile.
    // (At most the last five: a screen back after an hour must not read a backlog.)
    if (previous) {
      callsSince(state, heardAt || '1970-01-01T00:00:00Z').slice(-5).forEach(announce);
    }
    for (const c of state.recent_calls) heardAt = later(heardAt, c.at);
    keepEstimates(state);
    render(state, null);
  },
  event(ev, state) {
    const isCall = ev.type === 'ticket.called' || ev.type === 'ticket.recalled';
    if (isCall) {
      announce({ number: ev.data.number, counter: ev.data.counter });
      heardAt = later(heardAt, ev.at);
    }
    render(state, isCall ? state.recent_calls[0] : null);
  },
});

// A quiet hall still drops a finished ticket's line when its ten minutes are up.
setInterval(() => {
  if (!box.state) return;
  const pruned = pruneCalls(box.state, Date.now());
  if (pruned !== box.state) {
    box.state = pruned;
    render(pruned, null);
  }
}, 30000);

// The estimates move with the queue and the counters: fresh ones every ESTIMATE_EVERY_MS.
const ESTIMATE_EVERY_MS = Number(new URLSearchParams(location.search).get('estimate_every_ms')) || 30000;
setInterval(async () => {
  const token = deviceToken('display', branch);
  if (!box.state || !token) return;
  try {
    const r = await fetch(branchPath(branch, '/state'), { headers: { Authorization: `Bearer ${token}` } });
    if (!r.ok) return;
    keepEstimates(await r.json());
    renderWaiting(box.state);
  } catch { /* offline: the stream's status shows it; keep the last estimates */ }
}, ESTIMATE_EVERY_MS);

window.addEventListener('resize', () => fitWidth($('latest')));
translateStatic();
startClock(() => box.state?.timezone, locale);
