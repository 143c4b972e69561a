"""The layout's rules (README, "Layout"), checked on the source: what each folder may
import, that the spec, the driver and the models load without Amaranth, no import
circles, no private names of cocotb or cocotbext-axi."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("msl_spec", "hdl", "driver", "server_os", "linkmodel", "msl_tools", "msl_apps",
            "cocotb_tests", "tests")

#: Top-level package -> the project packages it may import (besides itself).
ALLOWED = {
    "msl_spec": set(),
    "hdl": {"msl_spec"},   # hdl.testbench: checked on its own below
    "server_os": {"msl_spec"},
    "driver": {"msl_spec", "server_os"},
    "linkmodel": {"msl_spec"},
}


def _modules():
    """(dotted name, path) of every project module."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("**/*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def _imports(path: Path) -> set[str]:
    """Project modules ``path`` imports. Relative imports (the spec package's, of itself
    only) are left out."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] in PACKAGES}


MODULES = dict(_modules())


def _resolve(name: str) -> str | None:
    """The module a dotted import names (``hdl.phy.lane.LANE_WIDTHS`` -> ``hdl.phy.lane``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH = {module: {target for name in _imports(path) if (target := _resolve(name))
                  and target != module}
         for module, path in MODULES.items()}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_its_layer_may(package):
    """For ``hdl``: the gateware never imports test equipment (``hdl.testbench``) or tools."""
    wrong = [f"{module} imports {target}"
             for module, targets in GRAPH.items() if module.split(".")[0] == package
             and not module.startswith("hdl.testbench")
             for target in targets
             if target.split(".")[0] not in ALLOWED[package] | {package}
             or (package == "hdl" and target.startswith("hdl.testbench"))]
    assert not wrong, "\n".join(wrong)


def test_no_import_circle():
    """Module-level imports form no cycle (a depth-first search over the import graph)."""
    state, cycles = {}, []

    def visit(module, stack):
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target, stack + [target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


def test_the_spec_the_driver_and_the_models_load_without_amaranth():
    """In a fresh interpreter where ``import amaranth`` fails."""
    program = """
import importlib, sys
class NoAmaranth:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "amaranth":
            raise ImportError("amaranth is blocked")
sys.meta_path.insert(0, NoAmaranth())
for name in sys.argv[1:]:
    importlib.import_module(name)
assert not any(m.split(".")[0] == "amaranth" for m in sys.modules)
"""
    names = [module for module in MODULES
             if module.split(".")[0] in ("msl_spec", "driver", "server_os", "linkmodel")]
    result = subprocess.run([sys.executable, "-c", program, *names], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    # The check itself can fail: the gateware does need Amaranth.
    blocked = subprocess.run([sys.executable, "-c", program, "hdl.msl_adapter"], cwd=ROOT,
                             capture_output=True, text=True)
    assert blocked.returncode != 0 and "amaranth is blocked" in blocked.stderr




def test_no_private_name_of_cocotb_or_cocotbext_axi():
    wrong = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ClassDef) and node.bases:
                # A subclass of a library class that defines its private methods
                # overrides them (the library's base classes are imported by name).
                names = [f"{ast.unparse(base)}.{item.name}" for base in node.bases
                         for item in node.body if isinstance(item, ast.FunctionDef)
                         and _private(item.name) and _library_name(path, ast.unparse(base))]
            for name in names:
                if (name.split(".")[0] in LIBRARIES or isinstance(node, ast.ClassDef)) \
                        and any(_private(part) for part in name.split(".")):
                    wrong.append(f"{module}: {name}")
    assert wrong == [], "\n".join(wrong)


LIBRARIES = ("cocotb", "cocotb_tools", "cocotbext")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _library_name(path: Path, name: str) -> bool:
    """Whether ``name`` was imported into ``path`` from cocotb or cocotbext-axi."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module \
                and node.module.split(".")[0] in LIBRARIES:
            if any((alias.asname or alias.name) == name.split(".")[0] for alias in node.names):
                return True
    return False
