"""Every route of the app, every method, called as every role: the answer's class must match the
declared expectation. A route missing from the table fails the test, so new routes get declared."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from registry.accounts import service, sessions
from registry.accounts.guards import PUBLIC
from registry.actors import SYSTEM
from registry.common import opaque_id, utcnow
from registry.db import unit_of_work
from registry.tables.wallets import HolderCopy, Interaction
from tests.conftest import program_today, unique
from tests.security.conftest import PASSWORD, ROLES, World, fresh_session, make_actor

ANON, WALLET, INSTR, COORD, OTHER, ADMIN, LIAISON, OTHER_LIAISON, DISPATCH, OTHER_DISPATCH = ROLES
EVERYONE = frozenset(ROLES)
# Region-independent role guards (staff: any signed-in role; office: coordinators and admins).
STAFF = frozenset({INSTR, COORD, OTHER, ADMIN})
OFFICE = frozenset({COORD, OTHER, ADMIN})
# Region-scoped: the resource belongs to the world's home region.
HOME_STAFF = frozenset({INSTR, COORD, ADMIN})
HOME_OFFICE = frozenset({COORD, ADMIN})
ADMIN_ONLY = frozenset({ADMIN})
# Everyone with a console session (a liaison too; a dispatch account has none): their account.
SIGNED_IN = EVERYONE - {ANON, WALLET, DISPATCH, OTHER_DISPATCH}
# An agency's patrol plan, coverage and on-duty list: its region's coordinators, the
# administrator and the agency's own liaison (to everyone else an unknown id).
HOME_PATROL = frozenset({COORD, ADMIN, LIAISON})

# Routes marked `public=True`: anyone may call them, they carry no guard. Exactly this set.
PUBLIC_ROUTES = {
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/health/ready"),
    ("GET", "/login"),
    ("POST", "/login"),
    # a forgotten password, and the page an invitation or reset link opens (the token is the
    # capability; an unknown one is answered 404)
    ("GET", "/account/forgot"),
    ("POST", "/account/forgot"),
    ("GET", "/account/password/{token:str}"),
    ("POST", "/account/password/{token:str}"),
    ("GET", "/courses/{code:str}"),
    ("GET", "/lookup"),
    ("POST", "/lookup"),
    ("GET", "/verify"),
    ("POST", "/verify"),
    ("GET", "/wallet/{key:str}"),
    ("GET", "/wallet/{key:str}/show/{credential_id:str}"),
    ("GET", "/wallet/{key:str}/manifest.webmanifest"),
    ("GET", "/wallet/{key:str}/sw.js"),
    ("GET", "/wallet/{key:str}/c/{credential_id:str}/credential.jwt"),
    ("GET", "/wallet/{key:str}/c/{credential_id:str}/certificate.pdf"),
    ("GET", "/wallet/{key:str}/c/{credential_id:str}/credential.json"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/.well-known/did.json"),
    ("GET", "/status/{purpose:str}/{n:int}"),
    ("POST", "/api/v1/verify"),
    ("GET", "/c/{credential_id:str}"),
    ("GET", "/c/{credential_id:str}/qr.svg"),
    ("GET", "/c/{credential_id:str}/qr.png"),
    ("GET", "/c/{credential_id:str}/credential.jwt"),
    ("GET", "/c/{credential_id:str}/credential.json"),
    ("GET", "/c/{credential_id:str}/certificate.pdf"),
    ("GET", "/static/{file_path:path}"),
    ("HEAD", "/static/{file_path:path}"),
    ("OPTIONS", "/static/{file_path:path}"),
    ("GET", "/schema-assets/{file_path:path}"),
    ("HEAD", "/schema-assets/{file_path:path}"),
    ("OPTIONS", "/schema-assets/{file_path:path}"),
    ("GET", "/.well-known/dcc-registry-entry.json"),
    # wallet hand-over: the capability is the secret in the path, the wallet key, or the
    # OpenID4VCI access token (never an API token); the metadata is public by design
    ("GET", "/interactions/{secret:str}"),
    ("POST", "/exchanges/{secret:str}"),
    ("POST", "/exchanges/{secret:str}/credential-request"),
    ("GET", "/.well-known/openid-credential-issuer"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("POST", "/oid4vci/token"),
    ("POST", "/oid4vci/nonce"),
    ("POST", "/oid4vci/credential"),
    ("POST", "/wallet/{key:str}/handover/{credential_id:str}"),
    ("POST", "/wallet/{key:str}/copies/withdraw"),
    # the directory of agencies: bands of certified officers, no names, no districts
    ("GET", "/agencies"),
}
# Public routes that take a credential of their own protocol instead of an API token or session:
# every role is refused alike (no API token works as an OpenID4VCI access token).
OWN_TOKEN_ROUTES = {("POST", "/oid4vci/credential")}
# Open without being marked public: the OpenAPI documents are excluded from authentication.
OPEN_ROUTES = {
    ("GET", "/schema"),
    ("GET", "/schema/{path:str}"),
    ("GET", "/schema/openapi.json"),
    ("GET", "/schema/oauth2-redirect.html"),
}

# Who may call each guarded route; everyone else is refused (401 or a redirect to the sign-in
# form when anonymous, 403 otherwise).
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/logout"): STAFF | {LIAISON, OTHER_LIAISON},
    # the console's "Stay signed in": whoever is signed in, for their own session
    ("POST", "/console/session"): STAFF | {LIAISON, OTHER_LIAISON},
    ("GET", "/console/program"): ADMIN_ONLY,
    ("POST", "/console/program"): ADMIN_ONLY,
    ("GET", "/api/v1/classes/{class_id:uuid}/results"): HOME_STAFF,
    # operations: the administrator (and a monitor account, tests/web/test_operations.py)
    ("GET", "/metrics"): ADMIN_ONLY,
    # the console: any staff member may look; changes need the office role, in the home region
    ("GET", "/console"): STAFF,
    ("GET", "/console/agencies"): STAFF,
    ("POST", "/console/agencies"): HOME_OFFICE,
    ("GET", "/console/officers"): STAFF,
    ("POST", "/console/officers"): HOME_OFFICE,
    ("GET", "/console/officers/{officer_id:uuid}"): HOME_STAFF,
    ("POST", "/console/officers/{officer_id:uuid}"): HOME_OFFICE,
    ("POST", "/console/officers/{officer_id:uuid}/transfer"): HOME_OFFICE,
    ("POST", "/console/officers/{officer_id:uuid}/wallet-link"): HOME_OFFICE,
    ("POST", "/console/officers/{officer_id:uuid}/copies/withdraw"): HOME_OFFICE,
    ("GET", "/console/classes"): STAFF,
    ("POST", "/console/classes"): HOME_OFFICE,
    ("GET", "/console/classes/{class_id:uuid}"): HOME_STAFF,
    ("POST", "/console/classes/{class_id:uuid}/enroll"): HOME_OFFICE,
    ("POST", "/console/classes/{class_id:uuid}/attendance"): HOME_STAFF,
    ("POST", "/console/classes/{class_id:uuid}/attendance/full"): HOME_STAFF,
    ("POST", "/console/classes/{class_id:uuid}/makeup"): HOME_STAFF,
    ("POST", "/console/classes/{class_id:uuid}/results/pass"): HOME_STAFF,
    ("POST", "/console/classes/{class_id:uuid}/results"): HOME_STAFF,
    ("GET", "/console/classes/{class_id:uuid}/certify"): HOME_OFFICE,
    ("POST", "/console/classes/{class_id:uuid}/certify"): HOME_OFFICE,
    ("GET", "/console/classes/{class_id:uuid}/roster.csv"): HOME_STAFF,
    ("GET", "/console/classes/{class_id:uuid}/handouts"): HOME_OFFICE,
    ("GET", "/console/credentials/{credential_id:str}"): HOME_OFFICE,
    ("POST", "/console/credentials/{credential_id:str}/revoke"): HOME_OFFICE,
    ("POST", "/console/credentials/{credential_id:str}/suspend"): HOME_OFFICE,
    ("POST", "/console/credentials/{credential_id:str}/reinstate"): HOME_OFFICE,
    ("GET", "/console/credentials.csv"): OFFICE,
    ("POST", "/console/credentials/{credential_id:str}/renew"): HOME_OFFICE,
    ("POST", "/console/credentials/{credential_id:str}/handover"): HOME_OFFICE,
    ("POST", "/console/officers/{officer_id:uuid}/ce"): HOME_OFFICE,
    ("GET", "/console/audit"): STAFF,
    ("GET", "/console/expiring"): STAFF,
    ("GET", "/console/expiring.csv"): STAFF,
    ("GET", "/console/coverage"): STAFF,
    ("GET", "/console/coverage.csv"): STAFF,
    ("GET", "/console/import"): STAFF,
    ("POST", "/console/import/officers"): HOME_OFFICE,
    ("POST", "/console/import/roster"): HOME_OFFICE,
    ("POST", "/console/import/officers/confirm"): HOME_OFFICE,
    ("POST", "/console/classes/{class_id:uuid}/wallet-links"): HOME_OFFICE,
    ("POST", "/console/import/agencies"): HOME_OFFICE,
    # an agency's own spreadsheet: the office's (the agency is checked in the service)
    ("GET", "/console/import/officers-template.csv"): STAFF,
    ("POST", "/console/import/sheet"): OFFICE,
    ("POST", "/console/import/sheet/preview"): OFFICE,
    ("POST", "/console/import/sheet/save"): OFFICE,
    ("POST", "/console/import/sheet/refused.csv"): OFFICE,
    # your own account: its password
    ("GET", "/console/account"): SIGNED_IN,
    ("POST", "/console/account/password"): SIGNED_IN,
    ("GET", "/console/regions"): ADMIN_ONLY,
    ("POST", "/console/regions"): ADMIN_ONLY,
    ("POST", "/console/regions/{region_code:str}"): ADMIN_ONLY,
    ("GET", "/console/agencies/{agency_id:uuid}"): HOME_OFFICE,
    ("POST", "/console/agencies/{agency_id:uuid}"): HOME_OFFICE,
    ("GET", "/console/courses"): STAFF,
    ("GET", "/console/courses/{code:str}"): STAFF,
    # accounts: the program administrator only
    ("GET", "/console/users"): ADMIN_ONLY,
    ("POST", "/console/users"): ADMIN_ONLY,
    ("GET", "/console/users/{user_id:uuid}"): ADMIN_ONLY,
    # disable, enable, password, revoke-tokens, end-sessions: one handler
    ("POST", "/console/users/{user_id:uuid}/{action:str}"): ADMIN_ONLY,
    ("POST", "/console/users/invite"): ADMIN_ONLY,
    ("POST", "/console/users/{user_id:uuid}/invitation"): ADMIN_ONLY,
    # the API
    ("GET", "/api/v1/regions"): STAFF,
    ("POST", "/api/v1/regions"): ADMIN_ONLY,
    ("PATCH", "/api/v1/regions/{region_code:str}"): ADMIN_ONLY,
    ("PATCH", "/api/v1/agencies/{agency_id:uuid}"): HOME_OFFICE,
    ("POST", "/api/v1/imports/agencies"): HOME_OFFICE,
    ("GET", "/api/v1/agencies"): STAFF,
    ("POST", "/api/v1/agencies"): HOME_OFFICE,
    ("GET", "/api/v1/agencies/{agency_id:uuid}"): HOME_STAFF,
    ("GET", "/api/v1/officers"): STAFF,
    ("POST", "/api/v1/officers"): HOME_OFFICE,
    ("GET", "/api/v1/officers/{officer_id:uuid}"): HOME_STAFF,
    ("PATCH", "/api/v1/officers/{officer_id:uuid}"): HOME_OFFICE,
    ("POST", "/api/v1/officers/{officer_id:uuid}/transfer"): HOME_OFFICE,
    ("POST", "/api/v1/officers/{officer_id:uuid}/wallet-link"): HOME_OFFICE,
    ("GET", "/api/v1/officers/{officer_id:uuid}/copies"): HOME_OFFICE,
    ("POST", "/api/v1/officers/{officer_id:uuid}/copies/withdraw"): HOME_OFFICE,
    ("GET", "/api/v1/courses"): STAFF,
    ("GET", "/api/v1/classes"): STAFF,
    ("POST", "/api/v1/classes"): HOME_OFFICE,
    ("GET", "/api/v1/classes/{class_id:uuid}"): HOME_STAFF,
    ("POST", "/api/v1/classes/{class_id:uuid}/enrollments"): HOME_OFFICE,
    ("POST", "/api/v1/classes/{class_id:uuid}/attendance"): HOME_STAFF,
    ("POST", "/api/v1/classes/{class_id:uuid}/results"): HOME_STAFF,
    ("GET", "/api/v1/classes/{class_id:uuid}/roster"): HOME_STAFF,
    ("GET", "/api/v1/classes/{class_id:uuid}/roster.csv"): HOME_STAFF,
    ("POST", "/api/v1/classes/{class_id:uuid}/certify"): HOME_OFFICE,
    ("POST", "/api/v1/classes/{class_id:uuid}/imports/roster"): HOME_OFFICE,
    ("GET", "/api/v1/credentials/{credential_id:str}"): HOME_OFFICE,
    ("POST", "/api/v1/credentials/{credential_id:str}/revoke"): HOME_OFFICE,
    ("POST", "/api/v1/credentials/{credential_id:str}/suspend"): HOME_OFFICE,
    ("POST", "/api/v1/credentials/{credential_id:str}/reinstate"): HOME_OFFICE,
    ("GET", "/api/v1/credentials.csv"): OFFICE,
    ("GET", "/api/v1/coverage.csv"): STAFF,
    ("GET", "/api/v1/expiring.csv"): STAFF,
    ("GET", "/api/v1/expiring"): OFFICE,
    ("GET", "/api/v1/officers/{officer_id:uuid}/ce"): HOME_STAFF,
    ("POST", "/api/v1/officers/{officer_id:uuid}/ce"): HOME_OFFICE,
    ("POST", "/api/v1/credentials/{credential_id:str}/renew"): HOME_OFFICE,
    ("POST", "/api/v1/imports/officers"): HOME_OFFICE,
    ("POST", "/api/v1/credentials/{credential_id:str}/interactions"): HOME_OFFICE,
    # coverage (issue 22)
    ("GET", "/api/v1/agencies/{agency_id:uuid}/patrol"): HOME_PATROL,
    ("PUT", "/api/v1/agencies/{agency_id:uuid}/patrol"): HOME_PATROL,
    ("GET", "/api/v1/agencies/{agency_id:uuid}/coverage"): HOME_PATROL,
    # ... and the one route a dispatch account (a CAD system) reads, at its own agency only
    ("GET", "/api/v1/agencies/{agency_id:uuid}/on-duty"): HOME_PATROL | {DISPATCH},
    ("GET", "/api/v1/agencies/{agency_id:uuid}/officers"): HOME_PATROL,
    ("PUT", "/api/v1/officers/{officer_id:uuid}/assignment"): HOME_PATROL,
    ("GET", "/api/v1/coverage"): OFFICE,
    ("GET", "/console/agencies/{agency_id:uuid}/coverage"): HOME_PATROL,
    ("POST", "/console/agencies/{agency_id:uuid}/patrol"): HOME_PATROL,
    ("POST", "/console/agencies/{agency_id:uuid}/assignments"): HOME_PATROL,
    ("PUT", "/api/v1/officers/{officer_id:uuid}/nomination"): HOME_PATROL,
    ("DELETE", "/api/v1/officers/{officer_id:uuid}/nomination"): HOME_PATROL,
    ("GET", "/api/v1/nominations"): OFFICE,
    ("PUT", "/api/v1/regions/{region_code:str}/contact"): HOME_OFFICE,
    ("POST", "/console/regions/{region_code:str}/contact"): HOME_OFFICE,
    ("POST", "/console/agencies/{agency_id:uuid}/nominations"): HOME_PATROL,
}

# Console changes refused by a service come back as a redirect with one of these messages.
REFUSALS = (
    "another region",
    "needs the role",
    "is in your region",
    "does not allow",
    "only the program administrator",
    # an officer of another region reads as an unknown one (a region owns its officers)
    "no officer with",
    # and an agency its patrol plan (coverage): another's is an unknown id
    "no agency with this id",
    # and a region its public contact
    "no region with this code",
)


AGENCY_SCOPED = (
    "/api/v1/agencies/{agency_id:uuid}/",
    "/console/agencies/{agency_id:uuid}/coverage",
    "/api/v1/regions/{region_code:str}/contact",
)


def _iso(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _ori() -> str:
    return "UT" + uuid.uuid4().hex[:7].upper()


def _copy(w: World) -> str:
    """A copy of the world's certification in a wallet app, for a withdrawal to find."""
    with unit_of_work(w.engine) as session:
        interaction = Interaction(
            id=opaque_id(),
            secret_hash=secrets.token_hex(32),
            credential_id=w.credential_id,
            officer_id=uuid.UUID(w.officer_id),
            created_by="matrix",
            expires_at=utcnow(),
        )
        session.add(interaction)
        session.flush()
        copy = HolderCopy(
            id=opaque_id(),
            interaction_id=interaction.id,
            credential_id=w.credential_id,
            officer_id=uuid.UUID(w.officer_id),
            holder_did="did:key:z6MkMatrix",
            protocol="vcapi",
            format="ldp_vc",
        )
        session.add(copy)
        return copy.id


