"""The web pages people look at in the branch, served by the main FastAPI app.

Every page is a small static HTML shell plus ES modules under
/displays/static/; the branch code, counter and tracking token are read by the
page from its own URL, so the server only checks that they are well-formed.
The one thing the server writes into a branch page is the branch's timezone (a
``<meta name="lobbyq-timezone">``), so its clock tells the branch's time before the
page has a token.
Mounted by the core with ``app.include_router(displays.pages.router)``.
"""

from __future__ import annotations

import html
import logging
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from app.errors import NotFound
from app.services import queries
from displays import qr, reports, voice

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

BRANCH_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TRACK_RE = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
STATIC_RE = re.compile(r"^[a-z0-9_-]+\.(js|css|svg|wav|html)$")
MEDIA = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml", "wav": "audio/wav", "html": "text/html"}
# Pages are tiny and change with each release; let browsers revalidate.
NO_CACHE = {"Cache-Control": "no-cache"}

log = logging.getLogger("lobbyq.displays")

router = APIRouter()
router.include_router(voice.router)
router.include_router(qr.router)
router.include_router(reports.router)  # the reports' charts, before /reports/{b} would take them


@cache
def _template(name: str) -> str:
    return (TEMPLATES / f"{name}.html").read_text(encoding="utf-8")


def _page(name: str) -> HTMLResponse:
    return HTMLResponse(_template(name), headers=NO_CACHE)


def _check_branch(b: str) -> None:
    if not BRANCH_RE.match(b):
        raise HTTPException(404, "no such branch page")


@router.get("/displays/static/{name}", include_in_schema=False)
async def static_file(name: str) -> FileResponse:
    m = STATIC_RE.match(name)
    if not m or not (STATIC / name).is_file():
        raise HTTPException(404, "no such file")
    return FileResponse(STATIC / name, media_type=MEDIA[m.group(1)], headers=NO_CACHE)


async def _branch_timezone(request: Request, b: str) -> str | None:
    """The branch's timezone from its layout, or None: the pages run without the core
    (tests), the branch is unknown, or its database does not answer now."""
    ctx = getattr(request.app.state, "ctx", None)
    if ctx is None:
        return None
    try:
        return (await queries.layout_of(ctx, b)).timezone
    except NotFound:
        return None
    except Exception as e:  # a clock is never worth a page that does not load (a hall PC reloading)
        log.warning("branch page %s without its timezone: %s", b, e)
        return None


def _with_timezone(page: str, timezone: str | None) -> str:
    """The branch's timezone in the page itself, so its clock tells the branch's time before
    any token: the teller and manager sign in, a device page may have a wrong token."""
    if not timezone:
        return page
    meta = f'<meta name="lobbyq-timezone" content="{html.escape(timezone)}">\n</head>'
    return page.replace("</head>", meta, 1)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page names: the pages' own SVG icon, not a 404."""
    return FileResponse(STATIC / "favicon.svg", media_type=MEDIA["svg"], headers={"Cache-Control": "max-age=86400"})


def _branch_page(name: str):
    async def page(b: str, request: Request) -> HTMLResponse:
        _check_branch(b)
        return HTMLResponse(_with_timezone(_template(name), await _branch_timezone(request, b)), headers=NO_CACHE)

    page.__name__ = f"{name.replace('-', '_')}_page"
    return page


# One HTML shell per page; the page's JS reads the branch (and counter) from the path.
for _path, _name in {
    "/screens/{b}/hall": "hall",
    "/kiosk/{b}": "kiosk",
    "/teller/{b}": "teller",
    "/manager/{b}": "manager",
    "/manager/{b}/phone": "manager-phone",  # the manager's open alerts, on a phone
    "/reports/{b}": "reports",
    "/cash/{b}": "cash",  # the vault's list of booked large withdrawals (issue #13)
    "/book/{b}": "book",  # the public booking page (issue #13): no token
}.items():
    router.add_api_route(_path, _branch_page(_name), methods=["GET"], include_in_schema=False)


@router.get("/screens/{b}/counter/{n}", include_in_schema=False)
async def window_screen(b: str, n: int) -> HTMLResponse:
    _check_branch(b)
    return _page("counter")


@router.get("/reports", include_in_schema=False)
async def compare() -> HTMLResponse:
    """The admin's branches side by side; the admin signs in on the page."""
    return _page("compare")


@router.get("/t/{track_token}", include_in_schema=False)
async def track(track_token: str) -> HTMLResponse:
    if not TRACK_RE.match(track_token):
        raise HTTPException(404, "no such ticket")
    return _page("track")
