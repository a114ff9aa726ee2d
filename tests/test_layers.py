"""The house's floors, as docs/architecture.md draws them, read from the code's own imports: the
formats (`registry.vc`) and the HTTP kernel (`registry.http`) import nothing above them, tables
import no service, and no module of HTTP handlers imports another (what two share belongs in a
service or in the kernel)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "registry"
HANDLER_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "route", "websocket"})
# Beneath everything: what any floor may import.
GROUND = ("registry.common", "registry.errors", "registry.settings", "registry.dates")


def _modules() -> dict[str, ast.Module]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


MODULES = _modules()


def imports_of(name: str) -> set[str]:
    """The registry modules `name` imports (a `from package import module` counts the module)."""
    out: set[str] = set()
    for node in ast.walk(MODULES[name]):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("registry"):
            out.add(node.module)
            out.update(
                f"{node.module}.{a.name}"
                for a in node.names
                if f"{node.module}.{a.name}" in MODULES
            )
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("registry"))
    return out & MODULES.keys() | {m for m in out if m not in MODULES and m.startswith("registry")}


def is_handler_module(name: str) -> bool:
    """Whether the module defines HTTP route handlers (decorated functions or a Controller)."""
    for node in ast.walk(MODULES[name]):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Name) and b.id == "Controller" for b in node.bases
        ):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                if isinstance(target, ast.Name) and target.id in HANDLER_DECORATORS:
                    return True
    return False


def test_the_reading_sees_the_house() -> None:
    # A reading that found nothing would pass every rule below.
    assert {"registry.vc.jws", "registry.http.deps", "registry.tables.people"} <= MODULES.keys()
    assert is_handler_module("registry.people.api") and is_handler_module("registry.web.pages")
    assert not is_handler_module("registry.people.service")
    assert "registry.vc.keys" in imports_of("registry.vc.keystore")


@pytest.mark.parametrize(
    ("floor", "may_import"),
    [
        ("registry.vc", ("registry.vc",)),
        ("registry.tables", ("registry.tables",)),
        ("registry.http", ("registry.http", "registry.actors", "registry.db")),
    ],
)
def test_a_floor_imports_nothing_above_it(floor: str, may_import: tuple[str, ...]) -> None:
    climbing = {
        f"{name} -> {target}"
        for name in MODULES
        if name == floor or name.startswith(floor + ".")
        for target in imports_of(name)
        if not target.startswith((*may_import, *GROUND))
    }
    assert not climbing, sorted(climbing)


def test_no_module_of_handlers_imports_another() -> None:
    handlers = {name for name in MODULES if is_handler_module(name)}
    assert len(handlers) > 10, handlers
    crossing = {
        f"{name} -> {target}"
        for name in handlers
        for target in imports_of(name)
        if target in handlers and target != name
    }
    assert not crossing, sorted(crossing)
