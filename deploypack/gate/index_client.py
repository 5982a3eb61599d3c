"""What a package index already holds for a project: the simple repository API, read-only.

PEP 691 (JSON) is asked for first; an index that answers with HTML (PEP 503, e.g. pypiserver)
is parsed as such. Yanked files (PEP 592) are kept and marked: a yanked version is still
taken, the index will refuse the same file name again. The index URL defaults to the one pip
is configured with, and pip's own default when it has none: deploypack never names a host.

Every failure to get an answer is an EnvironmentProblem (exit 4): a release gate that cannot
reach the index must not pass silently.
"""

from __future__ import annotations

import base64
import dataclasses
import email.message
import hashlib
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, cast

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from deploypack.core.errors import EnvironmentProblem

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")
# PEP 691's content negotiation: JSON preferred, HTML accepted.
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
DEFAULT_TIMEOUT = 30.0
MAX_RESPONSE = 64 * 1024 * 1024  # the biggest real project pages are a few MB


@dataclasses.dataclass(frozen=True)
class IndexFile:
    filename: str
    version: Version | None  # None when the file name does not say (an odd legacy upload)
    yanked: bool
    url: str | None = None  # absolute, the page's credentials left out
    hashes: Mapping[str, str] = dataclasses.field(default_factory=dict)  # algorithm -> hex digest


@dataclasses.dataclass(frozen=True)
class ProjectPage:
    """One project's page on the index; `exists` is False when the index does not know it."""

    index_url: str
    name: str
    exists: bool
    files: tuple[IndexFile, ...] = ()
    extra_versions: tuple[Version, ...] = ()  # PEP 700 `versions` that have no file listed

    def versions(self) -> dict[Version, bool]:
        """Every published version, mapped to True when all its files are yanked."""
        yanked: dict[Version, bool] = {}
        for file in self.files:
            if file.version is not None:
                yanked[file.version] = yanked.get(file.version, True) and file.yanked
        for version in self.extra_versions:
            yanked.setdefault(version, False)
        return yanked