# Well-formed bodies, so that a request gets past validation to the region check.
Body = Callable[[World], Any]
BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/login"): lambda w: {"username": w.actors[ADMIN].username, "password": PASSWORD},
    ("POST", "/api/v1/verify"): lambda w: {"token": "a.b.c"},
    ("POST", "/api/v1/regions"): lambda w: {"code": unique("Q"), "name": "Region"},
    ("POST", "/api/v1/agencies"): lambda w: {
        "name": unique("PD "),
        "ori": _ori(),
        "region": w.region.code,
    },
    ("POST", "/api/v1/officers"): lambda w: {
        "post_id": unique("P"),
        "first_name": "Ann",
        "last_name": unique("Lee"),
        "agency_id": w.region.agency_id,
        "patrol_start_date": _iso(-900),
    },
    ("PATCH", "/api/v1/officers/{officer_id:uuid}"): lambda w: {"email": "ann@example.org"},
    ("PATCH", "/api/v1/regions/{region_code:str}"): lambda w: {"name": unique("Region ")},
    ("PATCH", "/api/v1/agencies/{agency_id:uuid}"): lambda w: {"name": unique("PD ")},
    ("POST", "/api/v1/officers/{officer_id:uuid}/transfer"): lambda w: {
        "agency_id": w.region.agency_id,
        "effective_date": _iso(0),
    },
    ("POST", "/api/v1/classes"): lambda w: {
        "course": "CIT-40",
        "region": w.region.code,
        "start_date": _iso(30),
        "end_date": _iso(34),
        "location": "Academy",
        "capacity": 10,
    },
    ("POST", "/api/v1/classes/{class_id:uuid}/enrollments"): lambda w: {"officer_id": w.officer_id},
    ("POST", "/api/v1/classes/{class_id:uuid}/attendance"): lambda w: {
        "records": [{"officer_id": w.officer_id, "module": "M1", "hours": 1}]
    },
    ("POST", "/api/v1/classes/{class_id:uuid}/results"): lambda w: {
        "records": [
            {"officer_id": w.officer_id, "written_exam": "pass", "scenario_evaluation": "pass"}
        ]
    },
    ("POST", "/api/v1/classes/{class_id:uuid}/certify"): lambda w: {"officer_ids": [w.officer_id]},
    ("POST", "/api/v1/officers/{officer_id:uuid}/ce"): lambda w: {
        "title": "De-escalation refresher",
        "hours": 2,
        "completed_on": _iso(-1),
    },
    ("POST", "/api/v1/officers/{officer_id:uuid}/copies/withdraw"): lambda w: {
        "copy_ids": [_copy(w)]
    },
    ("POST", "/console/officers/{officer_id:uuid}/copies/withdraw"): lambda w: {
        "copy_id": _copy(w)
    },
    ("PUT", "/api/v1/agencies/{agency_id:uuid}/patrol"): lambda w: {
        "districts": [{"code": "N", "name": "North"}],
        "shifts": [{"code": "DAY", "name": "Day", "starts": "06:00", "ends": "14:00"}],
    },
    ("PUT", "/api/v1/regions/{region_code:str}/contact"): lambda w: {"contact": "matrix"},
    ("POST", "/console/regions/{region_code:str}/contact"): lambda w: {"contact": "matrix"},
    ("POST", "/console/agencies/{agency_id:uuid}/nominations"): lambda w: {
        "officer_id": w.officer_id,
        "action": "nominate",
    },
    ("POST", "/console/agencies/{agency_id:uuid}/patrol"): lambda w: {
        "districts": "N | North",
        "shifts": "DAY | Day | 06:00 | 14:00",
    },
    ("POST", "/console/agencies/{agency_id:uuid}/assignments"): lambda w: {
        "officer_id": w.officer_id,
        "district": "",
        "shift": "",
    },
    ("PUT", "/api/v1/officers/{officer_id:uuid}/assignment"): lambda w: {
        "district": None,
        "shift": None,
    },
    ("POST", "/api/v1/credentials/{credential_id:str}/revoke"): lambda w: {"reason": "matrix"},
    ("POST", "/api/v1/credentials/{credential_id:str}/suspend"): lambda w: {"reason": "matrix"},
    ("POST", "/api/v1/credentials/{credential_id:str}/reinstate"): lambda w: {"reason": "matrix"},
    ("POST", "/console/agencies"): lambda w: {
        "name": unique("PD "),
        "ori": _ori(),
        "region": w.region.code,
    },
    ("POST", "/console/officers"): lambda w: {
        "post_id": unique("P"),
        "first_name": "Ann",
        "last_name": unique("Lee"),
        "agency_id": w.region.agency_id,
        "patrol_start_date": _iso(-900),
    },
    ("POST", "/console/officers/{officer_id:uuid}"): lambda w: {
        "first_name": "Jane",
        "last_name": "Doe",
        "patrol_start_date": _iso(-900),
    },
    ("POST", "/console/officers/{officer_id:uuid}/transfer"): lambda w: {
        "agency_id": w.region.agency_id,
        "effective_date": _iso(0),
    },
    ("POST", "/console/classes"): lambda w: {
        "course": "CIT-40",
        "region": w.region.code,
        "start_date": _iso(30),
        "end_date": _iso(34),
        "location": "Academy",
        "capacity": "10",
    },
    ("POST", "/console/classes/{class_id:uuid}/enroll"): lambda w: {"post_id": w.officer_post_id},
    ("POST", "/console/classes/{class_id:uuid}/attendance"): lambda w: {
        f"h:{w.officer_id}:{w.module}": "1"
    },
    ("POST", "/console/classes/{class_id:uuid}/results"): lambda w: {
        f"written_exam:{w.officer_id}": "pass"
    },
    ("POST", "/console/classes/{class_id:uuid}/attendance/full"): lambda w: {
        "scope": f"module:{w.module}"
    },
    ("POST", "/console/classes/{class_id:uuid}/makeup"): lambda w: {
        "officer_id": str(w.officer_id),
        "module": w.module,
        "hours": "0.5",
        "held_on": program_today().isoformat(),
        "location": "Make-up room",
    },
    ("POST", "/console/classes/{class_id:uuid}/results/pass"): lambda w: {"field": "written_exam"},
    ("POST", "/console/officers/{officer_id:uuid}/ce"): lambda w: {
        "title": "De-escalation refresher",
        "hours": "2",
        "completed_on": _iso(-1),
    },
    ("POST", "/console/import/roster"): lambda w: {"class_id": w.class_id},
    ("POST", "/console/import/officers/confirm"): lambda w: {
        "csv": _officers_csv(w),
        "existing": "update",
        "filename": "matrix.csv",
    },
    ("POST", "/console/regions"): lambda w: {"code": unique("Q"), "name": "Region"},
    # The program's contact is the whole database's: the matrix leaves none set.
    ("POST", "/console/program"): lambda w: {"phone": "", "email": "", "address": ""},
    ("POST", "/console/regions/{region_code:str}"): lambda w: {"name": unique("Region ")},
    ("POST", "/console/agencies/{agency_id:uuid}"): lambda w: {
        "name": unique("PD "),
        "ori": w.agency_ori,
    },
    ("POST", "/console/credentials/{credential_id:str}/revoke"): lambda w: {"reason": "matrix"},
    ("POST", "/console/credentials/{credential_id:str}/suspend"): lambda w: {"reason": "matrix"},
    ("POST", "/console/credentials/{credential_id:str}/reinstate"): lambda w: {"reason": "m"},
    ("POST", "/console/users"): lambda w: {
        "username": unique("mx"),
        "role": "instructor",
        "region": w.region.code,
        "password": PASSWORD,
    },
    ("POST", "/console/users/{user_id:uuid}/{action:str}"): lambda w: {"token_id": "all"},
}


