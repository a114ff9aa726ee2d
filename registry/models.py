"""Imports every table module so that SQLModel.metadata knows the whole schema."""

from registry.tables.accounts import (
    AccountLink,
    ApiToken,
    FormSubmission,
    ImportMapping,
    User,
    WebSession,
)
from registry.tables.audit import AuditEntry
from registry.tables.credentials import (
    Credential,
    CredentialDocument,
    ExpiryNotice,
    StatusAllocation,
    StatusList,
)
from registry.tables.nominations import Nomination
from registry.tables.patrol import PatrolDistrict, PatrolShift
from registry.tables.people import Agency, Employment, Officer, ProgramContact, Region
from registry.tables.tallies import AgencyChange, AgencyTally
from registry.tables.training import (
    Attendance,
    CERecord,
    Course,
    Enrollment,
    Module,
    Result,
    ResultAttempt,
    TrainingClass,
)
from registry.tables.wallets import HolderCopy, Interaction, WalletNonce

__all__ = [
    "AccountLink",
    "Agency",
    "AgencyChange",
    "AgencyTally",
    "ApiToken",
    "Attendance",
    "AuditEntry",
    "CERecord",
    "Course",
    "Credential",
    "CredentialDocument",
    "Employment",
    "Enrollment",
    "ExpiryNotice",
    "FormSubmission",
    "HolderCopy",
    "ImportMapping",
    "Interaction",
    "Module",
    "Nomination",
    "Officer",
    "PatrolDistrict",
    "PatrolShift",
    "ProgramContact",
    "Region",
    "Result",
    "ResultAttempt",
    "StatusAllocation",
    "StatusList",
    "TrainingClass",
    "User",
    "WalletNonce",
    "WebSession",
]
