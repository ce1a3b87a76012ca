"""Generates the Python modules for every contract in `proto/` (committed next to each .proto).

Run `python -m devstack.codegen`; `tests/test_codegen.py` regenerates into a scratch folder and
fails when the committed files are stale.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent.parent / "proto"


def proto_files(root: Path = PROTO_ROOT) -> list[Path]:
    return sorted(root.rglob("*.proto"))


def generate(output_root: Path = PROTO_ROOT) -> None:
    """Runs protoc (from grpcio-tools) for every .proto into output_root, mirroring the tree."""
    from grpc_tools import protoc

    well_known = str(resources.files("grpc_tools") / "_proto")
    sources = [str(path.relative_to(PROTO_ROOT)) for path in proto_files()]
    arguments = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={output_root}",
        f"--pyi_out={output_root}",
        f"--grpc_python_out={output_root}",
        *sources,
    ]
    exit_code = protoc.main(arguments)
    if exit_code != 0:
        raise SystemExit(f"protoc failed with exit code {exit_code}")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else PROTO_ROOT)