def _officers_csv(w: World) -> str:
    return (
        "post_id,first_name,last_name,agency_ori,patrol_start_date\n"
        f"{unique('P')},Ann,Lee,{w.agency_ori},{_iso(-900)}\n"
    )


def _agencies_csv(w: World) -> str:
    return f"name,ori,region\n{unique('PD ')},{_ori()},{w.region.code}\n"


def _roster_csv(w: World) -> str:
    return f"post_id\n{w.officer_post_id}\n"


# CSV bodies: sent as text/csv to the API, uploaded as a file to the console.
CSV_BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/api/v1/imports/officers"): _officers_csv,
    ("POST", "/api/v1/classes/{class_id:uuid}/imports/roster"): _roster_csv,
    ("POST", "/console/import/officers"): _officers_csv,
    ("POST", "/console/import/roster"): _roster_csv,
    ("POST", "/api/v1/imports/agencies"): _agencies_csv,
    ("POST", "/console/import/agencies"): _agencies_csv,
}


def _params(world: World, role: str) -> dict[str, str]:
    return {
        "class_id": world.class_id,
        "officer_id": world.officer_id,
        "agency_id": world.region.agency_id,
        "credential_id": world.credential_id,
        "user_id": world.user_id,
        "action": "revoke-tokens",
        "purpose": "revocation",
        "n": str(world.status_list),
        "code": "CIT-40",
        "region_code": world.region.code,
        # Only the wallet holder knows the key; the others try one that was never issued.
        "key": world.wallet_key() if role == WALLET else "not-a-wallet-key-" + "x" * 26,
        "path": "openapi.yaml",
        "secret": "not-an-interaction-secret",
        "token": "not-an-account-link",
    }


