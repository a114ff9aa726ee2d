"""The verifier and live status as request dependencies (made once by the app factory)."""

from __future__ import annotations

from litestar.di import NamedDependency

from registry.verification.live import LiveStatus
from registry.verification.service import Verifier

CurrentVerifier = NamedDependency[Verifier]
CurrentLive = NamedDependency[LiveStatus]
