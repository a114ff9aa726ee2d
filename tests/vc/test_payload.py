"""The credential payload: the profile's exact shape, valid against the Open Badges 3.0 schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from registry.vc.payload import build_credential
from tests import ob3

ACHIEVEMENT = {
    "id": "https://registry.example/courses/CIT-40",
    "type": ["Achievement"],
    "achievementType": "Certification",
    "name": "CIT Officer Certification",
    "description": "The state-certified Crisis Intervention Team course.",
    "criteria": {
        "narrative": "Completed the 40-hour state-certified CIT course, passed the written "
        "exam and the scenario evaluation."
    },
}


def build(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "credential_url": "https://registry.example/c/7QX3M0K9ZB2Y4R8T6N1C5V0D8E",
        "issuer_id": "did:web:registry.example",
        "issuer_name": "CIT Utah",
        "issuer_url": "https://registry.example",
        "holder_name": "Jane Doe",
        "post_id": "UT-004711",
        "achievement": ACHIEVEMENT,
        "hours": 40,
        "valid_from": datetime(2026, 11, 20, tzinfo=UTC),
        "valid_until": datetime(2028, 11, 20, tzinfo=UTC),
        "status_list_url": "https://registry.example/status/revocation/1",
        "status_index": 417,
    }
    args.update(overrides)
    return build_credential(**args)


def test_payload_has_the_profile_shape() -> None:
    payload = build(name="Crisis Intervention Team (CIT) Officer Certification")
    assert payload == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            {"jti": {"@id": "https://www.iana.org/assignments/jwt#jti", "@type": "@id"}},
        ],
        "id": "https://registry.example/c/7QX3M0K9ZB2Y4R8T6N1C5V0D8E",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "did:web:registry.example",
            "type": ["Profile"],
            "name": "CIT Utah",
            "url": "https://registry.example",
        },
        "validFrom": "2026-11-20T00:00:00Z",
        "validUntil": "2028-11-20T00:00:00Z",
        "name": "Crisis Intervention Team (CIT) Officer Certification",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": "Jane Doe",
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "hashed": False,
                    "identityHash": "UT-004711",
                }
            ],
            "achievement": ACHIEVEMENT,
            "creditsEarned": 40,
        },
        "credentialStatus": {
            "id": "https://registry.example/status/revocation/1#417",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "417",
            "statusListCredential": "https://registry.example/status/revocation/1",
        },
        "iss": "did:web:registry.example",
        "jti": "https://registry.example/c/7QX3M0K9ZB2Y4R8T6N1C5V0D8E",
        "iat": 1795132800,
        "nbf": 1795132800,  # = validFrom: Open Badges 3.0 §8.2 requires it
        "exp": 1858291200,
    }
    assert "vc" not in payload


def test_credential_name_defaults_to_the_achievement_name() -> None:
    assert build()["name"] == "CIT Officer Certification"


def test_protected_holder_carries_the_post_id_alone() -> None:
    subject = build(holder_name=None)["credentialSubject"]
    assert "name" not in subject
    assert subject["identifier"][0]["identityHash"] == "UT-004711"


def test_times_are_utc_whole_seconds_agreeing_with_iat_and_exp() -> None:
    mountain = timezone(timedelta(hours=-7))
    payload = build(
        valid_from=datetime(2026, 11, 19, 17, 0, 0, 999_999, tzinfo=mountain),
        valid_until=datetime(2028, 11, 19, 17, 30, 15, 250_000, tzinfo=mountain),
    )
    assert payload["validFrom"] == "2026-11-20T00:00:00Z"
    assert payload["validUntil"] == "2028-11-20T00:30:15Z"
    assert payload["iat"] == int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2028, 11, 20, 0, 30, 15, tzinfo=UTC).timestamp())


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        build(valid_from=datetime(2026, 11, 20))


@pytest.mark.parametrize("holder_name", ["Jane Doe", None])
def test_payload_validates_against_the_open_badges_3_schema(holder_name: str | None) -> None:
    validator = ob3.validator()
    payload = build(holder_name=holder_name, hours=37.5)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(payload)]
    assert errors == []
    # The check has teeth: the schema refuses a subject without the achievement.
    del payload["credentialSubject"]["achievement"]
    assert not validator.is_valid(payload)


def test_the_schema_copy_in_tests_matches_shared() -> None:
    if not ob3.SHARED.exists():
        pytest.skip(f"no shared/ beside the checkout to compare with ({ob3.SHARED})")
    assert ob3.COPY.read_bytes() == ob3.SHARED.read_bytes()
