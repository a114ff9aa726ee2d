"""The verification core: valid credentials, hostile tokens, and live status."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from joserfc.jwk import OKPKey
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from registry.vc import statuslist
from registry.vc.did import did_web
from registry.vc.jws import JWSError
from registry.vc.keys import KeySet
from registry.vc.keystore import KeyStore
from registry.vc.payload import build_credential
from registry.verification import (
    Check,
    StatusUnavailable,
    Verdict,
    VerifiedList,
    core,
    status,
    verify,
    verify_list,
)

KEYS = Path(__file__).resolve().parent.parent / "keys"
ISSUER = "https://registry.example"
ISSUER_PROFILE = {"id": ISSUER, "type": ["Profile"], "name": "CIT Utah"}
REVOCATION = f"{ISSUER}/status/revocation/1"
SUSPENSION = f"{ISSUER}/status/suspension/1"
CREDENTIAL_ID = "7QX3M0K9ZB2Y4R8T6N1C5V0D8E"
NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)
VALID_FROM = datetime(2026, 11, 20, tzinfo=UTC)
VALID_UNTIL = datetime(2028, 11, 20, tzinfo=UTC)
ACHIEVEMENT = {
    "id": f"{ISSUER}/courses/CIT-40",
    "type": ["Achievement"],
    "achievementType": "Certification",
    "name": "CIT Officer Certification",
    "description": "The state-certified Crisis Intervention Team course.",
    "criteria": {"narrative": "Completed the 40-hour course and passed both evaluations."},
}


def credential(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "credential_url": f"{ISSUER}/c/{CREDENTIAL_ID}",
        "issuer_id": ISSUER,
        "issuer_name": "CIT Utah",
        "issuer_url": ISSUER,
        "holder_name": "Jane Doe",
        "post_id": "UT-004711",
        "achievement": ACHIEVEMENT,
        "hours": 40,
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
        "status_list_url": REVOCATION,
        "status_index": 417,
    }
    args.update(overrides)
    return build_credential(**args)


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(value: Any) -> str:
    return b64u(json.dumps(value).encode())


def sign_raw(header: Any, payload: Any, pem: bytes) -> str:
    """A compact JWS with exactly the given header, signed with PyJWT's primitives directly."""
    head = header if isinstance(header, str) else b64u_json(header)
    body = payload if isinstance(payload, str) else b64u_json(payload)
    signing_input = f"{head}.{body}".encode()
    # PyJWT's ECAlgorithm signs in the JWS raw r||s form.
    algorithm: OKPAlgorithm | ECAlgorithm = (
        ECAlgorithm(ECAlgorithm.SHA256) if header.get("alg") == "ES256" else OKPAlgorithm()
    )
    key: Any = algorithm.prepare_key(pem)  # a private key of the header's family
    signature = algorithm.sign(signing_input, key)
    return f"{head}.{body}.{b64u(signature)}"


def header_of(token: str) -> dict[str, Any]:
    head = token.split(".")[0]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return result


@dataclass
class ListSource:
    lists: dict[str, str] = field(default_factory=dict)
    fetches: list[str] = field(default_factory=list)

    def fetch(self, url: str) -> str:
        self.fetches.append(url)
        try:
            return self.lists[url]
        except KeyError:
            raise StatusUnavailable(f"no list at {url}") from None


def signed_list(
    store: KeyStore,
    url: str,
    purpose: str,
    indexes: set[int] | frozenset[int] = frozenset(),
    *,
    issuer: dict[str, Any] | None = None,
    size: int = statuslist.MIN_ENTRIES,
    valid_until: datetime | None = NOW + timedelta(hours=48),
) -> str:
    payload = statuslist.status_list_payload(
        list_url=url,
        issuer=issuer or ISSUER_PROFILE,
        purpose=purpose,
        bits=statuslist.bitstring_from_indexes(indexes, size=size),
        valid_from=NOW - timedelta(hours=1),
        valid_until=valid_until,
    )
    return store.sign(payload).token


