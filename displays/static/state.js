// The pages' fold of stream events into the branch state, by the rules of
// docs/state-fold.md (the device agent's drivers/hall_state.py follows the
// same rules; both are checked against tests/data/event_folds.json).
//
// Pure functions: no DOM, no network, inputs never mutated, so a page that
// reconnects and replays the events it missed ends in the state of one that
// never left.

export const ACTIVE = new Set(['called', 'serving']);
export const RECENT_MAX = 10; // as many as a snapshot carries
// A finished ticket's call stays in the recent calls this long after its finish
// (app/rules/hall.py RECENT_DONE_KEEP_S); no-shows, cancelled, postponed and
// requeued tickets leave at once. The rule is in docs/state-fold.md.
export const RECENT_DONE_KEEP_MS = 10 * 60 * 1000;
// The statuses a ticket keeps its line in the recent calls with.
const KEPT = new Set(['called', 'serving', 'done']);

// What to do with an event whose seq is `seq` when the state is at `lastSeq`.
export function seqVerdict(lastSeq, seq) {
  if (typeof seq !== 'number') return 'skip';
  if (lastSeq === null || lastSeq === undefined || seq === lastSeq + 1) return 'apply';
  return seq <= lastSeq ? 'skip' : 'gap';
}

// A snapshot's state, with the side lists it does not carry (postponed,
// no_show): pages that show them seed them over HTTP (seedTickets).
export function fromSnapshot(state) {
  return recount({
    ...state,
    categories: (state.categories || []).map(c => ({ ...c })),
    counters: (state.counters || []).map(c => ({ ...c })),
    waiting: [...(state.waiting || [])],
    recent_calls: tidyCalls(state.recent_calls || [], NaN),
    postponed: [...(state.postponed || [])],
    no_show: [...(state.no_show || [])],
    device_faults: [...(state.device_faults || [])],
  });
}

// Merge tickets fetched over HTTP (e.g. ?status=postponed) into the side lists.
export function seedTickets(state, tickets) {
  let s = { ...state };
  for (const t of tickets) s = placeTicket(s, t);
  return recount(s);
}

// Fold one event whose seqVerdict is 'apply'.
export function applyEvent(state, ev) {
  let s = { ...state, seq: ev.seq };
  const kind = ev.type.split('.')[0];
  if (kind === 'ticket') s = applyTicket(s, ev);
  else if (kind === 'counter') s = applyCounter(s, ev.data);
  else if (kind === 'alert') s = applyFault(s, ev);
  else if (ev.type === 'branch.updated') s = applyLayout(s, ev.data);
  s.recent_calls = tidyCalls(s.recent_calls, Date.parse(ev.at));
  return recount(s);
}

// A recent call's status is its ticket's now (an entry without one, from an
// older server, counts as called).
const callStatus = (c) => c.status || 'called';

// Each ticket once (its latest call: the list is newest first), only while it
// has not left, at most RECENT_MAX. `atMs` is the time of the event folded in
// (NaN: none), against which a finished ticket's ten minutes are measured.
function tidyCalls(calls, atMs) {
  const seen = new Set();
  return calls.filter(c => {
    if (seen.has(c.number)) return false;
    seen.add(c.number);
    return stays(c, atMs);
  }).slice(0, RECENT_MAX);
}

function stays(c, atMs) {
  const status = callStatus(c);
  if (!KEPT.has(status)) return false;
  const finished = Date.parse(c.finished_at);
  if (status !== 'done' || Number.isNaN(finished) || Number.isNaN(atMs)) return true;
  return finished + RECENT_DONE_KEEP_MS > atMs;
}

// The recent calls as of `nowMs` (a screen's clock): a quiet hall drops a
// finished ticket's call when its ten minutes are up, with no event to fold.
export function pruneCalls(state, nowMs) {
  const recent = tidyCalls(state.recent_calls, nowMs);
  return recent.length === state.recent_calls.length ? state : { ...state, recent_calls: recent };
}

// The latest live call, the hall's big line: the newest recent call whose
// ticket is still called or served at its counter, and that counter open (not
// paused, not closed). Null when there is none.
export function liveCall(state) {
  return state.recent_calls.find(c => ACTIVE.has(callStatus(c))
    && state.counters.some(k => k.number === c.counter && k.state === 'open')) || null;
}

// Issue order: issued_at, then the id as a tie-breaker.
function issueOrder(a, b) {
  const d = Date.parse(a.issued_at) - Date.parse(b.issued_at);
  if (d) return d;
  return String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0;
}

