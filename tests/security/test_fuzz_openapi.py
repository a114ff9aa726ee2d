"""Schemathesis over the app's own OpenAPI document: every operation, as an admin, a bounded
number of generated requests each; no answer may be a server error or stray from its schema."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import Api

# A fuzzer, long by design: the full run only (scripts/test --fast leaves it out).
pytestmark = pytest.mark.slow

MAX_EXAMPLES = 25
CASES: dict[GenerationMode, int] = {}


@pytest.fixture(scope="module")
def openapi(client: TestClient[Litestar]) -> Any:
    r = client.get("/schema/openapi.json")
    assert r.status_code == 200, r.text
    return schemathesis.openapi.from_dict(r.json())


def _send(client: TestClient[Litestar], case: Any, token: str) -> httpx.Response:
    """The generated request, sent through the app's own test client (no socket, no network)."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
    headers = {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "user-agent"}
    headers["Authorization"] = f"Bearer {token}"
    content: Any = None
    if "json" in kwargs:
        content = json.dumps(kwargs["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        content = data.encode() if isinstance(data, str) else data
    client.cookies.clear()
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=headers,
        content=content,
        follow_redirects=False,
    )


# `schemathesis.pytest.from_fixture` does not run under pytest 9 (it reads a removed private
# attribute), so each operation's strategy is driven by hypothesis directly.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_fails_or_strays_from_its_schema(
    openapi: Any, client: TestClient[Litestar], admin: Api, mode: GenerationMode
) -> None:
    assert admin.token
    token = admin.token
    failures: list[str] = []
    operations = 0
    for result in openapi.get_all_operations():
        operation = result.ok()
        operations += 1
        name = f"{operation.method.upper()} {operation.path}"

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            response = _send(client, case, token)
            CASES[mode] = CASES.get(mode, 0) + 1
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except Unsatisfiable:
            continue  # no request can break this operation's schema (negative mode)
        except Exception as exc:
            failures.append(f"{name}: {str(exc)[:1500]}")
    print(f"\nfuzz ({mode}): {CASES.get(mode, 0)} cases over {operations} operations")
    assert not failures, "\n\n".join(failures)
