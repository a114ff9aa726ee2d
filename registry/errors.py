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
    """The request is malformed or a value breaks a field's rule (400)."""

    status, title = 400, "Invalid input"


class UnsupportedMediaType(InvalidInput):
    """The body is not of a type the route reads (415)."""

    status, title = 415, "Unsupported media type"


class NotAuthenticated(RegistryError):
    status, title = 401, "Not authenticated"


class Forbidden(RegistryError):
    """Signed in, but the role may not do this at all (403). Something in another region is
    NotFound instead: the answer must not tell that it exists."""

    status, title = 403, "Forbidden"


class NotFound(RegistryError):
    status, title = 404, "Not found"


class Conflict(RegistryError):
    """It would duplicate something unique, or the record changed meanwhile (409)."""

    status, title = 409, "Conflict"


class RuleViolation(RegistryError):
    """A well-formed request that a rule of the program refuses (422)."""

    status, title = 422, "Rule violated"


class NotEligible(RuleViolation):
    title = "Not eligible"


class Unavailable(RegistryError):
    """The registry cannot do this right now (no signing key, database down)."""

    status, title = 503, "Service unavailable"
