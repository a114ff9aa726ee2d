"""The ASGI entry point for servers: `uvicorn registry.asgi:app`."""

import gc

from registry.app import create_app

app = create_app()

# What start-up built (modules, routes, templates, schemas) lives as long as the process: moved
# out of the collector's sight, it is no longer scanned by every full collection, and a larger
# first generation makes collections rarer. scripts/bench: /health p99 at 32 connections fell
# from 85-96 ms to 13-14 ms, and throughput rose by a fifth.
gc.collect()
gc.freeze()
gc.set_threshold(20_000, 50, 100)
