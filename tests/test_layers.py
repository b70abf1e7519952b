"""The floors of bot/ hold: the layers contract in pyproject.toml is kept, and an import
from a lower floor up to a higher one breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, so the linter reads its modules, not the checkout's.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    for package in ("bot", "conversations", "scheduler"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_floors_are_kept(tmp_path: Path) -> None:
    result = lint(copy_of_the_code(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_from_a_pure_rule_up_to_a_use_case_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_the_code(tmp_path)
    upward = tree / "bot" / "rules" / "rights.py"
    upward.write_text(upward.read_text() + "\nfrom bot.services import meetings  # noqa\n")
    result = lint(tree)
    assert result.returncode != 0
    assert "bot.rules.rights -> bot.services.meetings" in result.stdout
