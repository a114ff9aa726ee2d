"""Security-suite fixtures: one small world (two regions, a certified officer, every role with an
API token and a signed-in console session) and helpers to call routes as each role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from registry.accounts import sessions
from registry.accounts.service import create_user, issue_token
from registry.actors import SYSTEM
from registry.db import unit_of_work
from registry.tables.accounts import User
from registry.tables.credentials import Credential
from registry.tables.people import Officer
from tests.conftest import Api, Region, graduate, unique

PASSWORD = "security suite passphrase 42"
ROLES = (
    "anonymous",
    "wallet",
    "instructor",
    "coordinator",
    "other_coordinator",
    "admin",
    "liaison",  # of the home region's agency
    "other_liaison",  # of the other region's agency
    "dispatch",  # a CAD system's token at the home region's agency
    "other_dispatch",  # and at the other region's agency
)


@dataclass
class Actor:
    """One role: its API token and its console session (cookie value and CSRF token)."""

    role: str
    username: str | None = None
    token: str | None = None
    cookie: str | None = None
    csrf: str | None = None


@dataclass
class World:
    """Real ids for every path parameter the app's routes take."""

    client: TestClient[Litestar]
    engine: sa.Engine
    region: Region
    other_region: Region
    officer_id: str
    class_id: str
    credential_id: str
    status_list: int
    agency_ori: str
    officer_post_id: str
    module: str
    actors: dict[str, Actor] = field(default_factory=dict)
    # An account for the user pages to act on (disable, reset...), none of the roles above.
    user_id: str = ""

    def wallet_key(self) -> str:
        """The officer's current wallet key (rotating routes change it as the matrix runs)."""
        with unit_of_work(self.engine, read_only=True) as session:
            officer = session.exec(
                select(Officer).where(Officer.id == uuid.UUID(self.officer_id))
            ).one()
            return officer.wallet_key


def fresh_session(engine: sa.Engine, actor: Actor) -> tuple[str, str]:
    """A new console session for the actor's user (for calls that end the session): its cookie
    and its CSRF token."""
    assert actor.username
    with unit_of_work(engine) as session:
        signed = sessions.sign_in(session, actor.username, PASSWORD)
    assert signed is not None
    return signed[0], signed[1].csrf_token


def make_actor(engine: sa.Engine, role: str, region: str | None, ori: str | None = None) -> Actor:
    name = unique(f"sec{role}")
    token_only = role == "dispatch"  # a CAD system's account has no console password
    with unit_of_work(engine) as session:
        user = create_user(
            session,
            SYSTEM,
            username=name,
            role=role,
            region_code=region,
            password=None if token_only else PASSWORD,
            agency_ori=ori,
        )
        token = issue_token(session, SYSTEM, user)
    if token_only:
        return Actor(role=role, username=name, token=token)
    with unit_of_work(engine) as session:
        signed = sessions.sign_in(session, name, PASSWORD)
    assert signed is not None
    cookie, who = signed
    return Actor(role=role, username=name, token=token, cookie=cookie, csrf=who.csrf_token)


@pytest.fixture(scope="module")
def world(
    client: TestClient[Litestar], engine: sa.Engine, admin: Api, course: dict[str, Any]
) -> World:
    def region() -> tuple[Region, Actor, Actor]:
        code = unique("S")
        r = admin.post("/api/v1/regions", {"code": code, "name": f"Region {code}"})
        assert r.status_code == 201, r.text
        agency = admin.post(
            "/api/v1/agencies",
            {"name": f"PD {code}", "ori": "UT" + uuid.uuid4().hex[:7].upper(), "region": code},
        )
        assert agency.status_code == 201, agency.text
        coordinator = make_actor(engine, "coordinator", code)
        instructor = make_actor(engine, "instructor", code)
        place = Region(
            code=code,
            id=r.json()["id"],
            agency_id=agency.json()["id"],
            coordinator=Api(client, coordinator.token),
            instructor=Api(client, instructor.token),
            admin=admin,
        )
        return place, coordinator, instructor

    home, coordinator, instructor = region()
    other, other_coordinator, _ = region()
    officer = home.officer()
    klass = home.klass()
    graduate(home, course, klass["id"], officer["id"])
    certified = home.coordinator.post(f"/api/v1/classes/{klass['id']}/certify", {})
    assert certified.status_code == 200, certified.text
    issued = certified.json()["issued"][0]
    with unit_of_work(engine, read_only=True) as session:
        n = session.exec(
            select(Credential.status_list).where(Credential.id == issued["credential_id"])
        ).one()
    world = World(
        client=client,
        engine=engine,
        region=home,
        other_region=other,
        officer_id=officer["id"],
        class_id=klass["id"],
        credential_id=issued["credential_id"],
        status_list=n,
        officer_post_id=officer["post_id"],
        module=course["modules"][0]["code"],
        agency_ori=admin.get(f"/api/v1/agencies/{home.agency_id}").json()["ori"],
    )
    other_ori = admin.get(f"/api/v1/agencies/{other.agency_id}").json()["ori"]
    world.actors = {
        "anonymous": Actor("anonymous"),
        "wallet": Actor("wallet"),
        "instructor": instructor,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "admin": make_actor(engine, "admin", None),
        "liaison": make_actor(engine, "liaison", None, world.agency_ori),
        "other_liaison": make_actor(engine, "liaison", None, other_ori),
        "dispatch": make_actor(engine, "dispatch", None, world.agency_ori),
        "other_dispatch": make_actor(engine, "dispatch", None, other_ori),
    }
    bystander = make_actor(engine, "coordinator", home.code)
    with unit_of_work(engine, read_only=True) as session:
        world.user_id = str(
            session.exec(select(User.id).where(User.username == bystander.username)).one()
        )
    return world
