"""The layout reads as the data path: every import of a package runs down it, never up.

The rule is the README's ("Which package may import which"), written here once as data. Imports inside
functions count too: a lazy import up the path is still an import up the path.
"""

import ast
from pathlib import Path

import pytest

from load_tests.servers import PROJECT_ROOT

#: The data path, low to high; each package may import the ones listed for it.
_PATH = ["features", "synthetic", "expectations", "train", "serving", "decisions", "access", "monitoring",
         "batch", "ui", "service"]
MAY_IMPORT: dict[str, set[str]] = {
    "features": set(),
    "synthetic": {"features"},
    "expectations": {"features"},
    "train": {"features", "expectations", "synthetic"},
    "serving": {"features", "expectations", "train"},
    "decisions": {"features", "expectations", "train", "serving"},
    "access": {"features", "expectations", "train", "serving", "decisions"},
    "monitoring": {"features", "expectations", "train", "serving", "decisions"},
    "batch": {"features", "expectations", "train", "serving", "decisions"},
    "ui": {"features", "expectations", "train", "serving", "decisions", "access", "monitoring"},
    "service": set(_PATH) - {"service", "synthetic"},
    "load_tests": set(_PATH) - {"service"},
    "benchmarks": set(_PATH) | {"load_tests"},
}
PROJECT_PACKAGES = set(MAY_IMPORT)


def _owner(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).parts[0].removesuffix(".py")


def _imported_packages(path: Path) -> set[str]:
    """Project packages that a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PROJECT_PACKAGES


def _modules() -> list[Path]:
    return sorted(p for p in PROJECT_ROOT.glob("*.py") if p.stem in PROJECT_PACKAGES) + sorted(
        p for package in PROJECT_PACKAGES for p in (PROJECT_ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_imports_run_down_the_data_path(module):
    owner = _owner(module)
    upward = _imported_packages(module) - MAY_IMPORT[owner] - {owner}
    assert not upward, f"{module.relative_to(PROJECT_ROOT)} imports {sorted(upward)}, above {owner}"


def test_nothing_imports_the_tools_above_the_product():
    for module in _modules():
        if _owner(module) not in ("load_tests", "benchmarks"):
            assert not _imported_packages(module) & {"load_tests", "benchmarks"}, module


def test_the_rule_catches_an_import_up_the_path(tmp_path):
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from serving.scoring import Scorer\n    import ui.app\n")
    assert _imported_packages(module) == {"serving", "ui"}
