"""The benchmark's workloads driven by wrk, a load generator in C: on a 2-core machine a
Python client takes a core of its own and the server is measured on what is left.

Each wrk thread holds one connection and plays one client: a kiosk issuing tickets, or a
teller alternating call-next and finish at a counter of its own (finish only after a
call-next that called somebody, or that found a ticket still called there). The Lua
script counts call-nexts and statuses per thread and prints them as one JSON line at
the end, beside wrk's latency percentiles over every request.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

_SCRIPT = r"""
local clients = %(clients)s
local threads = {}
local n = 0

function setup(thread)
  n = n + 1
  thread:set("me", n)
  table.insert(threads, thread)
end

function init(args)
  local c = clients[me]
  kind, path, token, body = c[1], c[2], c[3], c[4]
  calls, called, statuses, next_is_finish = 0, 0, {}, false
  headers = {["Content-Type"] = "application/json"}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
end

function request()
  if kind == "issue" then
    return wrk.format("POST", path .. "/tickets", headers, body)
  end
  if next_is_finish then
    return wrk.format("POST", path .. "/finish", headers, "")
  end
  calls = calls + 1
  return wrk.format("POST", path .. "/call-next", headers, "")
end

function response(status, hdrs, text)
  statuses[status] = (statuses[status] or 0) + 1
  if kind == "teller" then
    if next_is_finish then
      next_is_finish = false
    elseif status == 200 then
      called = called + 1
      next_is_finish = true
    elseif status == 409 then
      -- a ticket left called at this counter by an earlier run: finish it first
      next_is_finish = true
    end
  end
end

function done(summary, latency, requests)
  local calls, called, statuses = 0, 0, {}
  for _, t in ipairs(threads) do
    calls = calls + t:get("calls")
    called = called + t:get("called")
    for k, v in pairs(t:get("statuses")) do statuses[k] = (statuses[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(statuses) do table.insert(parts, string.format('"%%d": %%d', k, v)) end
  io.write(string.format('WRK {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p99_ms": %%f, ' ..
    '"calls": %%d, "called": %%d, "errors": %%d, "statuses": {%%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    calls, called, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
"""


@dataclass
class Client:
    """One wrk connection: ``kind`` is "issue" or "teller"; ``path`` is the branch's
    (issue) or the counter's (teller) base path."""

    kind: str
    path: str
    token: str = ""
    body: str = ""


@dataclass
class Figures:
    name: str
    requests: int
    seconds: float
    p50: float
    p99: float
    calls: int
    called: int
    errors: int
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def call_rate(self) -> float:
        """call-next requests answered with a ticket, per second."""
        return self.called / self.seconds


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua(value) -> str:
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(name: str, base_url: str, clients: list[Client], seconds: float) -> Figures:
    table = _lua([[c.kind, c.path, c.token, c.body] for c in clients])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_SCRIPT % {"clients": table})
        script = Path(f.name)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{len(clients)}",
                f"-c{len(clients)}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        script.unlink()
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    data = json.loads(line[4:])
    return Figures(
        name,
        data["requests"],
        data["seconds"],
        data["p50_ms"],
        data["p99_ms"],
        data["calls"],
        data["called"],
        data["errors"],
        {int(k): v for k, v in data["statuses"].items()},
    )
