"""Who vouches for an issuer: the issuer registries a verifier reads, and what each lists for a
DID. Today one kind, the Digital Credentials Consortium's "dcc-legacy" issuer registry
(`{"meta": {"name"?}, "registry": {"<DID>": {"name", "url", "location"}}}`) that the Learner
Credential Wallet and VerifierPlus read; a trust list of other states' registries is another
`kind` of source beside it, answering the same `Listing`s."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DCC_ISSUER_REGISTRY = "dcc_issuer_registry"


class RegistryFileError(ValueError):
    """A configured issuer registry file that cannot be read as one."""


@dataclass(frozen=True)
class Listing:
    """One registry's word on one issuer: who lists it, and as what."""

    registry: str  # the registry's name, as the page shows it
    registry_url: str  # where the registry is published
    kind: str  # DCC_ISSUER_REGISTRY; later e.g. a state trust list
    name: str  # the issuer's name in the listing
    url: str
    location: str


@dataclass(frozen=True)
class RegistrySource:
    """One issuer registry, read whole: its name, where it is published, its entries by DID."""

    name: str
    url: str
    entries: dict[str, dict[str, Any]]
    kind: str = DCC_ISSUER_REGISTRY

    def listing(self, did: str) -> Listing | None:
        entry = self.entries.get(did)
        if not isinstance(entry, dict):
            return None
        return Listing(
            registry=self.name,
            registry_url=self.url,
            kind=self.kind,
            name=str(entry.get("name") or ""),
            url=str(entry.get("url") or ""),
            location=str(entry.get("location") or ""),
        )


@dataclass(frozen=True)
class Vouching:
    """The registries a verifier reads, in the order configured."""

    sources: tuple[RegistrySource, ...] = field(default_factory=tuple)

    def listings(self, did: str) -> list[Listing]:
        found = (source.listing(did) for source in self.sources)
        return [listing for listing in found if listing is not None]


def dcc_registry_file(path: Path) -> RegistrySource:
    """A dcc-legacy issuer registry file, as DCC publishes it (its `meta.name`, or the file's
    name, names it; `meta.url`, if any, is where it is published)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryFileError(f"{path}: not a readable JSON file ({exc})") from None
    entries = document.get("registry") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise RegistryFileError(f'{path}: no "registry" object of entries by DID')
    meta = document.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    return RegistrySource(
        name=str(meta.get("name") or path.stem), url=str(meta.get("url") or ""), entries=entries
    )