// Remove the ticket from `list`; put it back (in issue order) when `keep`.
function upsert(list, t, keep) {
  const out = list.filter(x => x.id !== t.id);
  if (!keep) return out;
  let i = out.length;
  while (i > 0 && issueOrder(out[i - 1], t) > 0) i--;
  out.splice(i, 0, t);
  return out;
}

// A ticket event carries the ticket after the event: put it where its status says.
function placeTicket(s, t) {
  s.waiting = upsert(s.waiting, t, t.status === 'waiting');
  s.postponed = upsert(s.postponed || [], t, t.status === 'postponed');
  s.no_show = upsert(s.no_show || [], t, t.status === 'no_show');
  s.counters = s.counters.map(c => {
    if (ACTIVE.has(t.status) && t.counter === c.number) return { ...c, current: t, current_ticket: t.id };
    if (c.current && c.current.id === t.id) return { ...c, current: null, current_ticket: null };
    return c;
  });
  return s;
}

function applyTicket(s, ev) {
  const t = ev.data;
  s = placeTicket(s, t);
  const now = { status: t.status, finished_at: t.finished_at ?? null };
  if (ev.type === 'ticket.called' || ev.type === 'ticket.recalled') {
    // A recall moves the ticket's line to the top: tidyCalls drops the older one.
    const call = {
      seq: ev.seq, type: ev.type, number: t.number, counter: t.counter, category: t.category, at: ev.at, ...now,
    };
    s.recent_calls = [call, ...s.recent_calls];
  } else {
    s.recent_calls = s.recent_calls.map(c => (c.number === t.number ? { ...c, ...now } : c));
  }
  return s;
}

// The event's fields replace the counter's; an unknown counter is added last.
function applyCounter(s, counter) {
  const i = s.counters.findIndex(c => c.number === counter.number);
  const merged = i >= 0 ? { ...s.counters[i], ...counter } : { current: null, ...counter };
  const counters = [...s.counters];
  if (i >= 0) counters[i] = merged; else counters.push(merged);
  return { ...s, counters };
}

// Open device faults: what the kiosk's printer banner and the hall need.
function applyFault(s, ev) {
  const a = ev.data;
  const faults = s.device_faults.filter(f => f.id !== a.id);
  if (ev.type === 'alert.raised' && a.type === 'device.fault' && a.status === 'open') faults.push(a);
  return { ...s, device_faults: faults };
}

// branch.updated carries the layout: adopt its names and shape, keep what runs.
function applyLayout(s, layout) {
  if (!layout) return s;
  const out = { ...s };
  for (const k of ['name', 'locale', 'timezone']) if (layout[k] !== undefined) out[k] = layout[k];
  if (layout.categories) out.categories = layout.categories.map(c => ({ waiting: 0, ...c }));
  if (layout.counters) {
    out.counters = layout.counters.map(c => {
      const old = s.counters.find(o => o.number === c.number);
      return { state: 'closed', pause_reason: null, teller: null, current: null, current_ticket: null, ...old, ...c };
    });
  }
  return out;
}

// Waiting counts are derived from the waiting list, so they never drift.
export function recount(s) {
  const byCat = {};
  for (const t of s.waiting) byCat[t.category] = (byCat[t.category] || 0) + 1;
  const categories = s.categories.map(c => ({ ...c, waiting: byCat[c.code] || 0 }));
  const counters = s.counters.map(c => ({ ...c, waiting: candidatesFor(s.waiting, c).length }));
  return { ...s, categories, counters };
}

// Who a counter may call (docs/domain.md): tickets pinned to it, and unpinned ones it serves.
export function candidatesFor(waiting, counter) {
  const serves = counter.serves || [];
  return waiting.filter(t => t.pinned_counter === counter.number
    || (t.pinned_counter == null && serves.includes(t.category)));
}

// Every open alert and every device's health, which the manager keeps beside
// the state (seeded over HTTP: a snapshot carries only open device faults).
export function applyAlert(alerts, ev) {
  const a = ev.data;
  const out = new Map(alerts);
  if (ev.type === 'alert.raised' && a.status === 'open') out.set(a.id, a); // acked, cleared: gone
  else out.delete(a.id);
  return out;
}

export function applyDevice(devices, ev) {
  const out = new Map(devices);
  out.set(ev.data.id, ev.data);
  return out;
}

// Calls newer than `sinceAt` in a snapshot, oldest first: what a screen that
// was away too long (snapshot instead of replay) still has to announce.
export function callsSince(state, sinceAt) {
  if (!sinceAt) return [];
  const since = Date.parse(sinceAt);
  return state.recent_calls.filter(c => Date.parse(c.at) > since).reverse();
}
