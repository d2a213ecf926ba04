"""The branch-day simulator (#11 section 5): scenarios refused with the file and field named,
reproducible with a seed, every ticket ending in a final status through the real services,
the command line, and the plot."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import app
from app.rules.vocabulary import TicketStatus
from app.simulation.day import Day
from app.simulation.plot import day_svg
from app.simulation.run import simulate
from app.simulation.scenario import ScenarioError, load, parse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Two hours, two counters: a second or two per run.
SMALL = {
    "name": "small",
    "layout": "../branch.yaml",
    "hours": {"open": "09:00", "close": "11:00"},
    "arrivals": {"personal": {"09:00": 30, "10:00": 20}, "corporate": {"09:00": 6}},
    "vip_share": 0.2,
    "green_share": 0.05,
    "service": {"personal": {"mean_s": 200, "cv": 0.5}, "corporate": {"mean_s": 300}},
    "no_show": {"probability": 0.1},
    "patience": {"mean_minutes": 20},
    "counters": [{"number": 1, "pauses": [{"at": "10:00", "minutes": 10}]}, {"number": 3}],
    "policy": {"max_wait_minutes": 15},
}


def small(**changes):
    return parse({**SMALL, **changes}, "small.yaml", EXAMPLES / "scenarios")


def refused(data) -> str:
    with pytest.raises(ScenarioError) as error:
        parse(data, "bad.yaml", EXAMPLES / "scenarios")
    return str(error.value)


def test_an_unknown_category_is_named_with_the_layouts():
    message = refused({**SMALL, "arrivals": {"pensions": {"09:00": 5}}})
    assert message == (
        "bad.yaml: arrivals.pensions: unknown category 'pensions'; the layout has personal, corporate, fx, wealth"
    )


def test_a_negative_rate_is_refused():
    message = refused({**SMALL, "arrivals": {"personal": {"09:00": -3}}})
    assert message == "bad.yaml: arrivals.personal.09:00: a rate is customers per hour, 0 or more, not -3"


def test_a_missing_field_is_named():
    data = {k: v for k, v in SMALL.items() if k != "hours"}
    assert refused(data) == "bad.yaml: hours: Field required"


def test_a_mistyped_field_and_a_bad_time_are_named():
    assert "bad.yaml: arival: Extra inputs are not permitted" in refused({**SMALL, "arival": {}})
    message = refused({**SMALL, "hours": {"open": "9h", "close": "11:00"}})
    assert message.startswith("bad.yaml: hours.open: ") and "'9h' is not a time of day HH:MM" in message


def test_a_bad_policy_override_names_the_layout():
    message = refused({**SMALL, "policy": {"max_wait_minutes": 0}})
    assert message == "bad.yaml: layout: policy.max_wait_minutes must be a whole number between 1 and 1440 or null"


def test_a_file_is_named_in_its_errors(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "layout": str(EXAMPLES / "branch.yaml"), "walk_s": -1}))
    with pytest.raises(ScenarioError, match=rf"^{path}: walk_s: Input should be greater than or equal to 0"):
        load(path)


def _outcome(run):
    return [(c.number, c.status, c.arrives, c.called_at, c.counter, c.estimate, c.ql, c.les) for c in run.customers]


def test_same_seed_same_day_other_seed_other_day():
    first, again, other = Day(small(), 5).run(), Day(small(), 5).run(), Day(small(), 6).run()
    assert _outcome(first) == _outcome(again)
    assert _outcome(first) != _outcome(other)


def test_every_ticket_ends_final_and_every_called_one_carried_an_estimate():
    run = Day(small(), 2).run()
    stored = {t.number: t for t in run.stored}
    assert len(stored) == len(run.customers) > 40
    final = {TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED}
    assert {t.status for t in stored.values()} <= final
    assert {TicketStatus.DONE, TicketStatus.NO_SHOW} <= {t.status for t in stored.values()}
    for c in run.customers:  # the simulator's view is the store's
        t = stored[c.number]
        assert t.status == c.status
        if t.called_at is not None:
            assert t.estimated_wait_s is not None and t.estimated_wait_s == c.estimate
            assert t.called_at == pytest.approx(run.opening + c.called_at)
            assert c.ql is not None
    # the virtual clock: the day's tickets were issued within the opening hours
    assert all(0 <= t.issued_at - run.opening < 2 * 3600 for t in stored.values())


def test_the_fairness_run_takes_the_guard_off():
    result, _ = simulate(small(), 4)
    f = result["fairness"]
    assert f["max_wait_minutes"] == 15 and "vip_without_guard" in f
    assert f["bound_s"] == pytest.approx(15 * 60 + f["longest_service_s"], abs=0.1)
    assert result["estimators"].keys() == {"lobbyq", "QL", "LES"}


def test_the_command_prints_the_figures_and_json(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**SMALL, "layout": str(EXAMPLES / "branch.yaml")}))
    runner = CliRunner()
    done = runner.invoke(app, ["simulate", str(path), "--seed", "3", "--no-fairness"])
    assert done.exit_code == 0, done.output
    assert "abandonment" in done.stdout and "lobbyq" in done.stdout and "LES" in done.stdout
    as_json = runner.invoke(app, ["simulate", str(path), "--seed", "3", "--json"])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.stdout)
    assert figures["seed"] == 3 and figures["tickets"] > 40
    assert figures["estimators"]["lobbyq"]["count"] > 0 and figures["fairness"]["max_wait_minutes"] == 15


def test_the_command_refuses_a_bad_scenario(tmp_path):
    path = tmp_path / "s.yaml"
    bad = {**SMALL, "layout": str(EXAMPLES / "branch.yaml"), "arrivals": {"nobody": {"09:00": 1}}}
    path.write_text(yaml.safe_dump(bad))
    done = CliRunner().invoke(app, ["simulate", str(path)])
    assert done.exit_code == 2
    assert f"error: {path}: arrivals.nobody: unknown category 'nobody'" in done.output


def test_the_plot_is_well_formed_svg(tmp_path):
    run = Day(small(), 1).run()
    root = ET.fromstring(day_svg(run))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    called = [c for c in run.customers if c.called_at is not None]
    assert len(root.findall(f".//{ns}circle")) == len(called)  # one dot per called ticket
    assert len(root.findall(f".//{ns}path")) == 4 + 1  # a waiting line per category, and the counters open
