"""Imports every table module so that SQLModel.metadata knows the whole schema."""

from registry.accounts.models import ApiToken, User, WebSession
from registry.audit.models import AuditEntry
from registry.credentials.models import (
    Credential,
    CredentialDocument,
    ExpiryNotice,
    StatusAllocation,
    StatusList,
)
from registry.people.models import Agency, Employment, Officer, Region
from registry.training.models import (
    Attendance,
    CERecord,
    Course,
    Enrollment,
    Module,
    Result,
    TrainingClass,
)

__all__ = [
    "Agency",
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
    "Module",
    "Officer",
    "Region",
    "Result",
    "StatusAllocation",
    "StatusList",
    "TrainingClass",
    "User",
    "WebSession",
]
