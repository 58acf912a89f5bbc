"""Simulator: coherent histories, one visible pathology per scenario, files as the real writer.

Everything is checked through the public API and by reading the files back with json.load,
since the readers downstream see only the files.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neuromf_tui.commands import simulate as simulate_command
from neuromf_tui.sim import (
    SCENARIOS,
    LiveWriter,
    RunFolderError,
    RunPaths,
    SimConfig,
    WriteOptions,
    get_scenario,
    phase_bounds,
    simulate,
    write_run,
)
from neuromf_tui.sim.writer import BLOCK_SIZE, STUB_KEYS

Record = dict[str, Any]
EPOCHS = 200


def metric(history: list[Record], path: str) -> np.ndarray:
    """One metric over epochs; dotted paths reach into nested dicts."""
    values = []
    for rec in history:
        value: Any = rec
        for part in path.split("."):
            value = value[part]
        values.append(float(value))
    return np.array(values)


def floats(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in floats(v)]
    return [float(value)] if isinstance(value, float) else []


@functools.cache
def history(scenario: str = "healthy", epochs: int = EPOCHS, **kw: Any) -> list[Record]:
    """Simulated once per configuration; tests only read it."""
    return simulate(SimConfig(scenario=scenario, epochs=epochs, **kw)).history


def onset_of(scenario: str, epochs: int = EPOCHS) -> int:
    onset = get_scenario(scenario).onset(epochs)
    assert onset is not None
    return onset


def read_json(path: Path) -> Any:
    with open(path) as f:
        return json.load(f)


# -- the model ---------------------------------------------------------------------------


def test_same_seed_same_history_and_other_seed_differs() -> None:
    a = simulate(SimConfig(scenario="mode-collapse", epochs=80, seed=3)).history
    b = simulate(SimConfig(scenario="mode-collapse", epochs=80, seed=3)).history
    c = simulate(SimConfig(scenario="mode-collapse", epochs=80, seed=4)).history
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(a) != json.dumps(c)


def test_every_epoch_has_the_spec_keys_and_periodic_keys_on_their_epochs() -> None:
    h = history()
    every = {
        "epoch", "global_step", "loss_mean", "loss_std", "raw_loss_mean", "raw_loss_std",
        "raw_loss_fm_mean", "raw_loss_mf_mean", "cosine_sim_V_vc", "cosine_sim_vtilde_vc",
        "relative_error", "grad_clip_fraction", "grad_norm_mean", "grad_norm_std",
        "block_grad_norms", "relative_update_norm", "ema_divergence", "velocity_norms",
        "adaptive_weight", "x_hat_stats", "learning_rate", "sampling", "epoch_time_sec",
    }  # fmt: skip
    for rec in h:
        e = rec["epoch"]
        assert every <= rec.keys()
        assert ("val_raw_loss" in rec) == ("val_loss" in rec) == ((e + 1) % 10 == 0)
        assert ("per_channel_loss" in rec) == ((e + 1) % 25 == 0)
        assert ("generated_samples" in rec) == ((e + 1) % 25 == 0)
        assert ("val_fid_avg" in rec) == ((e + 1) % 50 == 0)
        assert "u_pred_stats" not in rec
    assert [r["epoch"] for r in h] == list(range(EPOCHS))
    assert [r["global_step"] for r in h[:3]] == [9, 18, 27]
    rec = h[24]
    assert set(rec["block_grad_norms"]) == {
        "conv_in", "time_embed", "r_embed", "down_block_0", "down_block_1", "down_block_2",
        "down_block_3", "middle_block", "up_block_0", "up_block_1", "up_block_2", "up_block_3",
        "out",
    }  # fmt: skip
    assert set(rec["velocity_norms"]) == {
        "u_norm", "compound_v_norm", "target_v_norm", "v_tilde_norm", "jvp_norm"
    }  # fmt: skip
    assert set(rec["x_hat_stats"]) == {"mean", "std", "min", "max"}
    assert set(rec["sampling"]) == {"t_mean", "t_std", "h_mean", "h_zero_frac"}
    samples = rec["generated_samples"]
    assert set(samples["stats"]) == {"nfe_1", "nfe_5", "nfe_10"}
    assert len(samples["stats"]["nfe_1"]["mean"]) == len(samples["stats"]["nfe_1"]["std"]) == 4
    assert set(samples["nfe_consistency"]) == {
        f"{kind}_1vs{n}" for kind in ("mse", "cosine") for n in (2, 5, 10)
    }
    assert len(rec["per_channel_loss"]) == 4
    assert sum(rec["per_channel_loss"]) == pytest.approx(rec["raw_loss_mean"], rel=0.05)


def test_u_prediction_writes_u_pred_stats() -> None:
    rec = history(prediction="u", epochs=30)[-1]
    assert "u_pred_stats" in rec and "x_hat_stats" not in rec


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_no_scenario_writes_non_finite_values(name: str) -> None:
    values = [f for rec in history(name) for f in floats(rec)]
    assert values and all(math.isfinite(v) for v in values)


def test_adaptive_weighting_is_coherent_with_the_raw_loss() -> None:
    h = history("adaptive-masking")
    raw = metric(h, "raw_loss_mean")
    np.testing.assert_allclose(metric(h, "adaptive_weight.mean"), raw + 1.0, rtol=1e-5)
    np.testing.assert_allclose(metric(h, "adaptive_weight.std"), metric(h, "raw_loss_std"))
    big = raw > 100
    assert np.all(np.abs(metric(h, "loss_mean")[big] - 1.0) < 0.01)
    assert np.all(metric(h, "loss_std")[big] < 0.01)
    # Mixture: the raw loss sits between its FM and MF parts, FM below MF.
    fm, mf = metric(h, "raw_loss_fm_mean"), metric(h, "raw_loss_mf_mean")
    assert np.all((fm < raw) & (raw < mf))


def test_healthy_run_follows_the_phases() -> None:
    h = history("healthy", epochs=400)
    cos = metric(h, "cosine_sim_V_vc")
    assert abs(cos[0]) < 0.02
    assert cos[50:].min() > 0.5
    assert cos[-20:].mean() > 0.9
    raw = metric(h, "raw_loss_mean")
    assert raw[-1] / raw[0] < 0.5
    assert raw[-50:].mean() < raw[150:200].mean()  # still slowly decreasing late
    ratio = metric(h, "velocity_norms.u_norm") / metric(h, "velocity_norms.target_v_norm")
    assert ratio[0] < 0.6
    assert abs(ratio[-20:].mean() - 1) < 0.05
    compound = metric(h, "velocity_norms.compound_v_norm") / metric(
        h, "velocity_norms.target_v_norm"
    )
    assert abs(compound[-20:].mean() - 1) < 0.05
    clip = metric(h, "grad_clip_fraction")
    assert clip[:20].mean() > 0.6 and clip[250:].max() < 0.2
    out = metric(h, "block_grad_norms.out")
    assert out[:20].mean() > 3 * out[250:].mean()
    err = metric(h, "relative_error")
    assert err[0] > 0.9 and 0.1 < err[-20:].mean() < 0.4
    mf_over_fm = metric(h, "raw_loss_mf_mean") / metric(h, "raw_loss_fm_mean")
    assert np.all((mf_over_fm > 1.5) & (mf_over_fm < 6))
    update = metric(h, "relative_update_norm")
    assert np.all((update >= 0.005) & (update <= 0.008))
    ema = metric(h, "ema_divergence")
    assert ema[100] > 3 * ema[0]
    assert abs(ema[-1] / ema[250] - 1) < 0.15  # plateau
    std = metric(h, "x_hat_stats.std")
    assert (
        abs(std[-20:].mean() - 1) < 0.05 and abs(metric(h, "x_hat_stats.mean")[-20:].mean()) < 0.05
    )
    hz = metric(h, "sampling.h_zero_frac")
    assert np.all(np.abs(hz - 0.75) < 0.06) and abs(hz.mean() - 0.75) < 0.01
    assert np.all(np.abs(metric(h, "sampling.t_mean") - 0.53) < 0.03)
    val = [(r["val_raw_loss"], r["raw_loss_mean"]) for r in h if "val_raw_loss" in r]
    assert 1.0 < np.mean([v / t for v, t in val]) < 1.15
    times = metric(h, "epoch_time_sec")
    assert np.mean((times > 60) & (times < 120)) > 0.95 and np.all((times > 50) & (times < 200))


def test_short_runs_compress_the_phases() -> None:
    assert phase_bounds(500) == (50, 200)
    early, mid = phase_bounds(60)
    assert early < 30 and mid < 60
    h = history("healthy", epochs=60)
    assert metric(h, "cosine_sim_V_vc")[-1] > 0.5
    assert metric(h, "raw_loss_mean")[-1] / metric(h, "raw_loss_mean")[0] < 0.5


def test_cosine_schedule_warms_up_then_decays() -> None:
    lr = metric(history(lr_schedule="cosine"), "learning_rate")
    peak = int(lr.argmax())
    assert 0 < peak <= 10 and lr[0] < lr[peak] == pytest.approx(1e-4)
    assert np.all(np.diff(lr[peak:]) <= 0) and lr[-1] < 1e-5


def test_noise_level_zero_is_smooth() -> None:
    raw = metric(history(noise=0.0), "raw_loss_mean")
    after_bump = raw[int(raw.argmax()) :]
    assert np.all(np.diff(after_bump) < 0)


# -- scenarios ---------------------------------------------------------------------------


ONSET_SCENARIOS = [
    "adaptive-masking",
    "mf-domination",
    "mode-collapse",
    "sampling-drift",
    "overfitting",
]


@pytest.mark.parametrize("name", ONSET_SCENARIOS)
def test_before_its_onset_a_scenario_is_the_healthy_run(name: str) -> None:
    onset = onset_of(name)
    assert 0 < onset < EPOCHS
    assert history(name)[:onset] == history("healthy")[:onset]
    assert history(name)[onset + 10 :] != history("healthy")[onset + 10 :]


def _adaptive_masking(h: list[Record], onset: int) -> None:
    raw = metric(h, "raw_loss_mean")
    assert abs(int(np.argmin(raw)) - onset) < 0.05 * len(h)  # minimum near the onset
    assert raw[-1] / raw[onset] > 500
    assert np.all(metric(h, "loss_mean")[onset:] > 0.99)
    assert metric(h, "loss_std")[-1] < 1e-5
    assert metric(h, "adaptive_weight.mean")[-1] / metric(h, "adaptive_weight.mean")[onset] > 500
    clip = metric(h, "grad_clip_fraction")[onset:]
    assert np.mean(clip > 0) < 0.03  # zero but for rare gradient spikes
    update = metric(h, "relative_update_norm")[onset:]
    assert np.all((update >= 0.005) & (update <= 0.008))
    ema = metric(h, "ema_divergence")
    assert 0.009 < ema[onset] < 0.016 and 0.035 < ema[-1] < 0.07


def _warmup_starvation(h: list[Record], onset: int) -> None:
    cut = int(0.3 * len(h))
    assert np.all(metric(h, "learning_rate")[:cut] < 1e-5)
    assert metric(h, "learning_rate")[-1] == pytest.approx(1e-4)
    assert np.all(np.abs(metric(h, "cosine_sim_V_vc")[:cut]) < 0.05)
    raw = metric(h, "raw_loss_mean")[: int(0.2 * len(h))]
    assert raw.max() / raw.min() < 1.3
    update = metric(h, "relative_update_norm")[:cut]  # healthy: ~6e-3
    assert update.max() < 1e-3 and np.median(update) < 1e-4
    assert metric(h, "cosine_sim_V_vc")[-1] > 0.5  # it does learn, late


def _mf_domination(h: list[Record], onset: int) -> None:
    ratio = metric(h, "raw_loss_mf_mean") / metric(h, "raw_loss_fm_mean")
    assert np.all(ratio[:onset] < 6) and ratio[-1] > 1e3
    jvp = metric(h, "velocity_norms.jvp_norm")
    assert jvp[-1] > 10 * jvp[onset]
    u = metric(h, "velocity_norms.u_norm") / metric(h, "velocity_norms.target_v_norm")
    assert abs(u[-10:].mean() - 1) < 0.1


def _mode_collapse(h: list[Record], onset: int) -> None:
    std = metric(h, "x_hat_stats.std")
    assert np.all(std[onset - 10 : onset] > 0.8) and std[-1] < 0.1
    sampled = [r for r in h if "generated_samples" in r]
    before = [r for r in sampled if r["epoch"] < onset][-1]["generated_samples"]
    last = sampled[-1]["generated_samples"]
    assert np.mean(before["stats"]["nfe_1"]["std"]) > 0.7
    assert np.mean(last["stats"]["nfe_1"]["std"]) < 0.2
    assert last["nfe_consistency"]["mse_1vs10"] > before["nfe_consistency"]["mse_1vs10"]


def _dead_gradients(h: list[Record], onset: int) -> None:
    for block in ("middle_block", "down_block_3"):
        assert np.all(metric(h, f"block_grad_norms.{block}") < 1e-6)
    assert np.all(metric(h, "block_grad_norms.out") > 1e-3)
    raw = metric(h, "raw_loss_mean")
    assert raw[-1] / raw[0] < 0.5


def _sampling_drift(h: list[Record], onset: int) -> None:
    hz, t = metric(h, "sampling.h_zero_frac"), metric(h, "sampling.t_mean")
    assert np.all(np.abs(hz[:onset] - 0.75) < 0.06) and np.all(np.abs(t[:onset] - 0.53) < 0.03)
    assert abs(hz[-5:].mean() - 0.75) > 0.2 and t[-5:].mean() > 0.6
    h_mean = metric(h, "sampling.h_mean")
    assert h_mean[-5:].mean() > 1.5 * h_mean[:onset].mean()  # h_mean follows the MF share


def _overfitting(h: list[Record], onset: int) -> None:
    val = [(r["epoch"], r["val_raw_loss"], r["raw_loss_mean"]) for r in h if "val_raw_loss" in r]
    assert all(v / t < 1.25 for e, v, t in val if e < onset)
    first_after = next((v, t) for e, v, t in val if e >= onset)
    last = val[-1]
    assert last[1] / last[2] > 2.5
    assert last[1] > first_after[0]  # val turns up
    assert last[2] < first_after[1]  # train keeps falling


PATHOLOGIES: dict[str, Callable[[list[Record], int], None]] = {
    "adaptive-masking": _adaptive_masking,
    "warmup-starvation": _warmup_starvation,
    "mf-domination": _mf_domination,
    "mode-collapse": _mode_collapse,
    "dead-gradients": _dead_gradients,
    "sampling-drift": _sampling_drift,
    "overfitting": _overfitting,
}


def test_every_scenario_but_healthy_has_a_pathology_check() -> None:
    assert set(PATHOLOGIES) == set(SCENARIOS) - {"healthy"}


@pytest.mark.parametrize("name", list(PATHOLOGIES))
def test_pathology_shows_after_onset(name: str) -> None:
    PATHOLOGIES[name](history(name), onset_of(name))


@pytest.mark.parametrize("name", ["adaptive-masking", "mode-collapse", "overfitting"])
def test_pathology_is_absent_from_the_healthy_run(name: str) -> None:
    with pytest.raises(AssertionError):
        PATHOLOGIES[name](history("healthy"), onset_of(name))


def test_onset_override_moves_the_pathology() -> None:
    run = simulate(SimConfig(scenario="overfitting", epochs=EPOCHS, onset=150))
    assert run.onset == 150
    assert run.history[:150] == history("healthy")[:150]
    _overfitting(run.history, 150)


def test_mode_collapse_in_u_prediction_collapses_u_pred_stats() -> None:
    h = history("mode-collapse", prediction="u")
    std = metric(h, "u_pred_stats.std")
    onset = onset_of("mode-collapse")
    assert std[onset - 1] > 1.0 and std[-1] < 0.05


# -- the writer --------------------------------------------------------------------------


def test_layout_paths() -> None:
    current = RunPaths(Path("R"), "current")
    assert current.aggregate == Path("R/diagnostics/aggregate_results/training_summary.json")
    assert current.epoch_file(7) == Path("R/diagnostics/per_epoch_metrics/epoch_007/summary.json")
    assert current.epoch_file(1000).parent.name == "epoch_1000"
    flat = RunPaths(Path("R"), "flat")
    assert flat.aggregate == Path("R/diagnostics/training_summary.json")
    assert flat.epoch_file(42) == Path("R/diagnostics/epoch_042/summary.json")
    assert flat.hparams() == Path("R/logs/lightning/version_0/hparams.yaml")


@pytest.mark.parametrize("layout", ["current", "flat"])
def test_write_run_matches_the_callback_byte_for_byte(tmp_path: Path, layout: str) -> None:
    run = simulate(SimConfig(epochs=30))
    paths = write_run(tmp_path / "run", run, WriteOptions(layout=layout))  # type: ignore[arg-type]
    text = paths.aggregate.read_text()
    assert text == json.dumps(run.history, indent=2, default=str)
    assert read_json(paths.aggregate) == run.history
    per_epoch = sorted(p.parent.name for p in paths.diagnostics.rglob("summary.json"))
    assert per_epoch == [f"epoch_{e:03d}" for e in range(30)]
    assert read_json(paths.epoch_file(12)) == run.history[12]
    hparams = dict(
        line.split(": ", 1) for line in paths.hparams().read_text().splitlines() if ": " in line
    )
    assert {
        "max_epochs", "lr", "norm_p", "norm_eps", "data_proportion", "prediction_type",
        "gradient_clip_norm", "val_every_n_epochs", "diag_every_n_epochs",
    } <= hparams.keys()  # fmt: skip
    assert hparams["max_epochs"] == "30" and hparams["prediction_type"] == "x"


def test_quirks_write_bare_nan_and_strings(tmp_path: Path) -> None:
    run = simulate(SimConfig(scenario="warmup-starvation", epochs=60))
    paths = write_run(tmp_path / "run", run, WriteOptions(layout="flat", quirks=True))
    text = paths.aggregate.read_text()
    assert re.search(r": NaN,?\n", text)
    assert re.search(r"\"tensor\(\d\.\d{4}(e-\d\d)?, device='cuda:0'\)\"", text)
    assert '"nan"' in text
    data = read_json(paths.aggregate)
    strings = [r["val_raw_loss"] for r in data if isinstance(r.get("val_raw_loss"), str)]
    assert strings and all(float(s) > 0 for s in strings)
    nan_epochs = [r["epoch"] for r in data if isinstance(r["grad_norm_mean"], float)
                  and math.isnan(r["grad_norm_mean"])]  # fmt: skip
    assert len(nan_epochs) == 1
    assert read_json(paths.epoch_file(nan_epochs[0]))["epoch"] == nan_epochs[0]
    assert "NaN" not in json.dumps(run.history)  # quirks live in the files only


def test_restart_keeps_old_epoch_files_and_restarts_the_aggregate(tmp_path: Path) -> None:
    run = simulate(SimConfig(epochs=60))
    paths = write_run(tmp_path / "run", run, WriteOptions(restart=(40, 30)))
    data = read_json(paths.aggregate)
    assert [r["epoch"] for r in data] == list(range(30, 60))
    assert set(data[0]) == set(STUB_KEYS)
    assert data[1:] == run.history[31:]
    for e in range(60):
        assert paths.epoch_file(e).is_file()
    assert read_json(paths.epoch_file(10)) == run.history[10]  # written once, before the crash
    assert read_json(paths.epoch_file(35)) == run.history[35]  # re-trained: the later write
    assert paths.hparams(1).is_file()


def test_live_restart_shows_the_crashed_and_the_resumed_history(tmp_path: Path) -> None:
    run = simulate(SimConfig(epochs=40))
    writer = LiveWriter(tmp_path / "run", run, WriteOptions(restart=(25, 20)))
    for _ in range(26):
        writer.write_next()
    before_crash = read_json(writer.paths.aggregate)
    first_try = read_json(writer.paths.epoch_file(22))
    assert [r["epoch"] for r in before_crash] == list(range(26))
    assert writer.write_next() == 20
    assert read_json(writer.paths.aggregate) == [{k: run.history[20][k] for k in STUB_KEYS}]
    writer.write_all()
    assert writer.done and writer.steps_written == writer.total_steps == 26 + 20
    assert read_json(writer.paths.epoch_file(22)) == run.history[22] != first_try


def test_truncated_aggregate_is_cut_mid_record_at_a_block_boundary(tmp_path: Path) -> None:
    run = simulate(SimConfig(scenario="overfitting", epochs=120))
    paths = write_run(tmp_path / "run", run, truncate=True)
    data = paths.aggregate.read_bytes()
    full = json.dumps(run.history, indent=2, default=str).encode()
    assert len(data) > 0 and len(data) % BLOCK_SIZE == 0
    assert full.startswith(data) and len(data) < len(full)
    assert not data.rstrip(b", \n").endswith(b"\n  }")
    with pytest.raises(json.JSONDecodeError):
        read_json(paths.aggregate)
    assert read_json(paths.epoch_file(119)) == run.history[119]


def test_live_writer_steps_one_epoch_at_a_time(tmp_path: Path) -> None:
    run = simulate(SimConfig(epochs=40))
    writer = LiveWriter(tmp_path / "run", run)
    assert writer.paths.hparams().is_file() and not writer.paths.aggregate.exists()
    assert writer.write_next() == 0
    assert read_json(writer.paths.aggregate) == run.history[:1]
    for _ in range(29):
        writer.write_next()
    assert read_json(writer.paths.aggregate) == run.history[:30]
    assert not writer.paths.epoch_file(30).exists()
    # A reader catching the 31st rewrite part way sees a block-aligned, unparseable prefix.
    writer.write_next(stop_after_blocks=2)
    assert writer.paths.aggregate.stat().st_size == 2 * BLOCK_SIZE
    with pytest.raises(json.JSONDecodeError):
        read_json(writer.paths.aggregate)
    writer.rewrite_aggregate()
    assert read_json(writer.paths.aggregate) == run.history[:31]
    writer.write_all()
    assert writer.write_next() is None
    assert writer.paths.aggregate.read_text() == json.dumps(run.history, indent=2, default=str)


def test_writer_refuses_to_clobber(tmp_path: Path) -> None:
    run = simulate(SimConfig(epochs=10))
    target = tmp_path / "run"
    write_run(target, run)
    with pytest.raises(RunFolderError, match="not empty"):
        write_run(target, run)
    write_run(target, run, force=True)
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("precious")
    with pytest.raises(RunFolderError, match="does not look like a run"):
        write_run(other, run, force=True)
    assert (other / "keep.txt").read_text() == "precious"


# -- the command -------------------------------------------------------------------------


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="neuromf-tui")
    simulate_command.register(parser.add_subparsers())
    try:
        args = parser.parse_args(["simulate", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return int(args.func(args))


def test_cli_writes_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    code = cli(str(out), "--scenario", "overfitting", "--epochs", "50", "--layout", "flat",
               "--restart", "30:25", "--quirks", "--seed", "3")  # fmt: skip
    assert code == 0
    assert "onset epoch 20" in capsys.readouterr().out
    data = read_json(out / "diagnostics" / "training_summary.json")
    assert data[0]["epoch"] == 25 and data[-1]["epoch"] == 49


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scenario", "nope"], "unknown scenario 'nope'"),
        (["--onset", "5"], "no adjustable onset"),
        (["--scenario", "overfitting", "--onset", "900"], "onset must be in"),
        (["--restart", "5"], "CRASH:RESUME"),
        (["--restart", "10:20"], "resume epoch"),
        (["--epochs", "1"], "at least 2"),
        (["--noise", "-1"], "--noise"),
        (["--live", "--truncate"], "--truncate cannot be combined"),
        (["--layout", "tree"], "invalid choice"),
    ],
)
def test_cli_usage_errors_exit_2_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli(str(tmp_path / "run"), *argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "run" / "diagnostics").exists()


def test_cli_refuses_a_non_empty_folder_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert cli(str(out), "--epochs", "5") == 0
    assert cli(str(out), "--epochs", "5") == 2
    assert "--force" in capsys.readouterr().err
    assert cli(str(out), "--epochs", "6", "--force") == 0
    assert len(read_json(out / "diagnostics/aggregate_results/training_summary.json")) == 6


def test_cli_help_and_list_teach_the_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("--list-scenarios") == 0
    listing = capsys.readouterr().out
    assert cli("--help") == 0
    help_text = capsys.readouterr().out
    for name in SCENARIOS:
        assert name in listing and name in help_text
    assert cli() == 2
    assert "OUT is required" in capsys.readouterr().err


def test_cli_layout_choices_match_the_writer() -> None:
    from neuromf_tui.commands import simulate as command
    from neuromf_tui.sim import writer

    assert tuple(command.LAYOUTS) == tuple(writer.LAYOUTS)
