"""The database's schema: Alembic's configuration, and bringing a database to its newest revision
(migrations/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")
