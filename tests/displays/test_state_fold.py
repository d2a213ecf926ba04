"""The pages' fold of the event stream (displays/static/state.js) passes every shared case
of tests/data/event_folds.json in real Chromium, as the agent's does
(tests/drivers/test_event_fold.py); and state.js's other helpers do what they say.

The module is loaded into a test-only page served by Playwright's routing from the files
on disk: nothing here is part of what the server serves."""

from pathlib import Path

import pytest

from tests.support.event_folds import cases, normalise

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://fold.test"
FILES = {
    "/state.js": ROOT / "displays" / "static" / "state.js",
    "/state_test.js": Path(__file__).parent / "js" / "state_test.js",
}
PAGE = """<!doctype html><meta charset="utf-8"><title>state.js</title>
<script type="module">import * as fold from '/state.js'; window.fold = fold;</script>"""

# The harness loop of docs/state-fold.md: snapshot, then each event by its seq verdict.
RUN_CASES = """(cases) => cases.map(c => {
  let state = fold.fromSnapshot(c.snapshot);
  let resync = false;
  for (const ev of c.events) {
    const verdict = fold.seqVerdict(state.seq, ev.seq);
    if (verdict === 'skip') continue;
    if (verdict === 'gap') { resync = true; break; }
    state = fold.applyEvent(state, ev);
  }
  return { state, resync, live: fold.liveCall(state) };
})"""


def serve(route):
    path = route.request.url[len(ORIGIN) :].split("?")[0]
    if path in ("/", "/index.html"):
        route.fulfill(body=PAGE, content_type="text/html")
    elif path in FILES:
        route.fulfill(body=FILES[path].read_text(encoding="utf-8"), content_type="text/javascript")
    else:
        route.fulfill(status=404, body="")


@pytest.fixture
def fold_page(new_page):
    page = new_page(800, 600)
    page.route(f"{ORIGIN}/**", serve)
    page.goto(ORIGIN + "/")
    page.wait_for_function("window.fold !== undefined")
    return page


def test_every_shared_case_folds_as_expected_in_chromium(fold_page):
    all_cases = cases()
    results = fold_page.evaluate(RUN_CASES, all_cases)
    assert len(results) == len(all_cases) >= 20
    failed = []
    for case, got in zip(all_cases, results, strict=True):
        mine = normalise(got["state"], got["resync"], got["live"])
        if mine != case["expected"]:
            failed.append(f"{case['name']}:\n  got      {mine}\n  expected {case['expected']}")
    assert not failed, "\n".join(failed)
    assert not fold_page.errors


def test_state_js_helpers_in_chromium(fold_page):
    fold_page.add_script_tag(url=ORIGIN + "/state_test.js", type="module")
    fold_page.wait_for_function("window.__results !== undefined")
    results = fold_page.evaluate("window.__results")
    assert len(results) >= 7
    failed = [r for r in results if not r["ok"]]
    assert not failed, "\n".join(f"{r['name']}: {r['error']}" for r in failed)
    assert not fold_page.errors