def publish(
    store: KeyStore, revoked: set[int] | None = None, suspended: set[int] | None = None
) -> ListSource:
    return ListSource(
        {
            REVOCATION: signed_list(store, REVOCATION, "revocation", revoked or set()),
            SUSPENSION: signed_list(store, SUSPENSION, "suspension", suspended or set()),
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    keys = KeyStore(tmp_path / "keys")
    keys.import_pem((KEYS / "ed25519.pem").read_bytes())
    return keys


@pytest.fixture
def pem() -> bytes:
    return (KEYS / "ed25519.pem").read_bytes()


@pytest.fixture
def token(store: KeyStore) -> str:
    return store.sign(credential()).token


def check(verdict: Verdict, name: str) -> Check:
    (found,) = [c for c in verdict.checks if c.name == name]
    return found


# -- valid credentials


def test_a_valid_credential_passes_every_check(store: KeyStore, token: str) -> None:
    verdict = verify(token, store.trusted(), publish(store), NOW, issuer=ISSUER)
    assert verdict.verdict == "valid"
    assert verdict.reasons == []
    assert [c.name for c in verdict.checks] == [
        "size", "shape", "header", "signature", "claims", "issuer", "certification", "time",
        "status",
    ]  # fmt: skip
    assert all(c.ok for c in verdict.checks)
    assert "not revoked" in check(verdict, "status").detail
    assert "not suspended" in check(verdict, "status").detail
    assert verdict.payload is not None
    assert verdict.payload["id"] == f"{ISSUER}/c/{CREDENTIAL_ID}"


def test_verdict_json_has_the_api_shape(store: KeyStore, token: str) -> None:
    verdict = verify(token, store.trusted(), publish(store), NOW)
    out = json.loads(json.dumps(verdict.to_dict()))
    assert set(out) == {"verdict", "reasons", "checks", "checked_at", "credential"}
    assert out["checked_at"] == "2027-01-01T12:00:00Z"
    assert out["checks"][0] == {"name": "size", "ok": True, "detail": out["checks"][0]["detail"]}
    assert out["credential"] == {
        "credential_id": CREDENTIAL_ID,
        "holder": {"name": "Jane Doe", "post_id": "UT-004711"},
        "achievement": "CIT Officer Certification",
        "hours": 40,
        "issued": "2026-11-20T00:00:00Z",
        "valid_until": "2028-11-20T00:00:00Z",
        "issuer": {"id": ISSUER, "name": "CIT Utah"},
    }


def test_the_core_states_what_a_nameless_credential_carries_and_withholds_nothing(
    store: KeyStore,
) -> None:
    # Whether a holder is protected is the registry's record to say (Verifier.honour_protection
    # withholds by it): the pure core never infers it from a missing name.
    token = store.sign(credential(holder_name=None)).token
    verdict = verify(token, store.trusted(), publish(store), NOW)
    assert verdict.verdict == "valid"
    assert verdict.to_dict()["credential"]["holder"] == {"name": None, "post_id": "UT-004711"}


def test_redacted_verdict_hides_the_holder(store: KeyStore, token: str) -> None:
    verdict = verify(token, store.trusted(), publish(store), NOW)
    hidden = verdict.redacted()
    assert hidden.to_dict()["credential"]["holder"] == {"name": None, "post_id": None}
    assert hidden.payload is not None
    assert "name" not in hidden.payload["credentialSubject"]
    assert "identifier" not in hidden.payload["credentialSubject"]
    assert verdict.to_dict()["credential"]["holder"]["name"] == "Jane Doe"  # original untouched
    assert hidden.verdict == verdict.verdict


def test_es256_credentials_verify(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    store.generate("ES256")
    verdict = verify(store.sign(credential()).token, store.trusted(), publish(store), NOW)
    assert verdict.verdict == "valid"
    assert "ES256" in check(verdict, "signature").detail


def test_the_rfc9864_alg_name_ed25519_is_accepted(store: KeyStore, pem: bytes) -> None:
    kid = store.active().kid
    token = sign_raw(
        {"alg": "Ed25519", "typ": "vc+jwt", "cty": "vc", "kid": kid}, credential(), pem
    )
    verdict = verify(token, store.trusted(), publish(store), NOW)
    assert verdict.verdict == "valid"


def test_bytes_tokens_and_surrounding_whitespace_are_accepted(store: KeyStore, token: str) -> None:
    verdict = verify(f"\n{token}\n".encode(), store.trusted(), None, NOW)
    assert verdict.verdict == "valid"


def test_a_jwks_from_the_store_is_a_usable_trust_anchor(store: KeyStore, token: str) -> None:
    keys = KeySet.from_jwks(json.loads(json.dumps(store.jwks())))
    assert verify(token, keys, publish(store), NOW).verdict == "valid"


def test_without_a_status_source_status_is_not_checked(store: KeyStore, token: str) -> None:
    for verdict in (
        verify(token, store.trusted(), None, NOW),
        verify(token, store.trusted(), ListSource(), NOW, check_status=False),
    ):
        assert verdict.verdict == "valid"
        assert check(verdict, "status") == Check("status", True, "not checked")


# -- keys over time


def test_a_credential_signed_before_rotation_still_verifies(store: KeyStore, token: str) -> None:
    old_kid = store.active().kid
    store.rotate()
    assert store.active().kid != old_kid
    lists = publish(store)  # the lists are now signed by the new key
    assert verify(token, store.trusted(), lists, NOW).verdict == "valid"
    newer = store.sign(credential()).token
    assert header_of(newer)["kid"] == store.active().kid
    assert verify(newer, store.trusted(), lists, NOW).verdict == "valid"


def test_a_credential_signed_by_a_compromised_key_is_invalid(store: KeyStore, token: str) -> None:
    old_kid = store.active().kid
    store.rotate()
    lists = publish(store)
    store.compromise(old_kid)
    verdict = verify(token, store.trusted(), lists, NOW)
    assert verdict.verdict == "invalid"
    assert verdict.credential is None
    assert "not one of the trusted keys" in check(verdict, "header").detail


# -- hostile tokens

Maker = Callable[[KeyStore, str, bytes], str | bytes]


def alg_none(store: KeyStore, token: str, pem: bytes) -> str:
    header = {"alg": "none", "typ": "vc+jwt", "kid": store.active().kid}
    return f"{b64u_json(header)}.{token.split('.')[1]}."


def hmac_with_public_key(secret_from: str) -> Maker:
    def make(store: KeyStore, token: str, pem: bytes) -> str:
        jwk = store.jwks()["keys"][0]
        x = jwk["x"]
        secret = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)) if secret_from == "raw" else x
        key = secret if isinstance(secret, bytes) else secret.encode()
        header = {"alg": "HS256", "typ": "vc+jwt", "kid": jwk["kid"]}
        signing_input = f"{b64u_json(header)}.{token.split('.')[1]}"
        mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64u(mac)}"

    return make


