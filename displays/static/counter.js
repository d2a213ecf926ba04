// Window screen above one counter: the number being served here, or paused.

import { followBranch, blink } from './screen.js';
import { t, counterLabel } from './i18n.js';
import { pathParts } from './auth.js';

const [, branch, , n] = pathParts(); // /screens/{b}/counter/{n}
const number = Number(n);
const $ = (id) => document.getElementById(id);

function render(state, fresh) {
  const c = state.counters.find(x => x.number === number);
  $('counter-name').textContent = c?.name || counterLabel(number);
  const el = $('serving');
  const hint = $('serving-hint');
  let cls = 'idle', text = '—', sub = '', stateText = '';
  if (!c || c.state === 'closed') {
    cls = 'closed'; text = t('closed');
  } else if (c.state === 'paused') {
    cls = 'paused'; text = t('paused'); sub = c.pause_reason || '';
  } else if (c.current) {
    cls = 'serving'; text = c.current.number; sub = t('please_go');
    stateText = c.teller ? `${t('teller')} ${c.teller}` : '';
  }
  el.className = `num ${cls}`;
  el.textContent = text;
  hint.textContent = sub;
  $('counter-state').textContent = stateText;
  if (fresh) blink(el);
}

followBranch('display', branch, {
  snapshot: (state) => render(state, false),
  event(ev, state) {
    const isCall = (ev.type === 'ticket.called' || ev.type === 'ticket.recalled')
      && ev.data.counter === number;
    render(state, isCall);
  },
});
