"""Keeps capability URLs out of the server's logs: the wallet key in `/wallet/<key>` is a secret."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_WALLET = re.compile(r"(/wallet/)[^/?#\s\"]+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return _WALLET.sub(REDACTED, text)


class RedactWalletKeys(logging.Filter):
    """Rewrites wallet paths in a record's message and arguments (uvicorn's access log passes
    the request path as an argument) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with the redacting filter on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_wallet_keys"] = {"()": RedactWalletKeys}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_wallet_keys")
    return config
