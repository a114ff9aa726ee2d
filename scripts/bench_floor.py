"""The floor for scripts/bench: the least a Litestar service does per request on this machine.

One route answering a small JSON object: no database, no middleware, no access log. Served by the
same uvicorn, pinned the same way as the registry, so that efficiency compares like with like."""

from litestar import Litestar, get


@get("/")
async def index() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[index])
