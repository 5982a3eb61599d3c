"""Where a package's code reads a file of its own at run time, found by reading the code (never
importing it): `importlib.resources` (`files(...) / "x"`, `.joinpath("x")`, `read_text`,
`open_text`, `as_file`…), `pkgutil.get_data`, `pkg_resources.resource_*`, and paths built from
`__file__` (`Path(__file__).parent / "x"`, `os.path.join(os.path.dirname(__file__), "x")`), also
through a module-level name (`HERE = Path(__file__).parent`).

A reference is an anchor directory of the tree (the module's own, or a package's) and a relative
path; a path that ends in something computed (`files(pkg) / name`) refers to the whole directory
it names so far.
"""

from __future__ import annotations

import ast
import dataclasses
import posixpath
from collections.abc import Callable, Iterator

# Text that every form read below contains: files without any of it are not parsed.
MARKERS = ("__file__", "files(", "get_data", "resource_", "read_text", "open_text", "read_binary",
           "open_binary", "as_file", "resources.path")
_FILES = frozenset({"files"})
_LEGACY = frozenset({"read_text", "open_text", "read_binary", "open_binary", "path", "is_resource"})
_PKG_RESOURCES = frozenset({"resource_string", "resource_stream", "resource_filename", "resource_exists",
                            "resource_listdir", "resource_isdir"})
_UNWRAP = frozenset({"abspath", "realpath", "normpath", "resolve", "absolute", "expanduser", "as_file", "fspath",
                     "Path", "PurePath", "PosixPath", "Traversable", "str"})


@dataclasses.dataclass(frozen=True)
class Reference:
    """`anchor` (a tree directory, or None when it could not be told) / `relative`, read at `line`."""

    line: int
    anchor: str | None
    relative: str
    complete: bool  # False: the path goes on with something computed

    def refers_to(self, path: str, top: str) -> bool:
        """Whether reading this reference can read the tree file `path` (of the package at `top`)."""
        if self.anchor is None:
            if not self.relative or not path.startswith(top + "/"):
                return False
            inside = path[len(top):]
            return inside.endswith("/" + self.relative) or f"/{self.relative}/" in inside
        target = posixpath.normpath(posixpath.join(self.anchor, self.relative)) if self.relative else self.anchor
        if path == target or path.startswith(target + "/") and self.relative:
            return True
        return not self.complete and posixpath.dirname(path) == target


@dataclasses.dataclass(frozen=True)
class _Path:
    anchor: str | None
    parts: tuple[str, ...] = ()
    complete: bool = True
    whole: bool = False  # `files(pkg)` itself: the package's directory, its files listed or walked

    def up(self, levels: int = 1) -> _Path:
        if self.parts:
            return _Path(self.anchor, self.parts[:-1], True) if levels == 1 else self.up(1).up(levels - 1)
        anchor = self.anchor
        for _ in range(levels):
            anchor = posixpath.dirname(anchor) if anchor is not None else None
        return _Path(anchor)

    def join(self, node: ast.expr) -> _Path:
        if not self.complete:
            return self
        text = _literal(node)
        if text is None:
            head = _fstring_head(node)
            return _Path(self.anchor, self.parts + _split(head), False)
        return _Path(self.anchor, self.parts + _split(text), True)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.replace("\\", "/").split("/") if part and part != ".")


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _fstring_head(node: ast.expr) -> str:
    """The directory an f-string path starts with (`f"templates/{name}"` -> `templates`)."""
    if isinstance(node, ast.JoinedStr) and node.values:
        first = _literal(node.values[0])
        if first and "/" in first:
            return first.rsplit("/", 1)[0]
    return ""


def _arguments(node: ast.Call, *keywords: tuple[str, ...]) -> list[ast.expr]:
    """Positional arguments, then the keyword forms of the first ones (`files(package="pkg")`)."""
    found = list(node.args)
    for names in keywords[len(found):]:
        value = next((k.value for k in node.keywords if k.arg in names), None)
        if value is None:
            break
        found.append(value)
    return found


def _is_resources(receiver: ast.expr | None, name: str) -> bool:
    """`importlib.resources.read_text(...)`, `resources.open_text(...)`, or a bare imported name
    (not a bare `path(...)`: that is Django's URL route far more often)."""
    if receiver is None:
        return name != "path"
    return _name(receiver) in ("resources", "importlib_resources")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


