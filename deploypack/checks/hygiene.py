"""What must not ship in either archive: huge files, symlinks, unsafe modes, VCS directories,
editor/OS junk and likely secrets. (Members escaping the archive, special files and links in
wheels are archive-safety findings, A0xx, reported by checks/archive.py.)

Each finding points at the path in the source tree when the member came from it (an sdist
member path is project-relative; a wheel member is traced back through the tree), and always
names the artifact and member. The same file found in both archives is reported once.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import re
from collections import Counter
from collections.abc import Iterator

from deploypack.checks import CheckContext, check
from deploypack.checks.layout import SourceLocator, data_dir, install_path, tree_files
from deploypack.core.findings import Finding, Severity
from deploypack.core.rules import Rule, rule
from deploypack.read.archives import Distribution, Member

HUGE_FILE = rule(
    "C001", "huge-file", Severity.ERROR, "a file in a distribution is larger than max-file-size",
    why="A data dump, a build artifact or a video swept into a distribution is downloaded by every "
    "install and counts against the project's storage quota on the index; max-file-size is the "
    "project's own statement of what is too big.",
    fix="Exclude the file (MANIFEST.in `exclude`, the backend's exclude setting), or raise "
    "`max-file-size` in [tool.deploypack] if it belongs there.",
)
DIST_TOO_LARGE = rule(
    "C002", "distribution-too-large", Severity.ERROR, "a distribution is larger than the index accepts",
    why="The index refuses uploads above its file size limit (100 MB unless the project was granted "
    "more): the release stops half published.",
    fix="Exclude what does not belong (tests data, docs builds, binaries), or request a larger "
    "limit from the index and set `max-dist-size` accordingly.",
)
LINK = rule(
    "C003", "symlink-in-sdist", Severity.WARNING, "a symbolic link in the sdist",
    why="A link to a file inside the project breaks where links are not supported (Windows, some "
    "unpackers); one that points outside the project directory or at nothing makes the sdist "
    "unbuildable anywhere but on the maintainer's machine. (Links escaping the archive, and any "
    "link in a wheel, are A003/A005; a link inside the project between test fixtures is a note.)",
    fix="Replace the link with the file it points to (MANIFEST.in and most backends copy the file "
    "when the link is removed from the tree), or exclude it from the sdist.",
)
UNSAFE_MODE = rule(
    "C004", "unsafe-mode", Severity.ERROR, "a member is setuid/setgid or world-writable",
    why="Installed files keep these modes on some installers: a setuid file is a privilege escalation "
    "and a world-writable one lets any local user change the installed code.",
    fix="chmod the file in the tree (`chmod u-s,g-s,o-w FILE`) and rebuild; check the umask of the "
    "build machine.",
)
VCS_DIRECTORY = rule(
    "C005", "vcs-directory", Severity.ERROR, "a version-control directory (.git, .hg, .svn) in a distribution",
    why="It ships the repository's whole history (and anything ever committed to it, secrets "
    "included) to every user, and makes the distribution much larger.",
    fix="Exclude it (MANIFEST.in `prune .git`, the backend's exclude setting).",
)
JUNK = rule(
    "C006", "editor-os-junk", Severity.WARNING, "editor or OS junk in a distribution (.DS_Store, *.swp, *~)",
    why="Finder metadata, editor swap and backup files and IDE settings are noise in every install, "
    "and sometimes hold unsaved code or local paths.",
    fix="Delete them from the tree, add them to .gitignore, and exclude them "
    "(MANIFEST.in `global-exclude .DS_Store *.swp *~`).",
)
SECRET = rule(
    "C007", "likely-secret", Severity.ERROR, "a file that likely holds a secret (.env, .pypirc, a private key)",
    why="Whatever is in a published distribution is public forever: an upload token, a password or a "
    "private key in it must be considered leaked.",
    fix="Remove the file from the distribution and the tree, then revoke and rotate the credential.",
)

VCS_NAMES = frozenset({".git", ".hg", ".svn", ".bzr", "CVS", "_darcs"})
JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".directory"})
JUNK_DIRS = frozenset({".idea", ".vscode"})
SDIST_JUNK_DIRS = JUNK_DIRS | {"__pycache__"}
JUNK_PATTERNS = ("*.swp", "*.swo", "*~", ".#*", "#*#", "*.orig", "*.rej")
_JUNK_MATCH = re.compile("|".join(fnmatch.translate(pattern) for pattern in JUNK_PATTERNS)).match
SECRET_NAMES = frozenset({".pypirc", ".netrc", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".git-credentials"})
_HARMLESS_ENV = (".example", ".sample", ".template", ".dist", ".defaults", ".default", ".in", ".tpl")
_PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
# A cheap first pass over every path (plain string operations): could it be any of the above?
_SUSPECT_NAMES = JUNK_NAMES | SECRET_NAMES
_SUSPECT_SUFFIXES = (".swp", ".swo", "~", ".orig", ".rej", ".pyc", ".pyo")
_SUSPECT_PREFIXES = (".env", ".#", "#")
_DIR_MARKER = re.compile("/(?:" + "|".join(re.escape(n) for n in sorted(VCS_NAMES | SDIST_JUNK_DIRS)) + ")/").search


def _suspect(path: str) -> bool:
    name = path[path.rfind("/") + 1:].lower()
    if name in _SUSPECT_NAMES or name.endswith(_SUSPECT_SUFFIXES) or name.startswith(_SUSPECT_PREFIXES):
        return True
    return _DIR_MARKER(f"/{path}/") is not None


TEST_DIRS = frozenset({"tests", "test", "testing", "fixtures", "testdata", "test_data", "tests_data"})
_PER_ARTIFACT = 10


@dataclasses.dataclass
class _Collector:
    """Findings keyed by what they are about: one per file across both archives, capped per code."""

    context: CheckContext
    found: dict[tuple[str, str], tuple[Finding, list[str]]] = dataclasses.field(default_factory=dict)
    shown: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)  # (code, artifact)
    overflow: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    _locator: SourceLocator | None = None

    def source_of(self, dist: Distribution, member: Member, directory: str | None = None) -> str | None:
        path = directory if directory is not None else member.path
        if dist.kind == "sdist":
            return path if path and path != "PKG-INFO" and ".egg-info/" not in path + "/" else None
        installed = install_path(path, data_dir(dist))
        if not installed:
            return None
        if self._locator is None:
            self._locator = SourceLocator(tree_files(self.context))
        return self._locator.directory(installed) if directory is not None else self._locator.file(installed)

    def add(self, dist: Distribution, member: Member, rule_: Rule, message: str, *,
            severity: Severity | None = None, directory: str | None = None) -> None:
        source = self.source_of(dist, member, directory)
        key = (rule_.code, f"file:{source}" if source else f"{dist.filename}:{member.name}")
        if key in self.found:
            if dist.filename not in self.found[key][1]:
                self.found[key][1].append(dist.filename)
            return
        if self.shown[(rule_.code, dist.filename)] >= _PER_ARTIFACT:
            self.overflow[(rule_.code, dist.filename)] += 1
            return
        self.shown[(rule_.code, dist.filename)] += 1
        stored = member.name
        if directory is not None:  # the directory as stored in the archive (an sdist adds its top directory)
            stored = f"{member.name.split('/', 1)[0]}/{directory}" if dist.kind == "sdist" else directory
        finding = rule_.at(message, file=source, artifact=dist.filename, member=stored, severity=severity)
        self.found[key] = (finding, [dist.filename])

    def findings(self, rules: dict[str, Rule]) -> Iterator[Finding]:
        for finding, artifacts in self.found.values():
            if len(artifacts) > 1:
                finding = dataclasses.replace(finding, message=f"{finding.message} (in {' and '.join(artifacts)})")
            yield finding
        for (code, artifact), count in self.overflow.items():
            yield rules[code].at(f"{count} more like this in {artifact}", artifact=artifact)


def _in_tests(path: str) -> bool:
    return any(part.lower() in TEST_DIRS for part in path.split("/")[:-1])


# --- sizes --------------------------------------------------------------------------------------

@check(HUGE_FILE, DIST_TOO_LARGE)
def sizes_within_limits(context: CheckContext) -> Iterator[Finding]:
    limit = context.options.max_file_size
    collector = _Collector(context)
    for dist in context.distributions:
        if dist.size > context.options.max_dist_size:
            yield DIST_TOO_LARGE.at(
                f"{dist.filename} is {_human_size(dist.size)}, above max-dist-size "
                f"{_human_size(context.options.max_dist_size)}", artifact=dist.filename,
            )
        for member in dist.files():
            if member.size > limit:
                collector.add(dist, member, HUGE_FILE,
                              f"{member.path} is {_human_size(member.size)}, above max-file-size {_human_size(limit)}")
    yield from collector.findings({HUGE_FILE.code: HUGE_FILE})


def _human_size(size: int) -> str:
    """A size as a person reads it: 512 bytes, 64.0 KB, 12.3 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --- links and modes ----------------------------------------------------------------------------

