"""Settings read once from the environment (REGISTRY_*)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 3600:
        raise SystemExit(f"{name} is a number of seconds (0 < s < 3600), got {raw!r}")
    return value


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


def _time_zone(name: str, default: str) -> str:
    """An IANA time zone name (America/Denver), refused at start-up when the system has none
    by that name: every coverage day and shift is read in it."""
    raw = os.environ.get(name, "").strip() or default
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SystemExit(
            f"{name} must be an IANA time zone (America/Denver), got {raw!r}"
        ) from None
    return raw


class NoticeConfigError(ValueError):
    """The REGISTRY_SMTP_* settings do not make sense."""


TLS_MODES = ("starttls", "implicit", "none")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str | None = None
    user: str | None = None
    password: str | None = None
    # starttls: upgrade the connection before anything else is said (the default); implicit:
    # TLS from the first byte (port 465); none: plain, and then never a login.
    tls: str = "starttls"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpConfig | None:
        """The SMTP settings, or None when REGISTRY_SMTP_HOST is not set (notices go to files)."""
        host = env.get("REGISTRY_SMTP_HOST", "").strip()
        if not host:
            return None
        tls = env.get("REGISTRY_SMTP_TLS", "").strip().lower() or "starttls"
        if tls not in TLS_MODES:
            raise NoticeConfigError(
                f"REGISTRY_SMTP_TLS must be starttls, implicit or none, got {tls!r}"
            )
        raw_port = env.get("REGISTRY_SMTP_PORT", "").strip() or (
            "465" if tls == "implicit" else "25"
        )
        try:
            port = int(raw_port)
        except ValueError:
            raise NoticeConfigError(
                f"REGISTRY_SMTP_PORT must be a number, got {raw_port!r}"
            ) from None
        user = env.get("REGISTRY_SMTP_USER") or None
        password = env.get("REGISTRY_SMTP_PASSWORD") or None
        if user and not password:
            raise NoticeConfigError("REGISTRY_SMTP_USER is set but REGISTRY_SMTP_PASSWORD is not")
        if user and tls == "none":
            raise NoticeConfigError(
                "REGISTRY_SMTP_TLS=none would send the SMTP login in clear: use starttls or "
                "implicit, or a relay that needs no login"
            )
        return cls(
            host=host,
            port=port,
            sender=env.get("REGISTRY_SMTP_FROM") or None,
            user=user,
            password=password,
            tls=tls,
        )


LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in choices:
        raise SystemExit(f"{name} is one of {', '.join(choices)}, got {raw!r}")
    return raw


@dataclass(frozen=True)
class MailSettings:
    """Where notices and wallet links go: SMTP when REGISTRY_SMTP_HOST is set, else .eml files
    in the outbox folder."""

    smtp: SmtpConfig | None = None
    from_address: str | None = None  # REGISTRY_SMTP_FROM, also for the outbox's files
    outbox: Path = ROOT / "var" / "outbox"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailSettings:
        """Raises NoticeConfigError for SMTP settings that do not make sense."""
        return cls(
            smtp=SmtpConfig.from_env(env),
            from_address=env.get("REGISTRY_SMTP_FROM") or None,
            outbox=Path(env.get("REGISTRY_OUTBOX_DIR") or ROOT / "var" / "outbox"),
        )


def _mail() -> MailSettings:
    try:
        return MailSettings.from_env(os.environ)
    except NoticeConfigError as exc:
        raise SystemExit(str(exc)) from None


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
    # The program's local time (IANA): patrol shifts, coverage days; stored times stay UTC.
    time_zone: str = "America/Denver"
    mail: MailSettings = MailSettings()
    # The server's own log lines (uvicorn's levels: critical, error, warning, info, debug).
    log_level: str = "info"
    # Where the workers of `registry serve` keep their metrics, added up by /metrics (emptied at
    # each start).
    metrics_dir: Path = ROOT / "var" / "metrics"
    # Where the issuing program is, as DCC's issuer registries list it ("Salt Lake City, Utah,
    # USA"): /.well-known/dcc-registry-entry.json.
    issuer_location: str = ""
    # Connections a worker's request pool may open beyond db_pool_size under load, and how long
    # a request waits for one when all are busy before it is answered 503 (seconds).
    db_pool_overflow: int = 10
    db_pool_timeout: float = 30.0
    # Issuer registry files (DCC's dcc-legacy format) whose listing of this issuer's DID the
    # verdict page shows; none: the registry's own entry (/.well-known/dcc-registry-entry.json).
    issuer_registries: tuple[Path, ...] = ()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Settings from the environment as it is now (tests call this; code uses get_settings)."""
    default_db = f"sqlite:///{ROOT / 'var' / 'registry.db'}"
    passphrase = os.environ.get("REGISTRY_KEYS_PASSPHRASE")
    host = os.environ.get("REGISTRY_HOST") or "127.0.0.1"
    port = _int("REGISTRY_PORT", 8000)
    # Unset, the public URL is where `registry serve` listens, so that QR codes and links work
    # on this machine whatever port it was given (a wildcard address is reached as localhost).
    reached = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    pool_size = _int("REGISTRY_DB_POOL_SIZE", 10)
    here = f"http://[{reached}]:{port}" if ":" in reached else f"http://{reached}:{port}"
    return Settings(
        database_url=os.environ.get("REGISTRY_DATABASE_URL") or default_db,
        public_url=(os.environ.get("REGISTRY_PUBLIC_URL") or here).rstrip("/"),
        keys_dir=Path(os.environ.get("REGISTRY_KEYS_DIR") or ROOT / "keys"),
        keys_passphrase=passphrase.encode() if passphrase else None,
        host=host,
        port=port,
        workers=_int("REGISTRY_WORKERS", 1),
        rate_limit=_int("REGISTRY_RATE_LIMIT", 120),
        sign_in_rate_limit=_int("REGISTRY_SIGN_IN_RATE_LIMIT", 10),
        production=os.environ.get("REGISTRY_ENV", "development").lower() == "production",
        issuer_name=os.environ.get("REGISTRY_ISSUER_NAME") or "CIT Utah",
        db_pool_size=pool_size,
        db_pool_overflow=_int("REGISTRY_DB_POOL_OVERFLOW", pool_size),
        db_pool_timeout=_seconds("REGISTRY_DB_POOL_TIMEOUT", 30.0),
        redis_url=os.environ.get("REGISTRY_REDIS_URL") or None,
        sign_in_lockout=_int("REGISTRY_SIGN_IN_LOCKOUT", 10),
        trusted_proxies=_proxies("REGISTRY_TRUSTED_PROXIES"),
        program_contact=(os.environ.get("REGISTRY_PROGRAM_CONTACT") or "").strip(),
        access_log=os.environ.get("REGISTRY_ACCESS_LOG", "1").strip() != "0",
        time_zone=_time_zone("REGISTRY_TIME_ZONE", "America/Denver"),
        mail=_mail(),
        log_level=_choice("REGISTRY_LOG_LEVEL", LOG_LEVELS, "info"),
        metrics_dir=Path(os.environ.get("REGISTRY_METRICS_DIR") or ROOT / "var" / "metrics"),
        issuer_location=(os.environ.get("REGISTRY_ISSUER_LOCATION") or "").strip(),
        issuer_registries=tuple(
            Path(p.strip())
            for p in (os.environ.get("REGISTRY_ISSUER_REGISTRIES") or "").split(",")
            if p.strip()
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
