"""The Dockerfile and the set-up scripts say what the README promises.

No Docker daemon runs here, so the Dockerfile is read as text: a volume holds the SQLite
file (a recreated container used to lose every ticket), a health check asks a path the
app serves, and the non-root user owns the data. The demo's set-up installs what the demo
needs and nothing of the tests' (a browser, benchmark tools, databases to start).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from app.api import public

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)  # continued lines
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_sqlite_file_lives_in_a_volume_the_user_owns():
    steps = instructions()
    volumes = [rest for word, rest in steps if word == "VOLUME"]
    assert volumes, "the Dockerfile declares no VOLUME: a recreated container loses its database"
    volume = shlex.split(volumes[0].strip("[]").replace(",", " "))[0].strip('"')
    env = " ".join(rest for word, rest in steps if word == "ENV")
    url = re.search(r"LOBBYQ_DATABASE_URL=sqlite\+aiosqlite:///(\S+)", env)
    assert url, "the image names no SQLite database"
    assert Path(url.group(1)).parent == Path(volume), f"the database {url.group(1)} is not in the volume {volume}"
    words = [word for word, _ in steps]
    user_at = words.index("USER")
    before_user = " ".join(rest for word, rest in steps[:user_at] if word == "RUN")
    assert f"mkdir -p {volume}" in before_user and f"chown lobbyq:lobbyq {volume}" in before_user, (
        "the volume's directory must exist and belong to the non-root user before USER, or SQLite cannot write it"
    )
    assert words.index("VOLUME") > max(i for i, (w, r) in enumerate(steps) if w == "RUN" and volume in r)


def test_the_health_check_asks_a_path_the_app_serves():
    checks = [rest for word, rest in instructions() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    path = re.search(r"http://127\.0\.0\.1:8000(/[\w/]*)", checks[0])
    assert path, checks[0]
    served = {getattr(r, "path", None) for r in public.router.routes}
    assert path.group(1) in served, f"{path.group(1)} is not a route of app/api/public.py"


def test_the_readme_runs_the_image_with_the_volume_and_a_device():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running in Docker", 1)[1].split("\n## ", 1)[0]
    assert "-v lobbyq-data:/var/lib/lobbyq/data" in section
    assert "--device /dev/ttyUSB0" in section and "--group-add dialout" in section
    assert "lobbyq agent --server" in section and "--devices /etc/lobbyq/devices.toml" in section


def test_the_demo_set_up_installs_only_what_the_demo_needs():
    demo = (ROOT / ".ci" / "setup").read_text(encoding="utf-8")
    for tests_only in ("chromium", "wrk", "pgbench", "CREATE DATABASE", "createdb", "redis-server", "pg_ctlcluster"):
        assert tests_only not in demo, f".ci/setup (the demo's) mentions {tests_only}, which only the tests need"
    assert ".[test]" not in demo
    tests = (ROOT / ".ci" / "setup-tests").read_text(encoding="utf-8")
    assert "bash .ci/setup" in tests and "chromium" in tests and ".[test]" in tests
    assert "bash .ci/setup-tests" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash .ci/setup && .venv/bin/lobbyq demo" in readme and "\nbash .ci/run" in readme