def redact(url: str) -> str:
    """The URL without credentials, for messages and reports."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def default_index_url(environ: Mapping[str, str], python: str | None = None) -> str:
    """The index pip would install from: PIP_INDEX_URL, pip's configuration, else pip's default."""
    if environ.get("PIP_INDEX_URL", "").strip():
        return environ["PIP_INDEX_URL"].split()[0]
    configured = _pip_configured_index(environ, python or sys.executable)
    if configured:
        return configured
    try:
        from pip._internal.models.index import PyPI
    except ImportError:
        raise EnvironmentProblem(
            "no index URL: pip is not installed here and no --index-url was given",
            hint="pass --index-url (or set PIP_INDEX_URL) to the index the release goes to",
        ) from None
    return str(PyPI.simple_url)


def _pip_configured_index(environ: Mapping[str, str], python: str) -> str | None:
    """`index-url` from `pip config list`: the environment, then [install], then [global]."""
    try:
        result = subprocess.run(
            [python, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60,
            env=dict(environ), check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    values: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, separator, raw = line.partition("=")
        if separator and key.endswith(".index-url"):
            values[key.split(".", 1)[0]] = raw.strip().strip("'\"")
    for section in (":env:", "install", "global"):
        if values.get(section):
            return values[section].split()[0]
    return None


def project_url(index_url: str, name: str) -> str:
    return index_url.rstrip("/") + "/" + urllib.parse.quote(canonicalize_name(name)) + "/"


def fetch_project(index_url: str, name: str, timeout: float = DEFAULT_TIMEOUT) -> ProjectPage:
    """The project's page; a 404 means the index has never seen the name."""
    url = project_url(index_url, name)
    shown = redact(url)
    try:
        body, content_type, final_url = _get(url, timeout)
    except urllib.error.HTTPError as error:
        if error.code in (404, 410):
            return ProjectPage(index_url=redact(index_url), name=name, exists=False)
        raise EnvironmentProblem(
            f"the index answered HTTP {error.code} ({error.reason}) for {shown}",
            hint="check --index-url and the credentials; deploypack cannot tell whether the version is taken",
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise EnvironmentProblem(
            f"cannot reach the package index at {shown}: {reason}",
            hint="check the network and --index-url; use --offline to skip the index checks on purpose",
        ) from None
    base = redact(final_url)
    try:
        if content_type == JSON_TYPE or content_type.endswith("+json") or content_type == "application/json":
            files, extra = _parse_json(body, base)
        else:
            files, extra = _parse_html(body.decode("utf-8", errors="replace"), base), ()
    except ValueError as error:
        raise EnvironmentProblem(f"the index page {redact(final_url)} is not a simple-API page: {error}") from None
    return ProjectPage(index_url=redact(index_url), name=name, exists=True, files=files, extra_versions=extra)


def _get(url: str, timeout: float) -> tuple[bytes, str, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return _get_file(parts)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"unsupported index URL scheme {parts.scheme!r}")
    with urllib.request.urlopen(_request(url, ACCEPT), timeout=timeout) as response:  # noqa: S310 - scheme checked
        body = response.read(MAX_RESPONSE + 1)
        if len(body) > MAX_RESPONSE:
            raise ValueError("the index page is larger than 64 MB")
        content_type = response.headers.get_content_type()
        return body, content_type, response.geturl()


def _request(url: str, accept: str) -> urllib.request.Request:
    """A GET carrying the URL's credentials as basic auth, never in the URL itself."""
    parts = urllib.parse.urlsplit(url)
    request = urllib.request.Request(redact(url), headers={"Accept": accept, "User-Agent": "deploypack"})
    if parts.username is not None or parts.password is not None:
        credentials = f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
        # unredirected: a redirect to another host must not carry the index's credentials
        request.add_unredirected_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
    return request


class DownloadFailed(Exception):
    """A file of the index could not be fetched, or is not the file the index describes."""


def with_credentials(url: str, index_url: str) -> str:
    """The index's credentials on a file URL of the same host (files are often served beside the pages)."""
    index, file = urllib.parse.urlsplit(index_url), urllib.parse.urlsplit(url)
    if index.username is None or (file.scheme, file.hostname, file.port) != (index.scheme, index.hostname, index.port):
        return url
    userinfo = index.netloc.rsplit("@", 1)[0]
    return urllib.parse.urlunsplit(file._replace(netloc=f"{userinfo}@{file.netloc.rsplit('@', 1)[-1]}"))


def verified_digest(file: IndexFile) -> tuple[str, str]:
    """The strongest digest the index gives for the file: (algorithm, hex digest)."""
    for algorithm in ("sha256", "sha512", "sha384", "blake2b"):
        if file.hashes.get(algorithm):
            return algorithm, file.hashes[algorithm]
    raise DownloadFailed(f"the index gives no sha256 digest for {file.filename}: it cannot be verified")


def download(file: IndexFile, index_url: str, destination: Path, max_size: int,
             timeout: float = DEFAULT_TIMEOUT) -> None:
    """Fetch a file of the index to `destination`, whole and matching the index's digest, or raise
    DownloadFailed (nothing is left at `destination` then)."""
    if file.url is None:
        raise DownloadFailed(f"the index page has no link for {file.filename}")
    if urllib.parse.urlsplit(file.url).scheme == "file" and urllib.parse.urlsplit(index_url).scheme != "file":
        # a page served over HTTP does not get to make deploypack read local files
        raise DownloadFailed(f"the index links {file.filename} to a local file: {redact(file.url)}")
    algorithm, expected = verified_digest(file)
    digest = hashlib.new(algorithm)
    partial = destination.with_name(destination.name + ".part")
    try:
        with _open(with_credentials(file.url, index_url), timeout) as source, open(partial, "wb") as target:
            size = 0
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                size += len(chunk)
                if size > max_size:
                    raise DownloadFailed(f"{file.filename} is larger than {max_size:,} bytes (max-dist-size)")
                digest.update(chunk)
                target.write(chunk)
        if digest.hexdigest() != expected:
            raise DownloadFailed(f"{file.filename} does not match the {algorithm} digest the index gives for it")
        partial.replace(destination)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise DownloadFailed(f"cannot download {file.filename} from {redact(file.url)}: "
                             f"{getattr(error, 'reason', None) or error}") from None
    finally:
        partial.unlink(missing_ok=True)


def _open(url: str, timeout: float) -> IO[bytes]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return open(urllib.request.url2pathname(parts.path), "rb")
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"unsupported URL scheme {parts.scheme!r}")
    return cast(IO[bytes], urllib.request.urlopen(_request(url, "*/*"), timeout=timeout))  # noqa: S310


