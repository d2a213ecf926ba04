"""The repository carries its own contract: ``docs/`` and ``examples/``.

- Every Markdown link in the repository points at a file of the repository that exists
  (web and mail links aside): nothing outside it, no absolute path, no ``../shared``.
- No file outside ``docs/`` sends the reader to the old out-of-repository contract
  (``../shared``, ``DESIGN.md``, ``VECTORS.md``).
- The reference pages keep up with the code: every event type, setting and endpoint, and
  every protocol vector the tests use, is in the docs.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SKIP_DIRS = {".venv", ".git", "node_modules", "lobbyq.egg-info", "__pycache__", ".pytest_cache"}

OLD_CONTRACT = ("../shared", "DESIGN.md", "VECTORS.md")
CHECKED_SUFFIXES = {".py", ".md", ".js", ".html", ".toml"}


def repo_files() -> list[str]:
    """The repository's files (tracked, and new ones not ignored), relative to the root."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = sorted({n for n in out.split("\0") if n})
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk the tree
        names = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file())
    return [
        n
        for n in names
        if not set(Path(n).parts) & SKIP_DIRS and not n.startswith("tests/artifacts/") and (ROOT / n).is_file()
    ]


FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)


def markdown_links(text: str) -> list[str]:
    """The targets of a Markdown text's links and images, code blocks and spans aside."""
    text = CODE_SPAN.sub("", FENCE.sub("", text))
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


def link_problem(md: str, target: str) -> str | None:
    """Why a link of the Markdown file ``md`` (repository-relative) is wrong, or None."""
    if re.match(r"^(https?:|mailto:)", target, re.I) or target.startswith("#") or not target:
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
        return "a link with a scheme other than http(s) or mailto"
    if "../shared" in target:
        return "points at ../shared, outside the repository"
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if path.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:[\\/]", path):
        return "an absolute path"
    resolved = (ROOT / md).parent.joinpath(path).resolve()
    if resolved != ROOT and ROOT not in resolved.parents:
        return "escapes the repository"
    if not resolved.exists():
        return "no such file in the repository"
    return None


def test_link_checker_itself():
    md = "docs/api.md"
    assert link_problem(md, "domain.md#who-is-next-normative") is None
    assert link_problem(md, "../examples/branch.toml") is None
    assert link_problem(md, "https://github.com/onbonlab/bx.k.java") is None
    assert link_problem(md, "#conventions-normative") is None
    assert link_problem(md, "../../shared/DESIGN.md") is not None
    assert link_problem("README.md", "../shared/DESIGN.md") is not None
    assert link_problem(md, "/work/shared/protocols/VECTORS.md") is not None
    assert link_problem(md, "../../outside.md") is not None
    assert link_problem(md, "nosuchpage.md") is not None
    assert link_problem(md, "file:///etc/passwd") is not None
    text = 'see [a](x.md), ![b](y.png "t"), `[c](no.md)`\n```\n[d](no.md)\n```\n[e]: z.md\n'
    assert markdown_links(text) == ["x.md", "y.png", "z.md"]


def test_markdown_links_stay_in_the_repository():
    problems = []
    mds = [n for n in repo_files() if n.endswith(".md")]
    assert "README.md" in mds and "docs/README.md" in mds
    for md in mds:
        for target in markdown_links((ROOT / md).read_text(encoding="utf-8")):
            why = link_problem(md, target)
            if why:
                problems.append(f"{md}: ({target}): {why}")
    assert not problems, "bad Markdown links:\n" + "\n".join(problems)


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings."""
    anchors: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", markdown), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        n = anchors.get(slug, 0)
        anchors[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_anchor_links_name_a_heading():
    assert {"who-is-next-normative", "the-days-figures"} <= heading_anchors(
        (DOCS / "domain.md").read_text(encoding="utf-8")
    )
    problems = []
    for md in [n for n in repo_files() if n.endswith(".md")]:
        for target in markdown_links((ROOT / md).read_text(encoding="utf-8")):
            if "#" not in target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue
            path, anchor = target.split("#", 1)
            file = (ROOT / md).parent.joinpath(unquote(path)).resolve() if path else ROOT / md
            if (
                file.suffix == ".md"
                and file.is_file()
                and anchor not in heading_anchors(file.read_text(encoding="utf-8"))
            ):
                problems.append(f"{md}: ({target}): no such heading")
    assert not problems, "links to headings that do not exist:\n" + "\n".join(problems)


def test_no_file_sends_readers_to_the_old_contract():
    problems = []
    for name in repo_files():
        if Path(name).suffix not in CHECKED_SUFFIXES or name.startswith("docs/") or name == "tests/test_docs.py":
            continue
        for number, line in enumerate((ROOT / name).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for word in OLD_CONTRACT:
                if word in line:
                    problems.append(f"{name}:{number}: mentions {word}: {line.strip()[:120]}")
    assert not problems, "references to the contract outside the repository (point at docs/ instead):\n" + "\n".join(
        problems
    )


def test_the_index_lists_every_reference_page():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([\w-]+\.md)\)", index))
    pages = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    assert pages <= listed, f"docs/README.md does not list {sorted(pages - listed)}"


def test_protocols_page_shows_every_vector():
    data = tomllib.loads((ROOT / "tests/drivers/data/vectors.toml").read_text(encoding="utf-8"))

    def byte_tokens(line: str) -> str:
        line = line.replace("A5×8", "A5 " * 8)
        return " " + " ".join(re.findall(r"(?<![0-9A-Za-z])[0-9A-F]{2}(?![0-9A-Za-z])", line)) + " "

    page = (DOCS / "protocols.md").read_text(encoding="utf-8") + (DOCS / "keypads.md").read_text(encoding="utf-8")
    shown = [byte_tokens(line) for line in page.splitlines()]
    missing = []
    for vector in data["vector"]:
        parts = [byte_tokens(line) for line in vector["hex"].splitlines() if line.strip()]
        # each line of the vector as it is written in the data file, on one line of the page
        if not all(any(part in line for line in shown) for part in parts):
            missing.append(vector["id"])
    assert not missing, f"docs/protocols.md (or keypads.md) does not show the vectors {missing}"


def test_events_page_names_every_event_type():
    try:
        from app.rules.vocabulary import AlertType, EventType
    except Exception as error:  # app/ is being reworked: its own tests will say so
        pytest.skip(f"app.rules.vocabulary does not import: {error}")
    events = (DOCS / "events.md").read_text(encoding="utf-8")
    assert not [e.value for e in EventType if f"`{e.value}`" not in events]
    domain = (DOCS / "domain.md").read_text(encoding="utf-8")
    assert not [a.value for a in AlertType if f"`{a.value}`" not in domain]


def test_deployment_page_names_every_setting():
    try:
        from app.settings import Settings
    except Exception as error:
        pytest.skip(f"app.settings does not import: {error}")
    page = (DOCS / "deployment.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`LOBBYQ_{name.upper()}`" not in page]
    assert not missing, f"docs/deployment.md does not describe {missing}"


def test_api_page_names_every_endpoint():
    try:
        from app.main import create_app

        paths = create_app().openapi()["paths"]
    except Exception as error:
        pytest.skip(f"the app does not build: {error}")
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [
        f"{method.upper()} {path}"
        for path, ops in paths.items()
        for method in ops
        if f"{method.upper()} {path}" not in page
    ]
    assert not missing, f"docs/api.md does not describe {missing}"
    assert "WS /api/v1/branches/{b}/stream" in page
