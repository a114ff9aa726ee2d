"""Credential verification: the pure library the server, the CLI and the tests all call."""

from registry.verification.core import verify
from registry.verification.status import StatusSource, StatusUnavailable, VerifiedList, verify_list
from registry.verification.verdict import Check, CredentialSummary, Holder, IssuerRef, Verdict

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