def _get_file(parts: urllib.parse.SplitResult) -> tuple[bytes, str, str]:
    """A local simple index (`file://…/simple/`, as pip accepts): a directory per project."""
    directory = Path(urllib.request.url2pathname(parts.path))
    page = directory / "index.html" if directory.is_dir() else directory
    if not page.is_file():
        raise urllib.error.HTTPError(parts.geturl(), 404, "Not Found", email.message.Message(), None)
    return page.read_bytes(), "text/html", parts.geturl()


def _version_of(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return _legacy_version(filename)


def _legacy_version(filename: str) -> Version | None:
    """Eggs and old installers: `name-version-…`; the second dash-separated part, when it parses."""
    parts = filename.split("-")
    if len(parts) < 2:
        return None
    try:
        return Version(parts[1].removesuffix(".egg").removesuffix(".zip"))
    except InvalidVersion:
        return None


def _hashes(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(name).lower(): str(value).lower() for name, value in raw.items() if isinstance(value, str)}


def _fragment_hash(url: str) -> dict[str, str]:
    """PEP 503: the file's digest as the link's fragment, `#sha256=…`."""
    name, separator, value = urllib.parse.urlsplit(url).fragment.partition("=")
    return {name.lower(): value.lower()} if separator and name and value else {}


def _absolute(base: str, href: str) -> str:
    return urllib.parse.urldefrag(urllib.parse.urljoin(base, href))[0]


def _parse_json(body: bytes, base: str = "") -> tuple[tuple[IndexFile, ...], tuple[Version, ...]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"invalid JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        # e.g. a project JSON API that is not the simple API: reading it as "no files" would pass the gate
        raise ValueError("expected an object with a `files` list (PEP 691)")
    files = []
    for entry in data.get("files", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            continue
        yanked = entry.get("yanked", False)
        href = entry.get("url") if isinstance(entry.get("url"), str) else None
        files.append(IndexFile(entry["filename"], _version_of(entry["filename"]), yanked not in (False, None),
                               _absolute(base, href) if href else None, _hashes(entry.get("hashes"))))
    extra = []
    for raw in data.get("versions", []) if isinstance(data.get("versions"), list) else []:
        try:
            extra.append(Version(str(raw)))
        except InvalidVersion:
            continue
    return tuple(files), tuple(extra)


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def _parse_html(text: str, base: str = "") -> tuple[IndexFile, ...]:
    parser = _AnchorParser()
    parser.feed(text)
    parser.close()
    files = []
    if not parser.anchors and "<html" not in text.lower():
        raise ValueError("neither an HTML page nor PEP 691 JSON")
    for attributes, anchor_text in parser.anchors:
        href = attributes.get("href") or ""
        path = urllib.parse.urlsplit(href).path
        filename = urllib.parse.unquote(path.rsplit("/", 1)[-1]) or anchor_text
        if not filename:
            continue
        files.append(IndexFile(filename, _version_of(filename), "data-yanked" in attributes,
                               _absolute(base, href) if href else None, _fragment_hash(href)))
    if files and all(file.version is None for file in files):
        # links, but to no distribution: a login or landing page answering every URL, not a project page
        raise ValueError(f"none of its {len(files)} links is a distribution file")
    return tuple(files)