class _Reader:
    def __init__(self, module: str, package_dir: Callable[[str], str | None]) -> None:
        self.module = module  # the module's tree path
        self.package_dir = package_dir
        self.names: dict[str, _Path] = {}
        self.memo: dict[int, _Path | None] = {}
        self.consumed: set[int] = set()

    def _own_package(self) -> str:
        return posixpath.dirname(self.module)

    def anchor(self, node: ast.expr) -> str | None:
        """The directory of the package an argument names (`__name__`, `"pkg.data"`, `__package__`)."""
        if isinstance(node, ast.Name) and node.id in ("__name__", "__package__"):
            return self._own_package()
        if isinstance(node, ast.Attribute) and node.attr == "parent":  # __spec__.parent
            return self._own_package()
        text = _literal(node)
        if text is not None:
            return self.package_dir(text)
        return None

    def evaluate(self, node: ast.expr) -> _Path | None:
        key = id(node)
        if key not in self.memo:
            self.memo[key] = self._evaluate(node)
        return self.memo[key]

    def _take(self, node: ast.expr) -> _Path | None:
        self.consumed.add(id(node))
        return self.evaluate(node)

    def _evaluate(self, node: ast.expr) -> _Path | None:
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return _Path(self.module)
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
            base = self._take(node.value.value)
            index = node.slice.value if isinstance(node.slice, ast.Constant) else None
            return base.up(index + 1) if base is not None and isinstance(index, int) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            base = self._take(node.left)
            return base.join(node.right) if base is not None else None
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _attribute(self, node: ast.Attribute) -> _Path | None:
        if node.attr == "parent":
            base = self._take(node.value)
            return base.up() if base is not None else None
        return None

    def _call(self, node: ast.Call) -> _Path | None:
        name = _name(node.func)
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        args = _arguments(node, ("package", "anchor", "package_or_requirement"), ("resource", "resource_name"))
        if name in _FILES and len(args) == 1:
            return _Path(self.anchor(args[0]), whole=True)
        if name in _PKG_RESOURCES or name == "get_data" or name in _LEGACY and _is_resources(receiver, name):
            return _Path(self.anchor(args[0])).join(args[1]) if len(args) >= 2 else None
        if name == "dirname" and len(args) == 1:
            base = self._take(args[0])
            return base.up() if base is not None else None
        if name == "join" and args and isinstance(receiver, ast.Attribute | ast.Name) and _name(receiver) == "path":
            return self._joined(self._take(args[0]), args[1:])
        if name == "joinpath" and receiver is not None:
            return self._joined(self._take(receiver), args)
        if name == "with_name" and receiver is not None and len(args) == 1:
            base = self._take(receiver)
            return base.up().join(args[0]) if base is not None else None
        if name in _UNWRAP:
            inner = receiver if receiver is not None and not args else args[0] if len(args) == 1 else None
            return self._take(inner) if inner is not None else None
        return None

    @staticmethod
    def _joined(base: _Path | None, parts: list[ast.expr]) -> _Path | None:
        if base is None:
            return None
        for part in parts:
            base = base.join(part)
        return base

    def bind(self, tree: ast.Module) -> None:
        """Names bound to a path of the package (`HERE = Path(__file__).parent`), in source order."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = self._evaluate(node.value)
                if value is not None:
                    self.names[node.targets[0].id] = value
        self.memo.clear()


def read_references(text: str, module: str, package_dir: Callable[[str], str | None]) -> Iterator[Reference]:
    """The references of one module (`module`: its tree path; `package_dir`: a dotted package
    name -> its tree directory, or None). Source that does not parse has none."""
    if not any(marker in text for marker in MARKERS):
        return
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    reader = _Reader(module, package_dir)
    reader.bind(tree)
    found: list[tuple[ast.expr, _Path]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            value = reader.evaluate(node)
            if value is not None and (value.parts or not value.complete or value.whole):
                found.append((node, value))
    seen: set[Reference] = set()
    for node, value in found:
        if id(node) not in reader.consumed and (value.anchor is not None or value.parts):
            complete = value.complete and not (value.whole and not value.parts)
            reference = Reference(node.lineno, value.anchor, "/".join(value.parts), complete)
            if reference not in seen:
                seen.add(reference)
                yield reference