def _sdist_link(dist: Distribution, member: Member) -> tuple[str, Severity] | None:
    """(message, severity) for a symlink of an sdist, or None when A003 already reports it."""
    target = (member.link_target or "").replace("\\", "/")
    if target.startswith("/") or (len(target) > 1 and target[1] == ":"):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), target))
    if resolved == ".." or resolved.startswith("../"):
        return None  # out of the archive altogether: A003
    top = member.name.split("/", 1)[0]
    if not resolved.startswith(top + "/"):
        return f"{member.path} is a symlink to {target!r}, outside the project directory", Severity.ERROR
    inside = resolved[len(top) + 1:]
    if dist.member(inside) is None and not any(m.path.startswith(inside + "/") for m in dist.members):
        return f"{member.path} is a symlink to {target!r}, which is not in the sdist (a dangling link)", Severity.ERROR
    if _in_tests(member.path):
        # a test fixture shared by link (docutils' stylesheets): building and installing never read it
        return f"{member.path} is a symlink to {target!r} (inside the project, under a test directory)", Severity.NOTE
    return f"{member.path} is a symlink to {target!r} (inside the project)", Severity.WARNING


@check(LINK, UNSAFE_MODE)
def links_and_modes(context: CheckContext) -> Iterator[Finding]:
    collector = _Collector(context)
    outside = {link.path for link in context.outside_links}  # C008 reports those, at the same path
    for dist in context.distributions:
        for member in dist.members:
            if member.type == "symlink" and dist.kind == "sdist":
                if member.path in outside:
                    continue
                link = _sdist_link(dist, member)
                if link is not None:
                    collector.add(dist, member, LINK, link[0], severity=link[1])
            elif member.type in ("file", "dir"):
                _add_mode(collector, dist, member)
    yield from collector.findings({r.code: r for r in (LINK, UNSAFE_MODE)})


