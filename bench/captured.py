"""PostgreSQL alone running lobbyq's own issue transaction: the statements a real issue
runs, captured from the server's log, replayed by pgbench on lobbyq's tables.

The capture sets ``log_statement = all`` on a private database (``ALTER DATABASE … SET``,
so it reaches only the sessions opened there afterwards), issues one ticket of each
category through a one-worker ``lobbyq serve``, and reads the server's log: every
statement of the connection that inserted the ticket, from its BEGIN to its COMMIT, with
the parameters PostgreSQL logged. The script pgbench runs is that transaction with the
parameters written in, except what must differ from one transaction to the next:

- the branch code becomes ``'b' || :b`` (``:b`` set per client: one branch, or a client a
  branch as lobbyq's kiosks are spread);
- the ticket's id and tracking code become unique per transaction (``md5`` of a random
  number; the same value wherever the transaction names them);
- the ticket number is built from what the ``number_seqs`` upsert returned (``\\gset``),
  as lobbyq builds it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] \S*@(\S*) ([A-Z]+):  (.*)$")
_STATEMENT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)
_PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
_PLACEHOLDER = re.compile(r"\$(\d+)\b")
# pgbench reads ``:name`` as a variable anywhere, quotes included: a literal keeps none.
_COLON_NAME = re.compile(r":(?=[A-Za-z0-9_\x80-\uffff])")


def log_file() -> Path | None:
    """The cluster's log (Debian's pg_ctlcluster writes stderr there); LOBBYQ_BENCH_PG_LOG overrides."""
    given = os.environ.get("LOBBYQ_BENCH_PG_LOG")
    if given:
        return Path(given)
    found = sorted(Path("/var/log/postgresql").glob("postgresql-*-main.log"))
    return found[-1] if found else None


def psql(url: str, sql: str, database: str | None = None) -> str:
    u = make_url(url)
    args = ["psql", "-qAt", "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    out = subprocess.run(
        [*args, "-d", database or u.database or "postgres", "-c", sql], check=True, capture_output=True
    )
    return out.stdout.decode()


@contextmanager
def private_database(server_url: str, tag: str) -> Iterator[str]:
    """A PostgreSQL database of this run's own on the server of ``server_url``, dropped after."""
    name = f"lobbyq_bench_{tag}_{os.getpid()}"
    psql(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(server_url, f"CREATE DATABASE {name}")
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        psql(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass(frozen=True)
class Issued:
    """What the issue answered: the values to vary in the replay."""

    branch: str
    id: str
    number: str
    track_token: str


@dataclass(frozen=True)
class Transaction:
    statements: list[str]  # with their parameters written in, as logged
    outside: int  # statements of other connections during the request (token lookups ...)


def _entries(text: str, database: str) -> list[tuple[int, str, str]]:
    """(pid, level, message) of the database's log entries, continuation lines joined."""
    found: list[tuple[int, str, str]] = []
    mine = False
    for line in text.splitlines():
        m = _ENTRY.match(line)
        if m:
            mine = m.group(2) == database
            if mine:
                found.append((int(m.group(1)), m.group(3), m.group(4)))
        elif mine and found:
            pid, level, message = found[-1]
            found[-1] = (pid, level, message + "\n" + line)
    return found


def _with_params(sql: str, detail: str | None) -> str:
    values = dict((int(n), v) for n, v in _PARAM.findall(detail or ""))
    return _PLACEHOLDER.sub(lambda m: values[int(m.group(1))], sql)


def parse(text: str, database: str) -> Transaction:
    """The transaction that inserted a ticket, from the log text of the request."""
    statements: list[tuple[int, str]] = []
    for pid, level, message in _entries(text, database):
        if level == "LOG" and (m := _STATEMENT.match(message)):
            statements.append((pid, m.group(1).strip()))
        elif level == "DETAIL" and message.startswith("parameters: ") and statements:
            p, sql = statements[-1]
            statements[-1] = (p, _with_params(sql, message))
    insert = next(i for i, (_, sql) in enumerate(statements) if sql.upper().startswith("INSERT INTO TICKETS"))
    pid = statements[insert][0]
    own = [(i, sql) for i, (p, sql) in enumerate(statements) if p == pid]
    begin = max(i for i, sql in own if i < insert and sql.rstrip(";").upper().startswith("BEGIN"))
    commit = min(i for i, sql in own if i > insert and sql.rstrip(";").upper() == "COMMIT")
    transaction = [sql for i, sql in own if begin <= i <= commit]
    return Transaction(transaction, sum(1 for p, _ in statements if p != pid))


def capture(url: str, issue: Callable[[], Issued], settle_s: float = 1.0) -> tuple[Transaction, Issued]:
    """Run ``issue`` (one ticket through a server whose pool connected after
    ``log_statement`` was set) and read its transaction from the server's log."""
    log = log_file()
    if log is None or not log.exists():
        raise RuntimeError("PostgreSQL's log not found: set LOBBYQ_BENCH_PG_LOG")
    database = make_url(url).database or ""
    start = log.stat().st_size
    issued = issue()
    time.sleep(settle_s)
    with log.open("rb") as f:
        f.seek(start)
        text = f.read().decode("utf-8", "replace")
    return parse(text, database), issued


def script(tx: Transaction, issued: Issued) -> str:
    """The pgbench script of a captured issue transaction."""
    prefix = issued.number.rstrip("0123456789")
    number = f"({_literal(prefix)} || lpad(:last::text, greatest(3, length(:last::text)), '0'))"
    swaps = {
        _literal(issued.branch): "('b' || :b)",
        _literal(issued.id): "md5('i' || :t)",
        _literal(issued.track_token): "md5('k' || :t)",
        _literal(issued.number): number,
    }
    lines = ["\\set t random(1, 9000000000000000000)"]
    for sql in tx.statements:
        replaced = _LITERAL.sub(lambda m: swaps.get(m.group(0), _COLON_NAME.sub(": ", m.group(0))), sql)
        lines.append(" ".join(replaced.split()) + ("" if replaced.rstrip().endswith(";") else ";"))
        if re.search(r"INSERT INTO number_seqs", sql, re.I):
            lines[-1] = lines[-1].rstrip(";")  # pgbench: \gset follows the query, unterminated
            lines.append("\\gset")
    return "\n".join(lines) + "\n"


_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def pgbench(url: str, scripts: list[str], clients: int, seconds: float, branches: int) -> float | None:
    """Transactions/s of pgbench ``-M prepared`` running the scripts (equal weights), each
    client on branch ``client_id % branches + 1``; None without pgbench or on failure."""
    exe = shutil.which("pgbench")
    if exe is None:
        return None
    u = make_url(url)
    files = []
    try:
        for text in scripts:
            with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
                f.write(f"\\set b :client_id % {branches} + 1\n" + text)
                files.append(f.name)
        run = subprocess.run(
            [
                exe,
                "-n",
                "-M",
                "prepared",
                "-h",
                u.host or "127.0.0.1",
                "-p",
                str(u.port or 5432),
                "-U",
                u.username or "postgres",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(max(1, round(seconds))),
                *(arg for name in files for arg in ("-f", f"{name}@1")),
                u.database or "postgres",
            ],
            capture_output=True,
            text=True,
        )
    finally:
        for name in files:
            Path(name).unlink()
    for line in run.stdout.splitlines():
        if line.startswith("tps = "):
            failed = re.search(r"number of failed transactions: (\d+)", run.stdout)
            if failed and int(failed.group(1)):
                print(f"pgbench: {failed.group(1)} failed transactions")
            return float(line.split()[2])
    print("pgbench failed:", run.stderr.strip()[-2000:])
    return None
