"""The Open Badges 3.0 AchievementCredential schema validator used by the tests.

`tests/data/` holds a copy of `../shared/schemas/ob_v3p0_achievementcredential.schema.json`, so
the check runs even where shared/ is not beside the checkout; a test keeps the copy in step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator

COPY = Path(__file__).parent / "data" / "ob_v3p0_achievementcredential.schema.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "schemas" / COPY.name


def validator() -> Draft201909Validator:
    source = SHARED if SHARED.exists() else COPY
    schema = json.loads(source.read_text())
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def errors(payload: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(payload)]
