"""The domain's exceptions; services raise these and the web layer maps them to RFC 9457."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(
        self, detail: str, *, field: str | None = None, rule: str | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.rule = rule
        self.extra = extra


class InvalidInput(RegistryError):
    status = 400
    title = "Invalid input"


class UnsupportedMediaType(InvalidInput):
    """The body is not of a type the route reads (415)."""

    status = 415
    title = "Unsupported media type"


class NotAuthenticated(RegistryError):
    status = 401
    title = "Not authenticated"


class Forbidden(RegistryError):
    status = 403
    title = "Forbidden"


class NotFound(RegistryError):
    status = 404
    title = "Not found"


class Conflict(RegistryError):
    status = 409
    title = "Conflict"


class RuleViolation(RegistryError):
    """A well-formed request that a rule of the program refuses (422)."""

    status = 422
    title = "Rule violated"


class NotEligible(RuleViolation):
    title = "Not eligible"


class Unavailable(RegistryError):
    """The registry cannot do this right now (no signing key, database down)."""

    status = 503
    title = "Service unavailable"
