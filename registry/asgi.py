"""The ASGI entry point for servers: `uvicorn registry.asgi:app`."""

from registry.app import create_app

app = create_app()
