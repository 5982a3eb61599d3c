"""Wheel contents: RECORD, what the wheel installs into site-packages, and its tags."""

from __future__ import annotations

import base64
import csv
import email.parser
import io
import re
from collections.abc import Iterable, Iterator

from deploypack.checks import CheckContext, check
from deploypack.checks.layout import SourceLocator, data_dir, install_path, is_importable_name, tree_files
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import Place, rule
from deploypack.project.includes import including_line
from deploypack.read.archives import Distribution, Member

RECORD_MISSING = rule(
    "W001", "record-missing", Severity.ERROR, "the wheel has no .dist-info/RECORD",
    why="Installers verify every file against RECORD and uninstallers use it to know what to remove; "
    "pip refuses a wheel without one.",
    fix="Build the wheel with a standards-compliant backend and do not modify it afterwards.",
)
RECORD_INCOMPLETE = rule(
    "W002", "record-incomplete", Severity.ERROR, "files of the wheel are not listed in RECORD",
    why="A file missing from RECORD is installed but never uninstalled, and recent installers refuse "
    "such a wheel outright.",
    fix="Do not add files to a wheel after it is built; rebuild it instead (or regenerate RECORD "
    "with `wheel tags`/`wheel pack`).",
)
RECORD_MISMATCH = rule(
    "W003", "record-mismatch", Severity.ERROR, "a RECORD entry does not match the wheel's file",
    why="The hash or size in RECORD differs from the file (or the file does not exist): installers "
    "reject the wheel as corrupt or tampered with.",
    fix="Rebuild the wheel; a wheel edited after the build needs its RECORD regenerated "
    "(`wheel unpack` then `wheel pack`).",
)
BYTECODE = rule(
    "W004", "bytecode-in-wheel", Severity.ERROR, "the wheel ships compiled bytecode (.pyc, __pycache__)",
    why="Bytecode is compiled for one interpreter version: installers compile their own, so shipped .pyc "
    "files are at best dead weight and at worst stale code for another Python that shadows the sources. "
    "It is swept in by a broad inclusion of the tree, e.g. MANIFEST.in `graft mypkg` after a test run "
    "left mypkg/__pycache__/ behind.",
    fix="Exclude bytecode at the configuration line given: in MANIFEST.in add `global-exclude *.py[cod]` and "
    "`prune **/__pycache__` after the graft; with hatch, pdm or poetry narrow the include pattern or add "
    "`__pycache__` to the excludes. Then delete the __pycache__ directories and rebuild.",
)
NOT_IMPORTABLE = rule(
    "W005", "module-not-importable", Severity.ERROR, "Python modules installed at a path that cannot be imported",
    why="A directory or file name that is not a Python identifier (`my-pkg/`, `2fa/`, `x.y.py`) "
    "cannot be imported: the code is installed but unusable. (A module file inside a package whose "
    "name only lacks a dot, like `tables-15.py`, is reachable with importlib and is not reported.)",
    fix="Rename the directory or module to a valid identifier (underscores, not hyphens); keep "
    "non-importable .py files (templates, fixtures) out of packages or under a data directory.",
)
FOREIGN_TOP_LEVEL = rule(
    "W006", "foreign-top-level-name", Severity.ERROR,
    "the wheel installs a top-level name that is not the project's (tests, docs, build…)",
    why="A top-level `tests`, `docs`, `build`, `src` or `examples` lands directly in site-packages, "
    "where it collides with every other project making the same mistake and overwrites their files.",
    fix="Exclude it from the packages the backend collects (setuptools "
    "`packages.find exclude = [\"tests*\"]`, hatch `packages = [\"src/pkg\"]`), or move it inside "
    "the project's package.",
)
EMPTY_WHEEL = rule(
    "W007", "empty-wheel", Severity.ERROR, "the wheel installs no module and no data",
    why="Everything but the .dist-info metadata was left out: `pip install` succeeds and `import` "
    "fails. Usually the backend did not find the package (wrong src layout, name mismatch).",
    fix="Point the backend at the package (setuptools `packages`/`package-dir`, hatch `packages`, "
    "flit module name) and rebuild.",
)
COMPILED_IN_PURE = rule(
    "W008", "compiled-code-in-pure-wheel", Severity.ERROR,
    "a wheel tagged for any platform holds compiled extensions",
    why="A `none-any` wheel claims to work everywhere, so installers pick it on every OS and CPU, "
    "where the shared library built for one platform fails to load.",
    fix="Build platform wheels for compiled code (declare the extension modules so the backend "
    "tags the wheel, e.g. with cibuildwheel), or remove the stray binary from the package.",
)
PLATFORM_WITHOUT_BINARY = rule(
    "W009", "platform-tag-without-binary", Severity.WARNING,
    "a platform-specific wheel holds no compiled file",
    why="Pure Python code tagged for one platform forces every other platform to build from the "
    "sdist, although one universal wheel would do.",
    fix="Drop the platform tag (no `ext_modules`, no `bdist_wheel --plat-name`, no custom "
    "`has_ext_modules`), so the wheel is tagged `py3-none-any`.",
)
WHEEL_FILE_INVALID = rule(
    "W010", "wheel-file-invalid", Severity.ERROR,
    "the WHEEL file is missing, incomplete or disagrees with the file name",
    why="Installers read Wheel-Version, Root-Is-Purelib and Tag from .dist-info/WHEEL; tags that "
    "differ from the file name make installers pick the wheel for the wrong platforms.",
    fix="Build with a standards-compliant backend; retag with `wheel tags` rather than renaming the file.",
)
PURELIB_MISMATCH = rule(
    "W011", "root-is-purelib-mismatch", Severity.WARNING,
    "Root-Is-Purelib says pure Python, but the wheel root holds compiled extensions",
    why="With Root-Is-Purelib: true the extensions are installed into purelib; on systems where "
    "platlib differs (lib64 distributions) they end up where the interpreter does not expect them.",
    fix="Let the backend build the wheel as a platform wheel (Root-Is-Purelib: false) when it "
    "holds compiled extensions.",
)