P256_PEM = (KEYS / "p256.pem").read_bytes()
ATTACKER = OKPKey.generate_key("Ed25519")
ATTACKER_PEM = ATTACKER.as_pem(private=True)
ATTACKER_JWK = ATTACKER.as_dict(private=False)


def embedded_jwk(kid_from: str) -> Maker:
    def make(store: KeyStore, token: str, pem: bytes) -> str:
        kid = store.active().kid if kid_from == "victim" else ATTACKER.thumbprint()
        header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": kid, "jwk": ATTACKER_JWK}
        return sign_raw(header, credential(holder_name="Mallory"), ATTACKER_PEM)

    return make


def url_header(param: str) -> Maker:
    def make(store: KeyStore, token: str, pem: bytes) -> str:
        header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": store.active().kid}
        header[param] = "https://attacker.example/keys.json"
        return sign_raw(header, credential(holder_name="Mallory"), ATTACKER_PEM)

    return make


def tampered(**changes: Any) -> Maker:
    def make(store: KeyStore, token: str, pem: bytes) -> str:
        head, body, signature = token.split(".")
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        for path, value in changes.items():
            target = payload
            *parents, last = path.split("__")
            for parent in parents:
                target = target[parent]
            target[last] = value
        return f"{head}.{b64u_json(payload)}.{signature}"

    return make


def swapped_signature(store: KeyStore, token: str, pem: bytes) -> str:
    other = store.sign(credential(holder_name="Someone Else")).token
    return ".".join([*token.split(".")[:2], other.split(".")[2]])


def signed_with_header(**header: Any) -> Maker:
    def make(store: KeyStore, token: str, pem: bytes) -> str:
        base = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": store.active().kid}
        full = {k: v for k, v in {**base, **header}.items() if v is not None}
        return sign_raw(full, credential(), pem)

    return make


def signed_payload(change: Callable[[dict[str, Any]], None]) -> Maker:
    def make(store: KeyStore, token: str, pem: bytes) -> str:
        payload = credential()
        change(payload)
        return store.sign(payload).token

    return make


def unknown_signer(store: KeyStore, token: str, pem: bytes) -> str:
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": ATTACKER.thumbprint()}
    return sign_raw(header, credential(), ATTACKER_PEM)


