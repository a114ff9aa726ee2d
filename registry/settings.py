"""Settings read once from the environment (REGISTRY_*)."""

from __future__ import annotations

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
    # One line per request on stdout (registry.web.accesslog); on unless REGISTRY_ACCESS_LOG=0.
    access_log: bool = True

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
        access_log=os.environ.get("REGISTRY_ACCESS_LOG", "1").strip() != "0",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