RECORD_SIGNATURES = ("RECORD", "RECORD.jws", "RECORD.p7s")
FOREIGN_NAMES = frozenset({
    "tests", "test", "testing", "docs", "doc", "build", "dist", "examples", "example", "src",
    "benchmarks", "benchmark", "bench", "scripts", "tools", "venv", ".venv", ".tox", ".nox", ".eggs",
    "conftest", "setup", "noxfile",
})
_COMPILED = (".so", ".pyd", ".dylib", ".dll")
_OTHER_BINARIES = (".exe", ".a", ".lib", ".node", ".bin", ".wasm")  # bundled tools and libraries
_LISTED = 8


def listing(items: Iterable[str], limit: int = _LISTED) -> str:
    """`a, b, c and 5 more`: enough names to act on, never a wall of text."""
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def is_compiled(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name.endswith(_COMPILED) or ".so." in name


def dist_info(wheel: Distribution) -> str | None:
    if wheel.metadata_path is not None:
        return wheel.metadata_path.split("/", 1)[0]
    return next((m.path.split("/", 1)[0] for m in wheel.members if m.path.split("/", 1)[0].endswith(".dist-info")),
                None)


def _locator(context: CheckContext) -> SourceLocator:
    return SourceLocator(tree_files(context))


def _where(context: CheckContext, wheel: Distribution, path: str, directory: bool = False) -> Place:
    """file= the tree path the member came from when it can be found, plus artifact and member."""
    installed = install_path(path, data_dir(wheel)) or path
    locator = _locator(context)
    source = locator.directory(installed) if directory else locator.file(installed)
    return {"file": source, "artifact": wheel.filename, "member": path}


# --- RECORD -------------------------------------------------------------------------------------

def _record_rows(data: bytes) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(data.decode("utf-8", "replace"))) if row]


