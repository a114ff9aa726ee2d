"""Credential verification: the pure library the server, the CLI and the tests all call."""

from registry.verification.core import (
    Check,
    CredentialSummary,
    Holder,
    IssuerRef,
    StatusSource,
    StatusUnavailable,
    Verdict,
    VerifiedList,
    verify,
    verify_list,
)

__all__ = [
    "Check",
    "CredentialSummary",
    "Holder",
    "IssuerRef",
    "StatusSource",
    "StatusUnavailable",
    "Verdict",
    "VerifiedList",
    "verify",
    "verify_list",
]
