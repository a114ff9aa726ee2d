"""The coverage rows of scripts/bench: a region's coverage at 10 agencies and in a state of 130
(11 regions, 8,000 officers, fixed and rotating plans), written with the size test's generator
(tests/coverage/state.py), measured with the same wrk run as every other row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from registry.accounts.service import create_user, issue_token
from registry.actors import SYSTEM
from registry.db import unit_of_work
from tests.coverage.state import build_state

Measure = Callable[..., dict[str, float]]
Row = Callable[[str, str, str], None]

BOUND = (
    "four reads whatever the size (plans, staff, certifications), then the 365-day arithmetic "
    "in Python per slot: the cost grows with the slots and officers answered, not the queries"
)


def coverage_rows(
    engine: sa.Engine,
    measure: Measure,
    describe: Callable[..., str],
    row: Row,
    floor: dict[str, float],
) -> None:
    """Each row also says how many floors (the one-route app's CPU per request) it costs."""
    with unit_of_work(engine) as session:
        admin = create_user(session, SYSTEM, username="bench-coverage", role="admin")
        token = issue_token(session, SYSTEM, admin)
    small = build_state(engine, regions=1, agencies=10, officers=600, large_every=5, seed=10)
    ten = measure(f"/api/v1/coverage?region={small.regions[0]}", token)
    row(
        "GET /api/v1/coverage?region= (10 agencies, 600 officers)",
        f"{describe(ten)}; {_ratio(ten, floor)} the floor's CPU",
        BOUND,
    )
    state = build_state(engine)
    biggest = max(state.regions, key=lambda code: len(state.agencies[code]))
    region = measure(f"/api/v1/coverage?region={biggest}", token)
    n = len(state.agencies[biggest])
    row(
        f"the same, a region of the 130-agency state ({n} agencies; 8,000 officers stored)",
        f"{describe(region)}; CPU per request {_ratio(region, ten)} the 10 agencies'",
        BOUND,
    )
    # One connection: at 32, one worker's queue of whole-state answers outlasts wrk's 2 s timeout
    # and the row would count no answer at all.
    whole = measure("/api/v1/coverage", token, 1)
    row(
        "GET /api/v1/coverage, the whole state (140 agencies, 8,600 officers), 1 connection",
        f"{describe(whole)}; CPU per request {_ratio(whole, ten)} the 10 agencies'",
        BOUND,
    )


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> str:
    return f"{a['cpu_us'] / b['cpu_us']:.1f}×"
