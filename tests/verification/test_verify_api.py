"""POST /api/v1/verify: verdicts for real credentials, malformed requests and hostile tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import anyio
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar

from registry.vc.keystore import KeyStore
from registry.verification import api
from tests.conftest import DID, Api, Region

CHECKS = [
    "size", "shape", "header", "signature", "claims", "issuer", "certification", "time", "status",
]  # fmt: skip


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(value: Any) -> str:
    return b64u(json.dumps(value).encode())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _ = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))),
        json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))),
    )


def issue(region: Region, course: dict[str, Any], **officer_fields: Any) -> dict[str, Any]:
    return region.certified(course, **officer_fields)


def verify(client: Api, token: Any) -> dict[str, Any]:
    r = client.post("/api/v1/verify", {"token": token})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def check(answer: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in answer["checks"] if c["name"] == name)
    return found


def test_a_fresh_credential_is_valid_with_every_check_passed(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    answer = verify(anonymous, item["token"])
    assert answer["verdict"] == "valid", answer
    assert answer["reasons"] == []
    assert [c["name"] for c in answer["checks"]] == CHECKS
    assert all(c["ok"] and c["detail"] for c in answer["checks"])
    checked = datetime.fromisoformat(answer["checked_at"])
    assert abs(checked - datetime.now(UTC)) < timedelta(minutes=1)
    officer = item["officer"]
    payload = parts(item["token"])[1]
    assert type(answer["credential"]["hours"]) is int  # 40, as the course says; not 40.0
    assert answer["credential"] == {
        "credential_id": item["credential_id"],
        "holder": {
            "name": f"{officer['first_name']} {officer['last_name']}",
            "post_id": officer["post_id"],
        },
        "achievement": course["achievement_name"]
        if "achievement_name" in course
        else payload["credentialSubject"]["achievement"]["name"],
        "hours": 40,
        "issued": payload["validFrom"],
        "valid_until": payload["validUntil"],
        "issuer": {"id": DID, "name": "CIT Utah"},
    }


def test_revoked_and_suspended_credentials_still_say_whose_they_are(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    revoked, suspended = issue(region, course), issue(region, course)
    for item, action in ((revoked, "revoke"), (suspended, "suspend")):
        r = region.coordinator.post(
            f"/api/v1/credentials/{item['credential_id']}/{action}", {"reason": "test"}
        )
        assert r.status_code == 200, r.text
    for item, word in ((revoked, "revoked"), (suspended, "suspended")):
        answer = verify(anonymous, item["token"])
        assert answer["verdict"] == word, answer
        assert answer["reasons"] and word in " ".join(answer["reasons"]).lower()
        assert answer["credential"]["holder"]["post_id"] == item["officer"]["post_id"]
        assert check(answer, "signature")["ok"] is True
        assert check(answer, "status")["ok"] is False

    r = region.coordinator.post(
        f"/api/v1/credentials/{suspended['credential_id']}/reinstate", {"reason": "cleared"}
    )
    assert r.status_code == 200
    assert verify(anonymous, suspended["token"])["verdict"] == "valid"


def test_a_credential_past_its_valid_until_is_expired(
    region: Region, course: dict[str, Any], anonymous: Api, app: Litestar
) -> None:
    item = issue(region, course)
    _, payload = parts(item["token"])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=800)
    end = start + timedelta(days=730)
    payload.update(
        validFrom=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        validUntil=end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        iat=int(start.timestamp()),
        exp=int(end.timestamp()),
    )
    keys: KeyStore = app.state.resources.issuer.keys
    answer = verify(anonymous, keys.sign(payload).token)
    assert answer["verdict"] == "expired", answer
    assert check(answer, "signature")["ok"] is True
    assert check(answer, "time")["ok"] is False
    assert answer["credential"]["valid_until"] == payload["validUntil"]

    not_yet = dict(payload, validFrom="2099-01-01T00:00:00Z", validUntil="2101-01-01T00:00:00Z")
    not_yet.update(iat=4070908800, exp=4133980800)
    answer = verify(anonymous, keys.sign(not_yet).token)
    assert answer["verdict"] in ("expired", "invalid"), answer
    assert answer["verdict"] != "valid"


def test_a_tampered_token_is_invalid_and_says_nothing_about_the_holder(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    item = issue(region, course)
    head, body, signature = item["token"].split(".")
    _, payload = parts(item["token"])
    payload["credentialSubject"]["name"] = "Mallory Impostor"
    forged = f"{head}.{b64u_json(payload)}.{signature}"
    answer = verify(anonymous, forged)
    assert answer["verdict"] == "invalid"
    assert "credential" not in answer
    assert check(answer, "signature")["ok"] is False
    assert "Mallory" not in json.dumps(answer)

    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert verify(anonymous, f"{head}.{body}.{flipped}")["verdict"] == "invalid"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"eyJ.a.b"',
        b"{}",
        b'{"token": 5}',
        b'{"token": null}',
        b'{"token": ["a.b.c"]}',
        b'{"tok": "a.b.c"}',
        b'{"token": "\\ud800.a.b"}',
    ],
)
def test_a_body_that_is_not_a_token_object_is_a_400_problem(anonymous: Api, body: bytes) -> None:
    r = anonymous.post("/api/v1/verify", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, (body, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [(b'{"token": 5}', "token"), (b'{"credential": "x"}', "credential"), (b"[]", "body")],
)
def test_a_body_of_the_wrong_shape_names_the_field(anonymous: Api, body: bytes, field: str) -> None:
    r = anonymous.post("/api/v1/verify", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field
    assert r.json()["rule"] == "schema"


def test_a_body_over_64_kib_is_413(anonymous: Api) -> None:
    body = json.dumps({"token": "a" * (64 * 1024)}).encode()
    r = anonymous.post("/api/v1/verify", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_token_over_16_kib_in_a_small_body_is_an_invalid_verdict(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    token = issue(region, course)["token"]
    padded = token + "A" * (16 * 1024 + 1 - len(token))
    answer = verify(anonymous, padded)
    assert answer["verdict"] == "invalid"
    assert check(answer, "size")["ok"] is False
    answer = verify(anonymous, "x" * 40_000)
    assert answer["verdict"] == "invalid"


def _without_time(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "checked_at"}


def test_a_token_request_is_answered_alike_with_or_without_a_length(
    region: Region, course: dict[str, Any], client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token with its Content-Length is answered beneath the handler (TokenRequests); one
    streamed without a length goes through the handler: the same verdict, the same headers."""
    item = issue(region, course)
    body = json.dumps({"token": item["token"]}).encode()
    json_type = {"Content-Type": "application/json"}
    read = []
    token_alone = api._token_alone

    def spy(body: bytes) -> str | None:
        read.append(body)
        return token_alone(body)

    monkeypatch.setattr(api, "_token_alone", spy)
    direct = client.post("/api/v1/verify", content=body, headers=json_type)
    assert read == [body]  # answered beneath the handler
    streamed = client.post("/api/v1/verify", content=iter([body]), headers=json_type)
    assert read == [body]  # not this one: it went through the handler
    for answer in (direct, streamed):
        assert answer.status_code == 200, answer.text
    assert _without_time(direct.json()) == _without_time(streamed.json())
    assert direct.json()["verdict"] == "valid"
    assert direct.json()["credential"]["holder"]["name"]  # named: not protected
    skip = {"content-length", "transfer-encoding", "date"}
    assert {k: v for k, v in direct.headers.items() if k not in skip} == {
        k: v for k, v in streamed.headers.items() if k not in skip
    }
    assert direct.headers["content-type"] == "application/json"
    assert direct.headers["x-content-type-options"] == "nosniff"
    assert int(direct.headers["content-length"]) == len(direct.content)


