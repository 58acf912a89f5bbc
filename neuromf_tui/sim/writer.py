"""Write a simulated run to disk the way NeuroMF's training callback does.

The readers must survive the real writer, so this module reproduces its habits rather than
tidy ones (see the writer-facts spec): the aggregate is rewritten in full every epoch through a
truncating `open(path, "w")`, non-finite floats come out as bare `NaN`, anything else that json
cannot encode goes through `default=str` (tensors become `"tensor(0.1234, device='cuda:0')"`),
and a resumed process starts an empty history while the older per-epoch files stay behind.

`write_run` produces the final state of a finished (or crashed, or mid-write) run at once;
`LiveWriter` replays it one epoch per call so a test or the app can watch it grow.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from neuromf_tui.sim.images import (
    IMAGE_STYLES,
    ImageStyle,
    epoch_dir,
    write_decoded,
    write_epoch_image,
)
from neuromf_tui.sim.model import SimulatedRun, warmup

Layout = Literal["current", "flat"]
LAYOUTS: tuple[Layout, ...] = ("current", "flat")
BLOCK_SIZE = 8192  # Python's buffered writer flushes in blocks of this size
STUB_KEYS = ("epoch", "global_step", "learning_rate", "ema_divergence")


class RunFolderError(Exception):
    """The target folder cannot take a run (not empty, not a run folder, or a file)."""


@dataclass(frozen=True)
class RunPaths:
    """Where each file of a run lives, for one layout."""

    root: Path
    layout: Layout

    @property
    def diagnostics(self) -> Path:
        return self.root / "diagnostics"

    @property
    def aggregate(self) -> Path:
        if self.layout == "flat":
            return self.diagnostics / "training_summary.json"
        return self.diagnostics / "aggregate_results" / "training_summary.json"

    def epoch_file(self, epoch: int) -> Path:
        """Per-epoch summary; zero-padded to 3, so epoch 1000 is `epoch_1000`."""
        parent = (
            self.diagnostics if self.layout == "flat" else self.diagnostics / "per_epoch_metrics"
        )
        return parent / f"epoch_{epoch:03d}" / "summary.json"

    def hparams(self, version: int = 0) -> Path:
        return self.root / "logs" / "lightning" / f"version_{version}" / "hparams.yaml"


@dataclass(frozen=True)
class WriteOptions:
    """How the run is written, as opposed to what was trained (that is the `SimConfig`)."""

    layout: Layout = "current"
    # Writer artefacts: tensor strings, float32 strings, a bare NaN spike.
    quirks: bool = False
    # (crash_epoch, resume_epoch): the last epoch written before the crash, the first after.
    restart: tuple[int, int] | None = None
    # Whether the first record after the resume is a stub (epoch, step, lr, ema only).
    restart_stub: bool = True
    # Sample images at sample epochs: none, `latent_channels.png` (v3+) or `samples_grid.png`.
    images: ImageStyle = "none"
    # Post-training decodes of the last sample epoch under `samples/decoded/`.
    decoded: bool = False

    def check(self, epochs: int) -> None:
        """Raise ValueError with a one-line message if these options do not fit the run."""
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {self.layout!r}")
        if self.images not in IMAGE_STYLES:
            raise ValueError(
                f"images must be one of {', '.join(IMAGE_STYLES)}, got {self.images!r}"
            )
        if self.restart is not None:
            crash, resume = self.restart
            if not 0 <= crash <= epochs - 2:
                raise ValueError(f"restart crash epoch must be in [0, {epochs - 2}], got {crash}")
            if not 0 <= resume <= crash + 1:
                raise ValueError(
                    f"restart resume epoch must be in [0, crash + 1 = {crash + 1}], got {resume}"
                )


@dataclass(frozen=True)
class _Step:
    """One epoch as one training process wrote it."""

    process: int
    epoch: int
    record: dict[str, Any]


def write_run(
    root: Path | str,
    run: SimulatedRun,
    options: WriteOptions | None = None,
    *,
    truncate: bool = False,
    force: bool = False,
    end_time: float | None = None,
) -> RunPaths:
    """Write the final on-disk state of `run` under `root` and return its paths.

    The aggregate is dumped once, in its final form, rather than once per epoch: the result is
    byte-identical and a 500-epoch run takes a fraction of a second instead of minutes.
    `truncate` leaves the aggregate cut mid-record at a multiple of 8 KiB, as a reader sees it
    while the writer is in the middle of a rewrite. `end_time` (a Unix time) spreads the file
    mtimes over the simulated epoch times so that the run appears to have ended then.
    """
    options = options or WriteOptions()
    options.check(len(run.history))
    paths = RunPaths(Path(root), options.layout)
    prepare_run_folder(paths.root, force=force)
    steps = _plan(run, options)
    last_process = steps[-1].process
    for version in range(last_process + 1):
        _write_text(paths.hparams(version), format_hparams(run, version=version))
    final = {step.epoch: step.record for step in steps}
    for epoch in sorted(final):
        _dump(paths.epoch_file(epoch), final[epoch])
        write_epoch_image(paths.root, final[epoch], options.images, run.config.seed)
    sampled = [r for r in final.values() if "generated_samples" in r]
    if options.decoded and sampled:
        write_decoded(paths.root, sampled[-1], run.config.seed)
    _dump(paths.aggregate, [s.record for s in steps if s.process == last_process])
    if truncate:
        data = paths.aggregate.read_bytes()
        paths.aggregate.write_bytes(data[: truncation_point(data)])
    if end_time is not None:
        _set_mtimes(paths, run, end_time)
    return paths


class LiveWriter:
    """Replays a run onto disk one epoch per `write_next()` call, as training would.

    Nothing here sleeps unless `block_delay` is set, so tests can step through a run and look
    at the files between epochs; the `simulate --live` command adds the pacing.
    """

    def __init__(
        self,
        root: Path | str,
        run: SimulatedRun,
        options: WriteOptions | None = None,
        *,
        force: bool = False,
        block_delay: float = 0.0,
    ) -> None:
        options = options or WriteOptions()
        options.check(len(run.history))
        self.run = run
        self.paths = RunPaths(Path(root), options.layout)
        self.options = options
        self.block_delay = block_delay
        prepare_run_folder(self.paths.root, force=force)
        self._steps = _plan(run, options)
        self._next = 0
        self._process = 0
        self._history: list[dict[str, Any]] = []
        self._encoded: list[bytes] = []
        """Each record of the history as ``json.dumps(history, indent=2)`` lays it out, so
        a rewrite encodes one new record, not the whole history (long soak runs)."""
        # Lightning writes hparams when fit starts, before any epoch.
        _write_text(self.paths.hparams(0), format_hparams(run, version=0))

    @property
    def done(self) -> bool:
        return self._next >= len(self._steps)

    @property
    def steps_written(self) -> int:
        """Epoch writes so far; counts re-trained epochs twice after a restart."""
        return self._next

    @property
    def total_steps(self) -> int:
        return len(self._steps)

    @property
    def history(self) -> list[dict[str, Any]]:
        """The in-memory history of the current process (what the aggregate should hold)."""
        return list(self._history)

    def write_next(self, *, stop_after_blocks: int | None = None) -> int | None:
        """Write the next epoch; return its number, or None when the run is complete.

        With `stop_after_blocks`, the aggregate rewrite stops after that many 8 KiB blocks,
        leaving the file as a reader would catch it mid-write; `rewrite_aggregate()` finishes it.
        """
        if self.done:
            return None
        step = self._steps[self._next]
        if step.process != self._process:
            # A resumed process: new Lightning version, empty in-memory history.
            self._process = step.process
            self._history = []
            self._encoded = []
            _write_text(self.paths.hparams(step.process), format_hparams(self.run, step.process))
        self._history.append(step.record)
        self._encoded.append(json.dumps([step.record], indent=2, default=str)[2:-2].encode())
        _dump(self.paths.epoch_file(step.epoch), step.record)
        write_epoch_image(self.paths.root, step.record, self.options.images, self.run.config.seed)
        self._write_aggregate(stop_after_blocks)
        self._next += 1
        return step.epoch

    def rewrite_aggregate(self) -> None:
        """Write the current history in full (completes a write stopped part way)."""
        self._write_aggregate(None)

    def write_all(self) -> None:
        while self.write_next() is not None:
            pass

    def _write_aggregate(self, stop_after_blocks: int | None) -> None:
        # Byte for byte json.dumps(self._history, indent=2, default=str).
        data = b"[\n" + b",\n".join(self._encoded) + b"\n]" if self._encoded else b"[]"
        self.paths.aggregate.parent.mkdir(parents=True, exist_ok=True)
        with open(self.paths.aggregate, "wb") as f:
            for n, start in enumerate(range(0, len(data), BLOCK_SIZE)):
                if stop_after_blocks is not None and n >= stop_after_blocks:
                    return
                f.write(data[start : start + BLOCK_SIZE])
                f.flush()
                if self.block_delay:
                    time.sleep(self.block_delay)


def prepare_run_folder(root: Path, *, force: bool) -> None:
    """Make `root` an empty folder, refusing to clobber anything that is not a run.

    With `force`, an existing run folder (one holding `diagnostics/` or `logs/`) is deleted
    first; any other non-empty folder is refused even then, so a mistyped path cannot wipe
    unrelated files.
    """
    if root.exists() and not root.is_dir():
        raise RunFolderError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()):
        if not force:
            raise RunFolderError(f"{root} is not empty (use --force to replace a run folder)")
        if not ((root / "diagnostics").is_dir() or (root / "logs").is_dir()):
            raise RunFolderError(
                f"{root} is not empty and does not look like a run folder; not deleting it"
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    for name in ("checkpoints", "samples"):
        (root / name).mkdir(exist_ok=True)


def truncation_point(data: bytes) -> int:
    """Largest multiple of 8 KiB below the end of `data` that does not fall between records.

    A reader that catches the writer mid-rewrite sees such a prefix; cutting exactly at a
    record boundary would make the file look merely short, which is the easier case.
    """
    cut = (len(data) - 1) // BLOCK_SIZE * BLOCK_SIZE
    while cut > 0 and data[:cut].rstrip(b", \n").endswith(b"\n  }"):
        cut -= BLOCK_SIZE
    return max(cut, 0)


def format_hparams(run: SimulatedRun, version: int = 0) -> str:
    """Lightning-style `hparams.yaml`, formatted by hand to avoid a YAML dependency."""
    cfg = run.config
    warmup_epochs, warmup_start = warmup(cfg)
    onset = "none" if run.onset is None else str(run.onset)
    values: dict[str, Any] = {
        "max_epochs": cfg.epochs,
        "lr": cfg.lr,
        "lr_schedule": cfg.lr_schedule,
        "warmup_epochs": warmup_epochs,
        "warmup_start_lr": warmup_start,
        "norm_p": cfg.norm_p,
        "norm_eps": cfg.norm_eps,
        "data_proportion": cfg.data_proportion,
        "prediction_type": cfg.prediction,
        "gradient_clip_norm": cfg.gradient_clip_norm,
        "ema_decay": cfg.ema_decay,
        "batch_size": 16,
        "accumulate_grad_batches": 4,
        "val_every_n_epochs": cfg.val_every,
        "diag_every_n_epochs": cfg.diag_every,
        "sample_every_n_epochs": cfg.sample_every,
    }
    lines = [
        f"# Simulated by neuromf-tui: scenario {cfg.scenario}, seed {cfg.seed}, "
        f"onset epoch {onset}, process {version}",
        *(f"{key}: {_yaml_scalar(value)}" for key, value in values.items()),
    ]
    return "\n".join(lines) + "\n"


# -- internals -------------------------------------------------------------------------------


def _plan(run: SimulatedRun, options: WriteOptions) -> list[_Step]:
    """Every epoch write in order, with the process that made it (two after a restart)."""
    records = run.history
    if options.quirks:
        quirks = _Quirks.for_run(run)
        records = [quirks.apply(r) for r in records]
    if options.restart is None:
        return [_Step(0, r["epoch"], r) for r in records]
    crash, resume = options.restart
    rng = np.random.default_rng([run.config.seed, zlib.crc32(b"retrained")])
    steps = [
        # Epochs trained again after the resume were first written with different values.
        _Step(0, e, records[e] if e < resume else _perturbed(records[e], rng))
        for e in range(crash + 1)
    ]
    for e in range(resume, len(records)):
        record = records[e]
        if e == resume and options.restart_stub:
            record = {key: record[key] for key in STUB_KEYS}
        steps.append(_Step(1, e, record))
    return steps


class _TensorRepr:
    """Serialises through `default=str` the way a forgotten `.item()` does."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __str__(self) -> str:
        v = self.value
        text = f"{v:.4e}" if v != 0 and (abs(v) < 1e-4 or abs(v) >= 1e8) else f"{v:.4f}"
        return f"tensor({text}, device='cuda:0')"


