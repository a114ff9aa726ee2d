"""Only a CIT certification can be valid, and the verify API never names a protected holder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from registry.settings import Settings
from registry.vc.keystore import KeyStore
from tests.conftest import DID, PUBLIC_URL, Api, Region
from tests.live import cli_env, run_registry
from tests.verification.test_verify_api import check, issue, parts, verify


def signed(keys_dir: Path, payload: dict[str, Any]) -> str:
    """`payload` signed by the registry's own active key, as the registry signs."""
    return KeyStore(keys_dir).sign(payload, did=DID).token


def reason(answer: dict[str, Any]) -> str:
    assert answer["verdict"] == "invalid", answer
    assert "credential" not in answer
    assert not check(answer, "certification")["ok"]
    return " ".join(answer["reasons"])


def test_a_status_list_of_ours_is_invalid_and_said_to_be_a_status_list(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    url = parts(item["token"])[1]["credentialStatus"]["statusListCredential"]
    status_list = anonymous.get(url).text
    assert parts(status_list)[0]["kid"].startswith(f"{DID}#")  # genuinely signed by us
    answer = verify(anonymous, status_list)
    assert "this is a status list, not a certification" in reason(answer)
    assert check(answer, "signature")["ok"] and check(answer, "issuer")["ok"]


def achievement_id(value: str) -> Any:
    def change(p: dict[str, Any]) -> dict[str, Any]:
        return subject(p, achievement={**p["credentialSubject"]["achievement"], "id": value})

    return change


@pytest.mark.parametrize(
    ("change", "said"),
    [
        pytest.param(
            lambda p: {**p, "type": ["VerifiableCredential"]},
            "not an OpenBadgeCredential",
            id="plain VC",
        ),
        pytest.param(
            lambda p: {**p, "type": ["VerifiableCredential", "EndorsementCredential"]},
            "not an OpenBadgeCredential",
            id="endorsement",
        ),
        pytest.param(
            achievement_id(f"{PUBLIC_URL}/courses/NOT-A-COURSE"),
            "is not a course of this registry",
            id="unknown course",
        ),
        pytest.param(
            achievement_id("https://elsewhere.example/courses/CIT-40"),
            "is not a course of this registry",
            id="foreign course",
        ),
        pytest.param(
            lambda p: subject(p, achievement="CIT-40"), "names no achievement", id="no achievement"
        ),
        pytest.param(
            lambda p: subject(p, name=None, identifier=None), "names no holder", id="no holder"
        ),
        pytest.param(
            lambda p: subject(p, name="  ", identifier=[]), "names no holder", id="blank holder"
        ),
    ],
)
def test_no_other_credential_of_ours_can_be_valid(
    region: Region,
    course: dict[str, Any],
    anonymous: Api,
    settings: Settings,
    change: Any,
    said: str,
) -> None:
    payload = parts(issue(region, course)["token"])[1]
    answer = verify(anonymous, signed(settings.keys_dir, change(payload)))
    assert said in reason(answer)


def subject(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """`payload` with credentialSubject members changed (None removes one)."""
    new = {**payload["credentialSubject"], **changes}
    return {**payload, "credentialSubject": {k: v for k, v in new.items() if v is not None}}


def test_the_cli_refuses_a_status_list_and_a_plain_http_trust_anchor(
    region: Region, course: dict[str, Any], anonymous: Api, tmp_path: Path
) -> None:
    item = issue(region, course)
    url = parts(item["token"])[1]["credentialStatus"]["statusListCredential"]
    jwks = tmp_path / "jwks.json"
    jwks.write_text(anonymous.get("/.well-known/jwks.json").text)
    result = run_registry(
        "verify", anonymous.get(url).text, "--jwks", str(jwks), "--no-status", env=cli_env()
    )
    assert result.returncode == 1, result.stderr
    assert "this is a status list, not a certification" in result.stdout
    # The same JWKS and a real certification: valid (the course is one under the issuer's URL).
    ok = run_registry("verify", item["token"], "--jwks", str(jwks), "--no-status", env=cli_env())
    assert ok.returncode == 0, ok.stdout

    for anchor in ("http://registry.example", "http://10.0.0.1:8000", "ftp://registry.example"):
        refused = run_registry("verify", item["token"], "--issuer", anchor, env=cli_env())
        assert refused.returncode == 2, (anchor, refused.stdout)
        assert "use https" in refused.stderr and "localhost" in refused.stderr
        assert refused.stdout == ""


# -- the verify API names no protected holder


def test_a_holder_protected_at_issuance_is_not_named(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course, protected=True)
    assert "name" not in parts(item["token"])[1]["credentialSubject"]
    answer = verify(anonymous, item["token"])
    assert answer["verdict"] == "valid", answer
    assert answer["credential"]["holder"] == {"name": None, "post_id": None}


def test_a_holder_protected_after_issuance_is_not_named_though_the_token_names_them(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    officer = item["officer"]
    named = verify(anonymous, item["token"])["credential"]["holder"]
    assert named == {
        "name": f"{officer['first_name']} {officer['last_name']}",
        "post_id": officer["post_id"],
    }
    r = region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": True})
    assert r.status_code == 200, r.text
    assert parts(item["token"])[1]["credentialSubject"]["name"]  # still in the token
    answer = verify(anonymous, item["token"])
    assert answer["verdict"] == "valid", answer
    assert answer["credential"]["holder"] == {"name": None, "post_id": None}
    # Lifted again: named again.
    r = region.coordinator.patch(f"/api/v1/officers/{officer['id']}", {"protected": False})
    assert r.status_code == 200, r.text
    assert verify(anonymous, item["token"])["credential"]["holder"] == named


def test_a_genuine_token_of_ours_not_on_record_names_no_one(
    region: Region, course: dict[str, Any], anonymous: Api, engine: sa.Engine
) -> None:
    # A database restored from before the credential was issued: the token is still genuine,
    # but whether its holder is protected cannot be known.
    item = issue(region, course)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE credentials SET id = :new WHERE id = :id"),
            {"new": "GONE" + item["credential_id"][4:], "id": item["credential_id"]},
        )
    answer = verify(anonymous, item["token"])
    assert answer["verdict"] == "valid", answer
    assert answer["credential"]["holder"] == {"name": None, "post_id": None}