def es256_alg_on_the_ed25519_kid(store: KeyStore, token: str, pem: bytes) -> str:
    header = {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": store.active().kid}
    return sign_raw(header, credential(), P256_PEM)


def constant(value: Any) -> Maker:
    return lambda store, token, pem: value


def parts(header: str, payload: str) -> Maker:
    return lambda store, token, pem: f"{header}.{payload}.{token.split('.')[2]}"


def oversize(store: KeyStore, token: str, pem: bytes) -> str:
    big = {**ACHIEVEMENT, "description": "x" * 16_000}
    return store.sign(credential(achievement=big)).token


def duplicate_member(store: KeyStore, token: str, pem: bytes) -> str:
    body = json.dumps(credential())[:-1] + ', "iss": "https://attacker.example"}'
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": store.active().kid}
    return sign_raw(header, b64u(body.encode()), pem)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.pop(key)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.__setitem__(key, value)


GOOD_HEADER = b64u_json({"alg": "EdDSA", "typ": "vc+jwt", "kid": "k"})

HOSTILE: dict[str, tuple[Maker, str]] = {
    "alg none with an empty signature": (alg_none, "header"),
    "HS256 keyed with the raw public key": (hmac_with_public_key("raw"), "header"),
    "HS256 keyed with the public JWK x": (hmac_with_public_key("x"), "header"),
    "embedded jwk with the victim's kid": (embedded_jwk("victim"), "signature"),
    "embedded jwk with the attacker's kid": (embedded_jwk("attacker"), "header"),
    "jku pointing elsewhere": (url_header("jku"), "signature"),
    "x5u pointing elsewhere": (url_header("x5u"), "signature"),
    "x5c with the victim's kid": (url_header("x5c"), "signature"),
    "changed holder name": (tampered(credentialSubject__name="Mallory"), "signature"),
    "extended validUntil": (tampered(validUntil="2099-01-01T00:00:00Z"), "signature"),
    "swapped signature": (swapped_signature, "signature"),
    "typ JWT": (signed_with_header(typ="JWT"), "header"),
    "typ missing": (signed_with_header(typ=None), "header"),
    "cty other": (signed_with_header(cty="vp"), "header"),
    "unknown crit": (signed_with_header(crit=["exp"], exp=1), "header"),
    "unencoded payload b64=false": (signed_with_header(b64=False, crit=["b64"]), "header"),
    "kid not a string": (signed_with_header(kid=7), "header"),
    "kid missing": (signed_with_header(kid=None), "header"),
    "alg HS512": (signed_with_header(alg="HS512"), "header"),
    "alg RS256": (signed_with_header(alg="RS256"), "header"),
    "alg ES256 on an Ed25519 key": (es256_alg_on_the_ed25519_kid, "header"),
    "unknown kid": (unknown_signer, "header"),
    "vc claim present": (signed_payload(_set("vc", {"type": ["VerifiableCredential"]})), "claims"),
    "vp claim present": (signed_payload(_set("vp", {})), "claims"),
    "iss differs from issuer.id": (signed_payload(_set("iss", "https://other.example")), "claims"),
    "wrong first context": (
        signed_payload(_set("@context", ["https://www.w3.org/2018/credentials/v1"])),
        "claims",
    ),
    "no VerifiableCredential type": (signed_payload(_set("type", ["OpenBadge"])), "claims"),
    "no validFrom": (signed_payload(_drop("validFrom")), "claims"),
    "validFrom without zone": (signed_payload(_set("validFrom", "2026-11-20T00:00:00")), "claims"),
    "iat disagrees with validFrom": (signed_payload(_set("iat", 1)), "claims"),
    "exp disagrees with validUntil": (signed_payload(_set("exp", 4102444800)), "claims"),
    "exp is a string": (signed_payload(_set("exp", "soon")), "claims"),
    "subject not an object": (signed_payload(_set("credentialSubject", "Jane")), "claims"),
    "issuer without id": (signed_payload(_set("issuer", {"name": "CIT Utah"})), "claims"),
    "duplicate JSON member": (duplicate_member, "shape"),
    "oversize": (oversize, "size"),
    "empty string": (constant(""), "shape"),
    "garbage": (constant("garbage"), "shape"),
    "garbage with dots": (constant("a.b.c"), "shape"),
    "only dots": (constant(".."), "shape"),
    "two parts": (lambda store, token, pem: ".".join(token.split(".")[:2]), "shape"),
    "four parts": (lambda store, token, pem: token + ".AAAA", "shape"),
    "padding in a part": (lambda store, token, pem: token + "==", "shape"),
    "non-ASCII bytes": (lambda store, token, pem: token.encode() + b"\xff\xfe", "shape"),
    "non-ASCII text": (lambda store, token, pem: "é" + token, "shape"),
    "lone surrogate": (constant("\ud800.a.b"), "shape"),
    "header is a JSON list": (parts(b64u_json(["alg", "EdDSA"]), b64u_json({})), "shape"),
    "header is not JSON": (parts(b64u(b"{alg: EdDSA}"), b64u_json({})), "shape"),
    "payload is not JSON": (parts(GOOD_HEADER, b64u(b"not json")), "shape"),
    "payload is a JSON string": (parts(GOOD_HEADER, b64u_json("credential")), "shape"),
    "payload is NaN": (parts(GOOD_HEADER, b64u(b'{"iat": NaN}')), "shape"),
    "payload is invalid UTF-8": (parts(GOOD_HEADER, b64u(b'{"a": "\xff"}')), "shape"),
    "deeply nested payload": (parts(GOOD_HEADER, b64u(b"[" * 5000 + b"]" * 5000)), "shape"),
    "None instead of a token": (constant(None), "shape"),
    "a number instead of a token": (constant(12345), "shape"),
    "a huge string": (constant("A" * 10_000_000), "size"),
}


@pytest.mark.parametrize(("make", "failed"), list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_tokens_are_invalid(
    store: KeyStore, token: str, pem: bytes, make: Maker, failed: str
) -> None:
    hostile = make(store, token, pem)
    verdict = verify(hostile, store.trusted(), publish(store), NOW, issuer=ISSUER)
    assert verdict.verdict == "invalid"
    assert verdict.credential is None
    assert "credential" not in verdict.to_dict()
    assert [c.name for c in verdict.checks if not c.ok] == [failed]
    assert len(verdict.reasons) == 1
    assert verdict.checks[-1].name == failed  # nothing after a failed check runs


def test_the_ignored_key_headers_are_named_but_never_used(store: KeyStore, pem: bytes) -> None:
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": store.active().kid}
    header["jku"] = "https://attacker.example/keys.json"
    verdict = verify(sign_raw(header, credential(), pem), store.trusted(), None, NOW)
    assert verdict.verdict == "valid"  # signed by the trusted key: the jku changes nothing
    assert "ignored jku" in check(verdict, "header").detail


def test_a_wrong_trusted_issuer_is_invalid(store: KeyStore, token: str) -> None:
    verdict = verify(token, store.trusted(), publish(store), NOW, issuer="https://other.example")
    assert verdict.verdict == "invalid"
    assert not check(verdict, "issuer").ok
    assert "not from the trusted issuer" in verdict.reasons[0]


def test_an_expired_credential_says_when_it_expired(store: KeyStore, token: str) -> None:
    later = VALID_UNTIL + timedelta(days=1)
    lists = ListSource(
        {
            REVOCATION: signed_list(store, REVOCATION, "revocation", valid_until=None),
            SUSPENSION: signed_list(store, SUSPENSION, "suspension", valid_until=None),
        }
    )
    verdict = verify(token, store.trusted(), lists, later)
    assert verdict.verdict == "expired"
    assert check(verdict, "time").detail == "expired on 2028-11-20T00:00:00Z"
    assert verdict.reasons == ["The credential expired on 2028-11-20T00:00:00Z."]
    assert verdict.credential is not None  # an expired credential still says whose it is


def test_a_credential_not_yet_valid_is_reported_as_expired(store: KeyStore, token: str) -> None:
    verdict = verify(token, store.trusted(), None, VALID_FROM - timedelta(days=1))
    assert verdict.verdict == "expired"
    assert check(verdict, "time").detail == "not valid before 2026-11-20T00:00:00Z"
    assert verdict.reasons == ["The credential is not valid before 2026-11-20T00:00:00Z."]


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "expected"),
    [
        ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "valid"),
        ("9999-12-31T23:59:59Z", None, "expired"),
        ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:01Z", "expired"),
    ],
)
def test_dates_at_the_calendar_limits_are_judged_not_crashed_on(
    store: KeyStore, valid_from: str, valid_until: str | None, expected: str
) -> None:
    payload = credential()
    for claim in ("iat", "exp", "validUntil"):
        payload.pop(claim)
    payload["validFrom"] = valid_from
    if valid_until is not None:
        payload["validUntil"] = valid_until
    verdict = verify(store.sign(payload).token, store.trusted(), None, NOW)
    assert verdict.verdict == expected
    assert "error" not in [c.name for c in verdict.checks]