def _add_mode(collector: _Collector, dist: Distribution, member: Member) -> None:
    mode = member.mode
    special = [name for bit, name in ((0o4000, "setuid"), (0o2000, "setgid")) if mode & bit]
    if special:
        collector.add(dist, member, UNSAFE_MODE,
                      f"{member.path or member.name} is {' and '.join(special)} (mode {mode:04o})")
    elif mode & 0o002:
        collector.add(dist, member, UNSAFE_MODE,
                      f"{member.path or member.name} is world-writable (mode {mode:04o})", severity=Severity.WARNING)


# --- things that must not ship ------------------------------------------------------------------

@check(VCS_DIRECTORY, JUNK, SECRET)
def no_unwanted_files(context: CheckContext) -> Iterator[Finding]:
    collector = _Collector(context)
    tracked = frozenset(context.git_files or ())
    for dist in context.distributions:
        reported_dirs: set[str] = set()
        for member in dist.members:
            path = member.path if dist.kind == "sdist" else member.name
            if not _suspect(path) and member.path not in dist.contents:
                continue  # the common case, decided by one regular expression
            parts = path.rstrip("/").split("/")
            junk_dirs = JUNK_DIRS if dist.kind == "wheel" else SDIST_JUNK_DIRS
            directories = parts if member.type == "dir" else parts[:-1]  # Django ships a *file* named CVS
            directory = _special_dir(directories, VCS_NAMES) or _special_dir(directories, junk_dirs)
            if directory is not None:
                if directory not in reported_dirs:
                    reported_dirs.add(directory)
                    base = directory.rsplit("/", 1)[-1]
                    what = ("a version-control" if base in VCS_NAMES else "a bytecode cache" if base == "__pycache__"
                            else "an IDE settings")
                    source = collector.source_of(dist, member, directory)
                    fixture = (source is not None and _tracked_dir(tracked, source)) or (
                        context.git_files is None and _in_tests(directory + "/"))
                    collector.add(dist, member, VCS_DIRECTORY if base in VCS_NAMES else JUNK,
                                  f"{directory}/ is {what} directory"
                                  + (" (a fixture tracked by git?)" if fixture else ""),
                                  directory=directory, severity=Severity.NOTE if fixture else None)
                continue
            if member.type != "file":
                continue
            name = parts[-1]
            kind = (SECRET, "likely holds a secret") if _is_secret(name, dist.contents.get(member.path)) else (
                (JUNK, "is editor/OS junk") if _is_junk(name, dist.kind) else None)
            if kind is not None:
                # Test fixtures exercise exactly such files (Django ships `backup~`, Flask a `.env`):
                # under a test directory and committed (or nothing known about git) they are a note.
                source = collector.source_of(dist, member)
                fixture = _in_tests(path) and (context.git_files is None or source in tracked)
                collector.add(dist, member, kind[0],
                              f"{path} {kind[1]}" + (" (under a test directory: a fixture?)" if fixture else ""),
                              severity=Severity.NOTE if fixture else None)
    yield from collector.findings({r.code: r for r in (VCS_DIRECTORY, JUNK, SECRET)})


def _tracked_dir(tracked: frozenset[str], directory: str) -> bool:
    prefix = directory + "/"
    return any(path.startswith(prefix) for path in tracked)


def _special_dir(parts: list[str], names: frozenset[str]) -> str | None:
    if names.isdisjoint(parts):
        return None
    for index, part in enumerate(parts):
        if part in names:
            return "/".join(parts[: index + 1])
    return None


def _is_junk(name: str, kind: str) -> bool:
    lowered = name.lower()
    if lowered in JUNK_NAMES or _JUNK_MATCH(name):
        return True
    # Bytecode in an sdist is junk; in a wheel it has its own rule (W005).
    return kind == "sdist" and lowered.endswith((".pyc", ".pyo"))


def _is_secret(name: str, content: bytes | None) -> bool:
    lowered = name.lower()
    if lowered in SECRET_NAMES:
        return True
    if lowered == ".env" or (lowered.startswith(".env.") and not lowered.endswith(_HARMLESS_ENV)):
        return True
    return content is not None and _PRIVATE_KEY.search(content[:4096]) is not None
