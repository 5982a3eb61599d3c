"""What the backend's hooks (untrusted project code) see of the run's environment.

An allowlist, not a blocklist: a new runner credential must not reach setup.py because nobody
thought to name it. What builds rely on passes (the shell basics, locale, compilers and their
flags, backend and version-tool settings, index and proxy configuration, SOURCE_DATE_EPOCH);
what the runner and deploypack hold for themselves does not (ACTIONS_*, GITHUB_*, RUNNER_*,
INPUT_*, DEPLOYPACK_*). Even inside an allowed family, names that read as credentials
(`*_TOKEN`, `*_PASSWORD`, …) are held back. `pass-env` (docs/security.md) lets more through.

`build` installs the build requirements itself, with pip or uv and the process environment:
that is the trusted installer, not project code, so it keeps index credentials it needs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

# Exact names (compared upper-cased: the proxy variables are conventionally lower case).
_NAMES = frozenset({
    # the shell and the user
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TZ", "TMPDIR", "TEMP", "TMP", "CI",
    "LANG", "LANGUAGE", "NO_COLOR", "FORCE_COLOR",
    # Python itself (PYTHONPATH stays out: it would put the runner's modules before the backend's)
    "PYTHONDONTWRITEBYTECODE", "PYTHONUTF8", "PYTHONIOENCODING", "PYTHONHASHSEED", "PYTHONWARNINGS",
    "SOURCE_DATE_EPOCH",
    # compilers, linkers and their flags
    "CC", "CXX", "CPP", "LD", "AR", "RANLIB", "NM", "STRIP", "OBJCOPY", "FC", "F77", "F90",
    "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LDSHARED", "ARFLAGS", "FFLAGS", "OPT", "MAKE", "MAKEFLAGS",
    "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "LIBRARY_PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH",
    "MACOSX_DEPLOYMENT_TARGET", "ARCHFLAGS", "_PYTHON_HOST_PLATFORM", "SDKROOT", "RUSTFLAGS", "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN", "NINJA",
    # version and backend settings projects read at build time
    "PBR_VERSION", "SETUPTOOLS_USE_DISTUTILS", "SETUPTOOLS_ENABLE_FEATURES", "MAX_JOBS",
    # certificates and proxies (for backends that download, e.g. a Rust toolchain)
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    # Windows: processes do not start without some of these
    "SYSTEMROOT", "SYSTEMDRIVE", "COMSPEC", "PATHEXT", "WINDIR", "APPDATA", "LOCALAPPDATA", "USERPROFILE",
    "PROGRAMDATA", "PROGRAMFILES", "PROGRAMFILES(X86)", "COMMONPROGRAMFILES", "NUMBER_OF_PROCESSORS",
    "PROCESSOR_ARCHITECTURE", "VSINSTALLDIR", "VCINSTALLDIR", "INCLUDE", "LIB", "LIBPATH",
})
# Families, by prefix.
_PREFIXES = (
    "LC_", "XDG_", "CMAKE_", "PKG_CONFIG", "CARGO_", "MATURIN_", "CCACHE_", "SCCACHE_", "DISTUTILS_",
    "SETUPTOOLS_SCM_", "SETUPTOOLS_", "HATCH_BUILD_", "HATCH_VCS_", "PDM_BUILD_", "FLIT_",
    "POETRY_DYNAMIC_VERSIONING_", "GIT_", "PIP_", "UV_", "SKBUILD_", "MESONPY_", "NPY_", "CIBW_",
)
# Never, whatever the family: the runner's and deploypack's own variables. Explicit pass-env
# names override this (a maintainer may mean it); patterns do not.
_NEVER_PREFIXES = ("ACTIONS_", "GITHUB_", "RUNNER_", "INPUT_", "DEPLOYPACK_")
# Names that read as credentials are held back even inside an allowed family.
_SECRET_MARKERS = ("TOKEN", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL", "API_KEY", "PRIVATE_KEY")


def hook_environment(run_environment: Mapping[str, str], pass_env: Iterable[str] = ()) -> dict[str, str]:
    """The variables of the run that the build hooks get."""
    patterns = [pattern for pattern in pass_env if any(char in pattern for char in "*?[")]
    names = {name for name in pass_env if name not in patterns}
    return {
        name: value for name, value in run_environment.items()
        if name in names or _allowed(name) or (_matches(name, patterns) and not _never(name.upper()))
    }


def _allowed(name: str) -> bool:
    upper = name.upper()
    if _never(upper):
        return False
    if upper in _NAMES:
        return True
    return upper.startswith(_PREFIXES) and not _looks_secret(upper)


def _never(upper: str) -> bool:
    return upper.startswith(_NEVER_PREFIXES)


def _looks_secret(upper: str) -> bool:
    return any(marker in upper for marker in _SECRET_MARKERS)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
