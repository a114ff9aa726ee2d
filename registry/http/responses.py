"""Responses every feature writes the same way: a file to download."""

from __future__ import annotations

from litestar import Response

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
