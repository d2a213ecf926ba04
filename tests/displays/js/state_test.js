// What state.js does besides the fold of tests/data/event_folds.json: purity,
// HTTP-seeded side lists, the manager's alert and device maps, missed calls.
// Run in Chromium by tests/displays/test_state_fold.py; results in window.__results.

import { fromSnapshot, applyEvent, applyAlert, applyDevice, seedTickets, callsSince, seqVerdict, pruneCalls } from './state.js';

const results = [];
function test(name, fn) {
  try { fn(); results.push({ name, ok: true }); } catch (e) { results.push({ name, ok: false, error: String(e.stack || e) }); }
}
function eq(a, b, msg = '') {
  const ja = JSON.stringify(a), jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`${msg} expected ${jb} got ${ja}`);
}
function deepFreeze(o) {
  if (o && typeof o === 'object') { Object.freeze(o); Object.values(o).forEach(deepFreeze); }
  return o;
}

let n = 0;
function ticket(number, category, extra = {}) {
  n += 1;
  return { id: `t${number}`, number, category, priority: 'normal', status: 'waiting',
    issued_at: `2026-11-22T09:00:${String(n).padStart(2, '0')}+08:00`, queued_at: null,
    called_at: null, started_at: null, finished_at: null, counter: null, pinned_counter: null,
    recall_count: 0, score: null, kiosk: null, print_failed: false, ...extra };
}
const at = '2026-11-22T09:10:00+08:00';
let seq = 10;
const ev = (type, data) => ({ seq: ++seq, type, at, branch: 'b1', data });

function base() {
  return deepFreeze(fromSnapshot({
    seq: 10, branch: 'b1', name: 'B1', locale: 'zh-CN', timezone: 'Asia/Shanghai', date: '2026-11-22',
    categories: [{ code: 'P', name: '个人', prefix: 'A', waiting: 0 }, { code: 'C', name: '对公', prefix: 'B', waiting: 0 }],
    counters: [
      { number: 1, name: '1号窗口', serves: ['P'], state: 'open', pause_reason: null, teller: 'li', waiting: 0, current: null },
      { number: 2, name: '2号窗口', serves: ['C', 'P'], state: 'open', pause_reason: null, teller: 'wang', waiting: 0, current: null },
    ],
    waiting: [], recent_calls: [],
  }));
}

test('the fold never mutates its input', () => {
  const s = base(); // deep-frozen: a mutation would throw in strict mode
  applyEvent(s, ev('ticket.issued', ticket('A012', 'P')));
  applyEvent(s, ev('counter.paused', { number: 1, state: 'paused', pause_reason: '午餐' }));
  applyEvent(s, ev('alert.raised', { id: 'f', type: 'device.fault', status: 'open', data: {} }));
  eq(s.waiting.length, 0);
  eq(s.counters[0].state, 'open');
  eq(s.device_faults.length, 0);
});

test('a counter event without a current ticket keeps the one the counter has', () => {
  let s = base();
  const a = ticket('A009', 'P');
  s = applyEvent(s, ev('ticket.called', { ...a, status: 'called', counter: 1 }));
  s = applyEvent(s, ev('counter.paused', { number: 1, state: 'paused', pause_reason: '午餐' }));
  eq(s.counters[0].current.number, 'A009');
});

test('seeded side lists merge without duplicates', () => {
  let s = base();
  const p = ticket('A013', 'P', { status: 'postponed', counter: 1 });
  s = seedTickets(s, [p, p]);
  eq(s.postponed.length, 1);
});

test('seq verdicts', () => {
  eq([seqVerdict(null, 5), seqVerdict(4, 5), seqVerdict(5, 5), seqVerdict(6, 5), seqVerdict(3, 5), seqVerdict(3, undefined)],
    ['apply', 'apply', 'skip', 'skip', 'gap', 'skip']);
});

test('alerts: raised is open, acked is gone, cleared is gone', () => {
  let m = new Map();
  const a = { id: 'x', type: 'evaluation.unsatisfied', status: 'open', data: {} };
  const b = { id: 'y', type: 'queue.too_long', status: 'open', data: {} };
  m = applyAlert(m, { type: 'alert.raised', data: a });
  m = applyAlert(m, { type: 'alert.raised', data: b });
  eq(m.size, 2);
  m = applyAlert(m, { type: 'alert.acked', data: { ...a, status: 'acked' } });
  eq([...m.keys()], ['y']);
  m = applyAlert(m, { type: 'alert.cleared', data: { ...b, status: 'cleared' } });
  eq(m.size, 0);
  m = applyAlert(m, { type: 'alert.raised', data: { ...b, status: 'cleared' } }); // only open ones are kept
  eq(m.size, 0);
});

test('devices: the latest health of each', () => {
  let m = new Map();
  m = applyDevice(m, { type: 'device.health', data: { id: 'p1', kind: 'printer', status: 'fault' } });
  m = applyDevice(m, { type: 'device.health', data: { id: 'p1', kind: 'printer', status: 'ok' } });
  eq([...m.values()].map(d => d.status), ['ok']);
});

test('calls newer than a time, oldest first', () => {
  const s = { recent_calls: [
    { number: 'A3', at: '2026-11-22T09:03:00+08:00' },
    { number: 'A2', at: '2026-11-22T09:02:00+08:00' },
    { number: 'A1', at: '2026-11-22T09:01:00+08:00' }] };
  eq(callsSince(s, '2026-11-22T09:01:00+08:00').map(c => c.number), ['A2', 'A3']);
  eq(callsSince(s, null), []);
});

test("a quiet hall drops a finished ticket's line on the screen's clock after ten minutes", () => {
  const done = { number: 'A7', counter: 1, status: 'done', finished_at: '2026-11-22T09:00:00+08:00' };
  const live = { number: 'A8', counter: 2, status: 'called', finished_at: null };
  const s = { recent_calls: [live, done] };
  eq(pruneCalls(s, Date.parse('2026-11-22T09:09:59+08:00')), s, 'kept before ten minutes:');
  eq(pruneCalls(s, Date.parse('2026-11-22T09:10:00+08:00')).recent_calls.map(c => c.number), ['A8']);
});

window.__results = results;
