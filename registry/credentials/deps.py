"""The issuer as a request dependency: handlers name `CurrentIssuer`."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency

from registry.credentials.service import Issuer


def provide_issuer(state: State) -> Issuer:
    """The issuer made once in the app's lifespan."""
    issuer: Issuer = state.issuer
    return issuer


CurrentIssuer = NamedDependency[Issuer]