def test_a_token_request_names_no_protected_holder_either_way(
    region: Region, course: dict[str, Any], admin: Api, client: Any
) -> None:
    item = issue(region, course)
    r = admin.patch(f"/api/v1/officers/{item['officer']['id']}", {"protected": True})
    assert r.status_code == 200, r.text
    body = json.dumps({"token": item["token"]}).encode()
    json_type = {"Content-Type": "application/json"}
    for content in (body, iter([body])):
        answer = client.post("/api/v1/verify", content=content, headers=json_type).json()
        assert answer["verdict"] == "valid"
        assert answer["credential"]["holder"] == {"name": None, "post_id": None}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"token": "a.b.c"}', "text/plain", 415),
        (b'{"token": "a.b.c", "credential": {}}', "application/json", 400),
        (b'{"token": "a.b.c", "challenge": "x"}', "application/json", 400),
        (b'{"token": null}', "application/json", 400),
        (b'{"token": "a.b.c"', "application/json", 400),
    ],
)
def test_any_other_request_goes_on_to_the_handler(
    client: Any, body: bytes, content_type: str, status: int
) -> None:
    r = client.post("/api/v1/verify", content=body, headers={"Content-Type": content_type})
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def _no_verifier() -> Any:
    return None


def _handed_over(headers: list[tuple[bytes, bytes]], incoming: list[Any]) -> list[Any]:
    """What TokenRequests hands the handler of the messages `incoming`, for a request with
    these headers; fails if it answers itself."""
    handed: list[Any] = []

    async def receive() -> Any:
        return incoming.pop(0)

    async def handler(scope: Any, receive: Any, send: Any) -> None:
        while True:
            handed.append(await receive())
            if not handed[-1]["more_body"]:
                return

    async def send(message: Any) -> None:
        raise AssertionError("the middleware must not answer this one itself")

    scope = {"type": "http", "headers": headers}
    # In a thread of its own: the browser tests keep an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        # Handed on before any token is verified: no verifier is ever asked for.
        middleware = api.TokenRequests(handler, verifier=_no_verifier)
        pool.submit(cast(Any, anyio.run), middleware, scope, receive, send).result()
    return handed


