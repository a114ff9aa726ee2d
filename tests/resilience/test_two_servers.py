"""Two server processes on one database, certifying different classes at the same moment:
status indexes stay unique and every credential verifies on both."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, func, select

from registry.db import make_engine
from registry.tables.credentials import Credential
from tests.live import cli_env, eligible_class, ok, run_registry, verdict
from tests.resilience.cluster import cluster

CLASS_SIZE = 40
SPOT_CHECKS = 8


def test_two_servers_certifying_at_once_give_unique_indexes_and_credentials_valid_on_both(
    scratch_database_url: str, tmp_path: Path
) -> None:
    rng = random.Random()
    with cluster(scratch_database_url, tmp_path) as c:
        nodes = c.start_many(2)
        clients = [c.api(node) for node in nodes]
        try:
            classes = [eligible_class(api, CLASS_SIZE) for api in clients]
            barrier = threading.Barrier(len(nodes))
            answers: dict[int, Any] = {}

            def certify(i: int) -> None:
                barrier.wait()
                try:
                    answers[i] = clients[i].post(
                        f"/api/v1/classes/{classes[i][0]}/certify", json={}
                    )
                except httpx.HTTPError as exc:
                    answers[i] = exc

            threads = [threading.Thread(target=certify, args=(i,)) for i in range(len(nodes))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=180)
            issued = []
            for i, (_, officers) in enumerate(classes):
                answer = answers[i]
                assert isinstance(answer, httpx.Response), answer
                result = ok(answer)
                assert result["skipped"] == []
                assert sorted(item["officer_id"] for item in result["issued"]) == sorted(officers)
                issued.append(result["issued"])

            engine = make_engine(scratch_database_url)
            try:
                with Session(engine) as session:
                    slots = session.exec(
                        select(Credential.status_list, Credential.status_index)
                    ).all()
                    total = session.exec(select(func.count()).select_from(Credential)).one()
            finally:
                engine.dispose()
            assert total == 2 * CLASS_SIZE
            assert len(set(slots)) == len(slots) == total

            sample = [item for items in issued for item in rng.sample(items, SPOT_CHECKS)]
            for item in sample:
                for api in clients:
                    assert verdict(api, item["token"]) == "valid", (api.base_url, item)

            # A change made through one process: that process answers it at once, the other as
            # soon as the database tells it (NOTIFY on PostgreSQL, the data version on SQLite).
            # The wait is a guard against hanging, not a timing: scripts/bench measures that.
            revoked = sample[0]
            ok(
                clients[0].post(
                    f"/api/v1/credentials/{revoked['credential_id']}/revoke",
                    json={"reason": "two-server check"},
                )
            )
            assert verdict(clients[0], revoked["token"]) == "revoked"
            deadline = time.monotonic() + 30
            while verdict(clients[1], revoked["token"]) != "revoked":
                assert time.monotonic() < deadline, "the other server never saw the revocation"
                time.sleep(0.02)
        finally:
            for api in clients:
                api.close()

    audit = run_registry("audit", "verify", env=cli_env(REGISTRY_DATABASE_URL=scratch_database_url))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "audit trail intact" in audit.stdout
