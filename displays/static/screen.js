// What the device screens (hall, window) share: token, clock, status banner,
// and a stream that keeps `state` current and tells the page what happened.

import { BranchStream } from './stream.js';
import { fromSnapshot, applyEvent } from './state.js';
import { deviceToken } from './auth.js';
import { setLocale, t, translateStatic } from './i18n.js';

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
  if (!token) { showStatus('no_token'); return box; }
  box.stream = new BranchStream({
    branch, token,
    onStatus: showStatus,
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
