"""The lobby manager's dashboard against a real `lobbyq serve` in Chromium: a green-channel
ticket issued at the desk comes out of the printer the manager picks (the branch's default
kiosk unless another is chosen), and the day's figures are on the dashboard, live, with
the CSV that Excel reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests.displays.support import BRANCH, LAYOUT, ROOT, lobbyq_argv, screenshot, sign_in_manager
from tests.drivers.escpos_tokens import qr_payload, texts, tokenize

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KIOSKS = ["kiosk1", "大堂2号机"]  # the first is the branch's default kiosk
SCREENSHOTS = ROOT / "displays" / "screenshots"


def sign_in(lobbyq, new_page, width=1600, height=900):
    page = new_page(width, height, accept_downloads=True)
    sign_in_manager(page, lobbyq)
    return page


def lay_out_with_kiosks(lobbyq):
    lobbyq.ok("PUT", lobbyq.b(), json={"code": BRANCH, **LAYOUT, "kiosks": KIOSKS})


def printed(printer, number, timeout=10.0):
    """The ESC/POS tokens of the printed ticket that bears ``number``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for raw in list(printer.tickets):
            toks = tokenize(raw)
            if number in texts(toks):
                return toks
        time.sleep(0.05)
    raise AssertionError(f"{number} never printed")


