"""A wallet app, as the tests play it: its own key (Ed25519 or P-256), named by did:key or
did:jwk encoded here independently of the registry, and the OpenID4VCI calls it makes."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from litestar import Litestar
from litestar.testing import TestClient

from registry.vc.dataintegrity import canonicalize_strict, hash_data, proof_value
from tests.conftest import PUBLIC_URL, Api

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
LDP = "CITCertification_ldp_vc"
JWT = "CITCertification_jwt_vc_json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
SUITE_2020 = "Ed25519Signature2020"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b58(data: bytes) -> str:
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


@dataclass
class WalletApp:
    """One wallet app's key and how it names itself."""

    private: Any
    alg: str
    did: str
    kid: str

    def proof(self, nonce: str | None, **overrides: Any) -> str:
        header = {"typ": "openid4vci-proof+jwt", "kid": self.kid, **overrides.pop("header", {})}
        payload: dict[str, Any] = {"aud": PUBLIC_URL, "iat": int(time.time())}
        if nonce is not None:
            payload["nonce"] = nonce
        payload.update(overrides)
        payload = {k: v for k, v in payload.items() if v is not None}
        header = {k: v for k, v in header.items() if v is not None}
        return jwt.encode(payload, self.private, algorithm=self.alg, headers=header)


def raw_public(private: Any) -> bytes:
    return bytes(
        private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )


def wallet_app(kind: str = "ed25519-key") -> WalletApp:
    if kind.startswith("ed25519"):
        private: Any = Ed25519PrivateKey.generate()
        raw = raw_public(private)
        alg = "EdDSA"
        multikey = "z" + b58(b"\xed\x01" + raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
    else:
        private = ec.generate_private_key(ec.SECP256R1())
        numbers = private.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        alg = "ES256"
        multikey = "z" + b58(b"\x80\x24" + bytes([2 + (y[-1] & 1)]) + x)
        jwk = {"kty": "EC", "crv": "P-256", "x": b64u(x), "y": b64u(y)}
    if kind.endswith("-jwk"):
        did = "did:jwk:" + b64u(json.dumps(jwk).encode())
        return WalletApp(private, alg, did, did + "#0")
    did = "did:key:" + multikey
    return WalletApp(private, alg, did, f"{did}#{multikey}")


def sign_presentation(
    app: WalletApp,
    *,
    challenge: str | None,
    domain: str | None,
    credentials: list[Any] | None = None,
    signer: WalletApp | None = None,
    suite: str | None = None,
    **proof: Any,
) -> dict[str, Any]:
    """A DID Authentication presentation signed by the wallet app's key (eddsa-rdfc-2022, or
    ecdsa-rdfc-2019 for P-256; `suite=SUITE_2020`: Ed25519Signature2020 with its context, as the
    Learner Credential Wallet signs); `proof` overrides or (as None) drops proof options."""
    vp: dict[str, Any] = {
        "@context": [VC_CONTEXT, ED25519_2020_CONTEXT] if suite == SUITE_2020 else [VC_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": proof.pop("holder", app.did),
    }
    if credentials:
        vp["verifiableCredential"] = credentials
    cryptosuite = "eddsa-rdfc-2022" if app.alg == "EdDSA" else "ecdsa-rdfc-2019"
    options = {
        "type": suite or "DataIntegrityProof",
        "cryptosuite": None if suite == SUITE_2020 else cryptosuite,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "verificationMethod": app.kid,
        "proofPurpose": "authentication",
        "challenge": challenge,
        "domain": domain,
        **proof,
    }
    options = {k: v for k, v in options.items() if v is not None}
    # Unbounded: a test may sign what the verifier refuses as too costly to canonicalize.
    data = hash_data(vp, options, lambda d: canonicalize_strict(d, limit=10**6).nquads)
    key = (signer or app).private
    if isinstance(key, Ed25519PrivateKey):
        signature = key.sign(data)
    else:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return {**vp, "proof": {**options, "proofValue": proof_value(signature)}}


def offer_of(offer_uri: str) -> dict[str, Any]:
    assert offer_uri.startswith("openid-credential-offer://?"), offer_uri
    query = parse_qs(urlsplit(offer_uri).query)
    return dict(json.loads(query["credential_offer"][0]))


def code_of(started: dict[str, Any]) -> str:
    offer = offer_of(started["protocols"]["OID4VCI"])
    return str(offer["grants"][PRE_AUTH]["pre-authorized_code"])


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Flow:
    """The calls of the pre-authorized code flow, through the HTTP API."""

    client: TestClient[Litestar]

    def start(self, api: Api, credential_id: str, **body: Any) -> dict[str, Any]:
        r = api.post(f"/api/v1/credentials/{credential_id}/interactions", body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def token_for(self, api: Api, credential_id: str) -> str:
        """An access token for a fresh hand-over of the credential."""
        return self.access_token(code_of(self.start(api, credential_id)))

    def token(self, code: str, **extra: str) -> Any:
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": code, **extra}
        return self.client.post("/oid4vci/token", data=form)

    def access_token(self, code: str, **extra: str) -> str:
        r = self.token(code, **extra)
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"].startswith("no-store")
        return str(r.json()["access_token"])

    def nonce(self) -> str:
        r = self.client.post("/oid4vci/nonce")
        assert r.status_code == 200, r.text
        return str(r.json()["c_nonce"])

    def request(self, access_token: str | None, body: Any, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        return self.client.post("/oid4vci/credential", json=body, headers=headers, **kw)

    def credential(self, access_token: str, proof: str, configuration: str = LDP) -> Any:
        body = {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}}
        return self.request(access_token, body)


@pytest.fixture
def flow(client: TestClient[Litestar]) -> Flow:
    return Flow(client)


def assert_protocol_error(r: Any, error: str, status: int = 400) -> dict[str, Any]:
    """An OAuth-shaped error: the status, `error` and a description, never problem+json."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = dict(r.json())
    assert body["error"] == error, body
    assert isinstance(body.get("error_description"), str) and body["error_description"], body
    return body