@pytest.mark.parametrize(
    ("valid_from", "detail"),
    [
        ("2026-02-30T00:00:00Z", "validFrom is not a valid date-time"),
        ("2026-02-28 00:00:00Z", "validFrom is not a date-time with a time zone"),
        ("2026-02-28T00:00:00", "validFrom is not a date-time with a time zone"),
    ],
)
def test_dates_read_before_are_judged_as_the_first_time(
    store: KeyStore, valid_from: str, detail: str
) -> None:
    """The dates read are kept (claims._datetime): a refused one is refused again, in words."""
    payload = credential()
    payload["validFrom"] = valid_from
    token = store.sign(payload).token
    for _ in range(2):
        verdict = verify(token, store.trusted(), None, NOW)
        assert verdict.verdict == "invalid"
        assert check(verdict, "claims").detail == detail


def test_the_verdict_json_is_its_dictionary_encoded(store: KeyStore, token: str) -> None:
    """Verdict.json() (the verify API's answer to a token) writes what Litestar would write of
    to_dict(), byte for byte: valid, redacted, refused, without a credential."""
    valid = verify(token, store.trusted(), None, NOW)
    refused = verify(token + "x", store.trusted(), None, NOW)
    expired = verify(token, store.trusted(), None, VALID_UNTIL + timedelta(days=1))
    for verdict in (valid, valid.redacted(), refused, expired):
        assert verdict.json() == msgspec.json.encode(verdict.to_dict())
    assert valid.credential is not None and refused.credential is None


