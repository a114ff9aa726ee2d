"""Keeps secrets and forged lines out of the server's logs: the wallet key in `/wallet/<key>` and a
hand-over's secret in `/interactions/<secret>` and `/exchanges/<secret>` are capabilities, and a
path may hold any character a client percent-encoded (`%0A` would start a line)."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

# Capability paths: the wallet key, and a hand-over's secret (also its OpenID4VCI pre-authorized
# code) in the interaction and the VC-API exchange URLs. Whoever reads the log must not be able
# to take the officer's certification into a wallet of their own, nor set a staff member's
# password from an invitation or reset link (`/account/password/<token>`).
_WALLET = re.compile(r"(/(?:wallet|interactions|exchanges|account/password)/)[^/?#\s\"]+")
REDACTED = r"\1[redacted]"
# Line breaks (\n \r, and the ones Unicode adds) and every other control character.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def redact(text: str) -> str:
    return _WALLET.sub(REDACTED, text)


def escape(text: str) -> str:
    """Control characters written as escapes (`\\n`, `\\x00`): one log record, one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def clean(text: str) -> str:
    return escape(redact(text))


class RedactWalletKeys(logging.Filter):
    """Rewrites a record's message and arguments (uvicorn's access log passes the request path
    as an argument; our handlers pass it too) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(clean(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: clean(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install(logger: logging.Logger) -> None:
    """Filters the logger's own records, however logging is configured (uvicorn, tests, another
    server): every record the registry writes goes through it."""
    if not any(isinstance(f, RedactWalletKeys) for f in logger.filters):
        logger.addFilter(RedactWalletKeys())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with the redacting filter on every handler, and
    the root logger writing through one of them: no logger's records escape the filter."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_wallet_keys"] = {"()": RedactWalletKeys}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_wallet_keys")
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config
