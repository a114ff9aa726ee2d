"""A whole state's patrol plans, officers and certifications, written straight into the tables
(a few bulk inserts, not thousands of API calls): the size test and `scripts/bench` share it.

The shape is the program's: most agencies patrol 1 to 3 districts, a few 10 to 20; half work
fixed day/swing/night shifts (night crossing midnight), half 12-hour platoons on a 14-day 2-2-3
rotation; officers in proportion to the slots; most assigned, some certified (a certification
ends anywhere from last month to two years ahead), a few of those revoked or suspended.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from registry.tables.credentials import Credential, StatusAllocation, StatusList
from registry.tables.patrol import PatrolDistrict, PatrolShift
from registry.tables.people import Agency, Employment, Officer, Region
from registry.tables.training import Course, TrainingClass
from tests.conftest import program_today

ANCHOR = date(2027, 1, 4)
FIXED = [("DAY", time(6), time(14)), ("SWING", time(14), time(22)), ("NIGHT", time(22), time(6))]
PLATOON_A, PLATOON_B = (0, 1, 4, 5, 6, 9, 10), (2, 3, 7, 8, 11, 12, 13)
ROTATING = [
    ("A-DAY", time(6), time(18), PLATOON_A),
    ("B-DAY", time(6), time(18), PLATOON_B),
    ("A-NIGHT", time(18), time(6), PLATOON_A),
    ("B-NIGHT", time(18), time(6), PLATOON_B),
]


@dataclass
class State:
    """What was written: the regions' codes, each region's agencies, and per agency the officers
    whose certification is in force today (the figure the registry must give back)."""

    regions: list[str] = field(default_factory=list)
    agencies: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    certified_today: Counter[uuid.UUID] = field(default_factory=Counter)
    officers: int = 0


def _noon(day: date) -> datetime:
    """Midday UTC: the same calendar day in every US time zone."""
    return datetime.combine(day, time(12), tzinfo=UTC)


def _plan(agency_id: uuid.UUID, n: int, districts: int) -> tuple[list[Any], list[Any]]:
    district_rows = [
        {
            "id": uuid.uuid4(),
            "agency_id": agency_id,
            "code": f"D{d + 1}",
            "name": f"District {d + 1}",
            "position": d,
        }
        for d in range(districts)
    ]
    if n % 2:
        shifts = [
            {
                "code": c,
                "name": c.title(),
                "starts": s,
                "ends": e,
                "anchor": ANCHOR,
                "cycle_days": 14,
                "on_days": ",".join(map(str, on)),
            }
            for c, s, e, on in ROTATING
        ]
    else:
        shifts = [
            {
                "code": c,
                "name": c.title(),
                "starts": s,
                "ends": e,
                "anchor": None,
                "cycle_days": None,
                "on_days": None,
            }
            for c, s, e in FIXED
        ]
    shift_rows = [
        {"id": uuid.uuid4(), "agency_id": agency_id, "position": i, **s}
        for i, s in enumerate(shifts)
    ]
    return district_rows, shift_rows


def build_state(
    engine: sa.Engine,
    *,
    regions: int = 11,
    agencies: int = 130,
    officers: int = 8000,
    large_every: int = 16,
    today: date | None = None,
    seed: int = 22,
) -> State:
    """Writes `regions` regions with `agencies` agencies among them (every `large_every`-th with
    10 to 20 districts, the others 1 to 3) and `officers` officers, in one transaction."""
    rnd = random.Random(seed)
    today = today or program_today()
    now = datetime.now(UTC)
    tag = secrets.token_hex(3).upper()
    out = State(officers=officers)
    region_rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "code": f"S{tag}{r:02d}",
            "name": f"State region {r + 1}",
            "created_at": now,
        }
        for r in range(regions)
    ]
    agency_rows: list[dict[str, Any]] = []
    districts: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = []
    weights: list[int] = []
    for n in range(agencies):
        region = region_rows[n % regions]
        agency_id = uuid.uuid4()
        agency_rows.append(
            {
                "id": agency_id,
                "name": f"PD {tag} {n:03d}",
                "ori": f"Q{tag[:5]}{n:03d}",
                "region_id": region["id"],
                "created_at": now,
            }
        )
        out.agencies.setdefault(region["code"], []).append(agency_id)
        size = rnd.randint(10, 20) if n % large_every == large_every - 1 else rnd.randint(1, 3)
        d_rows, s_rows = _plan(agency_id, n, size)
        districts += d_rows
        shifts += s_rows
        weights.append(len(d_rows) * len(s_rows))
    out.regions = [r["code"] for r in region_rows]
    slots = {
        a["id"]: [
            (d["code"], s["code"])
            for d in districts
            if d["agency_id"] == a["id"]
            for s in shifts
            if s["agency_id"] == a["id"]
        ]
        for a in agency_rows
    }
    homes = rnd.choices([a["id"] for a in agency_rows], weights=weights, k=officers)
    officer_rows, employments, credentials = [], [], []
    for i, agency_id in enumerate(homes):
        officer_id = uuid.uuid4()
        district, shift = rnd.choice(slots[agency_id]) if rnd.random() < 0.9 else (None, None)
        officer_rows.append(
            {
                "id": officer_id,
                "post_id": f"ST{tag}{i:05d}",
                "first_name": "State",
                "last_name": f"Officer {i:05d}",
                "email": None,
                "protected": False,
                "patrol_start_date": today - timedelta(days=rnd.randint(400, 6000)),
                "wallet_key": secrets.token_hex(16),
                "district": district,
                "shift": shift,
                "created_at": now,
            }
        )
        employments.append(
            {
                "id": uuid.uuid4(),
                "officer_id": officer_id,
                "agency_id": agency_id,
                "start_date": today - timedelta(days=400),
                "end_date": None,
            }
        )
        if rnd.random() < 0.45:
            until = today + timedelta(days=rnd.randint(-30, 730))
            status = rnd.choices(["active", "revoked", "suspended"], weights=[94, 3, 3])[0]
            credentials.append((officer_id, until, status))
            if status == "active" and until >= today:
                out.certified_today[agency_id] += 1
    with engine.begin() as conn:
        course_id = conn.execute(
            sa.select(Course.__table__.c.id).where(Course.__table__.c.code == "CIT-40")  # type: ignore[attr-defined]
        ).scalar_one()
        class_id = uuid.uuid4()
        list_n = (
            conn.execute(sa.select(sa.func.coalesce(sa.func.max(StatusList.n), 0))).scalar_one() + 1
        )
        conn.execute(sa.insert(Region.__table__), region_rows)  # type: ignore[attr-defined]
        conn.execute(sa.insert(Agency.__table__), agency_rows)  # type: ignore[attr-defined]
        conn.execute(sa.insert(PatrolDistrict.__table__), districts)  # type: ignore[attr-defined]
        conn.execute(sa.insert(PatrolShift.__table__), shifts)  # type: ignore[attr-defined]
        conn.execute(sa.insert(Officer.__table__), officer_rows)  # type: ignore[attr-defined]
        conn.execute(sa.insert(Employment.__table__), employments)  # type: ignore[attr-defined]
        conn.execute(
            sa.insert(TrainingClass.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": class_id,
                    "course_id": course_id,
                    "region_id": region_rows[0]["id"],
                    "start_date": today - timedelta(days=800),
                    "end_date": today - timedelta(days=796),
                    "location": "State academy",
                    "capacity": 500,
                    "created_by": None,
                    "created_at": now,
                }
            ],
        )
        conn.execute(
            sa.insert(StatusList.__table__),  # type: ignore[attr-defined]
            [{"n": list_n, "size": 131072, "revision": 0, "created_at": now}],
        )
        if credentials:
            conn.execute(
                sa.insert(StatusAllocation.__table__),  # type: ignore[attr-defined]
                [{"list_n": list_n, "idx": i} for i in range(len(credentials))],
            )
            conn.execute(
                sa.insert(Credential.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "id": secrets.token_hex(13).upper(),
                        "officer_id": officer_id,
                        "class_id": class_id,
                        "course_id": course_id,
                        "token": "state",
                        "kid": "state",
                        "status": status,
                        "status_reason": None,
                        "status_changed_at": None,
                        "status_list": list_n,
                        "status_index": i,
                        "hours": 40.0,
                        "issued_by": None,
                        "issued_at": now,
                        "valid_from": _noon(until - timedelta(days=730)),
                        "valid_until": _noon(until),
                        "generation": 0,
                        "renewal_of": None,
                        "superseded_by": None,
                    }
                    for i, (officer_id, until, status) in enumerate(credentials)
                ],
            )
    return out
