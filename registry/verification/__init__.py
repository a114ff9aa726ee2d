"""Credential verification: the pure library the server, the CLI and the tests all call."""

from registry.verification.core import (
    CachingStatusSource,
    Check,
    CredentialSummary,
    Holder,
    IssuerRef,
    StatusSource,
    StatusUnavailable,
    Verdict,
    verify,
)

__all__ = [
    "CachingStatusSource",
    "Check",
    "CredentialSummary",
    "Holder",
    "IssuerRef",
    "StatusSource",
    "StatusUnavailable",
    "Verdict",
    "verify",
]
