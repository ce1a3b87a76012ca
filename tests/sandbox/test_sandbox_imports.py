"""The simulators are the outside world: they never import the services they stand in front of, so
that a mistake in a service (a signer, a parser, a shape) is never mirrored by its simulator. Every
module under services/sandbox is read as a syntax tree and its imports are checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SANDBOX = Path(__file__).resolve().parents[2] / "services" / "sandbox"
FORBIDDEN = ("services.payments", "services.calls", "services.bot", "services.wallet")


def imported_modules(tree: ast.AST) -> list[str]:
    """Every module an import statement (or importlib.import_module("...")) names, in full."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from services import payments` imports services.payments.
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names.append(node.args[0].value)
    return names


def forbidden(name: str) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in FORBIDDEN)


@pytest.mark.parametrize("source", sorted(SANDBOX.rglob("*.py")), ids=lambda path: path.name)
def test_no_sandbox_module_imports_a_service(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    assert [name for name in imported_modules(tree) if forbidden(name)] == []


def test_the_check_sees_every_form_of_import() -> None:
    tree = ast.parse("import services.payments.amounts\nfrom services.calls.x import y\n"
                     "from services import wallet\nimportlib.import_module('services.bot.turn')\n"
                     "from services.runtime import settings\nfrom services.sandbox import app\n")
    assert [name for name in imported_modules(tree) if forbidden(name)] == [
        "services.payments.amounts", "services.calls.x.y", "services.wallet", "services.bot.turn"]
