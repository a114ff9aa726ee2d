"""What the wallet tests share: a live https server with a throw-away CA, a hand-over started
for a credential, a revocation, and a received copy checked at POST /api/v1/verify."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.live import LiveServer

# The offer's configurations, in its order (the JWT first: see registry/wallets/service.py).
JWT = "CITCertification_jwt_vc_json"
LDP = "CITCertification_ldp_vc"


def start(live_server: LiveServer, credential_id: str, **body: Any) -> dict[str, Any]:
    with live_server.api() as api:
        r = api.post(f"/api/v1/credentials/{credential_id}/interactions", json=body)
        assert r.status_code == 201, r.text
        answer: dict[str, Any] = r.json()
        return answer


def revoke(live_server: LiveServer, credential_id: str) -> None:
    with live_server.api() as api:
        r = api.post(f"/api/v1/credentials/{credential_id}/revoke", json={"reason": "Interop"})
        assert r.status_code == 200, r.text


def verify_api(live_server: LiveServer, copy: dict[str, Any] | str) -> dict[str, Any]:
    """POST /api/v1/verify with a received copy: a JWT as `token`, a document as `credential`."""
    form = "token" if isinstance(copy, str) else "credential"
    with live_server.client() as client:
        r = client.post("/api/v1/verify", json={form: copy})
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer


def copies_verify_then_show_revoked(
    live_server: LiveServer, credential_id: str, copies: list[dict[str, Any] | str]
) -> None:
    assert copies
    for copy in copies:
        assert verify_api(live_server, copy)["verdict"] == "valid"
    revoke(live_server, credential_id)
    for copy in copies:
        assert verify_api(live_server, copy)["verdict"] == "revoked"


def jwt_claims(jwt: str) -> dict[str, Any]:
    """The claims of a received JWT copy, unchecked (the verify API checks it)."""
    payload = jwt.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims
