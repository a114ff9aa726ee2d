"""Tests of CSV imports and exports; helpers shared by them."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.conftest import Api

HEADER = "post_id,first_name,last_name,agency_ori,patrol_start_date,email,protected"


def post_csv(api: Api, path: str, body: str | bytes, content_type: str = "text/csv") -> Any:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return api.client.post(
        path,
        content=data,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": content_type},
    )


def agency_ori(api: Api, agency_id: str) -> str:
    r = api.get(f"/api/v1/agencies/{agency_id}")
    assert r.status_code == 200, r.text
    return str(r.json()["ori"])


def find_officer(api: Api, post_id: str) -> list[dict[str, Any]]:
    r = api.get("/api/v1/officers", params={"q": post_id})
    assert r.status_code == 200, r.text
    return [o for o in r.json() if o["post_id"] == post_id.upper()]


def parse_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
