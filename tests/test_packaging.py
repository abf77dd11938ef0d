"""What the code imports is what the project declares, and `make setup` installs locked versions."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules() -> set[str]:
    found = set()
    for path in (ROOT / "assistant").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"assistant", "__future__"}


def test_every_package_the_code_imports_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonical(re.split(r"[\[<>=!~ ]", d)[0]) for d in project["dependencies"]}
    owners = packages_distributions()
    missing = {module: owners.get(module) for module in imported_modules()
               if not {canonical(d) for d in owners.get(module, [module])} & declared}
    assert missing == {}, f"imported but not declared in pyproject.toml: {missing}"


def test_the_lock_pins_every_declared_package_and_the_tools() -> None:
    lock = {canonical(line.split("==")[0]): line.split("==")[1]
            for line in (ROOT / "requirements.lock").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    names = {canonical(re.split(r"[\[<>=!~ ]", d)[0]) for d in wanted} - {"llama-cpp-python"}
    assert names - lock.keys() == set()
    for pinned in ("ruff", "mypy"):
        spec = next(d for d in wanted if canonical(d.split("==")[0]) == pinned)
        assert spec == f"{pinned}=={lock[pinned]}", "the lint tools are pinned to the lock"


def test_libraries_with_known_escapes_are_past_their_fixes() -> None:
    """jinja2 3.1.6 fixed its sandbox escapes; pypdf 6.0 bounds FlateDecode output
    (py-pdf/pypdf#3430), so a PDF bomb in the corpus cannot exhaust memory."""
    from importlib.metadata import version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "jinja2>=3.1.6" in project["dependencies"] and "pypdf>=6.0" in project["dependencies"]
    assert tuple(int(p) for p in version("jinja2").split(".")[:3]) >= (3, 1, 6)
    assert int(version("pypdf").split(".")[0]) >= 6
