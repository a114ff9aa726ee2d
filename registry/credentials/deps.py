"""The issuer as a request dependency: handlers name `CurrentIssuer` (made once by the app
factory)."""

from __future__ import annotations

from litestar.di import NamedDependency

from registry.credentials.service import Issuer

CurrentIssuer = NamedDependency[Issuer]
