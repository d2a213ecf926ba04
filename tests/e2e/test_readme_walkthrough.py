"""The README's curl walk-through, run as pasted: its code block as a bash script.

A newcomer pastes it line by line in a fresh clone; it used to fail two times in four
(the server and ``token create`` racing to create the schema). Only the port and the path
of the ``lobbyq`` script are changed, so the test can run beside other servers; every
``curl`` fails the script on an HTTP error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.conftest import free_port
from tests.support.server import LOBBYQ, ROOT

pytestmark = pytest.mark.slow


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Walk a customer through, with curl", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the walk-through section has no sh block"
    return block.group(1)


def test_the_readme_walkthrough_runs_as_pasted(tmp_path):
    if not LOBBYQ.exists():
        pytest.skip(f"no console script at {LOBBYQ}: the walk-through calls .venv/bin/lobbyq")
    port = free_port()
    script = walkthrough()
    assert ".venv/bin/lobbyq serve --port 8000 &" in script and "examples/branch.toml" in script
    script = script.replace(".venv/bin/lobbyq", str(LOBBYQ)).replace("8000", str(port))
    script = script.replace("curl -s ", "curl -sS --fail-with-body ")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOBBYQ_")}
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, f"exit {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    answers = [json.loads(line) for line in re.findall(r"^\{.*\}$", run.stdout.replace("}{", "}\n{"), re.M)]
    moves = [a["status"] for a in answers if a.get("number") == "A001"]
    assert moves[:4] == ["waiting", "called", "serving", "done"], moves
    alerts = next(a["alerts"] for a in answers if "alerts" in a)
    assert [a["type"] for a in alerts] == ["evaluation.unsatisfied"]
    stats = answers[-1]
    assert stats["served"] == 1 and stats["ratings"] == 1
