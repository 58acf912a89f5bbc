"""The app and every command only read run folders; their own state goes to the config dir.

Two checks, as issue #6 asks:

- a results tree is fingerprinted (names, types, sizes, modes, mtimes and contents of every
  file and folder) before and after every command and a whole app session run against it,
  from a working directory inside a run folder, with HOME and the XDG folders pointed at a
  private home: the tree must be identical (no file created, changed, locked or removed, no
  temporary or lock file left behind) and the only new files in the home must be the app's
  state under ``$XDG_CONFIG_HOME/neuromf-tui`` (and caches of libraries under
  ``$XDG_CACHE_HOME``);
- a results tree made read-only (``chmod -R a-w``) gives the same results without an error.
  Tests may run as root, which writes through permissions, so this one shows that nothing
  needs to write; the fingerprint is what proves nothing did.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from neuromf_tui.app.factory import create_app
from neuromf_tui.cli import main
from tests.app.conftest import copy_runs, settle, wait_loaded
from tests.robustness.hostile import write_hostile_root
from tests.runfiles import dump, history, run_folder, write_epoch_file

SAMPLES = ("phase4c_adaptive_norm", "imf_baseline", "legacy_v1_warmup", "overfit_small_data")
"""Sample runs copied: current and flat layouts, sample images, a restart's leftover files."""
EXTRA_RUNS = 5
"""Runs added to them: per-epoch files only, cut short, corrupt, empty, hostile-named."""
RUN_COUNT = len(SAMPLES) + EXTRA_RUNS

Fingerprint = dict[str, tuple[object, ...]]


def entry(path: Path) -> tuple[object, ...]:
    """Type and permissions, size, mtime, and the content hash (or a link's target)."""
    info = path.lstat()
    content: object = None
    if stat.S_ISREG(info.st_mode):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    elif stat.S_ISLNK(info.st_mode):
        content = os.readlink(path)
    return (info.st_mode, info.st_size, info.st_mtime_ns, content)


