"""PostgreSQL going away under load, on a server of the test's own (never the shared one):
`registry serve` with two workers, clients verifying and reading all along, then a
`pg_ctl restart -m fast` and a 5-second stop. Every answer is a success or a 503 problem+json
(never a 500, never a dropped connection), everything answers again at once when the database
is back, and a class certified during the stop is all or nothing and certifies on retry."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.live import LiveServer, eligible_class, ok, serve, verdict
from tests.resilience.postgres import ONCE, OwnPostgres, own_postgres

CLASS_SIZE = 6
RACING_SIZE = 30
CLIENTS = 4
STOPPED_SECONDS = 5.0


@dataclass
class Load:
    """Clients that keep asking until told to stop, keeping every answer."""

    server: LiveServer
    paths: list[tuple[str, str, dict[str, object] | None]]
    answers: list[tuple[float, str, int, str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def run(self, offset: int) -> None:
        with self.server.api() as api:
            i = offset
            while not self.done.is_set():
                method, path, body = self.paths[i % len(self.paths)]
                i += 1
                sent = time.monotonic()
                try:
                    r = api.request(method, path, json=body)
                except httpx.HTTPError as exc:
                    self.failures.append(f"{method} {path}: {exc!r}")
                    continue
                took = time.monotonic() - sent
                kind = r.headers.get("content-type", "")
                self.answers.append((sent, path, r.status_code, kind, took))

    def __enter__(self) -> Load:
        self.threads = [
            threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(CLIENTS)
        ]
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        for t in self.threads:
            t.join(timeout=60)


def credentials_of(url: str, class_id: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text("SELECT count(*) FROM credentials WHERE class_id = :c"), {"c": class_id}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def back_at_once(server: LiveServer, token: str) -> None:
    """The first request of each kind after the database is back is answered in full."""
    with server.api() as api:
        assert api.get("/health").status_code == 200
        assert api.get("/health/ready").status_code == 200
        assert verdict(api, token) == "valid"
        assert api.get("/api/v1/courses").status_code == 200


@ONCE
def test_a_restart_and_a_stop_of_postgresql_cost_only_503s_and_a_class_all_or_nothing(
    tmp_path: Path,
) -> None:
    with own_postgres() as pg, serve(
        pg.url, tmp_path / "keys", tmp_path / "server.log", REGISTRY_WORKERS="2",
        REGISTRY_METRICS_DIR=str(tmp_path / "metrics"),
    ) as live:  # fmt: skip
        issued = live.issue()
        with live.api() as api:
            racing = eligible_class(api, RACING_SIZE)
            refused = eligible_class(api, CLASS_SIZE)
        load = Load(
            live,
            [
                ("POST", "/api/v1/verify", {"token": issued["token"]}),
                ("GET", f"/api/v1/credentials/{issued['credential_id']}", None),
                ("GET", "/api/v1/courses", None),
                ("GET", f"/api/v1/classes/{refused[0]}/roster", None),
                ("GET", "/health", None),
            ],
        )
        with load:
            time.sleep(1.5)
            pg.restart_fast()
            time.sleep(1.5)
            back_at_once(live, issued["token"])
            answers = stopped_while_certifying(pg, live, [racing[0], refused[0]])
            back_at_once(live, issued["token"])
            time.sleep(1.5)

        assert load.failures == [], load.failures[:5]
        statuses = {status for _, _, status, _, _ in load.answers}
        assert statuses <= {200, 503}, statuses
        outages = [a for a in load.answers if a[2] == 503]
        # Problem details, but for /health, which answers its own JSON (API.md) to the balancer.
        kinds = {(path == "/health", kind.split(";")[0]) for _, path, _, kind, _ in outages}
        assert kinds <= {(False, "application/problem+json"), (True, "application/json")}, kinds
        assert len(outages) > 0  # the clients did see the stop
        report(load.answers, outages)

        # Cut off mid-way (or committed just before the stop): all of the class or none.
        for (class_id, officers), answer in zip((racing, refused), answers, strict=True):
            count = credentials_of(pg.url, class_id)
            if answer.status_code == 200:
                assert count == len(officers)
                continue
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["rule"] == "database_available"
            assert count == 0
            with live.api() as api:
                again = ok(api.post(f"/api/v1/classes/{class_id}/certify", json={}))
                assert sorted(i["officer_id"] for i in again["issued"]) == sorted(officers)
                assert verdict(api, again["issued"][0]["token"]) == "valid"
            assert credentials_of(pg.url, class_id) == len(officers)
        # The class certified while the database was stopped was refused, never half-made.
        assert answers[1].status_code == 503
        assert "Traceback" not in (tmp_path / "server.log").read_text(errors="replace")


def stopped_while_certifying(
    pg: OwnPostgres, live: LiveServer, classes: list[str]
) -> list[httpx.Response]:
    """Stops PostgreSQL for five seconds: the first class's certification starts just before
    the stop (racing it), the second's during it. Their answers."""
    racing: list[httpx.Response] = []

    def certify() -> None:
        with live.api() as api:
            racing.append(api.post(f"/api/v1/classes/{classes[0]}/certify", json={}))

    thread = threading.Thread(target=certify)
    thread.start()
    time.sleep(0.2)
    pg.stop()
    stopped = time.monotonic()
    thread.join(timeout=60)
    with live.api() as api:
        refused = api.post(f"/api/v1/classes/{classes[1]}/certify", json={})
    time.sleep(max(0.0, STOPPED_SECONDS - (time.monotonic() - stopped)))
    pg.start()
    return [racing[0], refused]


def report(
    answers: list[tuple[float, str, int, str, float]],
    outages: list[tuple[float, str, int, str, float]],
) -> None:
    waits = sorted(took for *_, took in outages)
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))] if waits else 0.0
    print(
        f"\n{len(outages)} of {len(answers)} answers were 503; p99 wait of one: {p99 * 1000:.0f} ms"
    )