def test_green_ticket_from_the_desk_prints_at_the_printer_the_manager_picks(lobbyq, new_page, printer, tmp_path):
    lay_out_with_kiosks(lobbyq)
    # The second kiosk's printer is the simulated one: only what is sent there comes out.
    devices = tmp_path / "devices.toml"
    devices.write_text(
        f'branch = "{BRANCH}"\n[[printer]]\nid = "kiosk2-printer"\nkiosk = "{KIOSKS[1]}"\n'
        f'url = "{printer.url}"\nbaudrate = 19200\n',
        encoding="utf-8",
    )
    agent_log = tmp_path / "agent.log"
    argv = [*lobbyq_argv(), "agent", "--server", lobbyq.base, "--token", lobbyq.tokens["agent"], "--devices"]
    with open(agent_log, "ab") as log:
        agent = subprocess.Popen(
            [*argv, str(devices)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=log
        )
    try:
        # The agent follows the stream once a reprint of a warm-up ticket comes out.
        warm = lobbyq.ok("POST", lobbyq.b("/tickets"), "manager", json={"category": "wealth", "kiosk": KIOSKS[1]})
        deadline = time.monotonic() + 30
        while not printer.wait_tickets(1, 1.0):
            assert time.monotonic() < deadline, agent_log.read_text()
            lobbyq.ok("POST", lobbyq.b(f"/tickets/{warm['id']}/reprint"), "manager")

        page = sign_in(lobbyq, new_page)
        page.wait_for_selector("#issue-kiosk option", state="attached")
        options = page.eval_on_selector_all("#issue-kiosk option", "os => os.map(o => [o.value, o.textContent])")
        assert options == [["kiosk1", "kiosk1（默认）"], ["大堂2号机", "大堂2号机"]], options
        assert page.input_value("#issue-kiosk") == "kiosk1"  # the default kiosk unless another is picked

        # Default printer: the ticket names kiosk1 (whose printer is elsewhere).
        page.select_option("#issue-category", "personal")
        page.click("#issue-green")
        page.wait_for_function("document.querySelector('#issued').textContent === 'A001'", timeout=3000)
        assert page.inner_text("#issued-at") == "在 kiosk1 打印"

        # The elderly customer stands by the second kiosk: the manager picks its printer.
        page.select_option("#issue-kiosk", KIOSKS[1])
        page.click("#issue-green")
        page.wait_for_function("document.querySelector('#issued').textContent === 'A002'", timeout=3000)
        assert page.inner_text("#issued-at") == f"在 {KIOSKS[1]} 打印"
        tickets = {t["number"]: t for t in lobbyq.ok("GET", lobbyq.b("/tickets"), "manager")["tickets"]}
        assert (tickets["A001"]["kiosk"], tickets["A002"]["kiosk"]) == ("kiosk1", KIOSKS[1])
        assert tickets["A002"]["priority"] == "green"

        # It comes out of that printer as a kiosk's own ticket does: number and QR.
        toks = printed(printer, "A002", timeout=20.0)
        track = lobbyq.ok("GET", lobbyq.b(f"/tickets/{tickets['A002']['id']}"), "agent")["track_url"]
        assert qr_payload(toks) == track
        assert all("A001" not in texts(tokenize(raw)) for raw in printer.tickets), "kiosk1's ticket printed here"
        assert not page.errors
    finally:
        agent.terminate()
        agent.wait(10)


def test_layout_without_kiosks_says_the_ticket_is_not_printed(lobbyq, new_page):
    page = sign_in(lobbyq, new_page)
    page.wait_for_selector("#issue-kiosk option", state="attached")
    assert page.is_disabled("#issue-kiosk")
    assert page.inner_text("#issue-kiosk") == "不打印（布局未列出取号机）"
    page.click("#issue-vip")
    page.wait_for_function("document.querySelector('#issued').textContent === 'A001'", timeout=3000)
    assert page.inner_text("#issued-at") == "未打印"
    assert page.inner_text("#manager-error") == ""


def kpi(page, name: str) -> str:
    return page.inner_text(f"#kpi-{name}")


def test_dashboard_shows_the_days_figures_live_and_the_csv_excel_reads(lobbyq, new_page):
    lay_out_with_kiosks(lobbyq)
    tellers = {"teller": 1, "teller2": 2}
    for role, n in tellers.items():
        lobbyq.ok("POST", lobbyq.b(f"/counters/{n}/open"), role)
    for _ in range(4):
        lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "personal"})
    lobbyq.ok("POST", lobbyq.b("/tickets"), "kiosk", json={"category": "corporate"})

    page = sign_in(lobbyq, new_page)
    page.wait_for_function("document.querySelector('#kpi-waiting').textContent === '5'", timeout=3000)
    assert (kpi(page, "served"), kpi(page, "wait-avg"), kpi(page, "satisfaction")) == ("0", "–", "–")
    assert kpi(page, "abandoned") == "0 · 0%"

    # A served ticket, rated very satisfied: on the dashboard without a reload.
    lobbyq.ok("POST", lobbyq.b("/counters/1/call-next"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/1/start"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/1/finish"), "teller")
    lobbyq.ok("POST", lobbyq.b("/counters/1/evaluation"), "agent", json={"score": 1})
    page.wait_for_function("document.querySelector('#kpi-served').textContent === '1'", timeout=4000)
    page.wait_for_function("document.querySelector('#kpi-satisfaction').textContent === '100%'", timeout=4000)
    assert kpi(page, "waiting") == "4"
    assert kpi(page, "wait-avg").endswith("秒") and kpi(page, "wait-p90").endswith("秒")
    assert "1.0" in kpi(page, "score") and "1 次评价" in kpi(page, "score")
    row = "#kpi-counters tr[data-counter='1']"
    assert page.inner_text(f"{row} .served") == "1" and page.inner_text(f"{row} .satisfaction").startswith("100%")
    assert page.inner_text(f"{row} .service").endswith("秒")
    assert page.inner_text("#kpi-counters tr[data-counter='2'] .served") == "0"

    # A no-show and a cancellation: abandonment, count and share of the 5 issued.
    lobbyq.ok("POST", lobbyq.b("/counters/2/call-next"), "teller2")
    lobbyq.ok("POST", lobbyq.b("/counters/2/skip"), "teller2")
    waiting = lobbyq.ok("GET", lobbyq.b("/state"), "manager")["waiting"]
    lobbyq.ok("POST", lobbyq.b(f"/tickets/{waiting[-1]['id']}/cancel"), "manager")
    page.wait_for_function("document.querySelector('#kpi-abandoned').textContent === '2 · 40%'", timeout=4000)
    # A second served ticket at counter 2, rated unsatisfied.
    lobbyq.ok("POST", lobbyq.b("/counters/2/call-next"), "teller2")
    lobbyq.ok("POST", lobbyq.b("/counters/2/start"), "teller2")
    lobbyq.ok("POST", lobbyq.b("/counters/2/finish"), "teller2")
    lobbyq.ok("POST", lobbyq.b("/counters/2/evaluation"), "agent", json={"score": 4})
    page.wait_for_function("document.querySelector('#kpi-satisfaction').textContent === '50%'", timeout=4000)
    figures = lobbyq.ok("GET", lobbyq.b("/stats"), "manager")
    assert kpi(page, "served") == str(figures["served"]) == "2"
    assert kpi(page, "waiting") == str(figures["waiting"]) == "1"
    page.wait_for_selector(".alert.evaluation-unsatisfied")
    page.click("#alert-flash")
    page.wait_for_timeout(300)
    path = screenshot(page, "manager-figures")
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SCREENSHOTS / "manager.png")

    # The CSV: Excel on a Chinese PC reads it as UTF-8, and it is named after its day.
    with page.expect_download() as download:
        page.click("#stats-csv")
    d = download.value
    assert d.suggested_filename == f"lobbyq-stats-{BRANCH}-{figures['date']}.csv"
    data = open(d.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbfid,number,")
    assert ",li," in data.decode("utf-8-sig")  # the teller's name, as typed
    assert not page.errors