def test_details_echo_untrusted_values_cut_short(store: KeyStore, pem: bytes) -> None:
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": "k" * 5000}
    verdict = verify(sign_raw(header, credential(), pem), store.trusted(), None, NOW)
    assert verdict.verdict == "invalid"
    assert len(verdict.reasons[0]) < 200


def test_clock_skew_is_tolerated_at_both_ends(store: KeyStore, token: str) -> None:
    keys = store.trusted()
    assert verify(token, keys, None, VALID_FROM - timedelta(seconds=30)).verdict == "valid"
    assert verify(token, keys, None, VALID_UNTIL + timedelta(seconds=30)).verdict == "valid"
    assert verify(token, keys, None, VALID_UNTIL + timedelta(seconds=61)).verdict == "expired"
    strict = verify(token, keys, None, VALID_UNTIL, clock_skew=timedelta(0))
    assert strict.verdict == "expired"


def test_nbf_is_respected(store: KeyStore) -> None:
    payload = credential()
    payload["nbf"] = int((NOW + timedelta(days=1)).timestamp())
    verdict = verify(store.sign(payload).token, store.trusted(), None, NOW)
    assert verdict.verdict == "expired"
    assert check(verdict, "time").detail.startswith("not valid before 2027-01-02")


def test_random_mutations_never_raise(store: KeyStore, token: str) -> None:
    rng = random.Random(20261126)
    keys = store.trusted()
    alphabet = "ABCxyz019-_.=+/ é\x00"
    verdicts = set()
    for _ in range(400):
        chars = list(token)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(chars))
            action = rng.random()
            if action < 0.5:
                chars[position] = rng.choice(alphabet)
            elif action < 0.75:
                del chars[position]
            else:
                chars.insert(position, rng.choice(alphabet))
        verdicts.add(verify("".join(chars), keys, None, NOW).verdict)
    for _ in range(100):
        verdicts.add(verify(rng.randbytes(rng.randint(0, 300)), keys, None, NOW).verdict)
    assert verdicts <= {"invalid", "valid"}
    assert "invalid" in verdicts


