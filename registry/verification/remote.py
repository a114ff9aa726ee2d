"""Verifying against a registry over the network: its keys (over https, or http on this machine
only) and its status lists, fetched with a size limit."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


class RemoteRefused(ValueError):
    """Keys that cannot be fetched or trusted from where they were asked for."""


MAX_FETCH = 20 * 1024 * 1024


def fetch_url(url: str, *, accept: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise OSError(f"only http(s) URLs can be fetched: {url}")
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - scheme checked
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        data: bytes = response.read(MAX_FETCH + 1)
    if len(data) > MAX_FETCH:
        raise OSError(f"{url} answered more than {MAX_FETCH} bytes")
    return data


class HttpStatusSource:
    """Fetches status lists over HTTP(S)."""

    def fetch(self, url: str) -> str:
        from registry.verification.status import StatusUnavailable

        try:
            return fetch_url(url, accept="application/vc+jwt").decode("ascii").strip()
        except (OSError, UnicodeDecodeError, urllib.error.URLError) as exc:
            raise StatusUnavailable(f"could not fetch {url}: {exc}") from exc


class FallbackStatusSource:
    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def fetch(self, url: str) -> Any:
        from registry.verification.status import StatusUnavailable

        last: Exception = StatusUnavailable(url)
        for source in self.sources:
            try:
                return source.fetch(url)
            except StatusUnavailable as exc:
                last = exc
        raise last


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def trust_anchor_url(url: str) -> str:
    """`url` if keys may be fetched from it: over https, or plain http on this machine only
    (anyone on the path could otherwise swap the keys, and every verdict would follow them)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return url
    raise RemoteRefused(
        f"refusing to fetch the issuer's keys from {url}: use https "
        "(plain http only from localhost, 127.0.0.1 or ::1)"
    )


def load_jwks(source: str) -> Any:
    from registry.vc.keys import KeySet

    try:
        if source.startswith(("http://", "https://")):
            raw = fetch_url(trust_anchor_url(source), accept="application/json")
        else:
            raw = Path(source).read_bytes()
        keys = KeySet.from_jwks(json.loads(raw))
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise RemoteRefused(f"cannot load keys from {source}: {exc}") from exc
    if not len(keys):
        raise RemoteRefused(f"{source} holds no usable public key (Ed25519 or P-256)")
    return keys
