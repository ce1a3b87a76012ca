"""The README's two commands and CI start from scripts a fresh clone runs directly (`./dev`,
`.ci/run`): git must keep them executable. A commit that wrote one back without its mode left CI
unable to start ("Permission denied") while every test passed in the working tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", ["dev", ".ci/run"])
def test_the_entry_points_are_executable_in_git(script: str) -> None:
    listed = subprocess.run(["git", "ls-files", "--stage", "--", script], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    if not listed:
        pytest.skip("not a git checkout")
    assert listed[0] == "100755", f"{script} is stored as {listed[0]}: run `git update-index --chmod=+x {script}`"
