"""The API's own reference, served offline: Swagger UI at /docs and ReDoc at /redoc, their
scripts and styles from the fastapi-offline package (a bank intranet reaches no CDN), and
the refusals each operation documents with the error model."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from .schemas import ErrorOut

router = APIRouter(include_in_schema=False)

ASSETS = files("fastapi_offline") / "static"
ASSET_MEDIA = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
ASSET_URL = "/docs/assets"
ICON = "/favicon.ico"
# Nothing these pages load may leave the server: ReDoc's sidebar shows a logo from its
# vendor's CDN whatever its options say; the browser blocks it (the page hides a logo that
# does not load) instead of asking the internet from a bank's intranet.
STAY_HOME = {"Content-Security-Policy": "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"}
# Swagger UI checks the document against an online validator unless told not to.
SWAGGER_PARAMETERS = {"validatorUrl": None, "persistAuthorization": True, "displayRequestDuration": True}


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} · API",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=f"{root}{ASSET_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSET_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ICON}",
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    )
    page.headers.update(STAY_HOME)
    return page


@router.get("/docs/oauth2-redirect")
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} · API",
        redoc_js_url=f"{root}{ASSET_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ICON}",
        with_google_fonts=False,
    )
    page.headers.update(STAY_HOME)
    return page


@router.get(ASSET_URL + "/{name}")
async def asset(name: str) -> FileResponse:
    if name not in ASSET_MEDIA:
        raise HTTPException(404, "no such file")
    return FileResponse(
        str(ASSETS / name), media_type=ASSET_MEDIA[name], headers={"Cache-Control": "public, max-age=86400"}
    )


# ---------------------------------------------------------------- refusals

REFUSALS = {
    400: "a body that cannot be parsed at all (not UTF-8)",
    401: "no bearer token, or a token the server does not know (revoked, expired)",
    403: "a token of another branch, or a role that may not do this",
    404: "a branch, ticket, counter, alert, token or tracking code that does not exist",
    409: "the ticket, counter or alert is in the wrong state for this; `code` says why",
    413: "the request body is over LOBBYQ_MAX_BODY_BYTES",
    422: "malformed input: `message` says which field and why, `detail` lists the problems",
    429: "a rate limit: too many requests from this kiosk or address; try again shortly",
}


def refusals(*statuses: int, **why: str) -> dict[int | str, dict[str, Any]]:
    """The error responses of an operation, each with the error model; ``why`` overrides
    a status's description (``why={"409": "..."}`` is spelt ``s409="..."``)."""
    return {
        status: {"model": ErrorOut, "description": why.get(f"s{status}", REFUSALS[status])}
        for status in sorted(statuses)
    }


# The refusals most operations share.
AUTH = (401, 403)
BRANCH = (401, 403, 404, 422)
# An operation that takes a body: one that does not parse, or is too large.
BODY = (400, 413)
