"""Our JWS module against joserfc, an independent implementation: the same decision on valid and
hostile tokens. Where the profile is stricter than JOSE itself (typ, crit, duplicate members,
size, a JSON object payload), those rules are checked here independently and added to joserfc's
answer; the whitespace around a token that our reader forgives is stripped before joserfc sees it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws as jose_jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import KeySet as JoseKeySet

from registry.vc import jws
from registry.vc.keys import KeySet
from registry.vc.keystore import KeyStore

KEYS = Path(__file__).resolve().parent.parent / "keys"
DID = "did:web:registry.example"
PAYLOAD = {"iss": DID, "jti": "https://registry.example/c/X", "n": 1}


def _store(tmp: Path) -> KeyStore:
    store = KeyStore(tmp)
    store.import_pem((KEYS / "ed25519.pem").read_bytes())
    return store


_PRIVATE = serialization.load_pem_private_key((KEYS / "ed25519.pem").read_bytes(), password=None)
assert isinstance(_PRIVATE, Ed25519PrivateKey)
_RAW_PUBLIC = _PRIVATE.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw
)
_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "x": base64.urlsafe_b64encode(_RAW_PUBLIC).decode().rstrip("="),
}
_THUMBPRINT = JoseKeySet.import_key_set(cast(Any, {"keys": [_JWK]})).keys[0].thumbprint()
KID = f"{DID}#{_THUMBPRINT}"
OURS = KeySet.from_jwks({"keys": [{**_JWK, "kid": KID, "alg": "EdDSA", "use": "sig"}]})
# joserfc finds keys by kid alone: it gets the key under both names our verifier resolves (the
# DID URL, and the bare thumbprint that credentials issued before the DID carry).
THEIRS = JoseKeySet.import_key_set({"keys": [{**_JWK, "kid": KID}, {**_JWK, "kid": _THUMBPRINT}]})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make(
    header: str | dict[str, Any], payload: str | dict[str, Any] = PAYLOAD, alg: str = ""
) -> str:
    """A token whose header and payload are exactly these JSON texts, signed with the test key
    (an HMAC over the public key for HS*: the classic confusion attack)."""
    h = header if isinstance(header, str) else json.dumps(header)
    p = payload if isinstance(payload, str) else json.dumps(payload)
    signing_input = f"{b64(h.encode())}.{b64(p.encode())}"
    if alg.startswith("HS"):
        signature = hmac.new(_RAW_PUBLIC, signing_input.encode(), hashlib.sha256).digest()
    elif alg == "none":
        signature = b""
    else:
        signature = cast(Any, _PRIVATE).sign(signing_input.encode())
    return f"{signing_input}.{b64(signature)}"


def ours(token: str) -> bool:
    try:
        jws.verify(token, lambda kid: OURS.resolve(kid, DID))
    except jws.JWSError:
        return False
    return True


def joserfc_accepts(token: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)
            jose_jws.deserialize_compact(
                token.strip(), THEIRS, algorithms=["EdDSA", "Ed25519", "ES256"]
            )
    except Exception:
        return False
    return True


def _strict_json(text: bytes) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate")
        return dict(items)

    def constant(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)


def profile_allows(token: str) -> bool:
    """The profile's rules beyond JOSE, written again independently of registry code."""
    text = token.strip()
    if len(token.encode("utf-8", "surrogatepass")) > 16 * 1024:
        return False
    try:
        head, body, _ = text.split(".")
        header = _strict_json(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        payload = _strict_json(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except Exception:
        return False
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ("vc+jwt", "application/vc+jwt"):
        return False
    cty = header.get("cty", "vc")
    if not isinstance(cty, str) or cty.lower() not in ("vc", "application/vc"):
        return False
    return "crit" not in header and header.get("b64", True) is True


def agree(token: str) -> None:
    expected = joserfc_accepts(token) and profile_allows(token)
    assert ours(token) == expected, (token, joserfc_accepts(token), profile_allows(token))


GOOD = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": KID}


def test_a_token_we_sign_is_accepted_by_both(tmp_path: Path) -> None:
    token = _store(tmp_path).sign(PAYLOAD, did=DID).token
    assert ours(token) and joserfc_accepts(token)
    agree(token)


HOSTILE: dict[str, str] = {
    "good": make(GOOD),
    "Ed25519 alg": make({**GOOD, "alg": "Ed25519"}),
    "alg none": make({**GOOD, "alg": "none"}, alg="none"),
    "alg HS256 with the public key": make({**GOOD, "alg": "HS256"}, alg="HS256"),
    "alg ES256 on an Ed25519 key": make({**GOOD, "alg": "ES256"}),
    "alg missing": make({k: v for k, v in GOOD.items() if k != "alg"}),
    "kid missing": make({k: v for k, v in GOOD.items() if k != "kid"}),
    "kid of another DID": make({**GOOD, "kid": f"did:web:evil.example#{_THUMBPRINT}"}),
    "kid unknown": make({**GOOD, "kid": f"{DID}#nope"}),
    "kid not a string": make({**GOOD, "kid": 7}),
    "typ JWT": make({**GOOD, "typ": "JWT"}),
    "typ missing": make({k: v for k, v in GOOD.items() if k != "typ"}),
    "typ media type": make({**GOOD, "typ": "application/VC+JWT"}),
    "cty other": make({**GOOD, "cty": "json"}),
    "crit": make({**GOOD, "crit": ["exp"], "exp": 1}),
    "crit empty": make({**GOOD, "crit": []}),
    "b64 false": make({**GOOD, "b64": False, "crit": ["b64"]}),
    "b64 true": make({**GOOD, "b64": True}),
    "jku and jwk ignored": make({**GOOD, "jku": "https://evil.example/k", "jwk": _JWK}),
    "duplicate alg": make(json.dumps(GOOD)[:-1] + ', "alg": "none"}'),
    "duplicate payload member": make(GOOD, '{"iss": "a", "iss": "b"}'),
    "payload an array": make(GOOD, "[1, 2]"),
    "payload NaN": make(GOOD, '{"n": NaN}'),
    "payload not JSON": make(GOOD, "hello"),
    "header not JSON": make("{alg: EdDSA}"),
    "header an array": make("[]"),
    "payload not UTF-8": "",  # filled below
    "oversized": make(GOOD, {"pad": "x" * 17000}),
}
_h = b64(json.dumps(GOOD).encode())
_p = b64(b"\xff\xfe{}")
HOSTILE["payload not UTF-8"] = f"{_h}.{_p}.{b64(_PRIVATE.sign(f'{_h}.{_p}'.encode()))}"
_good = HOSTILE["good"]
HOSTILE.update(
    {
        "padding": _good.replace(".", "=.", 1),
        "standard base64 alphabet": _good.replace("-", "+").replace("_", "/"),
        "two parts": _good.rsplit(".", 1)[0],
        "four parts": _good + ".AAAA",
        "empty signature": _good.rsplit(".", 1)[0] + ".",
        "signature flipped": _good[:-2] + ("A" if _good[-2] != "A" else "B") + _good[-1],
        "whitespace around": f"  {_good}\n",
        "whitespace inside": _good.replace(".", ". ", 1),
        "empty": "",
        "dots": "..",
    }
)


def test_hostile_tokens_get_the_same_decision() -> None:
    for name, token in HOSTILE.items():
        try:
            agree(token)
        except AssertionError:
            raise AssertionError(f"disagreement on {name!r}") from None
    assert ours(HOSTILE["good"]) and ours(HOSTILE["Ed25519 alg"])
    assert not ours(HOSTILE["alg HS256 with the public key"])


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(min_value=0, max_value=len(_good) - 1),
    char=st.sampled_from(_ALPHABET),
    action=st.sampled_from(["replace", "insert", "delete"]),
)
def test_one_character_changed_anywhere_gets_the_same_decision(
    position: int, char: str, action: str
) -> None:
    if action == "replace":
        token = _good[:position] + char + _good[position + 1 :]
    elif action == "insert":
        token = _good[:position] + char + _good[position:]
    else:
        token = _good[:position] + _good[position + 1 :]
    agree(token)


_HEADER_VALUES = {
    "alg": st.sampled_from(["EdDSA", "Ed25519", "ES256", "none", "HS256", "RS256", "eddsa", 1]),
    "typ": st.sampled_from(["vc+jwt", "VC+JWT", "application/vc+jwt", "JWT", "", None]),
    "cty": st.sampled_from(["vc", "application/vc", "json", None]),
    "kid": st.sampled_from([KID, _THUMBPRINT, f"did:web:x#{_THUMBPRINT}", "", None, 3]),
    "crit": st.sampled_from([None, [], ["b64"], ["x"], "x"]),
    "b64": st.sampled_from([None, True, False, "true"]),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({k: v for k, v in _HEADER_VALUES.items()}))
def test_signed_headers_of_every_shape_get_the_same_decision(values: dict[str, Any]) -> None:
    header = {k: v for k, v in values.items() if v is not None}
    alg = header.get("alg")
    agree(make(header, alg=alg if isinstance(alg, str) else ""))