def test_an_unexpected_error_becomes_an_invalid_verdict(
    store: KeyStore, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(core, "check_claims", explode)
    verdict = verify(token, store.trusted(), None, NOW)
    assert verdict.verdict == "invalid"
    assert verdict.reasons == ["The token could not be verified."]
    assert verdict.credential is None


# -- status


def test_a_revoked_credential_is_revoked_but_still_says_whose_it_is(
    store: KeyStore, token: str
) -> None:
    verdict = verify(token, store.trusted(), publish(store, revoked={417}), NOW)
    assert verdict.verdict == "revoked"
    assert verdict.reasons == ["The credential has been revoked by its issuer."]
    assert not check(verdict, "status").ok
    assert verdict.credential is not None
    assert verdict.credential.holder.name == "Jane Doe"


def test_a_suspended_credential_is_suspended(store: KeyStore, token: str) -> None:
    lists = publish(store, revoked={416, 418}, suspended={417})
    verdict = verify(token, store.trusted(), lists, NOW)
    assert verdict.verdict == "suspended"
    assert verdict.reasons == ["The credential is suspended by its issuer."]
    assert lists.fetches == [REVOCATION, SUSPENSION]


def test_revocation_wins_over_suspension_and_expiry(store: KeyStore, token: str) -> None:
    later = VALID_UNTIL + timedelta(days=1)
    lists = ListSource(
        {
            REVOCATION: signed_list(store, REVOCATION, "revocation", {417}, valid_until=None),
            SUSPENSION: signed_list(store, SUSPENSION, "suspension", {417}, valid_until=None),
        }
    )
    verdict = verify(token, store.trusted(), lists, later)
    assert verdict.verdict == "revoked"
    assert len(verdict.reasons) == 2  # expired and revoked: both are said


def test_another_issuers_credential_gets_no_suspension_lookup(tmp_path: Path) -> None:
    other = "https://other.example"
    store = KeyStore(tmp_path / "keys")
    store.generate()
    url = "https://lists.example/revocation/9"
    course = {**ACHIEVEMENT, "id": f"{other}/courses/CIT-40"}
    token = store.sign(
        credential(issuer_id=other, issuer_url=other, achievement=course, status_list_url=url)
    ).token
    issuer = {"id": other, "type": ["Profile"], "name": "Other"}
    lists = ListSource({url: signed_list(store, url, "revocation", {417}, issuer=issuer)})
    verdict = verify(token, store.trusted(), lists, NOW)
    assert verdict.verdict == "revoked"
    assert lists.fetches == [url]


def status_failure(verdict: Verdict) -> str:
    assert verdict.verdict == "invalid"
    assert verdict.credential is None
    assert verdict.reasons[0].startswith("The credential's status could not be confirmed")
    return check(verdict, "status").detail


def test_a_list_that_cannot_be_fetched_makes_the_status_unconfirmed(
    store: KeyStore, token: str
) -> None:
    detail = status_failure(verify(token, store.trusted(), ListSource(), NOW))
    assert "cannot fetch" in detail


def test_a_missing_suspension_list_makes_the_status_unconfirmed(
    store: KeyStore, token: str
) -> None:
    lists = publish(store)
    del lists.lists[SUSPENSION]
    assert SUSPENSION in status_failure(verify(token, store.trusted(), lists, NOW))


def test_a_source_failing_in_an_unexpected_way_is_contained(store: KeyStore, token: str) -> None:
    class Broken:
        def fetch(self, url: str) -> str:
            raise ConnectionResetError("peer went away")

    assert "peer went away" in status_failure(verify(token, store.trusted(), Broken(), NOW))


def test_a_list_signed_by_an_unknown_key_is_refused(
    store: KeyStore, token: str, tmp_path: Path
) -> None:
    rogue = KeyStore(tmp_path / "rogue")
    rogue.generate()
    detail = status_failure(verify(token, store.trusted(), publish(rogue), NOW))
    assert "header" in detail
    assert "not one of the trusted keys" in detail


def test_a_forged_list_with_the_issuers_kid_is_refused(store: KeyStore, token: str) -> None:
    lists = publish(store)
    payload = statuslist.status_list_payload(
        list_url=REVOCATION, issuer=ISSUER_PROFILE, purpose="revocation",
        bits=statuslist.new_bitstring(), valid_from=NOW, valid_until=None,
    )  # fmt: skip
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": store.active().kid}
    lists.lists[REVOCATION] = sign_raw(header, payload, ATTACKER_PEM)
    assert "signature" in status_failure(verify(token, store.trusted(), lists, NOW))


def test_an_index_beyond_the_list_is_refused(store: KeyStore) -> None:
    token = store.sign(credential(status_index=statuslist.MIN_ENTRIES + 5)).token
    assert "beyond" in status_failure(verify(token, store.trusted(), publish(store), NOW))


def test_a_list_shorter_than_the_minimum_is_refused(store: KeyStore, token: str) -> None:
    lists = publish(store)
    lists.lists[REVOCATION] = signed_list(store, REVOCATION, "revocation", size=1024)
    assert "shorter" in status_failure(verify(token, store.trusted(), lists, NOW))


def test_a_list_from_another_issuer_is_refused(store: KeyStore, token: str) -> None:
    lists = publish(store)
    other = {"id": "https://other.example", "type": ["Profile"], "name": "Other"}
    lists.lists[REVOCATION] = signed_list(store, REVOCATION, "revocation", issuer=other)
    assert "other.example" in status_failure(verify(token, store.trusted(), lists, NOW))


def test_a_suspension_list_served_as_the_revocation_list_is_refused(
    store: KeyStore, token: str
) -> None:
    lists = publish(store)
    lists.lists[REVOCATION] = signed_list(store, REVOCATION, "suspension")
    assert "not a revocation list" in status_failure(verify(token, store.trusted(), lists, NOW))


def test_another_list_served_at_the_lists_url_is_refused(store: KeyStore, token: str) -> None:
    lists = publish(store)
    lists.lists[REVOCATION] = signed_list(store, f"{ISSUER}/status/revocation/2", "revocation")
    assert "revocation/2" in status_failure(verify(token, store.trusted(), lists, NOW))


def test_an_expired_list_is_refused(store: KeyStore, token: str) -> None:
    lists = publish(store)
    lists.lists[REVOCATION] = signed_list(
        store, REVOCATION, "revocation", valid_until=NOW - timedelta(hours=1)
    )
    assert "expired" in status_failure(verify(token, store.trusted(), lists, NOW))


def test_a_list_that_is_not_a_status_list_is_refused(store: KeyStore, token: str) -> None:
    lists = publish(store)
    lists.lists[REVOCATION] = store.sign(credential()).token
    assert "BitstringStatusListCredential" in status_failure(
        verify(token, store.trusted(), lists, NOW)
    )


def test_a_list_with_a_malformed_encoded_list_is_refused(store: KeyStore, token: str) -> None:
    lists = publish(store)
    payload = statuslist.status_list_payload(
        list_url=REVOCATION, issuer=ISSUER_PROFILE, purpose="revocation",
        bits=statuslist.new_bitstring(), valid_from=NOW, valid_until=None,
    )  # fmt: skip
    payload["credentialSubject"]["encodedList"] = "u" + b64u(b"not gzip")
    lists.lists[REVOCATION] = store.sign(payload).token
    assert "encodedList" in status_failure(verify(token, store.trusted(), lists, NOW))


@pytest.mark.parametrize("index", ["-1", "4.5", "abc", "", "\uff11\uff12", None, True, 10**13])
def test_a_malformed_status_index_is_refused(store: KeyStore, index: Any) -> None:
    payload = credential()
    payload["credentialStatus"]["statusListIndex"] = index
    verdict = verify(store.sign(payload).token, store.trusted(), publish(store), NOW)
    assert "statusListIndex" in status_failure(verdict)


# -- caching


@dataclass
class VerifiedSource:
    """Hands over lists it verified itself (as the registry's live status does)."""

    inner: ListSource
    keys: KeySet
    did: str = did_web(ISSUER)

    def fetch(self, url: str) -> VerifiedList:
        return verify_list(self.inner.fetch(url), self.keys, self.did)


def test_a_list_handed_over_verified_under_the_same_keys_is_not_verified_again(
    store: KeyStore, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = VerifiedSource(publish(store, revoked={417}), store.trusted())
    decoded: list[str] = []
    real_decode = statuslist.decode

    def counting_decode(encoded: str, **kwargs: Any) -> bytes:
        decoded.append(encoded)
        return real_decode(encoded, **kwargs)

    monkeypatch.setattr(statuslist, "decode", counting_decode)
    handed = [source.fetch(REVOCATION), source.fetch(SUSPENSION)]
    assert len(decoded) == 2
    served = iter(handed)
    monkeypatch.setattr(source, "fetch", lambda url: next(served))
    # Its bits count (revoked), and nothing was decoded or verified a second time.
    assert verify(token, store.trusted(), source, NOW).verdict == "revoked"
    assert len(decoded) == 2


def test_a_list_handed_over_verified_under_other_keys_is_verified_again(
    store: KeyStore, token: str, tmp_path: Path
) -> None:
    source = VerifiedSource(publish(store), store.trusted())
    assert verify(token, store.trusted(), source, NOW).verdict == "valid"
    other = KeyStore(tmp_path / "other")
    other.import_pem((KEYS / "ed25519.pem").read_bytes())
    other.compromise(other.active().kid)
    # The same kid under a key set that no longer trusts it: the handed-over list must not
    # count. (The credential itself fails first; the list is checked on its own too.)
    verdict = verify(token, other.trusted(), source, NOW, check_status=True)
    assert verdict.verdict == "invalid"
    with pytest.raises(JWSError, match="not one of the trusted keys"):
        status.verified_list(source.fetch(REVOCATION), other.trusted(), did_web(ISSUER), REVOCATION)


def test_a_list_handed_over_under_another_did_is_verified_under_the_verifiers_did(
    store: KeyStore, token: str
) -> None:
    source = VerifiedSource(publish(store, revoked={417}), store.trusted(), "did:web:elsewhere")
    # Verified again under the registry's own DID, whose key it is: the bits still count.
    assert verify(token, store.trusted(), source, NOW).verdict == "revoked"


def test_a_failing_source_makes_the_status_unknown_until_it_answers(
    store: KeyStore, token: str
) -> None:
    inner = ListSource()
    assert verify(token, store.trusted(), inner, NOW).verdict == "invalid"
    inner.lists.update(publish(store).lists)
    assert verify(token, store.trusted(), inner, NOW).verdict == "valid"


@pytest.mark.parametrize(
    "status",
    [
        None,
        [],
        {"type": "SomeOtherStatusEntry", "statusPurpose": "revocation"},
        {"type": "BitstringStatusListEntry", "statusPurpose": "refresh"},
        {"type": "BitstringStatusListEntry", "statusPurpose": "suspension",
         "statusListIndex": "417", "statusListCredential": SUSPENSION},
    ],
    ids=["missing", "empty", "other type", "other purpose", "suspension only"],
)  # fmt: skip
def test_a_certification_without_a_readable_revocation_entry_is_invalid(
    store: KeyStore, status: Any
) -> None:
    # Fail closed: "no entry" must never read as "not revoked". Every certification the
    # registry issues carries one.
    payload = credential()
    if status is None:
        del payload["credentialStatus"]
    else:
        payload["credentialStatus"] = status
    verdict = verify(store.sign(payload).token, store.trusted(), publish(store), NOW)
    assert verdict.verdict == "invalid"
    assert check(verdict, "certification").ok is False
    assert "revocation status entry" in check(verdict, "certification").detail
    unchecked = verify(store.sign(payload).token, store.trusted(), None, NOW, check_status=False)
    assert unchecked.verdict == "invalid"


def test_a_status_entry_typed_by_a_list_is_read_all_the_same(store: KeyStore) -> None:
    payload = credential()
    payload["credentialStatus"]["type"] = ["BitstringStatusListEntry"]
    payload["credentialStatus"]["statusPurpose"] = ["revocation"]
    verdict = verify(store.sign(payload).token, store.trusted(), publish(store, {417}), NOW)
    assert verdict.verdict == "revoked"
