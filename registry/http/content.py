"""Content negotiation: what a client asked for in its Accept header, decided one way."""

from __future__ import annotations

from typing import Any

from litestar import Request

VC_JWT = "application/vc+jwt"


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """JSON for a client that asks for it and not for a page (a browser lists text/html)."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def best_of(accept: str, choices: dict[str, str], default: str) -> str:
    """The choice of the media type the Accept header ranks highest among `choices` (media type
    -> choice): by q, then the first listed; `default` when it names none of them."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")[:20]):
        media, *params = (p.strip() for p in item.split(";"))
        choice = choices.get(media.lower())
        if choice is None:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0 or q != q:
            continue
        rank = (q, -position, choice)
        if best is None or rank > best:
            best = rank
    return best[2] if best is not None else default