def _fill(path: str, params: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "file_path":
            return "wallet-icon-192.png" if path.startswith("/static") else "swagger-ui.css"
        return params[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def _is_console(path: str) -> bool:
    return path == "/console" or path.startswith(("/console/", "/logout", "/login", "/account/"))


# Forms for someone not signed in: their CSRF token comes with the page (and a cookie).
def _unsigned_form(path: str) -> bool:
    return path in ("/login", "/account/forgot") or path.startswith("/account/password/")


def routes(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, opt) for every HTTP route handler of the app."""
    out = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                out.append((str(method), route.path, dict(handler.opt)))
    return out


def call(world: World, role: str, method: str, path: str) -> Any:
    client = world.client
    actor = world.actors[role]
    url = _fill(path, _params(world, role))
    headers: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    client.cookies.clear()
    console = _is_console(path)
    csrf = actor.csrf
    if console and actor.cookie:
        # Signing out ends the session it is sent with: give it one of its own.
        cookie = actor.cookie
        if path == "/logout":
            cookie, csrf = fresh_session(world.engine, actor)
        client.cookies.set(sessions.COOKIE, cookie)
    elif actor.token:
        headers["Authorization"] = f"Bearer {actor.token}"
    body = BODIES.get((method, path))
    if (method, path) in CSV_BODIES and not console:
        headers["Content-Type"] = "text/csv"
        kwargs["content"] = CSV_BODIES[(method, path)](world).encode()
    elif console and method == "POST":
        form = dict(body(world)) if body else {}
        if _unsigned_form(path):
            page = client.get(url)
            match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            form["csrf_token"] = match.group(1) if match else ""
        elif csrf:
            form["csrf_token"] = csrf
        kwargs["data"] = form
        if (method, path) in CSV_BODIES:
            csv = CSV_BODIES[(method, path)](world).encode()
            kwargs["files"] = {"file": ("matrix.csv", csv, "text/csv")}
    elif method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = body(world) if body else {}
    try:
        return client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
    finally:
        client.cookies.clear()


def refused(response: Any, path: str) -> str | None:
    """How the answer refuses the caller ("login", "forbidden"), or None when it does not."""
    status = response.status_code
    if status == 401:
        return "login"
    if status == 403:
        return "forbidden"
    if status == 404 and ("{officer_id" in path or path.startswith(AGENCY_SCOPED)):
        # A region owns its officers, and an agency its plan: to anyone else an officer or
        # agency id is unknown, not forbidden.
        return "forbidden"
    if status == 422 and "/import" in path and "another region" in response.text:
        return "forbidden"  # an import refuses the rows of another region, all or nothing
    if status in (302, 303, 307) and _is_console(path) and path != "/logout":
        location = response.headers.get("location", "")
        if location.startswith("/login"):
            return "login"
        flash = unquote(response.cookies.get("cit_flash", "") or "").lower()
        kind = flash.partition(":")[0].partition("@")[0]  # "error@attendance:..." too
        if kind == "error" and any(r in flash for r in REFUSALS):
            return "forbidden"
    return None


# Accounts with an API token only: the console, which takes no token, sends them to sign in.
TOKEN_ONLY = (DISPATCH, OTHER_DISPATCH)


def expected_refusal(role: str, path: str = "") -> str:
    if role in (ANON, WALLET) or (role in TOKEN_ONLY and _is_console(path)):
        return "login"
    return "forbidden"


# Roles that may change the world go last, so a refused call is never masked by an earlier
# allowed change (a revoked credential, a full class).
ROLE_ORDER = (
    ANON,
    WALLET,
    DISPATCH,
    OTHER_DISPATCH,
    INSTR,
    OTHER,
    OTHER_LIAISON,
    LIAISON,
    COORD,
    ADMIN,
)


def _order(item: tuple[str, str, dict[str, Any]]) -> tuple[int, str, str]:
    method, path, _ = item
    # Signing out ends the session every later console call uses.
    return (2 if path == "/logout" else 0 if method in ("GET", "HEAD") else 1, path, method)


def test_every_route_answers_each_role_as_declared(app: Litestar, world: World) -> None:
    table = routes(app)
    declared = set(EXPECTED) | PUBLIC_ROUTES | OPEN_ROUTES
    found = {(m, p) for m, p, _ in table if m != "OPTIONS"}
    undeclared = sorted(found - declared - {("OPTIONS", p) for _, p in found})
    assert not undeclared, f"routes without a declared expectation: {undeclared}"
    stale = sorted(declared - {(m, p) for m, p, _ in table})
    assert not stale, f"declared routes the app no longer has: {stale}"

    marked = {(m, p) for m, p, opt in table if opt.get(PUBLIC)}
    assert marked == PUBLIC_ROUTES, (
        f"marked public but not declared: {sorted(marked - PUBLIC_ROUTES)}; "
        f"declared public but not marked: {sorted(PUBLIC_ROUTES - marked)}"
    )

    failures: list[str] = []
    checked = 0
    for method, path, _ in sorted(table, key=_order):
        if method == "OPTIONS":
            allowed: frozenset[str] = EVERYONE
        elif (method, path) in PUBLIC_ROUTES | OPEN_ROUTES:
            allowed = EVERYONE
        else:
            allowed = EXPECTED[(method, path)]
        for role in ROLE_ORDER:
            response = call(world, role, method, path)
            checked += 1
            got = refused(response, path)
            where = f"{method} {path} as {role}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{where} (server error) {response.text[:200]}")
            elif (method, path) in OWN_TOKEN_ROUTES:
                challenge = response.headers.get("www-authenticate", "")
                if response.status_code != 401 or 'error="invalid_token"' not in challenge:
                    failures.append(f"{where} should be refused as invalid_token")
            elif method == "OPTIONS":
                # The automatic CORS preflight answer must not leak the resource.
                if response.status_code < 400 and response.content.strip():
                    failures.append(f"{where} OPTIONS answered with a body")
            elif role in allowed and got is not None:
                failures.append(f"{where} refused ({got}) but the role is allowed")
            elif role not in allowed and got != expected_refusal(role, path):
                failures.append(f"{where} should be refused ({expected_refusal(role, path)})")
    print(
        f"access matrix: {len({(m, p) for m, p, _ in table})} routes x {len(ROLE_ORDER)} roles"
        f" = {checked} calls"
    )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [INSTR, COORD, OTHER, ADMIN])
def test_a_console_form_without_the_csrf_token_is_refused(world: World, role: str) -> None:
    client = world.client
    client.cookies.clear()
    client.cookies.set(sessions.COOKIE, world.actors[role].cookie or "")
    try:
        r = client.post(
            f"/console/credentials/{world.credential_id}/suspend",
            data={"reason": "no token"},
            follow_redirects=False,
        )
    finally:
        client.cookies.clear()
    assert r.status_code == 403, r.text


def test_a_disabled_account_is_refused_on_every_guarded_route(app: Litestar, world: World) -> None:
    """An administrator (who may call every route) shut off with `registry user disable`: its
    API token and its console session, both opened before, are refused everywhere at once."""
    account = make_actor(world.engine, "admin", None)
    with unit_of_work(world.engine) as session:
        target = service.find_user(session, SYSTEM, name=account.username)
        service.set_disabled(session, SYSTEM, target, True)
    world.actors["disabled"] = account
    failures = []
    try:
        for method, path, _ in sorted(routes(app), key=_order):
            if (method, path) not in EXPECTED or path == "/logout":
                continue  # public routes answer everyone; /logout needs a live session
            response = call(world, "disabled", method, path)
            if refused(response, path) != "login":
                failures.append(f"{method} {path}: {response.status_code}")
    finally:
        del world.actors["disabled"]
    assert not failures, "\n".join(failures)
