"""Responses every feature writes the same way: a file to download, a public page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar import Response
from litestar.response import Stream, Template

# A capability in the URL (a wallet key): never cached, never sent on as a Referer.
CAPABILITY_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def download(
    body: bytes, media_type: str, filename: str, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


CSV_MEDIA = "text/csv; charset=utf-8"


def csv_stream(chunks: Iterator[bytes], filename: str) -> Stream:
    """A CSV export written as it is read: the server holds a few hundred rows, not the file
    (a state's credentials export is tens of MB)."""
    return Stream(
        chunks,
        media_type=CSV_MEDIA,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def csv_file(body: bytes, filename: str) -> Response[bytes]:
    """A CSV report or template to download."""
    return download(body, CSV_MEDIA, filename)


def public_page(
    template: str,
    issuer_name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    """A page for anyone (verdicts, the lookup, the officer's wallet): each names the program."""
    return Template(
        template_name=template,
        context={"issuer_name": issuer_name, **(context or {})},
        status_code=status,
        headers=headers,
    )
