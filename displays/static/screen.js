// What the device screens (hall, window) share: token, clock, status banner,
// and a stream that keeps `state` current and tells the page what happened.

import { BranchStream, CLOSE_OTHER_BRANCH } from './stream.js';
import { fromSnapshot, applyEvent } from './state.js';
import { deviceToken } from './auth.js';
import { setLocale, t, tIn, translateStatic } from './i18n.js';

export function showStatus(status) {
  const el = document.getElementById('status-banner');
  if (!el) return;
  const text = { offline: t('offline'), connecting: null, live: null, denied: t('denied'),
    no_token: t('no_token') }[status];
  // 'connecting' keeps whatever was shown: a retry loop must not flicker.
  if (status === 'connecting') return;
  el.hidden = !text;
  el.textContent = text || '';
  document.body.dataset.stream = status;
}

export { translateStatic };

const escHtml = (s) => String(s ?? '').replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

// A display screen the server refuses covers itself with what a technician across
// the hall needs: what is wrong and what to do, in zh-CN and en at once (the
// branch's language is not known without a snapshot), and the screen's address
// without its token. `why`: 'bad' (wrong, expired or revoked token: close 4401 or
// HTTP 401), 'other' (another branch's token: 4403 or 403), 'none' (no token), or
// null to take it away (the stream is live again).
export function showDenied(why, code = null) {
  let el = document.getElementById('denied-screen');
  if (!why) {
    if (el) el.hidden = true;
    delete document.body.dataset.denied;
    return;
  }
  if (!el) {
    el = document.createElement('div');
    el.id = 'denied-screen';
    el.setAttribute('role', 'alert');
    document.body.appendChild(el);
  }
  const key = `denied_${why}`;
  const line = (loc) => `${tIn(loc, key)} — ${tIn(loc, 'denied_action')}`;
  const address = location.origin + location.pathname; // deviceToken took the token off
  el.innerHTML = `
    <p class="denied-title" lang="zh-CN">${escHtml(line('zh-CN'))}</p>
    <p class="denied-title en" lang="en">${escHtml(line('en'))}</p>
    <p class="denied-label">${escHtml(tIn('zh-CN', 'denied_address'))} / ${escHtml(tIn('en', 'denied_address'))}</p>
    <p class="denied-url">${escHtml(address)}</p>
    <p class="denied-fix" lang="zh-CN">${escHtml(tIn('zh-CN', 'denied_fix'))}</p>
    <p class="denied-fix" lang="en">${escHtml(tIn('en', 'denied_fix'))}</p>
    ${code ? `<p class="denied-code">${escHtml(code)}</p>` : ''}`;
  el.hidden = false;
  document.body.dataset.denied = why;
}

let clockTick = null;

// The branch's timezone as the server wrote it into the page (displays/pages.py): known
// before sign-in or a stream, so a clock never tells the browser's own time instead.
const pageTimezone = () => document.querySelector('meta[name="lobbyq-timezone"]')?.content || null;

// getTimezone() is the live one (the stream's state, which follows a layout change).
export function startClock(getTimezone, locale) {
  const el = document.getElementById('clock');
  const tick = clockTick = () => {
    const opts = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    const day = { month: 'long', day: 'numeric', weekday: 'short' };
    const tz = getTimezone() || pageTimezone();
    try {
      if (tz) { opts.timeZone = tz; day.timeZone = tz; }
      const now = new Date();
      el.textContent = `${now.toLocaleDateString(locale(), day)}  ${now.toLocaleTimeString(locale(), opts)}`;
    } catch { el.textContent = new Date().toLocaleTimeString(); }
  };
  tick();
  setInterval(tick, 1000);
}

export function refreshClock() {
  if (clockTick) clockTick();
}

// Follows the branch: calls page.snapshot(state, previous) and page.event(ev, state).
export function followBranch(kind, branch, page) {
  const token = deviceToken(kind, branch);
  const box = { state: null };
  const screen = kind === 'display'; // hall and window screens: refusals go full-screen
  if (!token) {
    showStatus('no_token');
    if (screen) showDenied('none');
    return box;
  }
  // A stream that never opened may be refused before the websocket is up (a proxy):
  // the snapshot over HTTP says whether the token is the reason.
  let probed = 0;
  const probe = () => {
    if (Date.now() - probed < 10000) return;
    probed = Date.now();
    fetch(`/api/v1/branches/${encodeURIComponent(branch)}/state`, { headers: { Authorization: `Bearer ${token}` } })
      .then(r => {
        if (r.status === 401) showDenied('bad', 401);
        else if (r.status === 403) showDenied('other', 403);
      })
      .catch(() => {});
  };
  box.stream = new BranchStream({
    branch, token,
    onStatus: (status, detail) => {
      showStatus(status);
      if (!screen) return;
      if (status === 'denied') showDenied(detail?.code === CLOSE_OTHER_BRANCH ? 'other' : 'bad', detail?.code);
      else if (status === 'live') showDenied(null);
      else if (status === 'offline' && !box.state) probe();
    },
    onSnapshot: (s) => {
      const previous = box.state;
      box.state = fromSnapshot(s);
      setLocale(box.state.locale);
      translateStatic();
      page.snapshot(box.state, previous);
      refreshClock(); // the branch's timezone is known now
      document.body.dataset.seq = box.state.seq;
    },
    onEvent: (ev) => {
      box.state = applyEvent(box.state, ev);
      if (ev.type === 'branch.updated') { setLocale(box.state.locale); translateStatic(); }
      page.event(ev, box.state);
      document.body.dataset.seq = ev.seq;
      // A new layout can add or drop counters: take a fresh snapshot to be exact.
      if (ev.type === 'branch.updated') box.stream.resync();
    },
  }).start();
  return box;
}

// Restart a CSS animation on an element (new call → blink).
export function blink(el) {
  if (!el) return;
  el.classList.remove('blink');
  void el.offsetWidth;
  el.classList.add('blink');
}
