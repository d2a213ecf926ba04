"""The charts of the reports pages, drawn on the server: `/reports/{b}` (the manager's
report of a day or a range of days) and `/reports` (the admin's branches side by side).

The pages are HTML shells like the others (displays/pages.py); their numbers come from the
API (`GET …/reports`, `GET /api/v1/reports`). Their charts come from here as SVG text,
drawn by ``displays.charts`` from the same report the API answers, read through the read
side (``services.reports``) with the page's bearer token checked as the API checks it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.rules.reports import DEFAULT_WAIT_TARGET_S
from app.rules.vocabulary import Role
from app.services import reports
from app.services.auth import Principal, authenticate
from displays import charts

router = APIRouter()
NO_CACHE = {"Cache-Control": "no-cache"}  # a report of today changes with each ticket

# The words inside the charts, in the languages of the pages (i18n.js has the rest).
WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "arrivals": "到达",
        "served": "办结",
        "abandoned": "流失（过号+取消+过期）",
        "tickets": "张",
        "min": "分钟",
        "hourly": "每小时到达与办结",
        "abandonment": "每小时流失",
        "waits": "等候时间分布",
        "counters": "窗口利用率",
        "served_n": "办结 {n} · 平均 {avg}",
        "wait_avg": "平均等候",
        "wait_p90": "90% 等候不超过",
        "compare_waits": "各网点等候时间（分钟）",
        "compare_abandonment": "各网点流失率",
        "compare_satisfaction": "各网点满意率",
        "compare_utilisation": "各网点窗口利用率",
        "issued_n": "取号 {n}",
        "ratings_n": "评价 {n}",
    },
    "en": {
        "arrivals": "Arrivals",
        "served": "Served",
        "abandoned": "Abandoned (no-show + cancelled + expired)",
        "tickets": "tickets",
        "min": "min",
        "hourly": "Arrivals and served per hour",
        "abandonment": "Abandoned per hour",
        "waits": "Waiting-time distribution",
        "counters": "Counter utilisation",
        "served_n": "served {n} · mean {avg}",
        "wait_avg": "Average wait",
        "wait_p90": "p90 wait",
        "compare_waits": "Waits by branch (minutes)",
        "compare_abandonment": "Abandonment by branch",
        "compare_satisfaction": "Satisfaction by branch",
        "compare_utilisation": "Counter utilisation by branch",
        "issued_n": "issued {n}",
        "ratings_n": "{n} ratings",
    },
}
LANG = Query(None, pattern="^(zh-CN|en)$", description="the charts' language; default the branch's")


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


async def _principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return await authenticate(request.app.state.ctx, token.strip() if scheme.lower() == "bearer" else None)


def branch_charts(report: dict[str, Any], lang: str) -> dict[str, str]:
    """The report's charts as SVG text, by name."""
    w = WORDS[lang]
    hours = [f"{h['hour']}:00" for h in report["hourly"]]
    waits = report["waits"]
    return {
        "hourly": charts.bar_chart(
            hours,
            [
                charts.Series(w["arrivals"], [h["arrivals"] for h in report["hourly"]], charts.BLUE),
                charts.Series(w["served"], [h["served"] for h in report["hourly"]], charts.GREEN),
            ],
            title=w["hourly"],
            unit=w["tickets"],
        ),
        "abandonment": charts.bar_chart(
            hours,
            [charts.Series(w["abandoned"], [h["abandoned"] for h in report["hourly"]], charts.RED)],
            title=w["abandonment"],
            unit=w["tickets"],
            height=200,
        ),
        "waits": charts.histogram(
            [(b["from_s"], b["to_s"], b["count"]) for b in waits["bins"]],
            title=w["waits"],
            marks=[("p50", waits["p50_s"], charts.GREEN), ("p90", waits["p90_s"], charts.ORANGE)],
            unit=w["tickets"],
            x_unit=w["min"],
        ),
        "counters": charts.meters(
            [
                (
                    c["name"],
                    c["utilisation"],
                    w["served_n"].format(n=c["served"], avg=_minutes(c["service_avg_s"])),
                )
                for c in report["counters"]
            ],
            title=w["counters"],
        ),
    }


def comparison_charts(body: dict[str, Any], lang: str) -> dict[str, str]:
    w = WORDS[lang]
    rows = body["branches"]

    def minutes(value: float | None) -> float | None:
        return None if value is None else round(value / 60, 1)

    return {
        "waits": charts.bar_chart(
            [r["name"] for r in rows],
            [
                charts.Series(w["wait_avg"], [minutes(r["wait_avg_s"]) for r in rows], charts.BLUE),
                charts.Series(w["wait_p90"], [minutes(r["wait_p90_s"]) for r in rows], charts.ORANGE),
            ],
            title=w["compare_waits"],
            unit=w["min"],
        ),
        "abandonment": charts.meters(
            [(r["name"], r["abandonment_rate"], w["issued_n"].format(n=r["issued"])) for r in rows],
            title=w["compare_abandonment"],
            color=charts.RED,
        ),
        "satisfaction": charts.meters(
            [(r["name"], r["satisfaction_rate"], w["ratings_n"].format(n=r["ratings"])) for r in rows],
            title=w["compare_satisfaction"],
            color=charts.GREEN,
        ),
        "utilisation": charts.meters([(r["name"], r["utilisation"], "") for r in rows], title=w["compare_utilisation"]),
    }


@router.get("/reports/charts.json", include_in_schema=False)
async def comparison_chart_set(
    request: Request,
    start: str = Query(..., alias="from", max_length=10),
    to: str | None = Query(None, max_length=10),
    lang: str | None = LANG,
) -> JSONResponse:
    (await _principal(request)).require(None, Role.ADMIN)
    body = await reports.comparison(request.app.state.ctx, start, to)
    return JSONResponse(comparison_charts(body, lang or "zh-CN"), headers=NO_CACHE)


@router.get("/reports/{b}/charts.json", include_in_schema=False)
async def branch_chart_set(
    b: str,
    request: Request,
    start: str = Query(..., alias="from", max_length=10),
    to: str | None = Query(None, max_length=10),
    target_minutes: int = Query(DEFAULT_WAIT_TARGET_S // 60, ge=1, le=240),
    lang: str | None = LANG,
) -> JSONResponse:
    (await _principal(request)).require(b, Role.MANAGER)
    ctx = request.app.state.ctx
    report = await reports.report(ctx, b, start, to, target_minutes * 60)
    locale = lang or report["locale"]
    return JSONResponse(branch_charts(report, locale if locale in WORDS else "en"), headers=NO_CACHE)
