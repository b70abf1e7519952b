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


# --- handlers parse, authorise and call a use case; they never write through Tx ---------


def _writing_queries() -> set[str]:
    """The Tx methods that change the database: those that run a change themselves, or call
    one that does."""
    import ast

    changes = {"_run", "_run_many", "_insert"}
    calls: dict[str, set[str]] = {}
    for path in (ROOT / "bot" / "storage").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                calls[node.name] = {
                    c.func.attr
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Attribute)
                    and isinstance(c.func.value, ast.Name)
                    and c.func.value.id == "self"
                }
    writing = {name for name, called in calls.items() if called & changes}
    grew = True
    while grew:
        more = {name for name, called in calls.items() if called & writing} - writing
        writing |= more
        grew = bool(more)
    return writing - changes


def _writes_in(source: str, writing: set[str]) -> list[str]:
    import re

    return [m for m in re.findall(r"\btx\.(\w+)\(", source) if m in writing]


def test_handlers_never_write_through_tx() -> None:
    writing = _writing_queries()
    assert {"audit", "enqueue", "save_flow", "set_chosen_language"} <= writing
    # flow.py keeps the flows' own state (which step, what was typed): that is the one place.
    found = {
        path.name: writes
        for path in (ROOT / "conversations").glob("*.py")
        if path.name != "flow.py" and (writes := _writes_in(path.read_text(), writing))
    }
    assert found == {}


def test_a_handler_that_writes_through_tx_is_found() -> None:
    handler = "async with svc.work() as w:\n    await w.tx.set_chosen_language(1, 'tr')\n"
    assert _writes_in(handler, _writing_queries()) == ["set_chosen_language"]