def _encoded(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@check(RECORD_MISSING, RECORD_INCOMPLETE, RECORD_MISMATCH)
def record_matches_contents(context: CheckContext) -> Iterator[Finding]:
    for wheel in context.wheels:
        if wheel.limit_exceeded:
            continue  # members were not all read (A002 says why): RECORD cannot be compared
        info = dist_info(wheel)
        record_path = f"{info}/RECORD" if info else None
        data = wheel.contents.get(record_path) if record_path else None
        if data is None:
            yield RECORD_MISSING.at(f"{wheel.filename} has no {record_path or '*.dist-info/RECORD'}",
                                    artifact=wheel.filename)
            continue
        yield from _record_findings(wheel, info or "", record_path or "", _record_rows(data))


def _record_findings(wheel: Distribution, info: str, record_path: str, rows: list[list[str]]) -> Iterator[Finding]:
    members = {m.path: m for m in wheel.members if m.type != "dir"}
    listed = {row[0] for row in rows} | {f"{info}/{name}" for name in RECORD_SIGNATURES}
    unlisted = [path for path in members if path not in listed]
    if unlisted:
        yield RECORD_INCOMPLETE.at(
            f"{len(unlisted)} file{'s' if len(unlisted) != 1 else ''} of {wheel.filename} not in {record_path}: "
            f"{listing(unlisted)}", artifact=wheel.filename, member=unlisted[0],
        )
    wrong: list[tuple[str, str]] = []
    seen: set[str] = set()
    for row in rows:
        path, hash_field, size_field = (row + ["", ""])[:3]
        problem = "listed twice" if path in seen else _row_problem(
            path, hash_field, size_field, members.get(path), f"{info}/RECORD")
        seen.add(path)
        if problem:
            wrong.append((path, problem))
    for path, problem in wrong[:_LISTED]:
        yield RECORD_MISMATCH.at(f"{record_path}: {path}: {problem}", artifact=wheel.filename, member=path)
    if len(wrong) > _LISTED:
        yield RECORD_MISMATCH.at(f"{record_path}: {len(wrong) - _LISTED} more entries are wrong",
                                 artifact=wheel.filename, member=record_path)


def _row_problem(path: str, hash_field: str, size_field: str, member: Member | None, record: str) -> str | None:
    if member is None:
        return "listed but not in the wheel"
    if path == record:
        return None
    if not hash_field:
        return "has no hash (every file but RECORD must have one)"
    algorithm, _, value = hash_field.partition("=")
    if algorithm.lower() in ("md5", "sha1"):
        return f"uses {algorithm}, which the wheel spec forbids (sha256 or stronger)"
    if size_field and member.type == "file":
        try:
            if int(size_field) != member.size:
                return f"size {size_field} in RECORD, {member.size} in the archive"
        except ValueError:
            return f"size {size_field!r} is not a number"
    if algorithm.lower() == "sha256" and member.sha256 is not None and value.rstrip("=") != _encoded(member.sha256):
        return f"sha256 in RECORD is {value}, the file's is {_encoded(member.sha256)}"
    return None


# --- what the wheel installs --------------------------------------------------------------------

@check(BYTECODE)
def no_bytecode(context: CheckContext) -> Iterator[Finding]:
    for wheel in context.wheels:
        found = [m.path for m in wheel.members
                 if m.path.endswith((".pyc", ".pyo")) or "__pycache__" in m.path.split("/")]
        if not found:
            continue
        count = f"{len(found)} bytecode file{'s' if len(found) != 1 else ''}"
        message = f"{wheel.filename} holds {count}: {listing(found)}"
        tree = _bytecode_sources(context, wheel, found)
        line = including_line(_config_texts(context), tree + found)
        if line is not None:
            yield BYTECODE.at(f"{message}; `{line[2]}` ({line[0]} line {line[1]}) includes them",
                              file=line[0], line=line[1], artifact=wheel.filename, member=found[0])
        else:
            directory = next((path.rpartition("/")[0] for path in tree if "__pycache__" in path), None)
            yield BYTECODE.at(message, file=directory or (tree[0] if tree else None),
                              artifact=wheel.filename, member=found[0])


def _bytecode_sources(context: CheckContext, wheel: Distribution, found: list[str]) -> list[str]:
    """The tree paths the bytecode came from: as the sdist holds them (it is not tracked by git)."""
    sdist = context.sdist
    installed = [install_path(path, data_dir(wheel)) or path for path in found]
    if sdist is None:
        return []
    wanted = set(installed)
    return [m.path for m in sdist.members
            if m.path in wanted or any(m.path.endswith("/" + path) for path in installed[:_LISTED])]


def _config_texts(context: CheckContext) -> dict[str, str]:
    """MANIFEST.in and the configuration, from the tree when there is one, else as the sdist froze them."""
    names = ("MANIFEST.in", "pyproject.toml", "setup.cfg", "setup.py")
    if context.sources is not None:
        return {name: text for name in names if (text := context.sources.text(name)) is not None}
    sdist = context.sdist
    if sdist is None:
        return {}
    return {name: sdist.contents[name].decode("utf-8", "replace") for name in names if name in sdist.contents}


_MODULE_PART = re.compile(r"\w+")


def _importable(part: str, top: bool, leaf: bool = False) -> bool:
    """Top-level names must work with `import`; deeper ones only with importlib (which takes
    `0001_initial` or `is`, as Django's migrations and locales rely on, but not `my-pkg`).
    A module file inside a package is found by importlib.import_module under any name without
    a dot (`unicode15-0-0.py` data tables, `hook-x.py` plugin hooks are loaded that way or by
    path): only a dot in its name makes it unreachable."""
    if top:
        return is_importable_name(part)
    if leaf:
        return bool(part) and "." not in part
    return _MODULE_PART.fullmatch(part) is not None


@check(NOT_IMPORTABLE)
def modules_are_importable(context: CheckContext) -> Iterator[Finding]:
    for wheel in context.wheels:
        data = data_dir(wheel)
        bad: dict[str, list[str]] = {}
        for member in wheel.members:
            if member.type == "dir" or not member.path.endswith(".py"):
                continue
            installed = install_path(member.path, data)
            if installed is None:
                continue
            parts = installed[:-3].split("/")
            for depth, part in enumerate(parts):
                if not _importable(part, depth == 0, depth == len(parts) - 1):
                    bad.setdefault("/".join(parts[: depth + 1]) + ("" if depth < len(parts) - 1 else ".py"),
                                   []).append(member.path)
                    break
        for path, members in bad.items():
            directory = not path.endswith(".py")
            severity = Severity.ERROR if "/" not in path else Severity.WARNING
            where = _where(context, wheel, path, directory=directory)
            where["member"] = members[0]
            yield NOT_IMPORTABLE.at(
                f"{path}{'/' if directory else ''} is not importable (not a Python identifier); "
                f"{len(members)} module{'s' if len(members) != 1 else ''} there: {listing(members, 3)}",
                severity=severity, **where,
            )


def top_level_names(wheel: Distribution) -> dict[str, tuple[str, bool]]:
    """Top-level names installed into site-packages -> (a member showing it, whether a package)."""
    data = data_dir(wheel)
    names: dict[str, tuple[str, bool]] = {}
    for member in wheel.members:
        installed = install_path(member.path, data)
        if not installed or member.type == "dir":
            continue
        first, slash, _ = installed.partition("/")
        if slash:
            names.setdefault(first, (member.path, True))
        else:
            names.setdefault(first.split(".", 1)[0], (member.path, False))
    return names


def _project_names(wheel: Distribution) -> set[str]:
    names = {wheel.filename.split("-", 1)[0].lower()}
    if wheel.metadata is not None and wheel.metadata.name:
        names.add(wheel.metadata.name.lower().replace("-", "_").replace(".", "_"))
    return names


@check(FOREIGN_TOP_LEVEL)
def no_foreign_top_level(context: CheckContext) -> Iterator[Finding]:
    for wheel in context.wheels:
        own = _project_names(wheel)
        for name, (member, package) in sorted(top_level_names(wheel).items()):
            if name.lower() not in FOREIGN_NAMES or name.lower() in own:
                continue
            installed = name if package else install_path(member, data_dir(wheel)) or member
            where = _where(context, wheel, installed, directory=package)
            where["member"] = member
            yield FOREIGN_TOP_LEVEL.at(
                f"{wheel.filename} installs a top-level {'package' if package else 'module'} "
                f"{installed!r} into site-packages", **where,
            )


@check(EMPTY_WHEEL)
def wheel_is_not_empty(context: CheckContext) -> Iterator[Finding]:
    for wheel in context.wheels:
        if wheel.limit_exceeded:
            continue
        info = dist_info(wheel)
        payload = [m for m in wheel.members if m.type != "dir" and m.path.split("/", 1)[0] != info]
        if payload:
            continue
        requires = list(getattr(wheel.metadata, "requires_dist", None) or [])
        if requires:
            yield EMPTY_WHEEL.at(
                f"{wheel.filename} holds only metadata; fine for a meta-package that only pulls in its "
                f"{len(requires)} dependencies, a bug otherwise", artifact=wheel.filename, severity=Severity.WARNING,
            )
        else:
            yield EMPTY_WHEEL.at(f"{wheel.filename} holds only its .dist-info metadata", artifact=wheel.filename)


# --- tags against contents ----------------------------------------------------------------------

def _tags(wheel: Distribution) -> frozenset[tuple[str, str, str]] | None:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        _, _, _, tags = parse_wheel_filename(wheel.filename)
    except InvalidWheelFilename:
        return None  # the metadata checks report a malformed file name
    return frozenset((tag.interpreter, tag.abi, tag.platform) for tag in tags)


def _wheel_fields(wheel: Distribution) -> tuple[str, dict[str, list[str]]] | None:
    info = dist_info(wheel)
    path = f"{info}/WHEEL"
    data = wheel.contents.get(path) if info else None
    if data is None:
        return None
    message = email.parser.BytesParser().parsebytes(data)
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key.lower(), []).append(str(value).strip())
    return path, fields


