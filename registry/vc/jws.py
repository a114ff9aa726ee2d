"""Compact JWS: the one base64url codec, the one algorithm table, signing and strict parsing."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import msgspec

MAX_TOKEN_BYTES = 16 * 1024
# Header "alg" values each key family accepts; "Ed25519" is the RFC 9864 fully-specified name.
# Never "none", never an HMAC: an allow-list, not a deny-list.
ACCEPTED_ALGS: Mapping[str, frozenset[str]] = MappingProxyType(
    {"EdDSA": frozenset({"EdDSA", "Ed25519"}), "ES256": frozenset({"ES256"})}
)
ALLOWED_ALGS = frozenset().union(*ACCEPTED_ALGS.values())
# Header parameters that point at keys; an attacker controls them, so they are never used.
IGNORED_KEY_PARAMS = ("jwk", "jku", "x5u", "x5c")

# base64url to the standard alphabet; "+", "/" and "=" become a character the strict decoder
# refuses, so that only the base64url alphabet gets through.
_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
_B64URL_VALUE = {
    c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}
_UNUSED_BITS = (0, 0, 0b1111, 0b11)  # by the text's length modulo 4


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: Any) -> bytes:
    """The bytes of base64url without padding; ValueError for any other alphabet, padding, an
    impossible length or stray bits (the package's only decoder: one idea of what base64url is)."""
    if not isinstance(text, str):
        raise ValueError("not base64url without padding")
    try:
        encoded = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("not base64url without padding") from None
    return _b64url_decode_bytes(encoded)


def _b64url_decode_bytes(encoded: bytes) -> bytes:
    """`b64url_decode` of text already in bytes (any byte outside the alphabet is refused)."""
    size = len(encoded) % 4
    if size == 1:
        raise ValueError("not base64url without padding")
    try:
        data = binascii.a2b_base64(
            encoded.translate(_TO_STANDARD) + b"=" * (-size % 4), strict_mode=True
        )
    except binascii.Error:
        raise ValueError("not base64url without padding") from None
    # Unused low bits in the last character must be zero: otherwise several texts decode to the
    # same bytes, and a signed token would have variants that still verify (found by the
    # differential test against joserfc). Two characters over a multiple of four carry one byte
    # (4 bits unused), three carry two (2 unused).
    unused = _UNUSED_BITS[size]
    if unused and _B64URL_VALUE[encoded[-1]] & unused:
        raise ValueError("not canonical base64url (stray bits in the last character)")
    return data


class JWSError(ValueError):
    """A token that is not an acceptable compact JWS; `check` names the stage that refused it."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(detail)
        self.check = check
        self.detail = detail


class Signature(Protocol):
    @property
    def kid(self) -> str: ...

    @property
    def signature(self) -> bytes: ...


class SigningKey(Protocol):
    """The narrow key interface: one pinned key that signs bytes and says which key it was."""

    @property
    def kid(self) -> str: ...

    @property
    def alg(self) -> str: ...

    def sign_bytes(self, data: bytes) -> Signature: ...


@dataclass(frozen=True)
class Signed:
    """A compact JWS and the key that made it (the bare thumbprint: the KeyStore's identity)."""

    token: str
    kid: str


def _compact_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(
    payload: Mapping[str, Any],
    key: SigningKey,
    *,
    kid: str,
    typ: str = "vc+jwt",
    cty: str | None = "vc",
) -> Signed:
    """A compact JWS of `payload` by `key`, header exactly {alg, typ, cty, kid} (no cty when it
    is None).

    `kid` is what the header names (the DID URL of `key`); `key.kid` is what the registry stores.
    """
    header = {"alg": key.alg, "typ": typ, **({"cty": cty} if cty else {}), "kid": kid}
    signing_input = (
        f"{b64url_encode(_compact_json(header))}.{b64url_encode(_compact_json(payload))}"
    )
    signature = key.sign_bytes(signing_input.encode("ascii"))
    if signature.kid != key.kid:  # a pinned key cannot change; a wrong one must not go unnoticed
        raise RuntimeError(f"key {key.kid} signed as {signature.kid}")
    return Signed(f"{signing_input}.{b64url_encode(signature.signature)}", signature.kid)


# -- parsing


class Parsed(msgspec.Struct, frozen=True):
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes
    size: int


def show(value: Any, *, quote: bool = True, limit: int = 80) -> str:
    """A value from a token for a message, cut short: messages echo untrusted input."""
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers could read a repeated member differently; a signed document must be unambiguous.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {show(key)}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str | bytes) -> Any:
    """JSON text, refusing repeated members and NaN/Infinity (ValueError, RecursionError): the
    one reader of signed documents, JWS parts and Data Integrity documents alike."""
    if isinstance(text, bytes):
        fast = _strict_json_fast(text)
        if fast is not _UNDECIDED:
            return fast
        text = text.decode("utf-8")
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


_UNDECIDED = object()


def _strict_json_fast(data: bytes) -> Any:
    """What `strict_json` returns, read by msgspec in C, or _UNDECIDED: the standard reader
    then decides, and says what is wrong.

    msgspec resolves a repeated member silently (the last one wins), so the members are counted
    instead: every member has one ':' outside strings, and written again the value has one per
    member it kept, while the colons inside strings are the same on both sides unless a
    \\u escape spells one. So a value that reads, holds no \\u escape and has as many colons
    written again as read has no repeated member. msgspec is stricter than the standard reader
    elsewhere (NaN, numbers out of range, lone surrogates): it refuses, and the standard reader
    decides those too."""
    if b"\\u" in data:
        return _UNDECIDED
    try:
        value = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return _UNDECIDED
    if msgspec.json.encode(value).count(b":") != data.count(b":"):
        return _UNDECIDED
    return value


def json_object(data: bytes, what: str) -> dict[str, Any]:
    """A strict JSON object: UTF-8, no duplicate members, no NaN or Infinity."""
    try:
        value = strict_json(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise JWSError("shape", f"the {what} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise JWSError("shape", f"the {what} is not a JSON object")
    return value


def token_bytes(token: Any) -> bytes:
    """The token as bytes, refused past MAX_TOKEN_BYTES before anything else is done."""
    if isinstance(token, str):
        if len(token) > MAX_TOKEN_BYTES:
            raise JWSError("size", f"the token is over {MAX_TOKEN_BYTES} bytes")
        try:
            data = token.encode("utf-8")
        except UnicodeEncodeError:
            raise JWSError("shape", "the token is not text") from None
    elif isinstance(token, bytes | bytearray | memoryview):
        data = bytes(token[: MAX_TOKEN_BYTES + 1])
    else:
        raise JWSError("shape", f"the token is a {type(token).__name__}, not text")
    if len(data) > MAX_TOKEN_BYTES:
        raise JWSError("size", f"the token is over {MAX_TOKEN_BYTES} bytes")
    return data


_NOT_BASE64URL = "the token's parts are not base64url without padding"


def parse(data: bytes) -> Parsed:
    """Three base64url parts, a JSON header and payload; nothing is trusted yet."""
    if not data.isascii():
        raise JWSError("shape", "the token contains characters outside base64url")
    text = data.strip(_ASCII_SPACE)
    parts = text.split(b".")
    if len(parts) != 3:
        raise JWSError("shape", f"a compact JWS has 3 dot-separated parts, not {len(parts)}")
    if not parts[0] or not parts[1]:
        raise JWSError("shape", _NOT_BASE64URL)
    try:
        payload_raw, signature = _b64url_decode_bytes(parts[1]), _b64url_decode_bytes(parts[2])
    except ValueError:
        raise JWSError("shape", _NOT_BASE64URL) from None
    header = _header(parts[0])
    payload = json_object(payload_raw, "payload")
    signing_input = text[: len(parts[0]) + 1 + len(parts[1])]
    return Parsed(header, payload, signing_input, signature, len(data))


# What str.strip() takes off ASCII text: the surroundings of a token it has always tolerated.
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
# Headers read before, by their base64url text. A registry's tokens share a few headers, and
# reading one is a function of its text alone; the signature is still checked every time.
_HEADERS: dict[bytes, dict[str, Any]] = {}
_HEADERS_KEPT = 64


def _header(part: bytes) -> dict[str, Any]:
    """The header of base64url text `part`, read once (a copy: the reader's to keep)."""
    header = _HEADERS.get(part)
    if header is None:
        try:
            raw = _b64url_decode_bytes(part)
        except ValueError:
            raise JWSError("shape", _NOT_BASE64URL) from None
        header = json_object(raw, "header")
        if len(_HEADERS) >= _HEADERS_KEPT:  # a flood of headers: start again
            _HEADERS.clear()
        _HEADERS[part] = header
    return dict(header)


def _media_type_is(value: Any, expected: str) -> bool:
    # Media types compare case-insensitively and RFC 7515 allows omitting "application/".
    if not isinstance(value, str):
        return False
    value = value.lower()
    return value in (expected, f"application/{expected}")


VC_JWT = "vc+jwt"
# The VC 1.1 JWT encoding (OpenID4VCI's jwt_vc_json) is typed plainly "JWT", with no cty.
JWT = "JWT"


def check_header(header: Mapping[str, Any], typs: tuple[str, ...] = (VC_JWT,)) -> tuple[str, str]:
    """(alg, kid) of an acceptable header of one of `typs` (vc+jwt unless told);
    JWSError("header", …) otherwise."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
        raise JWSError(
            "header", f"algorithm {show(alg)} is not accepted (only EdDSA, Ed25519, ES256)"
        )
    if "typ" not in header:
        raise JWSError("header", 'typ is missing; a credential has typ "vc+jwt"')
    typ = next((t for t in typs if _media_type_is(header["typ"], t.lower())), None)
    if typ is None:
        raise JWSError("header", f'typ {show(header["typ"])} is not "{VC_JWT}"')
    if typ == JWT and "cty" in header:
        raise JWSError("header", f"a {JWT} credential names no cty")
    if "cty" in header and not _media_type_is(header["cty"], "vc"):
        raise JWSError("header", f'cty {show(header["cty"])} is not "vc"')
    if "crit" in header:
        # No extension is understood, so any crit names one we do not (RFC 7515 §4.1.11).
        raise JWSError(
            "header", f"critical header parameters {show(header['crit'])} are not understood"
        )
    if "b64" in header and header["b64"] is not True:
        raise JWSError("header", "an unencoded payload (b64) is not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JWSError("header", "the key id (kid) is missing")
    return alg, kid


class VerificationKey(Protocol):
    @property
    def kid(self) -> str: ...

    @property
    def alg(self) -> str: ...

    def accepts(self, alg: str) -> bool: ...

    def verify(self, alg: str, signing_input: bytes, signature: bytes) -> bool: ...


class Verified(msgspec.Struct, frozen=True):
    parsed: Parsed
    key_id: str  # the kid as the header names it
    alg: str
    ignored: tuple[str, ...]  # key-pointing header parameters present and not used


def verify(
    token: Any,
    find_key: Callable[[str], VerificationKey | None],
    on_check: Callable[[str, str], None] = lambda name, detail: None,
    typs: tuple[str, ...] = (VC_JWT,),
    parsed: Parsed | None = None,
) -> tuple[Verified, VerificationKey]:
    """Size, shape, header and signature, in that order; `on_check(name, detail)` for each that
    passed. Raises JWSError naming the first that failed. Nothing of the payload may be trusted
    unless this returns. `find_key` maps the header's kid to a trusted key (or None). `parsed`
    is `parse(token_bytes(token))` when the caller has already read the token (to learn what to
    load before verifying): it is not read twice, and its signature is checked all the same."""
    if parsed is None:
        data = token_bytes(token)
        on_check("size", f"{len(data)} bytes, within {MAX_TOKEN_BYTES}")
        parsed = parse(data)
    else:
        on_check("size", f"{parsed.size} bytes, within {MAX_TOKEN_BYTES}")
    on_check("shape", "compact JWS with a JSON header and payload")
    alg, kid = check_header(parsed.header, typs)
    key = find_key(kid)
    if key is None:
        raise JWSError("header", f"key {show(kid)} is not one of the trusted keys")
    if not key.accepts(alg):
        raise JWSError("header", f"algorithm {alg} does not fit key {show(kid)} ({key.alg})")
    ignored = tuple(p for p in IGNORED_KEY_PARAMS if p in parsed.header)
    note = f"; ignored {', '.join(ignored)}" if ignored else ""
    on_check("header", f"typ {parsed.header['typ']}, alg {alg}, trusted kid {kid}{note}")
    if not key.verify(alg, parsed.signing_input, parsed.signature):
        raise JWSError("signature", f"the signature does not verify with key {kid}")
    on_check("signature", f"signed by key {kid} ({alg})")
    return Verified(parsed, kid, alg, ignored), key


def read(token: Any) -> Parsed | None:
    """The token parsed, nothing trusted yet (for `verify`'s `parsed`); None when it cannot be
    read: `verify` then says why."""
    try:
        return parse(token_bytes(token))
    except JWSError:
        return None


def payload_of(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, not verified: for tokens this registry signed and stored."""
    try:
        return parse(token_bytes(token)).payload
    except JWSError as failed:
        raise ValueError(failed.detail) from None
