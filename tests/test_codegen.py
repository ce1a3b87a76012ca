"""The committed generated modules match what the contracts in proto/ generate now."""

from __future__ import annotations

import filecmp
from pathlib import Path

from devstack.codegen import PROTO_ROOT, generate


def test_committed_generated_code_is_up_to_date(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*")
                   if path.is_file() and "__pycache__" not in path.parts)
    assert fresh, "protoc generated nothing"
    stale = [str(path) for path in fresh
             if not (PROTO_ROOT / path).exists() or not filecmp.cmp(tmp_path / path, PROTO_ROOT / path, shallow=False)]
    assert not stale, f"generated code is stale; run ./dev codegen and commit: {stale}"
    committed = {path.relative_to(PROTO_ROOT) for path in PROTO_ROOT.rglob("*_pb2*")
                 if path.suffix in (".py", ".pyi") and "__pycache__" not in path.parts}
    orphans = committed - set(fresh)
    assert not orphans, f"generated files without a .proto: {sorted(map(str, orphans))}"