@check(COMPILED_IN_PURE, PLATFORM_WITHOUT_BINARY, WHEEL_FILE_INVALID, PURELIB_MISMATCH)
def tags_match_contents(context: CheckContext) -> Iterator[Finding]:
    for wheel in context.wheels:
        if wheel.limit_exceeded:
            continue  # WHEEL or the compiled files may be among the members not read
        tags = _tags(wheel)
        data = data_dir(wheel)
        compiled = [m.path for m in wheel.members if m.type == "file" and is_compiled(m.path)]
        wheel_file = _wheel_fields(wheel)
        yield from _wheel_file_findings(wheel, wheel_file, tags)
        if tags is None:
            continue
        platforms = {platform for _, _, platform in tags}
        if platforms == {"any"} and compiled:
            yield COMPILED_IN_PURE.at(
                f"{wheel.filename} is tagged for any platform but holds {len(compiled)} compiled "
                f"file{'s' if len(compiled) != 1 else ''}: {listing(compiled, 3)}",
                **_where(context, wheel, compiled[0]),
            )
        if "any" not in platforms and not compiled and not _may_hold_binaries(wheel, data):
            file, line = _platform_cause(context)
            yield PLATFORM_WITHOUT_BINARY.at(
                f"{wheel.filename} is tagged {', '.join(sorted(platforms))} but holds no compiled file",
                file=file, line=line, artifact=wheel.filename,
            )
        if wheel_file is not None:
            purelib = [v.lower() for v in wheel_file[1].get("root-is-purelib", [])]
            at_root = [path for path in compiled if not path.split("/", 1)[0].endswith((".data", ".dist-info"))]
            if purelib == ["true"] and at_root:
                yield PURELIB_MISMATCH.at(
                    f"{wheel_file[0]} says Root-Is-Purelib: true, but the wheel root holds compiled "
                    f"extensions: {listing(at_root, 3)}", artifact=wheel.filename, member=wheel_file[0],
                )


