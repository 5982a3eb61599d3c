"""The hook server (deploypack/hookserver): hooks forked from a process that imported the backend
must see what a newly started hook process sees, build the same archives, and be killed, with
the server, on a timeout, a daemon or a server that dies. Real setuptools builds (setup.py
projects use setuptools' legacy backend, which the server preloads), through the CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from deploypack.read.archives import read_distribution
from tests.hostile.backends import is_running
from tests.hostile.test_hostile_builds import Sandbox, sandbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

PROBE = '''\
import json, os, stat, sys
WITNESS = os.environ["HOSTILE_WITNESS"]


def witness(name, text):
    with open(os.path.join(WITNESS, name), "w") as handle:
        handle.write(str(text))


def parent_is_hook_server():
    with open(f"/proc/{os.getppid()}/cmdline", "rb") as handle:
        return any(part.endswith(b"hookserver/server.py") for part in handle.read().split(b"\\0"))


record = {
    "argv": sys.argv[1:],
    "cwd_is_project": os.getcwd() == os.path.dirname(os.path.abspath(__file__)),
    "env": {k: v for k, v in os.environ.items() if k not in ("DEPLOYPACK_BUILD_TOKEN", "DEPLOYPACK_HOOK_SERVER")},
    "path": sys.path,
    "own_session": os.getsid(0) == os.getpid(),
    "stdin": os.path.realpath("/proc/self/fd/0"),
    "stdout_is_pipe": stat.S_ISFIFO(os.fstat(1).st_mode),
    "stderr_is_stdout": os.fstat(1).st_ino == os.fstat(2).st_ino,
    "main": os.path.basename(sys.modules["__main__"].__file__),
    "server": parent_is_hook_server(),
}
with open(os.path.join(WITNESS, "hooks.jsonl"), "a") as handle:
    handle.write(json.dumps(record) + "\\n")
print("probe ran", flush=True)
{behaviour}
from setuptools import setup
setup(name="probe", version="1.0", py_modules=["probe"])
'''


def probe_project(box: Sandbox, behaviour: str = "") -> None:
    box.project.mkdir(exist_ok=True)
    (box.project / "probe.py").write_text("VALUE = 1\n")
    (box.project / "setup.py").write_text(PROBE.replace("{behaviour}", behaviour))


def hook_records(box: Sandbox) -> list[dict]:
    lines = (box.witness / "hooks.jsonl").read_text().splitlines()
    (box.witness / "hooks.jsonl").unlink()
    return [json.loads(line) for line in lines]


def test_forked_hooks_see_what_new_processes_see_and_build_the_same_archives(sandbox: Sandbox) -> None:  # noqa: F811
    probe_project(sandbox)
    results = {}
    for mode in ("true", "false"):
        run, report = sandbox.build("--clean", DEPLOYPACK_HOOK_SERVER=mode, SOURCE_DATE_EPOCH="1700000000")
        assert run.exit_code in (0, 1), run.stderr
        records = hook_records(sandbox)
        wheel = next(sandbox.outdir.glob("*.whl")).read_bytes()
        sdist = read_distribution(next(sandbox.outdir.glob("*.tar.gz")))
        results[mode] = (records, wheel, {(m.path, m.type, m.sha256) for m in sdist.members})

    served, spawned = results["true"][0], results["false"][0]
    assert [r["server"] for r in spawned] == [False] * len(spawned)
    # The first hook starts the usual way while the server imports the backend; the rest are forked.
    assert len(served) == len(spawned) >= 4 and served[0]["server"] is False
    assert all(r["server"] for r in served[1:])
    for with_server, without in zip(served, spawned, strict=True):
        for record in (with_server, without):
            del record["server"]
            for key in ("argv", "path"):  # with the build's temporary directories left out
                record[key] = [item for item in record[key] if "deploypack-" not in item]
        assert with_server == without
    assert spawned[-1]["own_session"] and spawned[-1]["stdin"] == "/dev/null"
    assert spawned[-1]["main"] == "_in_process.py"
    assert results["true"][1] == results["false"][1], "the wheels differ"
    assert results["true"][2] == results["false"][2], "the sdists' contents differ"


def wait_dead(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not is_running(pid)


def test_a_forked_hook_that_hangs_is_killed_with_the_server_at_the_timeout(sandbox: Sandbox) -> None:  # noqa: F811
    probe_project(sandbox, behaviour="""
if "bdist_wheel" in sys.argv:
    witness("hook.pid", os.getpid())
    witness("server.pid", os.getppid())
    import time
    time.sleep(600)
""")
    run, report = sandbox.build("--timeout", "20")
    assert run.exit_code == 2, run.stderr
    assert [f["code"] for f in report["findings"]] == ["B009"]
    assert json.loads((sandbox.witness / "hooks.jsonl").read_text().splitlines()[-1])["server"]
    for name in ("hook.pid", "server.pid"):
        assert wait_dead(int((sandbox.witness / name).read_text())), f"{name} survived the timeout"
    assert not sandbox.outdir.exists()


def test_a_daemon_started_by_a_forked_hook_dies_with_the_build(sandbox: Sandbox) -> None:  # noqa: F811
    probe_project(sandbox, behaviour="""
if "bdist_wheel" in sys.argv:
    witness("server.pid", os.getppid())
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            witness("daemon.pid", os.getpid())
            import time
            time.sleep(600)
        os._exit(0)
""")
    started = time.monotonic()
    run, report = sandbox.build()
    assert run.exit_code in (0, 1), run.stderr
    assert time.monotonic() - started < 60
    assert wait_dead(int((sandbox.witness / "daemon.pid").read_text())), "the daemon survived the build"
    assert wait_dead(int((sandbox.witness / "server.pid").read_text())), "the hook server survived the build"
    assert {p.name for p in sandbox.outdir.iterdir()} >= {"probe-1.0-py3-none-any.whl", "probe-1.0.tar.gz"}


def test_a_hook_that_kills_the_server_fails_its_build_clearly(sandbox: Sandbox) -> None:  # noqa: F811
    probe_project(sandbox, behaviour="""
if "sdist" in sys.argv and parent_is_hook_server():
    import signal
    os.kill(os.getppid(), signal.SIGKILL)
""")
    run, report = sandbox.build()
    assert run.exit_code == 2, run.stderr
    log = Path(sandbox.root / report["log"]).read_text()
    assert "the hook server ended while the hook ran" in log
    assert "DEPLOYPACK_HOOK_SERVER=false" in log
