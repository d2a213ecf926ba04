// The call announcement queue of the hall screen.
//
// Every call and recall is spoken once, in order, and a new call never cuts
// off the one being spoken: items wait in a FIFO and play strictly one after
// the other (chime, then the server-rendered phrase).  If the server's WAV
// cannot be played, the browser's speech synthesis says the phrase instead.
// A stuck clip (no 'ended', no 'error') is abandoned after a timeout so the
// queue can never freeze.

import { spokenCall } from './i18n.js';

const CLIP_TIMEOUT_MS = 15000;

export class Announcer {
  constructor({ locale = 'zh-CN', onBlocked = () => {} } = {}) {
    this.locale = locale;
    this.onBlocked = onBlocked; // autoplay refused: the page shows an "enable sound" button
    this.queue = [];
    this.busy = false;
  }

  voiceUrl(number, counter) {
    return `/voice/${encodeURIComponent(this.locale)}/${encodeURIComponent(number)}/${counter}.wav`;
  }

  enqueue(number, counter) {
    if (!/^[A-Z]{1,3}\d{3,4}$/.test(number) || !Number.isInteger(counter)) return;
    const item = { number, counter, locale: this.locale, url: this.voiceUrl(number, counter) };
    // Warm the server cache now so rendering never delays the turn of this call.
    fetch(item.url).catch(() => {});
    this.queue.push(item);
    if (!this.busy) this.run();
  }

  async run() {
    this.busy = true;
    while (this.queue.length) {
      const item = this.queue.shift();
      try {
        await this.play('/voice/chime.wav');
      } catch (e) {
        if (e && e.name === 'NotAllowedError') this.onBlocked();
      }
      try {
        await this.play(item.url);
      } catch (e) {
        if (e && e.name === 'NotAllowedError') this.onBlocked();
        await this.speak(spokenCall(item.number, item.counter, item.locale), item.locale);
      }
    }
    this.busy = false;
  }

  // Resolves when the clip has finished playing; rejects if it cannot play.
  play(url) {
    return new Promise((resolve, reject) => {
      const audio = new Audio(url);
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        audio.onended = audio.onerror = null;
        if (err) reject(err); else resolve();
      };
      const timer = setTimeout(() => finish(), CLIP_TIMEOUT_MS);
      audio.onended = () => finish();
      audio.onerror = () => finish(new Error(`cannot play ${url}`));
      const p = audio.play();
      if (p && p.catch) p.catch(err => finish(err));
    });
  }

  // Fallback voice: the browser's speech synthesis, if it has one.
  speak(text, locale) {
    return new Promise(resolve => {
      if (!('speechSynthesis' in window)) { resolve(); return; }
      const u = new SpeechSynthesisUtterance(text);
      u.lang = locale === 'en' ? 'en-US' : 'zh-CN';
      const timer = setTimeout(resolve, CLIP_TIMEOUT_MS);
      u.onend = u.onerror = () => { clearTimeout(timer); resolve(); };
      speechSynthesis.speak(u);
    });
  }
}