# What makes setuptools tag a wheel for one platform, in the files a person edits.
_PLATFORM_CAUSES = (("setup.py", ("has_ext_modules", "distclass", "ext_modules", "plat_name")),
                    ("setup.cfg", ("plat_name", "plat-name", "[bdist_wheel]")),
                    ("pyproject.toml", ("ext-modules",)))


def _platform_cause(context: CheckContext) -> tuple[str | None, int | None]:
    if context.sources is None:
        return None, None
    for name, needles in _PLATFORM_CAUSES:
        text = context.sources.text(name)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.lstrip().startswith("#") and any(needle in line for needle in needles):
                return name, number
    return None, None


def _may_hold_binaries(wheel: Distribution, data: str | None) -> bool:
    """Executables without a suffix (bundled tools, scripts) can make a platform tag right."""
    for member in wheel.members:
        if member.type != "file":
            continue
        name = member.path.rsplit("/", 1)[-1].lower()
        if member.path.startswith(f"{data}/") or name.endswith(_OTHER_BINARIES) or (
                "." not in name and member.mode & 0o111):
            return True
    return False


def _wheel_file_findings(wheel: Distribution, wheel_file: tuple[str, dict[str, list[str]]] | None,
                         tags: frozenset[tuple[str, str, str]] | None) -> Iterator[Finding]:
    if wheel_file is None:
        yield WHEEL_FILE_INVALID.at(f"{wheel.filename} has no .dist-info/WHEEL file", artifact=wheel.filename)
        return
    path, fields = wheel_file
    version = (fields.get("wheel-version") or [""])[0]
    if not version:
        yield WHEEL_FILE_INVALID.at(f"{path} has no Wheel-Version", artifact=wheel.filename, member=path)
    elif version.split(".", 1)[0] != "1":
        yield WHEEL_FILE_INVALID.at(f"{path}: Wheel-Version {version} is not supported by installers (1.x)",
                                    artifact=wheel.filename, member=path)
    purelib = fields.get("root-is-purelib") or []
    if [v.lower() for v in purelib] not in (["true"], ["false"]):
        yield WHEEL_FILE_INVALID.at(f"{path}: Root-Is-Purelib must be true or false, got {purelib or 'nothing'}",
                                    artifact=wheel.filename, member=path)
    declared = set()
    for tag in fields.get("tag", []):
        parts = tag.split("-")
        if len(parts) == 3:
            declared.add((parts[0].lower(), parts[1].lower(), parts[2].lower()))
    if tags is not None and declared and declared != set(tags):
        yield WHEEL_FILE_INVALID.at(
            f"{path} declares tags {', '.join('-'.join(t) for t in sorted(declared))} but the file name says "
            f"{', '.join('-'.join(t) for t in sorted(tags))}", artifact=wheel.filename, member=path,
        )
