"""Server-rendered SVG charts (no script, no inline style: the CSP forbids both)."""

from __future__ import annotations

from dataclasses import dataclass

from registry.reports.service import CoverageRow

ROW = 34
LABEL = 220
BAR = 360


@dataclass(frozen=True)
class Bar:
    y: int
    label: str
    width: int
    percent: int
    detail: str


@dataclass(frozen=True)
class Chart:
    height: int
    width: int
    label_width: int
    bar_width: int
    bars: list[Bar]
    title: str


def coverage_chart(rows: list[CoverageRow], *, by_region: bool) -> Chart:
    bars = [
        Bar(
            y=i * ROW,
            label=(r.name if len(r.name) <= 30 else r.name[:29] + "…"),
            width=round(BAR * r.share),
            percent=round(100 * r.share),
            detail=f"{r.certified} of {r.officers} officers",
        )
        for i, r in enumerate(rows)
    ]
    what = "region" if by_region else "agency"
    return Chart(
        height=max(ROW * len(bars), ROW),
        width=LABEL + BAR + 160,
        label_width=LABEL,
        bar_width=BAR,
        bars=bars,
        title=f"Share of officers with a valid CIT certification, by {what}",
    )
