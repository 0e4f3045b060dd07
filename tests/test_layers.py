"""Imports go one way: each layer imports only the layers before it (CONTRIBUTING.md, "The pipeline and
the layout"), no module imports a private name of another package, and no two modules import each other
in a circle.  Every import counts, those inside functions too."""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "backprop_cli"

#: the layers in order; a module may import its own layer and the layers before it
LAYERS = ["base", "core", "language", "transforms", "tasks", "views", "api", "live", "cli", "notebook"]
#: modules at the top of the package that sit outside the layers: the package's lazy exports and
#: `python -m backprop_cli` (both may import anything; nothing imports them)
OUTSIDE = {"backprop_cli", "backprop_cli.__main__"}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    return module.split(".")[1]


def imports_of(path: pathlib.Path) -> list:
    """(line, imported module, imported name or None) for every import of the package in ``path``."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "backprop_cli":
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if _exists(submodule):
                    found.append((node.lineno, submodule, None))
                else:
                    found.append((node.lineno, target, alias.name))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, None) for a in node.names if a.name.split(".")[0] == "backprop_cli"]
    return found


def _exists(module: str) -> bool:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_layer():
    stray = [module_name(p) for p in MODULES
             if module_name(p) not in OUTSIDE and layer_of(module_name(p)) not in LAYERS]
    assert not stray, f"modules outside the layers {LAYERS}: {stray}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_follow_the_layer_order(path):
    module = module_name(path)
    if module in OUTSIDE:
        return
    mine = LAYERS.index(layer_of(module))
    wrong = []
    for line, target, name in imports_of(path):
        if target in OUTSIDE and not (name or "").startswith("__"):  # __version__ may come from the top
            wrong.append(f"line {line}: {target} (the package's top; import the module itself)")
        elif target not in OUTSIDE and LAYERS.index(layer_of(target)) > mine:
            wrong.append(f"line {line}: {target} ({layer_of(target)} comes after {layer_of(module)})")
        elif name and name.startswith("_") and not name.startswith("__") and \
                target.rsplit(".", 1)[0] != module.rsplit(".", 1)[0]:
            wrong.append(f"line {line}: the private name {name} of {target}")
    assert not wrong, f"{module} imports against the order:\n" + "\n".join(wrong)


def test_no_circles():
    edges = {module_name(p): {t for _, t, _ in imports_of(p)} - {module_name(p)} for p in MODULES}
    # a package's __init__ is imported on the way to its modules: not an edge of the module's own
    circles = set()
    for start in edges:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, trail = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    circles.add(" -> ".join(trail + (start,)))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + (nxt,)))
    assert not circles, "import circles:\n" + "\n".join(sorted(circles))


def test_the_checker_sees_a_planted_violation(tmp_path, monkeypatch):
    """The test above can fail: a base module that imports core is caught, so is a private import."""
    fake = PACKAGE / "base" / "numbers.py"
    source = fake.read_text(encoding="utf-8") + "\nfrom ..core.graph import Graph\nfrom ..cli.commands.common import _x\n"
    planted = tmp_path / "numbers.py"
    planted.write_text(source, encoding="utf-8")
    monkeypatch.setattr(pathlib.Path, "read_text",
                        lambda self, encoding=None: source if self == fake else pathlib.Path.read_bytes(self).decode())
    found = {t for _, t, _ in imports_of(fake)}
    assert "backprop_cli.core.graph" in found and "backprop_cli.cli.commands.common" in found
    with pytest.raises(AssertionError, match="core comes after base"):
        test_imports_follow_the_layer_order(fake)
