"""Imports every table module so that SQLModel.metadata knows the whole schema."""

from registry.accounts.models import ApiToken, User
from registry.audit.models import AuditEntry
from registry.credentials.models import Credential, StatusAllocation, StatusList
from registry.people.models import Agency, Employment, Officer, Region
from registry.training.models import Attendance, Course, Enrollment, Module, Result, TrainingClass

__all__ = [
    "Agency",
    "ApiToken",
    "Attendance",
    "AuditEntry",
    "Course",
    "Credential",
    "Employment",
    "Enrollment",
    "Module",
    "Officer",
    "Region",
    "Result",
    "StatusAllocation",
    "StatusList",
    "TrainingClass",
    "User",
]