@dataclass(frozen=True)
class _Quirks:
    """The real writer's artefacts, at epochs chosen from the seed.

    Early epochs carry tensors (an old code path without `.item()`), validation losses in the
    first half are numpy float32 (`default=str` gives "123.4"), one epoch has a float32 NaN
    (the string "nan"), and one has a NaN spike in grad_norm_mean (a bare `NaN` token).
    """

    tensor_until: int
    float32_until: int
    nan_epoch: int
    str_nan_epoch: int

    @classmethod
    def for_run(cls, run: SimulatedRun) -> _Quirks:
        n = len(run.history)
        rng = np.random.default_rng([run.config.seed, zlib.crc32(b"quirks")])
        middle = np.arange(n // 3, max(n // 3 + 2, 2 * n // 3))
        nan_epoch, str_nan_epoch = (int(v) for v in rng.choice(middle, 2, replace=False))
        return cls(max(1, n // 4), n // 2, nan_epoch, str_nan_epoch)

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        epoch = record["epoch"]
        out = dict(record)
        if epoch < self.tensor_until:
            for key in ("relative_update_norm", "ema_divergence"):
                out[key] = _TensorRepr(record[key])
        if "val_raw_loss" in out and epoch < self.float32_until:
            out["val_raw_loss"] = np.float32(record["val_raw_loss"])
        if epoch == self.str_nan_epoch:
            out["cosine_sim_vtilde_vc"] = np.float32("nan")
        if epoch == self.nan_epoch:
            out["grad_norm_mean"] = math.nan
        return out


def _perturbed(value: Any, rng: np.random.Generator, key: str = "") -> Any:
    """A copy with every float nudged by ~1% (another data order, same model)."""
    if isinstance(value, dict):
        return {k: _perturbed(v, rng, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_perturbed(v, rng, key) for v in value]
    if isinstance(value, float) and key != "learning_rate":
        return float(f"{value * (1 + 0.01 * rng.standard_normal()):.7g}")
    return value


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        # YAML 1.1 (PyYAML) reads 1e-07 as a string; 1.0e-07 as a float.
        return f"{mantissa}.0e{exponent}" if exponent and "." not in mantissa else text
    return str(value)


def _dump(path: Path, obj: Any) -> None:
    """Exactly the callback's write: truncate, then stream json with `indent=2, default=str`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, default=str)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _set_mtimes(paths: RunPaths, run: SimulatedRun, end_time: float) -> None:
    """Date every file as if the run had ended at `end_time`, epochs spaced by their time."""
    durations = [float(r["epoch_time_sec"]) for r in run.history]
    start = end_time - sum(durations)
    for path in _walk(paths.root):
        os.utime(path, (end_time, end_time))
    for version_dir in (paths.root / "logs" / "lightning").glob("version_*"):
        for path in (version_dir / "hparams.yaml", version_dir):
            if path.exists():
                os.utime(path, (start, start))
    elapsed = start
    for epoch, duration in enumerate(durations):
        elapsed += duration
        summary = paths.epoch_file(epoch)
        images = epoch_dir(paths.root, epoch)
        for path in (summary, summary.parent, *_walk(images)):
            if path.exists():
                os.utime(path, (elapsed, elapsed))


def _walk(root: Path) -> Iterable[Path]:
    yield root
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            yield Path(dirpath) / name
