"""Test-only instruments for the pages, installed by a test through Playwright
(``add_init_script``, routing): what a page plays, beeps and vibrates, and the state it
folded, without any hook in the shipped scripts."""

from __future__ import annotations

# Every <audio> play() is logged and "ends" after the given clip length (ms).
AUDIO_SPY = """
window.__audio = [];
HTMLMediaElement.prototype.play = function () {
  const src = new URL(this.src, location.href).pathname;
  window.__audio.push({ ev: 'play', src, t: performance.now() });
  setTimeout(() => {
    window.__audio.push({ ev: 'end', src, t: performance.now() });
    this.dispatchEvent(new Event('ended'));
  }, %d);
  return Promise.resolve();
};
"""

# The frequency of every tone a page starts through Web Audio, and every vibration pattern.
SOUND_SPY = """
window.__tones = [];
window.__vibrations = [];
if (window.AudioContext) {
  window.AudioContext = class extends window.AudioContext {
    createOscillator() {
      const o = super.createOscillator();
      const start = o.start.bind(o);
      o.start = (...args) => { window.__tones.push(o.frequency.value); return start(...args); };
      return o;
    }
  };
}
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
"""

# Stands in for /displays/static/state.js: the real module (fetched as state.js?real),
# leaving the latest state it returned, i.e. the page's state, in window.__state.
STATE_WATCH = """
import * as real from './state.js?real';
export * from './state.js?real';
const keep = (state) => { window.__state = state; return state; };
export const fromSnapshot = (...args) => keep(real.fromSnapshot(...args));
export const applyEvent = (...args) => keep(real.applyEvent(...args));
export const seedTickets = (...args) => keep(real.seedTickets(...args));
"""


def audio_spy(clip_ms: int = 150) -> str:
    return AUDIO_SPY % clip_ms


def sound_spy() -> str:
    return SOUND_SPY


def watch_state(page) -> None:
    """Before ``goto``: the page's folded state becomes readable as ``window.__state``."""

    def serve(route):
        if route.request.url.endswith("?real"):
            route.continue_()
        else:
            route.fulfill(body=STATE_WATCH, content_type="text/javascript", headers={"Cache-Control": "no-cache"})

    page.route(lambda url: "/displays/static/state.js" in url, serve)
