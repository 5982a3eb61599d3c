"""The build engine: sdist first, then the wheel built from the unpacked sdist.

Uses `build`'s Python API so that every failure is caught where it happens and turned
into a finding (see diagnose.py). One isolated environment serves both builds when the
sdist's build requirements are the project's own (they almost always are): creating
environments is most of a build's time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from deploypack.build import deprecations, diagnose, envcache, git_access
from deploypack.build.hook_environment import hook_environment
from deploypack.build.log import BuildLog
from deploypack.build.parent_warnings import warnings_to_log
from deploypack.build.supervise import HookRunner
from deploypack.build.undumpable import closed_to_hooks
from deploypack.build.unpack import unpack_sdist
from deploypack.config.options import Options
from deploypack.config.runenv import RunEnvironment
from deploypack.core import faults
from deploypack.core.errors import BuildFailed, EnvironmentProblem, UsageError
from deploypack.core.findings import Finding
from deploypack.project import git
from deploypack.project.sources import ProjectSources, toml_key_line
from deploypack.read.archives import Distribution
from deploypack.read.collect import limits_of

Progress = Callable[[str], None]

DistributionKind = Literal["sdist", "wheel"]

if TYPE_CHECKING:  # build is imported when a build runs, not when deploypack starts
    from build import ProjectBuilder
    from build.env import DefaultIsolatedEnv


@dataclasses.dataclass(frozen=True)
class BuildResult:
    sdist: Path
    wheel: Path | None  # None when it needs a compiler this environment has not (wheel_skipped says so)
    backend: str
    build_requires: tuple[str, ...]
    source_date_epoch: str | None
    installer: str
    timings: Mapping[str, float]
    sdist_read: Distribution | None = None  # the sdist as read before unpacking it: the checks reuse it
    deprecations: tuple[Finding, ...] = ()  # D001: what the backend says it will stop accepting
    wheel_skipped: Finding | None = None  # B016: why there is no wheel
    findings: tuple[Finding, ...] = ()  # what the build itself found (git refusing the checkout)

    @property
    def distributions(self) -> list[Path]:
        return [self.sdist, *([self.wheel] if self.wheel is not None else [])]


def check_project_dir(project_dir: Path) -> None:
    """Usage errors for a path that cannot be a project."""
    if not project_dir.exists():
        raise UsageError(f"project path {str(project_dir)!r} does not exist")
    if not project_dir.is_dir():
        raise UsageError(f"project path {str(project_dir)!r} is a file, not a project directory")
    if not (project_dir / "pyproject.toml").is_file() and not (project_dir / "setup.py").is_file():
        raise BuildFailed(diagnose.NO_BUILD_CONFIG.at(
            f"{str(project_dir)!r} has no pyproject.toml or setup.py: nothing says how to build it"
        ))


def source_date_epoch(project_dir: Path, environ: Mapping[str, str]) -> str | None:
    """The caller's SOURCE_DATE_EPOCH, else the last commit's time, so archives are reproducible."""
    if environ.get("SOURCE_DATE_EPOCH", "").strip():
        return environ["SOURCE_DATE_EPOCH"].strip()
    value = (git.output(project_dir, "log", "-1", "--format=%ct") or "").strip()
    return value if value.isdigit() else None


@contextlib.contextmanager
def _build_logger(log: BuildLog) -> Iterator[None]:
    """Route `build`'s own messages (environment creation, pip's output on failure) to the log."""
    from build import _ctx

    def sink(message: str, *, kind: tuple[str, ...] | None = None) -> None:
        log.text(message)

    token = _ctx.LOGGER.set(sink)
    try:
        yield
    finally:
        _ctx.LOGGER.reset(token)


class Builder:
    def __init__(self, options: Options, log: BuildLog, progress: Progress, environ: RunEnvironment) -> None:
        self.options = options
        self.log = log
        self.progress = progress
        self.environ = environ
        self.sources = ProjectSources(options.project_dir)
        self.runner: HookRunner | None = None
        self.found: list[Finding] = []  # findings of a build that goes on (see BuildResult.findings)

    def build(self, staging: Path) -> BuildResult:
        project = self.options.project_dir.resolve()
        check_project_dir(project)
        self._preflight()
        epoch = source_date_epoch(project, self.environ)
        self._check_git_access(project, epoch)
        runner = self.runner = HookRunner(self.log, time.monotonic() + self.options.timeout,
                                          self.hook_environment(epoch), hook_server=self.options.hook_server)
        timings: dict[str, float] = {}
        installer = self.options.resolved_installer(self.environ)
        with (
            _build_logger(self.log),
            warnings_to_log(self.log) as caught,  # the hooks' warnings come back to this process
            closed_to_hooks(),  # this process's stdout, stderr and environment, refused to them via /proc
            tempfile.TemporaryDirectory(prefix="deploypack-") as work,
            contextlib.ExitStack() as stack,
        ):
            try:
                started = time.monotonic()
                self.progress("building sdist…")
                builder = self._project_builder(project, None, runner)
                env = None
                if self.options.isolation:
                    env = self._isolated_env(stack, installer, builder.build_system_requires, runner)
                    builder = self._project_builder(project, env, runner)
                    timings["environment_sdist"] = time.monotonic() - started
                self._install(builder, env, "sdist", timings, unpacked=None)
                sdist = self._run_hook(builder, "sdist", staging, unpacked=None)
                timings["sdist"] = time.monotonic() - started

                started = time.monotonic()
                self.progress("building wheel from sdist…")
                unpacked, sdist_read = unpack_sdist(sdist, Path(work), limits_of(self.options))
                wheel_builder = self._project_builder(unpacked, env, runner)
                if env is not None and wheel_builder.build_system_requires != builder.build_system_requires:
                    # The sdist declares other build requirements than the tree: honour them in a fresh env.
                    env = self._isolated_env(stack, installer, wheel_builder.build_system_requires, runner)
                    wheel_builder = self._project_builder(unpacked, env, runner)
                    self._install(wheel_builder, env, "wheel", timings, unpacked=unpacked)
                else:
                    self._install(wheel_builder, env, "wheel", timings, unpacked=unpacked)
                wheel, skipped = self._wheel_unless_compiler_missing(wheel_builder, staging, unpacked)
                timings["wheel"] = time.monotonic() - started
            finally:
                runner.close()  # before the environments are removed
        backend = builder._backend  # noqa: SLF001 - build exposes no getter
        notices = deprecations.notices_from_warnings(caught) + deprecations.notices_from_log(self.log.full_text())
        return BuildResult(
            sdist=sdist, wheel=wheel, backend=backend,
            build_requires=tuple(sorted(builder.build_system_requires)),
            source_date_epoch=epoch, installer=installer if env is not None else "none", timings=timings,
            sdist_read=sdist_read, wheel_skipped=skipped, findings=tuple(self.found),
            deprecations=tuple(deprecations.deprecation_findings(notices, self.sources, backend)),
        )

    def _wheel_unless_compiler_missing(self, builder: ProjectBuilder, staging: Path,
                                       unpacked: Path) -> tuple[Path | None, Finding | None]:
        """The wheel; or, when its build needs a compiler that is not here, no wheel and why (the
        sdist stays built and is checked: docs/action.md, C extensions)."""
        try:
            return self._run_hook(builder, "wheel", staging, unpacked=unpacked), None
        except BuildFailed as failure:
            if [finding.code for finding in failure.findings] != [diagnose.COMPILER_MISSING.code]:
                raise
            return None, failure.finding

    def hook_environment(self, epoch: str | None) -> dict[str, str]:
        """What the hooks see: the allowed part of the run's environment, and the release's epoch."""
        environment = hook_environment(self.environ, self.options.pass_env)
        if epoch:
            environment["SOURCE_DATE_EPOCH"] = epoch
        return environment

    # -- steps -------------------------------------------------------------------------------

    def _check_git_access(self, project: Path, epoch: str | None) -> None:
        """Git refusing the checkout (another user's). Nothing to ask when git just gave the commit
        time; else one git command, when git was not asked or did not answer."""
        epoch_from_git = epoch is not None and not self.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if epoch_from_git:
            return
        if epoch is not None:  # the caller's SOURCE_DATE_EPOCH: git matters only for a version read from it
            texts = [text for text in (self.sources.text(name) for name in self.sources.files) if text]
            if not git_access.reads_version_from_git(texts):
                return
        refused = git_access.probe(project)
        if refused is not None:
            self.found.append(diagnose.git_refused_finding(self.sources, refused, build_failed=False))

    def _preflight(self) -> None:
        """Failures that are cheaper and more precise to find before starting a backend."""
        for finding in (
            diagnose.toml_syntax_finding(self.options.project_dir),
            diagnose.declared_files_finding(self.sources),
        ):
            if finding is not None:
                raise BuildFailed(finding)

    def _isolated_env(self, stack: contextlib.ExitStack, installer: str, requires: Iterable[str],
                      runner: HookRunner) -> DefaultIsolatedEnv:
        """A fresh isolated environment holding `requires`: filled from the cache when it has them."""
        cache = self._env_cache()
        if cache is not None:
            with contextlib.suppress(OSError, TypeError):  # no usable cache: an uncached environment below
                return self._cached_env(stack, cache, installer, set(requires), runner)
        env = self._new_env(stack, installer, None)
        self.progress("installing build requirements…")
        self._install_requirements(env, requires)
        if runner.environment.get("PYTHONDONTWRITEBYTECODE"):  # the hooks cannot write bytecode
            self._compile_bytecode(env, runner)
        return env

    def _env_cache(self) -> envcache.EnvCache | None:
        if self.options.env_cache_hours <= 0:
            return None
        cache = envcache.EnvCache(envcache.cache_root(self.environ), self.options.env_cache_hours * 3600)
        try:
            cache.envs.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return cache

    def _cached_env(self, stack: contextlib.ExitStack, cache: envcache.EnvCache, installer: str,
                    requires: set[str], runner: HookRunner) -> DefaultIsolatedEnv:
        """Raises OSError when the cache cannot serve (the caller then makes an uncached environment)."""
        key = cache.key(installer, requires, self.environ)
        template = cache.template(key)
        location = Path(tempfile.mkdtemp(prefix="run-", dir=cache.envs))
        stack.callback(shutil.rmtree, location, True)
        env = self._new_env(stack, installer, location)
        if template is not None:
            cache.populate(template, Path(env.path), env.python_executable)
            self.log.section(f"reusing the build environment cached for: {', '.join(sorted(requires))}")
            return env
        self.progress("installing build requirements…")
        self._install_requirements(env, requires)
        self._compile_bytecode(env, runner)
        installed = env.installed_versions(requires) if hasattr(env, "installed_versions") else {}
        cache.store(key, Path(env.path), requires, installed)
        return env

    def _new_env(self, stack: contextlib.ExitStack, installer: str, location: Path | None) -> DefaultIsolatedEnv:
        from build.env import DefaultIsolatedEnv

        self.log.section(f"creating isolated build environment ({installer})")
        where = {"path": str(location)} if location is not None else {}
        try:
            return stack.enter_context(DefaultIsolatedEnv(installer=installer, **where))  # type: ignore[arg-type]  # installer: pip or uv (options)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
            raise _environment_error("cannot create the isolated build environment", error) from None

    def _compile_bytecode(self, env: DefaultIsolatedEnv, runner: HookRunner) -> None:
        """Hooks that cannot write bytecode (PYTHONDONTWRITEBYTECODE) would compile the backend from source
        in every one of the four hook processes: compiling it once is several times cheaper."""
        self.log.section("compiling the build environment's bytecode")
        with contextlib.suppress(subprocess.CalledProcessError):  # a module that does not compile stays source
            runner(envcache.compile_command(env.python_executable, Path(env.path)))

    def _project_builder(self, source_dir: Path, env: DefaultIsolatedEnv | None, runner: HookRunner,
                         ) -> ProjectBuilder:
        from build import BuildBackendException, BuildException, ProjectBuilder

        try:
            if env is None:
                return ProjectBuilder(source_dir, runner=runner)
            return ProjectBuilder.from_isolated_env(env, source_dir, runner=runner)
        except BuildException as error:
            raise BuildFailed(diagnose.build_system_finding(self.sources, error)) from None
        except BuildBackendException as error:  # pragma: no cover - build raises this only from hooks
            raise BuildFailed(diagnose.BACKEND_FAILED.at(str(error))) from None

    def _install(self, builder: ProjectBuilder, env: DefaultIsolatedEnv | None, distribution: DistributionKind,
                 timings: dict[str, float], *,
                 unpacked: Path | None) -> None:
        """The requirements the backend asks for beyond build-system.requires (those are in the
        environment already, deploypack/build/envcache.py)."""
        started = time.monotonic()
        runner_log = self.log
        if env is None:
            self._require_installed(builder.build_system_requires, distribution)
        try:
            extra = builder.get_requires_for_build(distribution)
        except Exception as error:  # noqa: BLE001 - the backend's failure, whatever its type
            raise self._hook_failure(error, distribution, unpacked) from None
        if env is None:
            self._require_installed(extra, distribution)
            return
        missing = set(extra) - set(builder.build_system_requires)
        if missing:
            runner_log.section(f"installing requirements the backend asks for ({distribution})")
            self._install_requirements(env, missing)
        key = f"environment_{distribution}"
        timings[key] = timings.get(key, 0) + time.monotonic() - started

    def _require_installed(self, requirements: Iterable[str], distribution: DistributionKind) -> None:
        """--no-isolation: what `python -m build --no-isolation` checks before building."""
        from build import check_dependency

        unmet = sorted({chain[0] for requirement in requirements for chain in check_dependency(requirement)})
        if unmet:
            text = self.sources.text("pyproject.toml") or ""
            file, line = ("pyproject.toml", toml_key_line(text, "build-system", "requires")) if text else (None, None)
            raise BuildFailed(diagnose.NOT_INSTALLED.at(
                f"--no-isolation, but the {distribution} build needs {', '.join(unmet)}, not installed "
                "(or not in a matching version) in the current environment",
                file=file, line=line,
            ))

    def _install_requirements(self, env: DefaultIsolatedEnv, requirements: Iterable[str]) -> None:
        requirements = sorted(requirements)
        if not requirements:
            return
        self.log.section("installing: " + ", ".join(requirements))
        try:
            env.install(requirements)
        except subprocess.CalledProcessError as error:
            text = self.log.full_text()
            finding = diagnose.requirement_finding(self.sources, text, requirements)
            if finding is not None and not diagnose.is_network_failure(text[-4000:]):
                raise BuildFailed(finding) from None
            if diagnose.is_network_failure(text):
                index, reason = diagnose.unreachable_index(text)
                raise EnvironmentProblem(
                    f"cannot install the build requirement{'s' if len(requirements) > 1 else ''} "
                    f"{', '.join(requirements)}: the package index {index or '(as configured)'} cannot be "
                    f"reached from this machine{f' ({reason})' if reason else ''}",
                    hint="Check the network and the index configuration (PIP_INDEX_URL / UV_INDEX_URL), "
                    "or build with --no-isolation and the requirements preinstalled.",
                ) from None
            if finding is not None:
                raise BuildFailed(finding) from None
            raise EnvironmentProblem(
                f"installing the build requirements failed ({', '.join(requirements)}; exit status "
                f"{error.returncode}); see the build log",
            ) from None
        except OSError as error:
            raise _environment_error("cannot install the build requirements", error) from None

    def _run_hook(self, builder: ProjectBuilder, distribution: DistributionKind, outdir: Path,
                  unpacked: Path | None) -> Path:
        self.log.section(f"building {distribution}")
        try:
            return Path(builder.build(distribution, outdir))
        except Exception as error:  # noqa: BLE001 - every backend failure becomes a finding
            if isinstance(error, OSError) and faults.is_disk_full(error):
                raise faults.environment_error(f"building the {distribution}", error) from None
            raise self._hook_failure(error, distribution, unpacked) from None

    def _hook_failure(self, error: Exception, distribution: DistributionKind, unpacked: Path | None) -> BuildFailed:
        import pyproject_hooks
        from build import BuildBackendException

        if self.runner is not None and self.runner.timed_out:  # any hook: get_requires runs setup.py too
            return BuildFailed(diagnose.BUILD_TIMEOUT.at(
                f"the {distribution} build did not finish within {self.options.timeout:.0f} s; "
                "its processes were killed",
            ))
        cause = error.exception if isinstance(error, BuildBackendException) else error
        log_text = self.log.full_text()
        if isinstance(cause, pyproject_hooks.BackendUnavailable):
            detail = (getattr(cause, "traceback", None) or "").strip().splitlines()
            return BuildFailed(diagnose.backend_unavailable_finding(
                self.sources, cause.backend_name or "?", detail[-1] if detail else ""
            ))
        full = _disk_full_in_log(log_text[-20000:], self.log, self.options.outdir)
        if full is not None:
            raise faults.disk_full(f"building the {distribution}", full)
        roots = {self.options.project_dir.resolve(): ""}
        if unpacked is not None:
            roots[unpacked.resolve()] = ""
        findings = diagnose.failure_findings(
            log_text=log_text[-200_000:], sources=self.sources, roots=roots, stage=distribution,
            unpacked_sdist=unpacked,
        )
        if self.found and findings[0].code != diagnose.GIT_REFUSES_CHECKOUT.code:
            findings = [*findings, *self.found]  # git refusing the checkout may be why, or part of it
        return BuildFailed(*findings)


def _environment_error(what: str, error: BaseException) -> EnvironmentProblem:
    if isinstance(error, OSError):
        return faults.environment_error(what, error)
    return EnvironmentProblem(f"{what}: {error}")


_NO_SPACE = re.compile(r"(?:No space left on device|Disk quota exceeded)(?::\s*'([^']+)')?")


def _disk_full_in_log(log_text: str, log: BuildLog, outdir: Path) -> str | None:
    """Where the disk is full, when that is why the backend failed (else None): the path the
    backend names, else the fuller of the two places a build writes (the output directory's
    file system, where the log and the distributions are staged, and the temporary directory)."""
    matches = list(_NO_SPACE.finditer(log_text))
    log_full = log.write_error is not None and faults.is_disk_full(log.write_error)
    if not matches and not log_full:
        return None
    if matches and matches[-1].group(1):
        return matches[-1].group(1)
    if log_full:
        return str(outdir)
    places = [str(outdir), tempfile.gettempdir()]
    return min(places, key=lambda place: faults.free_space(place) or 0)


