"""Settings read once from the environment (REGISTRY_*)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None


def _proxies(name: str) -> str:
    """Comma-separated IP addresses or networks (or `*`, any peer), as uvicorn reads them."""
    raw = os.environ.get(name, "").strip()
    items = [item.strip() for item in raw.split(",") if item.strip()]
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SystemExit(
                f"{name} lists IP addresses or networks (10.0.0.5, 10.0.0.0/24), got {item!r}"
            ) from None
    return ",".join(items)


@dataclass(frozen=True)
class Settings:
    database_url: str
    public_url: str
    keys_dir: Path
    keys_passphrase: bytes | None
    host: str
    port: int
    workers: int
    rate_limit: int
    sign_in_rate_limit: int
    production: bool
    issuer_name: str
    db_pool_size: int
    redis_url: str | None
    # Failed sign-ins per account name within 15 minutes before it is locked for the rest of them.
    sign_in_lockout: int = 10
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's
    # forwarded_allow_ips): a comma-separated list of addresses or networks; empty trusts none.
    trusted_proxies: str = ""
    # How a hiring department or an officer reaches the state program (a phone number, an email
    # address or both), printed on the public pages; empty: the pages name the program only.
    program_contact: str = ""
    # One line per request on stdout (registry.web.accesslog); on unless REGISTRY_ACCESS_LOG=0.
    access_log: bool = True
    # Where the issuing program is, as DCC's issuer registries list it ("Salt Lake City, Utah,
    # USA"): /.well-known/dcc-registry-entry.json.
    issuer_location: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Settings from the environment as it is now (tests call this; code uses get_settings)."""
    default_db = f"sqlite:///{ROOT / 'var' / 'registry.db'}"
    passphrase = os.environ.get("REGISTRY_KEYS_PASSPHRASE")
    return Settings(
        database_url=os.environ.get("REGISTRY_DATABASE_URL") or default_db,
        public_url=(os.environ.get("REGISTRY_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        keys_dir=Path(os.environ.get("REGISTRY_KEYS_DIR") or ROOT / "keys"),
        keys_passphrase=passphrase.encode() if passphrase else None,
        host=os.environ.get("REGISTRY_HOST") or "127.0.0.1",
        port=_int("REGISTRY_PORT", 8000),
        workers=_int("REGISTRY_WORKERS", 1),
        rate_limit=_int("REGISTRY_RATE_LIMIT", 120),
        sign_in_rate_limit=_int("REGISTRY_SIGN_IN_RATE_LIMIT", 10),
        production=os.environ.get("REGISTRY_ENV", "development").lower() == "production",
        issuer_name=os.environ.get("REGISTRY_ISSUER_NAME") or "CIT Utah",
        db_pool_size=_int("REGISTRY_DB_POOL_SIZE", 10),
        redis_url=os.environ.get("REGISTRY_REDIS_URL") or None,
        sign_in_lockout=_int("REGISTRY_SIGN_IN_LOCKOUT", 10),
        trusted_proxies=_proxies("REGISTRY_TRUSTED_PROXIES"),
        program_contact=(os.environ.get("REGISTRY_PROGRAM_CONTACT") or "").strip(),
        access_log=os.environ.get("REGISTRY_ACCESS_LOG", "1").strip() != "0",
        issuer_location=(os.environ.get("REGISTRY_ISSUER_LOCATION") or "").strip(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