def fingerprint(root: Path) -> Fingerprint:
    """Every entry under ``root``, and ``root`` itself, by relative path."""
    entries = {".": entry(root)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            entries[str(path.relative_to(root))] = entry(path)
    return entries


def assert_same(before: Fingerprint, after: Fingerprint) -> None:
    created = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert not (created or removed or changed), (
        f"created {created[:5]}, removed {removed[:5]}, changed {changed[:5]}"
    )


def files_under(root: Path) -> set[str]:
    return {
        str(Path(folder, name).relative_to(root))
        for folder, _, files in os.walk(root)
        for name in files
    }


def make_results(root: Path) -> Path:
    """Sample runs plus runs in every odd state the readers must cope with."""
    copy_runs(root, {name: name for name in SAMPLES})
    _, _, epoch_root = run_folder(root, "per_epoch_only")
    for rec in history(6):
        write_epoch_file(epoch_root, rec)
    _, summary, _ = run_folder(root, "cut_short", layout="flat")
    summary.write_text(dump(history(12))[:-400], encoding="utf-8")
    _, summary, _ = run_folder(root, "corrupt")
    summary.write_text('{"not": "an array"', encoding="utf-8")
    _, summary, _ = run_folder(root, "empty")
    summary.write_text("", encoding="utf-8")
    write_hostile_root(root, names=("[@click=app.quit]hostile\x1b[31m",))
    return root


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME with the XDG folders in it; the state file at its default place."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for name in ("NEUROMF_TUI_STATE", "MPLCONFIGDIR"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_results(tmp_path_factory.mktemp("hashed") / "results")


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = make_results(tmp_path_factory.mktemp("read_only") / "results")
    modes = {}
    for folder, dirs, files in os.walk(root, topdown=False):
        for name in [*files, *dirs]:
            path = Path(folder, name)
            modes[path] = path.lstat().st_mode
            path.chmod(stat.S_IMODE(modes[path]) & ~0o222)
    modes[root] = root.stat().st_mode
    root.chmod(stat.S_IMODE(modes[root]) & ~0o222)
    yield root
    for path, mode in modes.items():
        path.chmod(stat.S_IMODE(mode))


def commands(root: str, out: Path) -> list[list[str]]:
    """Every command a user can point at a results root, in each output format."""
    run = f"{root}/phase4c_adaptive_norm"
    return [
        ["runs", root],
        ["runs", root, "--format", "json"],
        ["report", root],
        ["report", root, "--format", "json"],
        ["report", root, "--format", "markdown"],
        ["report", run, "--until", "120"],
        ["check", root],
        ["check", root, "--strict"],
        ["watch", root, "--duration", "0.6"],
        ["watch", root, "--duration", "0.6", "--poll", "0.2"],
        ["export", run, "--csv", str(out / "one.csv"), "--png", str(out / "one.png")],
        ["export", root, "--csv", str(out / "all.csv"), "--parquet", str(out / "all.parquet")],
        ["export", run, "--csv", f"{run}/diagnostics/inside.csv"],
    ]


EXPECTED_CODES = {"runs": {0}, "report": {0}, "check": {2}, "watch": {0}, "export": {0, 2}}
"""``check`` says 2: the corrupt run is unreadable; the export inside a run is refused."""


def run_commands(
    root: str, out: Path, capsys: pytest.CaptureFixture[str], *, only_json: bool = False
) -> dict[str, list[object]]:
    """Run every command (or only the JSON reports); returns the JSON reports, without their
    paths, for comparison."""
    reports: dict[str, list[object]] = {}
    for argv in commands(root, out):
        if only_json and not (argv[0] == "report" and "json" in argv):
            continue
        code = main(argv)
        captured = capsys.readouterr()
        assert code in EXPECTED_CODES[argv[0]], (argv, code, captured.err)
        assert "Traceback" not in captured.err, argv
        for word in ("Permission denied", "Read-only file system", "cannot write"):
            if not (argv[0] == "export" and "inside.csv" in argv[-1]):
                assert word not in captured.err, (argv, captured.err)
        if argv[:1] == ["report"] and "json" in argv:
            reports[" ".join(argv[1:]).replace(root, "ROOT")] = [
                {k: v for k, v in r.items() if k != "source"} for r in json.loads(captured.out)
            ]
    return reports


async def tour(pilot: Pilot[None]) -> None:
    """Everything a user does in a session: moving, marking, pinning, every view and toggle."""
    app = pilot.app
    await wait_loaded(pilot, RUN_COUNT)
    await pilot.press("j", "j", "space", "k", "space", "c")
    await settle(pilot)
    await pilot.press("tab", "j", "p", "j", "p", "enter")
    for pair in ("gg", "oo", "ii", "mm", "ll", "sss", "zz"):
        await pilot.press(pair[0])
        await settle(pilot)
        await pilot.press(*pair[1:])
    for key in ("n", "u", "F", "F", "t", "t", "b", "b", "c"):
        await pilot.press(key)
    await pilot.press("slash", *"loss", "escape", "escape")
    await pilot.press("question_mark")
    await pilot.pause()
    await pilot.press("escape")
    await pilot.press("ctrl+p", *"open run imf", "enter")
    await pilot.pause()
    await pilot.press("e")
    await pilot.pause()
    await pilot.press("escape")
    await settle(pilot)
    assert app.is_running
    await pilot.press("q")
    await pilot.pause()
    assert not app.is_running


def test_commands_from_inside_a_run_leave_the_tree_and_home_untouched(
    results: Path,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "exports"
    before = fingerprint(results)
    monkeypatch.chdir(results / "imf_baseline" / "diagnostics")
    run_commands("../..", out, capsys)
    assert_same(before, fingerprint(results))
    assert not (results / "phase4c_adaptive_norm" / "diagnostics" / "inside.csv").exists()
    assert files_under(out) == {"one.csv", "one.png", "all.csv", "all.parquet"}
    stray = {f for f in files_under(home) if not f.startswith(".cache/")}
    assert stray == set(), stray


@pytest.mark.anyio
async def test_an_app_session_leaves_the_tree_untouched_and_state_in_the_config_dir(
    results: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fingerprint(results)
    monkeypatch.chdir(results / "phase4c_adaptive_norm")
    app = create_app(Path(".."))
    async with app.run_test(size=(140, 40)) as pilot:
        await tour(pilot)
    assert_same(before, fingerprint(results))
    stray = {f for f in files_under(home) if not f.startswith(".cache/")}
    assert stray == {".config/neuromf-tui/state.json"}
    saved = json.loads((home / ".config" / "neuromf-tui" / "state.json").read_text())
    assert str(results.resolve()) in saved["roots"]


def test_a_read_only_tree_reads_the_same_without_errors(
    results: Path,
    read_only: Path,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = fingerprint(read_only)
    writable = run_commands(str(results), tmp_path / "a", capsys, only_json=True)
    locked = run_commands(str(read_only), tmp_path / "b", capsys)
    assert locked == writable and len(locked) == 1
    assert_same(before, fingerprint(read_only))


@pytest.mark.anyio
async def test_the_app_on_a_read_only_tree_works_and_changes_nothing(
    read_only: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fingerprint(read_only)
    monkeypatch.chdir(read_only)
    app = create_app(Path("."))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot, RUN_COUNT)
        await pilot.press("j", "space", "tab", "p", "g", "i", "m", "t")
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert_same(before, fingerprint(read_only))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
