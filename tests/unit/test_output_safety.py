"""Output directories and files: checked up front, locked, confined, never a stale summary.

No solver run here (the CLI fails before it imports dolfinx, or ``solver.run`` is a stub); the
runs that hit a full disk, a concurrent run or a killed campaign member are in
``tests/regression/test_output_locking.py``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
import yaml

from solver.campaign import _member_dirs_inside, expand_members, load_campaign
from solver.cli import main
from solver.config import CaseError
from solver.io import files
from solver.io.files import write_json
from solver.io.output_dir import LOCK_NAME, OutputDir, OutputError, begin_run

REPO_ROOT = Path(__file__).resolve().parents[2]
CASE = str(REPO_ROOT / "cases" / "reference_forward.yaml")
LONG = "a" * 300  # longer than NAME_MAX = 255 of every common filesystem


def tree(path: Path) -> list[str]:
    """Every path below ``path`` (sorted), to compare before and after."""
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def one_error_line(err: str, expected: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert expected in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


@contextlib.contextmanager
def read_only_dir(tmp_path: Path):
    """A read-only directory: a read-only tmpfs as root (chmod does not stop root), else a
    directory without write permission."""
    path = tmp_path / "ro"
    path.mkdir()
    if os.geteuid() == 0:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(path)],
                              capture_output=True, check=False)
        if proc.returncode != 0:
            pytest.skip("running as root and cannot mount a read-only tmpfs")
        try:
            yield path
        finally:
            subprocess.run(["umount", str(path)], check=False)
        return
    path.chmod(0o555)
    try:
        yield path
    finally:
        path.chmod(0o755)


@pytest.fixture
def stub_run(monkeypatch):
    """``solver.run`` replaced by a stub that records its calls and writes one file."""
    calls = []

    class Failure(Exception):
        pass

    def run_case(case, output_dir, **kwargs):
        calls.append(output_dir)
        (Path(output_dir) / "summary.json").write_text("{}")
        return {}

    module = types.ModuleType("solver.run")
    module.run_case = run_case
    module.SolverFailure = module.Interrupted = Failure
    monkeypatch.setitem(sys.modules, "solver.run", module)
    return calls


# --------------------------------------------------------------------------------------------
# An output path that cannot be used: exit 2, one line, nothing created.


def test_file_as_parent_exits_2(tmp_path, stub_run, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    before = tree(tmp_path)
    assert main([CASE, "--quiet", "--output", str(afile / "sub")]) == 2
    one_error_line(capsys.readouterr().err, f"{afile} is a file, not a directory")
    assert tree(tmp_path) == before and not stub_run


def test_etc_passwd_sub_exits_2(stub_run, capsys):
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd")
    assert main([CASE, "--quiet", "--output", "/etc/passwd/sub"]) == 2
    one_error_line(capsys.readouterr().err, "/etc/passwd is a file, not a directory")
    assert not stub_run


def test_case_name_too_long_for_a_directory_exits_2(tmp_path, stub_run, monkeypatch, capsys):
    """The default output directory results/<name> of a 300-character case name: refused, and
    no results/ directory is left behind."""
    monkeypatch.chdir(tmp_path)
    assert main([CASE, "--quiet", "--set", f"name={LONG}"]) == 2
    one_error_line(capsys.readouterr().err, "(File name too long)")
    assert tree(tmp_path) == [] and not stub_run


def test_long_name_below_new_directories_removes_them(tmp_path, stub_run, capsys):
    assert main([CASE, "--quiet", "--output", str(tmp_path / "a" / "b" / LONG)]) == 2
    one_error_line(capsys.readouterr().err, "File name too long")
    assert tree(tmp_path) == []  # a/ and a/b/ were created on the way, then removed


def test_read_only_directory_exits_2(tmp_path, stub_run, capsys):
    with read_only_dir(tmp_path) as ro:
        assert main([CASE, "--quiet", "--output", str(ro / "out")]) == 2
        one_error_line(capsys.readouterr().err, f"output directory {ro / 'out'}: cannot create")
        assert main([CASE, "--quiet", "--output", str(ro), "--force"]) == 2
        one_error_line(capsys.readouterr().err, f"output directory {ro} is not writable")
        assert list(ro.iterdir()) == []
    assert not stub_run


@pytest.mark.parametrize("fail, errno_, expected", [
    ("mkdir", errno.EACCES, "cannot create it (Permission denied)"),
    ("open", errno.EROFS, "is not writable (Read-only file system)"),
    ("open", errno.ENOSPC, "is not writable (No space left on device)"),
])
def test_any_os_error_opening_the_directory_exits_2(tmp_path, stub_run, capsys, monkeypatch,
                                                     fail, errno_, expected):
    """The kind: whatever the system refuses while the directory is created or its lock file
    opened is one line and exit 2 (portable: the failure is injected)."""
    real = {"mkdir": os.mkdir, "open": os.open}

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path / "out")):
            raise OSError(errno_, os.strerror(errno_), str(path))
        return real[fail](path, *args, **kwargs)

    monkeypatch.setattr(os, fail, refuse)
    assert main([CASE, "--quiet", "--output", str(tmp_path / "out")]) == 2
    one_error_line(capsys.readouterr().err, expected)
    assert tree(tmp_path) == [] and not stub_run


def test_usable_directory_runs_and_the_lock_file_goes(tmp_path, stub_run):
    out = tmp_path / "new" / "out"
    assert main([CASE, "--quiet", "--output", str(out)]) == 0
    assert stub_run == [out] and tree(tmp_path) == ["new", "new/out", "new/out/summary.json"]


def test_error_after_opening_leaves_nothing(tmp_path, monkeypatch, capsys):
    """An input error found by the run after the CLI created the directory (e.g. an unusable
    checkpoint or mesh) removes the directories the CLI created."""
    def run_case(case, output_dir, **kwargs):
        assert (Path(output_dir) / LOCK_NAME).exists()
        raise CaseError("mesh.file", "bad mesh")

    module = types.ModuleType("solver.run")
    module.run_case = run_case
    module.SolverFailure = module.Interrupted = RuntimeError
    monkeypatch.setitem(sys.modules, "solver.run", module)
    assert main([CASE, "--quiet", "--output", str(tmp_path / "a" / "out")]) == 2
    one_error_line(capsys.readouterr().err, "mesh.file: bad mesh")
    assert tree(tmp_path) == []


# --------------------------------------------------------------------------------------------
# The lock


HOLDER = textwrap.dedent("""
    import sys, time
    from solver.outputs import OutputDir
    OutputDir(sys.argv[1]).acquire()
    print("locked", flush=True)
    time.sleep(120)
