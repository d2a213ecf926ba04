// One live connection to a branch's event stream (docs/stream.md), shared by all pages.
//
// Guarantees the pages rely on:
//  - every event reaches onEvent once and in seq order: seqVerdict (the rule
//    of docs/state-fold.md) drops replayed events, and a gap makes us
//    reconnect with after=<last seq> instead of applying out of order;
//  - a `snapshot` replaces the page's state (onSnapshot): it comes first on a
//    fresh connection, or when our last seq is too old to replay from;
//  - the connection heals by itself: pings are answered, silence counts as a
//    dead line, and any close is retried with jittered backoff from the last seq.

import { seqVerdict } from './state.js';

const SILENCE_MS = 30000; // longer than the server's ping interval
const MAX_BACKOFF_MS = 15000;
const DENIED_RETRY_MS = 60000;
export const CLOSE_BAD_TOKEN = 4401;
export const CLOSE_OTHER_BRANCH = 4403;
export const CLOSE_TOO_SLOW = 4408;

export class BranchStream {
  // onSnapshot(state, seq), onEvent(event), onStatus(status, detail) where
  // status is 'connecting' | 'live' | 'offline' | 'denied'.
  constructor({ branch, token, onSnapshot, onEvent, onStatus = () => {}, base = location }) {
    Object.assign(this, { branch, token, onSnapshot, onEvent, onStatus });
    this.wsBase = (base.protocol === 'https:' ? 'wss://' : 'ws://') + base.host;
    this.lastSeq = null;
    this.attempt = 0;
    this.ws = null;
    this.stopped = true;
    this.silenceTimer = null;
    this.retryTimer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.drop();
  }

  // Forget our position: the next connection begins with a fresh snapshot.
  resync() {
    this.lastSeq = null;
    this.drop();
    this.scheduleReconnect(0);
  }

  // The token travels as a subprotocol, not in the URL, so no proxy logs it (docs/stream.md).
  url() {
    const q = new URLSearchParams();
    if (this.lastSeq !== null) q.set('after', String(this.lastSeq));
    const query = q.toString();
    return `${this.wsBase}/api/v1/branches/${encodeURIComponent(this.branch)}/stream${query ? `?${query}` : ''}`;
  }

  protocols() {
    return ['lobbyq.v1', `bearer.${this.token}`];
  }

  connect() {
    if (this.stopped) return;
    this.onStatus('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url(), this.protocols());
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.armSilence();
    ws.onmessage = (m) => this.receive(ws, m.data);
    ws.onclose = (e) => this.closed(ws, e.code, e.reason);
    ws.onerror = () => {}; // onclose follows and does the work
  }

  receive(ws, raw) {
    if (ws !== this.ws) return;
    this.armSilence();
    let msg;
    try { msg = JSON.parse(raw); } catch { return; }
    if (msg.type === 'ping') {
      this.send({ type: 'pong' });
      return;
    }
    if (this.attempt || !this.live) {
      this.attempt = 0;
      this.live = true;
      this.onStatus('live');
    }
    if (msg.type === 'snapshot') {
      this.lastSeq = msg.seq;
      this.onSnapshot(msg.state, msg.seq);
      return;
    }
    const verdict = seqVerdict(this.lastSeq, msg.seq);
    if (verdict === 'skip') return;
    if (verdict === 'gap') {
      // Never apply out of order: ask the server for what we missed.
      this.drop();
      this.scheduleReconnect(0);
      return;
    }
    this.lastSeq = msg.seq;
    this.onEvent(msg);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(obj));
  }

  armSilence() {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      // A half-open TCP connection may never fire onclose: drop it ourselves.
      this.drop();
      this.scheduleReconnect(0);
    }, SILENCE_MS);
  }

  // Detach and close the current socket without triggering its close handler.
  drop() {
    clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.ws = null;
    this.live = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch { /* already closed */ }
    }
  }

  closed(ws, code, reason) {
    if (ws !== this.ws) return;
    this.drop();
    if (code === CLOSE_BAD_TOKEN || code === CLOSE_OTHER_BRANCH) {
      this.onStatus('denied', { code, reason });
      this.scheduleReconnect(DENIED_RETRY_MS);
      return;
    }
    this.onStatus('offline', { code, reason });
    this.scheduleReconnect();
  }

  scheduleReconnect(delay) {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    if (delay === undefined) {
      // Jitter spreads a whole hall of screens reconnecting after a restart.
      const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt);
      delay = base * (0.5 + Math.random());
      this.attempt += 1;
    }
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
