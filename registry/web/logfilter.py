"""Keeps secrets and forged lines out of the server's logs: the wallet key in `/wallet/<key>` and a
hand-over's secret in `/interactions/<secret>` and `/exchanges/<secret>` are capabilities, and a
path may hold any character a client percent-encoded (`%0A` would start a line)."""

from __future__ import annotations

import copy
import logging
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litestar.logging.config import LoggingConfig

# Capability paths: the wallet key, and a hand-over's secret (also its OpenID4VCI pre-authorized
# code) in the interaction and the VC-API exchange URLs. Whoever reads the log must not be able
# to take the officer's certification into a wallet of their own, nor set a staff member's
# password from an invitation or reset link (`/account/password/<token>`).
_CAPABILITY = r"(/(?:wallet|interactions|exchanges|account/password)/)"
_WALLET = re.compile(_CAPABILITY + r"[^/?#\s\"\\]+")
# The same in a message template with arguments: a secret there stops at a placeholder.
_TEMPLATE = re.compile(_CAPABILITY + r"[^/?#\s\"%\\]+")
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
    as an argument; our handlers pass it too) before any handler formats it.

    A secret can also be split between the two (`log.warning("GET /wallet/%s", key)`): then the
    record is formatted here and carries the cleaned line with no arguments (a record whose
    arguments each hold the whole path, like uvicorn's access lines, keeps them for its
    formatter). A template's placeholder is never taken for a secret: redacting `%s` would
    break the formatting, and Python's "--- Logging error ---" report prints the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(record.msg, str):
            record.msg = escape(_TEMPLATE.sub(REDACTED, record.msg)) if args else clean(record.msg)
        if isinstance(args, tuple):
            record.args = tuple(clean(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict):
            record.args = {k: clean(v) if isinstance(v, str) else v for k, v in args.items()}
        if record.args:
            try:
                line = record.getMessage()
            except (TypeError, ValueError, KeyError):
                return True  # Python reports a record it cannot format; its arguments are clean
            if clean(line) != line:
                record.msg, record.args = clean(line), ()
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


def litestar_logging() -> LoggingConfig:
    """Litestar's own records (`litestar` logger) handed to the root logger, configured by
    whoever runs the app: `uvicorn_log_config` in production, pytest in the tests.

    Litestar's default would replace the root logger's handlers with its own, outside the
    redacting filter (every other library's records then escape it), writing to the `sys.stderr`
    of the moment the app was made (a test's closed capture, later: "I/O operation on closed
    file"). Its handlers are declared here as null ones so that it makes no stream of its own."""
    from litestar.logging.config import LoggingConfig

    null = {"class": "logging.NullHandler"}
    return LoggingConfig(
        configure_root_logger=False,
        handlers={"console": null, "queue_listener": null},
        loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
    )