def test_a_body_longer_than_its_length_goes_on_to_the_handler_whole() -> None:
    """Should a length not frame the body (more arrives than it said), the middleware stops
    reading past the limit and hands over what it read, and the rest, to the handler (413)."""
    chunk = json.dumps({"token": "a.b.c"}).encode() + b" " * (40 * 1024)
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": True},
        {"type": "http.request", "body": chunk, "more_body": True},
        {"type": "http.request", "body": b"tail", "more_body": False},
    ]
    json_type = (b"content-type", b"application/json")
    handed = _handed_over([(b"content-length", b"100"), json_type], incoming)
    assert [m["more_body"] for m in handed] == [True, False]
    assert b"".join(m["body"] for m in handed) == chunk * 2 + b"tail"


def test_a_repeated_header_is_left_to_the_handler() -> None:
    """Two Content-Type headers, JSON last: the middleware does not choose one (the handler
    reads them its own way and decides), whatever the body."""
    body = json.dumps({"token": "a.b.c"}).encode()
    message = {"type": "http.request", "body": body, "more_body": False}
    headers = [
        (b"content-type", b"text/plain"),
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]
    assert _handed_over(headers, [dict(message)]) == [message]


# -- hostile tokens


def _attacker() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _attacker_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}


def _hmac_token(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64u_json(header)}.{b64u_json(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64u(mac)}"


class Kit:
    """What an attacker has: a real token, the issuer's public JWK; and, to check that header
    and claim rules hold even under a good signature, the issuer's own key (test only)."""

    def __init__(self, token: str, keys_dir: Path, jwk: dict[str, Any]) -> None:
        self.token = token
        self.header, self.payload = parts(token)
        self.kid = self.header["kid"]
        self.jwk = jwk
        pem = (keys_dir / f"{self.kid.rpartition('#')[2]}.pem").read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self.issuer_key = key

    def raw_signed(self, header: Any) -> str:
        """Any header at all, signed with the issuer's real key (PyJWT would refuse some)."""
        signing_input = f"{b64u_json(header)}.{b64u_json(self.payload)}"
        return f"{signing_input}.{b64u(self.issuer_key.sign(signing_input.encode()))}"

    def signed(self, payload: dict[str, Any] | None = None, **header: Any) -> str:
        """Signed with the issuer's real key under the given header (typ defaults to vc+jwt)."""
        headers = {"typ": "vc+jwt", "cty": "vc", "kid": self.kid, **header}
        return jwt.encode(
            payload if payload is not None else self.payload,
            self.issuer_key,
            algorithm="EdDSA",
            headers=headers,
        )


def _unsigned(kit: Kit, header: dict[str, Any]) -> str:
    return f"{b64u_json(header)}.{b64u_json(kit.payload)}."


def _embedded_jwk(kit: Kit) -> str:
    key = _attacker()
    return jwt.encode(
        kit.payload,
        key,
        algorithm="EdDSA",
        headers={"typ": "vc+jwt", "kid": kit.kid, "jwk": _attacker_jwk(key)},
    )


def _embedded_jwk_own_kid(kit: Kit) -> str:
    from registry.vc.keys import thumbprint

    key = _attacker()
    jwk = _attacker_jwk(key)
    return jwt.encode(
        kit.payload,
        key,
        algorithm="EdDSA",
        headers={"typ": "vc+jwt", "kid": thumbprint(jwk), "jwk": jwk},
    )


def _pointer(kit: Kit, param: str) -> str:
    """Signed by the attacker, with a header naming where the attacker's key can be found."""
    value: Any = ["MIIBattacker"] if param == "x5c" else "https://attacker.example/keys"
    return jwt.encode(
        kit.payload,
        _attacker(),
        algorithm="EdDSA",
        headers={"typ": "vc+jwt", "kid": kit.kid, param: value},
    )


NAN_PAYLOAD = b'{"iat": NaN}'


HOSTILE: dict[str, Callable[[Kit], Any]] = {
    "alg none": lambda k: _unsigned(k, {"alg": "none", "typ": "vc+jwt", "kid": k.kid}),
    "alg None capitalised": lambda k: _unsigned(k, {"alg": "None", "typ": "vc+jwt", "kid": k.kid}),
    "alg missing": lambda k: _unsigned(k, {"typ": "vc+jwt", "kid": k.kid}),
    "HS256 keyed with the raw public key": lambda k: _hmac_token(
        {"alg": "HS256", "typ": "vc+jwt", "kid": k.kid},
        k.payload,
        base64.urlsafe_b64decode(k.jwk["x"] + "=="),
    ),
    "HS256 keyed with the JWK text": lambda k: _hmac_token(
        {"alg": "HS256", "typ": "vc+jwt", "kid": k.kid}, k.payload, json.dumps(k.jwk).encode()
    ),
    "ES256 header on an Ed25519 key": lambda k: (
        f"{b64u_json({**k.header, 'alg': 'ES256'})}.{k.token.split('.', 1)[1]}"
    ),
    "embedded jwk with the issuer's kid": _embedded_jwk,
    "embedded jwk with its own kid": _embedded_jwk_own_kid,
    "jku": lambda k: _pointer(k, "jku"),
    "x5u": lambda k: _pointer(k, "x5u"),
    "x5c": lambda k: _pointer(k, "x5c"),
    "vc claim": lambda k: k.signed({**k.payload, "vc": {"type": ["VerifiableCredential"]}}),
    "vp claim": lambda k: k.signed({**k.payload, "vp": {}}),
    "typ JWT": lambda k: k.signed(typ="JWT"),
    "typ missing": lambda k: jwt.encode(
        k.payload, k.issuer_key, algorithm="EdDSA", headers={"kid": k.kid, "typ": None}
    ),
    "unknown crit": lambda k: k.signed(
        crit=["urn:example:extension"], **cast(Any, {"urn:example:extension": True})
    ),
    "unknown kid": lambda k: k.signed(kid="not-a-key-of-ours"),
    "kid missing": lambda k: jwt.encode(
        k.payload, k.issuer_key, algorithm="EdDSA", headers={"typ": "vc+jwt"}
    ),
    "kid not a string": lambda k: k.raw_signed(
        {"alg": "EdDSA", "typ": "vc+jwt", "kid": {"$ne": ""}}
    ),
    "iss differs from issuer": lambda k: k.signed({**k.payload, "iss": "https://evil.example"}),
    "another issuer": lambda k: k.signed(
        {
            **k.payload,
            "iss": "https://evil.example",
            "issuer": {**k.payload["issuer"], "id": "https://evil.example"},
        }
    ),
    "VC 1.1 context": lambda k: k.signed(
        {**k.payload, "@context": ["https://www.w3.org/2018/credentials/v1"]}
    ),
    "payload is a JSON array": lambda k: f"{b64u_json(k.header)}.{b64u_json([k.payload])}.AA",
    "duplicate header member": lambda k: (
        b64u(b'{"alg":"EdDSA","alg":"none","typ":"vc+jwt","kid":"' + k.kid.encode() + b'"}')
        + "."
        + k.token.split(".")[1]
        + "."
    ),
    "garbage": lambda k: "garbage",
    "empty": lambda k: "",
    "three dots of nothing": lambda k: "..",
    "four parts": lambda k: k.token + ".AAAA",
    "JWE-shaped": lambda k: "a.b.c.d.e",
    "padding in parts": lambda k: k.token.replace(".", "=.", 1),
    "whitespace inside": lambda k: k.token[:20] + " " + k.token[20:],
    "non-ASCII letters": lambda k: "éé.ü.ø",
    "emoji": lambda k: "🔐." + k.token,
    "NUL byte": lambda k: k.token[:10] + "\x00" + k.token[10:],
    "deeply nested payload": lambda k: f"{b64u_json(k.header)}.{b64u(b'[' * 5000)}.AA",
    "NaN in payload": lambda k: f"{b64u_json(k.header)}.{b64u(NAN_PAYLOAD)}.AA",
}


@pytest.fixture
def kit(region: Region, course: dict[str, Any], anonymous: Api, keys_dir: Path) -> Kit:
    token = issue(region, course)["token"]
    kid = parts(token)[0]["kid"]
    jwks = anonymous.get("/.well-known/jwks.json").json()
    return Kit(token, keys_dir, next(k for k in jwks["keys"] if k["kid"] == kid))


def test_the_hostile_token_table_never_passes_and_never_breaks_the_server(
    kit: Kit, anonymous: Api
) -> None:
    assert verify(anonymous, kit.token)["verdict"] == "valid"
    # The kit itself works: a token re-signed with the issuer's key under the normal header
    # is valid, so each failure below is due to the one thing the case changes.
    assert verify(anonymous, kit.signed())["verdict"] == "valid"
    problems = []
    for name, make in HOSTILE.items():
        token = make(kit)
        body = json.dumps({"token": token})
        r = anonymous.post(
            "/api/v1/verify", content=body, headers={"Content-Type": "application/json"}
        )
        if r.status_code >= 500:
            problems.append(f"{name}: {r.status_code} {r.text[:200]}")
            continue
        if r.status_code != 200:
            problems.append(f"{name}: status {r.status_code} {r.text[:200]}")
            continue
        answer = r.json()
        if answer["verdict"] != "invalid":
            problems.append(f"{name}: verdict {answer['verdict']}")
        elif "credential" in answer:
            problems.append(f"{name}: an invalid verdict carries a credential block")
    assert problems == []
