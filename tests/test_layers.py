"""Imports point down: no module of the package imports from a layer above its own.

The layers, bottom to top (a module may import its own layer and those below):
errors, files, config, families < runtime < data, models < objectives < trained < eval < viz < train < api < cli.
A family folder (families/NAME/) holds its configs and Family record in the bottom layer (they name
their parts as "module:attribute" strings) and its command-line verbs, commands.py, in the cli layer.
A new top-level module must be placed in a layer here.
"""

import ast
from pathlib import Path

import contentpose

LAYERS = [
    {"errors", "files", "config", "families"},
    {"runtime"},
    {"data", "models"},
    {"objectives"},
    {"trained"},
    {"eval"},
    {"viz"},
    {"train"},
    {"api", "__init__"},  # the package's lazy `contentpose.load` is the API
    {"cli", "__main__"},
]
PACKAGE = Path(contentpose.__file__).parent


def layer(part: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if part in names)


def imported_parts(path: Path) -> set[str]:
    """The top-level parts of contentpose (e.g. 'data', 'trained') that a file imports, at any depth."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            bits = name.split(".")
            if bits[0] == "contentpose" and len(bits) > 1:
                parts.add(bits[1])
    return parts


def test_every_module_is_in_a_layer():
    for path in PACKAGE.glob("*"):
        if path.name.startswith((".", "configs")) or path.name == "__pycache__":
            continue
        layer(path.stem)  # raises StopIteration for a module no layer names


def test_no_module_imports_from_a_layer_above():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if own == "families" and path.name == "commands.py":
            own = "cli"
        for part in imported_parts(path):
            if layer(part) > layer(own):
                upward.append(f"{path.relative_to(PACKAGE)} imports contentpose.{part}")
    assert not upward, "imports pointing up:\n" + "\n".join(upward)
