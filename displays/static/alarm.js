// What the manager's pages share about alerts: a title per type, which ones are
// urgent, and the sound each makes when it is raised (Web Audio: no file to load).

import { t } from './i18n.js';
import { api, branchPath } from './api.js';
import { staffSession } from './auth.js';

// A customer the manager must go to now: an unhappy one, a green-channel one who missed the call.
export const URGENT = new Set(['evaluation.unsatisfied', 'ticket.missed_vulnerable']);

const TITLES = {
  'evaluation.unsatisfied': 'unsatisfied',
  'queue.long_wait': 'a_long_wait',
  'queue.too_long': 'a_too_long',
  'device.fault': 'a_device_fault',
  'ticket.missed_vulnerable': 'a_missed_vulnerable',
};

export function alertTitle(a) {
  return TITLES[a.type] ? t(TITLES[a.type]) : a.type;
}

// A soft two-note chime for an alert; three fast high-low pairs for an urgent one.
const CHIME = [523, 784];
const URGENT_TONES = [988, 740, 988, 740, 988, 740];

let audio = null;

// Browsers let a page make sound only after a gesture: call this inside a click.
export function unlockSound() {
  try { audio ||= new AudioContext(); audio.resume?.(); } catch { /* no audio device */ }
  return soundOn();
}

export function soundOn() {
  return !!audio && audio.state === 'running';
}

export function alarm(a) {
  const urgent = URGENT.has(a.type);
  try {
    audio ||= new AudioContext();
    audio.resume?.();
    const tones = urgent ? URGENT_TONES : CHIME;
    const step = urgent ? 0.16 : 0.28;
    for (const [i, f] of tones.entries()) {
      const o = audio.createOscillator(); const g = audio.createGain();
      o.type = urgent ? 'square' : 'sine';
      o.frequency.value = f; o.connect(g); g.connect(audio.destination);
      const t0 = audio.currentTime + i * step;
      g.gain.setValueAtTime(urgent ? 0.2 : 0.25, t0); g.gain.exponentialRampToValueAtTime(0.001, t0 + step - 0.01);
      o.start(t0); o.stop(t0 + step);
    }
  } catch { /* no audio device: the page still shows it */ }
  if (urgent) navigator.vibrate?.([300, 120, 300, 120, 300]);
  return urgent;
}

// The manager's sign-in form (#signin, #signin-token, #signin-error), the same on the
// dashboard, the phone page and the cash list: a manager-only request proves the role, and
// the tap unlocks the sound (of no use on the cash list, and harmless there).
export function managerSignIn(branch, onSignedIn) {
  const $ = (id) => document.getElementById(id);
  $('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = $('signin-token').value.trim();
    $('signin-error').textContent = '';
    unlockSound(); // inside the tap, so later alerts may sound
    try {
      await api('GET', branchPath(branch, '/alerts?status=open'), { token });
      const session = { token };
      staffSession.save('manager', branch, session);
      $('signin-token').value = '';
      onSignedIn(session);
    } catch (err) {
      $('signin-error').textContent = err.message;
    }
  });
}