""")


@contextlib.contextmanager
def holder(path: Path):
    """Another process holding the lock of ``path``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_second_process_is_refused_naming_the_holder(tmp_path, stub_run, capsys):
    out = tmp_path / "out"
    with holder(out) as proc:
        lock = json.loads((out / LOCK_NAME).read_text())
        assert lock["pid"] == proc.pid
        for extra in ([], ["--force"]):
            assert main([CASE, "--quiet", "--output", str(out), *extra]) == 2
            line = one_error_line(capsys.readouterr().err, f"output directory {out} is in use by "
                                  f"another run (pid {proc.pid} on host ")
            assert "choose another --output" in line
        with pytest.raises(OutputError, match=f"in use by another run .pid {proc.pid}"):
            OutputDir(out).acquire()
    assert not stub_run


def test_lock_of_a_killed_process_does_not_block(tmp_path, stub_run):
    """SIGKILL leaves the lock file (naming a dead pid) but the kernel released the lock."""
    out = tmp_path / "out"
    with holder(out) as proc:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == proc.pid  # stale file
    assert main([CASE, "--quiet", "--output", str(out), "--force"]) == 0
    assert stub_run == [out] and not (out / LOCK_NAME).exists()


def test_lock_is_reentrant_and_released(tmp_path):
    out = tmp_path / "x" / "out"
    first = OutputDir(out).acquire()
    assert first.created == [tmp_path / "x", out]
    again = OutputDir(out).acquire()  # the CLI holds it, run_case asks again
    again.release()
    assert (out / LOCK_NAME).exists()
    (out / "result.txt").write_text("kept")
    first.release()
    assert tree(tmp_path) == ["x", "x/out", "x/out/result.txt"]  # non-empty: kept


