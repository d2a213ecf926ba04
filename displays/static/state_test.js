// Unit tests of the pure state reducer, run in the browser by
// tests/displays/test_reducer.py (results in window.__results).

import { fromSnapshot, applyEvent, applyAlert, seedTickets, callsSince, candidatesFor } from './state.js';

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

test('issued tickets join the waiting list and counts', () => {
  let s = base();
  s = applyEvent(s, ev('ticket.issued', ticket('A001', 'P')));
  s = applyEvent(s, ev('ticket.issued', ticket('B001', 'C')));
  eq(s.waiting.map(t => t.number), ['A001', 'B001']);
  eq(s.categories.map(c => c.waiting), [1, 1]);
  eq(s.counters.map(c => c.waiting), [1, 2]);
  eq(s.seq, seq);
});

test('a call moves the ticket to its counter and to the front of recent calls', () => {
  let s = base();
  const a = ticket('A002', 'P');
  s = applyEvent(s, ev('ticket.issued', a));
  s = applyEvent(s, ev('ticket.called', { ...a, status: 'called', counter: 1 }));
  eq(s.waiting.length, 0);
  eq(s.counters[0].current.number, 'A002');
  eq(s.recent_calls[0].number, 'A002');
  eq(s.recent_calls[0].counter, 1);
  eq(s.recent_calls[0].type, 'ticket.called');
  s = applyEvent(s, ev('ticket.recalled', { ...a, status: 'called', counter: 1, recall_count: 1 }));
  eq(s.recent_calls.map(c => c.type), ['ticket.recalled', 'ticket.called']);
  s = applyEvent(s, ev('ticket.done', { ...a, status: 'done', counter: 1 }));
  eq(s.counters[0].current, null);
});

test('transfer to a counter pins the ticket there', () => {
  let s = base();
  const a = ticket('A003', 'P');
  s = applyEvent(s, ev('ticket.called', { ...a, status: 'called', counter: 1 }));
  s = applyEvent(s, ev('ticket.transferred', { ...a, status: 'waiting', counter: 1, pinned_counter: 2, from_counter: 1 }));
  eq(s.counters[0].current, null);
  eq(s.counters.map(c => c.waiting), [0, 1]);
  eq(candidatesFor(s.waiting, s.counters[1]).map(t => t.number), ['A003']);
});

test('postponed and no-show tickets go to their side lists', () => {
  let s = base();
  const a = ticket('A004', 'P'), b = ticket('A005', 'P');
  s = applyEvent(s, ev('ticket.called', { ...a, status: 'called', counter: 1 }));
  s = applyEvent(s, ev('ticket.postponed', { ...a, status: 'postponed', counter: 1 }));
  eq(s.postponed.map(t => t.number), ['A004']);
  eq(s.counters[0].current, null);
  s = applyEvent(s, ev('ticket.called', { ...b, status: 'called', counter: 2 }));
  s = applyEvent(s, ev('ticket.no_show', { ...b, status: 'no_show', counter: 2 }));
  eq(s.no_show.map(t => t.number), ['A005']);
  s = applyEvent(s, ev('ticket.requeued', { ...b, status: 'waiting', counter: null }));
  eq(s.no_show.length, 0);
  eq(s.waiting.map(t => t.number), ['A005']);
});

test('a requeued older ticket is put back in issue order', () => {
  let s = base();
  const a = ticket('A006', 'P'), b = ticket('A007', 'P'), c = ticket('A008', 'P');
  s = applyEvent(s, ev('ticket.issued', b));
  s = applyEvent(s, ev('ticket.issued', c));
  s = applyEvent(s, ev('ticket.requeued', a));
  eq(s.waiting.map(t => t.number), ['A006', 'A007', 'A008']);
});

test('counter events replace the counter but keep its current ticket', () => {
  let s = base();
  const a = ticket('A009', 'P');
  s = applyEvent(s, ev('ticket.called', { ...a, status: 'called', counter: 1 }));
  s = applyEvent(s, ev('counter.paused', { number: 1, name: '1号窗口', serves: ['P'], state: 'paused', pause_reason: '午餐', teller: 'li' }));
  eq(s.counters[0].state, 'paused');
  eq(s.counters[0].pause_reason, '午餐');
  eq(s.counters[0].current.number, 'A009');
});

test('reassign and priority change keep the place in issue order', () => {
  let s = base();
  const a = ticket('A010', 'P'), b = ticket('A011', 'P');
  s = applyEvent(s, ev('ticket.issued', a));
  s = applyEvent(s, ev('ticket.issued', b));
  s = applyEvent(s, ev('ticket.reassigned', { ...a, category: 'C' }));
  s = applyEvent(s, ev('ticket.priority_changed', { ...b, priority: 'vip' }));
  eq(s.waiting.map(t => [t.number, t.category, t.priority]), [['A010', 'C', 'normal'], ['A011', 'P', 'vip']]);
  eq(s.categories.map(c => c.waiting), [1, 1]);
});

test('the reducer never mutates its input', () => {
  const s = base(); // deep-frozen: a mutation would throw in strict mode
  applyEvent(s, ev('ticket.issued', ticket('A012', 'P')));
  eq(s.waiting.length, 0);
});

test('seeded side lists merge without duplicates', () => {
  let s = base();
  const p = ticket('A013', 'P', { status: 'postponed', counter: 1 });
  s = seedTickets(s, [p, p]);
  eq(s.postponed.length, 1);
});

test('alerts: raised is open, acked is gone', () => {
  let m = new Map();
  const a = { id: 'x', type: 'evaluation.unsatisfied', status: 'open', data: {} };
  m = applyAlert(m, { type: 'alert.raised', data: a });
  eq(m.size, 1);
  m = applyAlert(m, { type: 'alert.acked', data: { ...a, status: 'acked' } });
  eq(m.size, 0);
});

test('calls newer than a time, oldest first', () => {
  const s = { recent_calls: [
    { number: 'A3', at: '2026-11-22T09:03:00+08:00' },
    { number: 'A2', at: '2026-11-22T09:02:00+08:00' },
    { number: 'A1', at: '2026-11-22T09:01:00+08:00' }] };
  eq(callsSince(s, '2026-11-22T09:01:00+08:00').map(c => c.number), ['A2', 'A3']);
  eq(callsSince(s, null), []);
});

window.__results = results;
document.getElementById('out').textContent = results.map(r => `${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.error ? '\n' + r.error : ''}`).join('\n');