def test_lock_file_does_not_make_a_directory_non_empty(tmp_path, stub_run):
    """The --force rule ignores the lock file: a directory holding only a stale lock file is
    empty for it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text('{"pid": 1}')
    assert main([CASE, "--quiet", "--output", str(out)]) == 0


# --------------------------------------------------------------------------------------------
# No summary of another run


def old_run(path: Path) -> None:
    write_json(path / "summary.json", {"status": "completed", "overrides": ["old"]})
    for name in ("timeseries.csv", "profiles/t_00000001.000s.csv", "figures/profiles.png",
                 "fields/state.bp/data.0", "checkpoint/slot0/rank0.npz", "checkpoint/meta.json",
                 "notes.txt", "profiles/mine.txt"):
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text("old")


def test_begin_run_removes_an_earlier_run(tmp_path):
    old_run(tmp_path)
    begin_run(tmp_path, {"status": "running", "overrides": ["new"]}, fresh=True)
    assert json.loads((tmp_path / "summary.json").read_text()) == {
        "status": "running", "overrides": ["new"]}
    assert tree(tmp_path) == ["fields", "figures", "notes.txt", "profiles", "profiles/mine.txt",
                              "summary.json"]  # files the solver does not write are kept


def test_restart_keeps_outputs_but_not_the_summary(tmp_path):
    old_run(tmp_path)
    before = tree(tmp_path)
    begin_run(tmp_path, {"status": "running"}, fresh=False)
    assert tree(tmp_path) == before
    assert json.loads((tmp_path / "summary.json").read_text())["status"] == "running"


@pytest.mark.parametrize("fresh", [True, False])
def test_summary_that_cannot_be_replaced_is_removed(tmp_path, monkeypatch, fresh):
    """A full disk while the old summary is replaced: it is removed, never left describing the
    earlier run."""
    old_run(tmp_path)

    def full(fh):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files, "write_json", lambda path, data: files.write_atomic(
        path, full))
    with pytest.raises(OSError, match="No space left on device") as err:
        begin_run(tmp_path, {"status": "running"}, fresh=fresh)
    assert err.value.filename == str(tmp_path / "summary.json")
    assert not (tmp_path / "summary.json").exists()
    assert not list(tmp_path.glob(".summary.json.*"))


def test_atomic_write_failure_names_the_file_and_keeps_the_old_one(tmp_path):
    path = write_json(tmp_path / "a.json", {"x": 1})

    def full(fh):
        fh.write("{")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OSError) as err:
        files.write_atomic(path, full)
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(path)
    assert json.loads(path.read_text()) == {"x": 1} and tree(tmp_path) == ["a.json"]


# --------------------------------------------------------------------------------------------
# Campaigns: names confined, directory checked and locked


def campaign_file(tmp_path: Path, name="c", members=({"name": "m"},), product=None) -> Path:
    spec = {"name": name, "base": CASE, "members": list(members)}
    if product:
        spec["product"] = product
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"campaign": spec}))
    return path


@pytest.mark.parametrize("name, members, key", [
    ("..", [{"name": "m"}], "campaign.name: '..' names a directory"),
    (".", [{"name": "m"}], "campaign.name: '.' names a directory"),
    ("a/b", [{"name": "m"}], "campaign.name: 'a/b' names a directory"),
    (LONG, [{"name": "m"}], "campaign.name: 300 characters, at most 255"),
    ("c", [{"name": ".."}], "campaign.members.0.name: '..' names a directory"),
    ("c", [{"name": "ok"}, {"name": "../../x"}], "campaign.members.1.name: '../../x'"),
    ("c", [{"name": "/tmp/x"}], "campaign.members.0.name: '/tmp/x'"),
    ("c", [{"name": LONG}], "campaign.members.0.name: 300 characters, at most 255"),
])
def test_campaign_and_member_names_are_confined(tmp_path, monkeypatch, capsys, name, members,
                                                key):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path = campaign_file(tmp_path, name, members)
    with pytest.raises(CaseError, match=key.replace(".", r"\.").replace("(", r"\(")):
        load_campaign(path)
    before = tree(tmp_path)
    assert main([str(path), "--quiet"]) == 2
    one_error_line(capsys.readouterr().err, key)
    assert tree(tmp_path) == before


def test_generated_member_names_too_long(tmp_path, capsys):
    path = campaign_file(tmp_path, members=[{"name": "m"}],
                         product={"description": ["x" * 260]})
    before = tree(tmp_path)
    assert main([str(path), "--quiet", "--output", str(tmp_path / "out")]) == 2
    one_error_line(capsys.readouterr().err, "characters, at most 255 (it names a directory)")
    assert tree(tmp_path) == before


def test_member_directory_must_resolve_inside(tmp_path):
    spec, _ = load_campaign(campaign_file(tmp_path, members=[{"name": "m"}]))
    members = expand_members(spec)
    root = tmp_path / "root"
    root.mkdir()
    _member_dirs_inside(root, members)
    (tmp_path / "elsewhere").mkdir()
    (root / "m").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(CaseError, match=r"campaign member m: its directory .*elsewhere is not "
                                        r"inside the campaign directory"):
        _member_dirs_inside(root, members)


def test_campaign_output_that_cannot_be_created_exits_2(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    path = campaign_file(tmp_path)
    before = tree(tmp_path)
    assert main([str(path), "--quiet", "--output", str(afile / "sub")]) == 2
    one_error_line(capsys.readouterr().err, "is a file, not a directory")
    assert tree(tmp_path) == before


def test_campaign_directory_in_use_exits_2(tmp_path, capsys):
    path = campaign_file(tmp_path)
    out = tmp_path / "out"
    with holder(out) as proc:
        assert main([str(path), "--quiet", "--output", str(out)]) == 2
        one_error_line(capsys.readouterr().err, f"in use by another run (pid {proc.pid} ")
        assert tree(out) == [LOCK_NAME]  # no member started


def test_check_refuses_an_unusable_output_path_without_creating_anything(tmp_path, monkeypatch,
                                                                           capsys):
    """--check runs the output-path check the run would (nothing is created either way)."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    for argv, expected in [
        (["--output", str(afile / "sub")], f"{afile} is a file, not a directory"),
        (["--set", f"name={LONG}"], "cannot create it (File name too long)"),
        (["--output", str(tmp_path / "a" / LONG / "b")],
         f"cannot create {tmp_path / 'a' / LONG} (File name too long)"),
    ]:
        assert main([CASE, "--check", *argv]) == 2
        one_error_line(capsys.readouterr().err, expected)
    with read_only_dir(tmp_path) as ro:
        assert main([CASE, "--check", "--output", str(ro / "x" / "y")]) == 2
        one_error_line(capsys.readouterr().err, f"cannot create it, {ro} is not writable")
    assert tree(tmp_path) == [*before, "ro"]
    assert main([CASE, "--check", "--output", str(tmp_path / "new" / "out")]) == 0
    assert tree(tmp_path) == [*before, "ro"]
