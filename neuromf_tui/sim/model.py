"""Per-epoch history of a simulated NeuroMF run.

The app's detectors reason across metrics (raw loss against the adaptive weight, cosine against
relative error, clip fraction against block norms), so independent random curves would teach them
nothing. Every record is therefore derived from a few smooth latent trajectories, tied together
the way the spec ties the real metrics:

- a learning clock `k` (integrated learning rate, in units of the early phase) drives direction
  (`cos`) and magnitude (`r` = |V|/|v_c|); the relative error follows from the geometry
  err² = 1 + r² − 2·r·cos, and the raw loss is err²·|v_c|²;
- the raw loss is a mixture of its FM and MF parts weighted by the epoch's h_zero_frac;
- the adaptive weight, loss_mean/std and relative_error come from one set of per-sample losses;
- grad_norm_mean/std and grad_clip_fraction come from one set of per-step gradient norms, and the
  block norms share out their RMS;
- ema_divergence integrates relative_update_norm through the EMA decay.

A scenario (see `scenarios.py`) bends these trajectories from its onset on; noise is added last,
per metric, from independent seeded streams so that one metric's noise never shifts another's.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from neuromf_tui.data.catalogue import BLOCKS
from neuromf_tui.sim.scenarios import Effects, Scenario, get_scenario

Prediction = Literal["x", "u"]
LrSchedule = Literal["constant", "cosine"]

# Share of the gradient RMS per block, early (near the loss) and late (redistributed deeper).
_SHARE_EARLY = np.array(
    [0.35, 0.12, 0.03, 0.30, 0.15, 0.06, 0.015, 0.008, 0.025, 0.08, 0.18, 0.40, 0.70]
)
_SHARE_LATE = np.array(
    [0.25, 0.12, 0.09, 0.25, 0.18, 0.12, 0.07, 0.05, 0.09, 0.14, 0.20, 0.30, 0.35]
)
_CHANNEL_SHARE = np.array([0.29, 0.24, 0.27, 0.20])
_CHANNEL_OFFSET = np.array([0.35, -0.20, 0.15, -0.30])

TARGET_NORM = 40.0  # |v_c| in the simulator's units: raw loss starts near 1,700
EFFECTIVE_BATCH = 128
T_MEAN, T_STD, H_MF_MEAN = 0.53, 0.18, 0.24  # h_mean = (1 - h_zero_frac) * H_MF_MEAN ≈ 0.06
FLOAT_DIGITS = 7  # float32 precision, which keeps files realistic and small


@dataclass(frozen=True)
class SimConfig:
    """Everything that determines a simulated history; equal configs give equal histories."""

    scenario: str = "healthy"
    epochs: int = 200
    seed: int = 0
    prediction: Prediction = "x"
    noise: float = 1.0
    onset: int | None = None
    lr: float = 1e-4
    lr_schedule: LrSchedule = "constant"
    norm_p: float = 1.0
    norm_eps: float = 1.0
    data_proportion: float = 0.75
    gradient_clip_norm: float = 1.0
    steps_per_epoch: int = 9
    ema_decay: float = 0.999
    val_every: int = 10
    diag_every: int = 25
    sample_every: int = 25
    fid_every: int = 50

    def __post_init__(self) -> None:
        """Reject bad values here, once, with messages a CLI can print as they are."""
        scenario = get_scenario(self.scenario)
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if not 2 <= self.epochs <= 100_000:
            raise ValueError(f"epochs must be in [2, 100000], got {self.epochs}")
        if self.prediction not in ("x", "u"):
            raise ValueError(f"prediction must be 'x' or 'u', got {self.prediction!r}")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(
                f"lr schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}"
            )
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be a finite number >= 0, got {self.noise}")
        if not 0.0 < self.data_proportion < 1.0:
            raise ValueError(f"data_proportion must be in (0, 1), got {self.data_proportion}")
        if not (self.lr > 0 and self.norm_eps >= 0 and self.steps_per_epoch >= 1):
            raise ValueError("lr and steps_per_epoch must be positive, norm_eps non-negative")
        if not 0.0 < self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        if min(self.val_every, self.diag_every, self.sample_every) < 1 or self.fid_every < 0:
            raise ValueError("val/diag/sample intervals must be >= 1 (fid_every >= 0)")
        if self.onset is not None:
            if scenario.onset_fraction is None or not scenario.onset_adjustable:
                raise ValueError(f"scenario {scenario.name!r} has no adjustable onset")
            if not 0 <= self.onset < self.epochs:
                raise ValueError(f"onset must be in [0, {self.epochs - 1}], got {self.onset}")


@dataclass(frozen=True)
class SimulatedRun:
    """A generated history plus what produced it (the writer needs the config for hparams)."""

    config: SimConfig
    scenario: Scenario
    onset: int | None
    history: list[dict[str, Any]]


def phase_bounds(epochs: int) -> tuple[int, int]:
    """First epoch of the mid and of the late phase.

    50 and 200 in a long run, as the spec says; a short run is compressed so that a 60-epoch
    run is mostly early and mid rather than all early.
    """
    early_end = min(50, max(3, round(0.3 * epochs)))
    mid_end = min(200, max(early_end + 1, round(0.8 * epochs)))
    return early_end, mid_end


def resolve_onset(config: SimConfig) -> int | None:
    """The onset epoch: the override if given, else the scenario's default for this length."""
    if config.onset is not None:
        return config.onset
    return get_scenario(config.scenario).onset(config.epochs)


def warmup(config: SimConfig) -> tuple[int, float]:
    """Warmup length in epochs and the learning rate it starts from (0 epochs: no warmup).

    A starving scenario ramps geometrically from a tiny rate over a large share of the run;
    a cosine schedule warms up linearly over a few epochs.
    """
    fx = get_scenario(config.scenario).effects
    if fx.warmup_fraction > 0:
        return max(1, round(fx.warmup_fraction * config.epochs)), fx.warmup_start_lr
    if config.lr_schedule == "cosine":
        epochs = max(1, min(10, round(0.05 * config.epochs)))
        return epochs, config.lr / epochs
    return 0, config.lr


def learning_rate_schedule(config: SimConfig) -> np.ndarray:
    """Learning rate logged at each epoch (constant, cosine, or a starving geometric warmup)."""
    n, lr = config.epochs, config.lr
    e = np.arange(n, dtype=float)
    rates = np.full(n, lr)
    start, first = warmup(config)
    if start and get_scenario(config.scenario).effects.warmup_fraction > 0:
        rates[:start] = first * (lr / first) ** (e[:start] / start)
    elif start:
        rates[:start] = lr * (e[:start] + 1) / start
    if config.lr_schedule == "cosine":
        frac = (e[start:] - start) / max(1, n - start)
        low = 0.01 * lr
        rates[start:] = low + 0.5 * (lr - low) * (1 + np.cos(np.pi * frac))
    return rates


def simulate(config: SimConfig) -> SimulatedRun:
    """Generate the full per-epoch history for `config`."""
    scenario = get_scenario(config.scenario)
    onset = resolve_onset(config)
    history = _History(config, scenario.effects, onset).records()
    return SimulatedRun(config=config, scenario=scenario, onset=onset, history=history)


def _round(x: float, digits: int = FLOAT_DIGITS) -> float:
    return float(f"{x:.{digits}g}")


def _alignment(k: np.ndarray) -> np.ndarray:
    """Healthy cosine(V, v_c) on the learning clock: ~0 at init, >0.5 by k=1, ~0.95 late."""
    return 0.9 * (1 - np.exp(-((k / 0.8) ** 1.5))) + 0.07 * (1 - np.exp(-k / 6))


class _Noise:
    """Seeded noise sources; each metric draws from its own stream.

    Separate streams mean adding or reordering a metric never reshuffles the others, which
    keeps committed sample runs stable across harmless edits.
    """

    def __init__(self, seed: int, n: int, level: float) -> None:
        self.seed, self.n, self.level = seed, n, level

    def rng(self, stream: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    def ar1(self, stream: str, rho: float = 0.5, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Unit-variance AR(1) noise along epochs (times the level): metrics wander, not flicker."""
        z = self.rng(stream).standard_normal((self.n, *shape))
        out = np.empty_like(z)
        out[0] = z[0]
        scale = math.sqrt(1 - rho * rho)
        for i in range(1, self.n):
            out[i] = rho * out[i - 1] + scale * z[i]
        return out * self.level

    def jitter(
        self, stream: str, sigma: float, rho: float = 0.5, shape: tuple[int, ...] = ()
    ) -> np.ndarray:
        """Multiplicative log-normal wander around 1."""
        return np.exp(sigma * self.ar1(stream, rho, shape))

    def spikes(self, stream: str, prob: float | np.ndarray, low: float, high: float) -> np.ndarray:
        """Rare multiplicative outliers (loss spikes, slow epochs) for robust detectors to meet."""
        if self.level == 0:
            return np.ones(self.n)
        rng = self.rng(stream)
        hit = rng.random(self.n) < prob
        return np.where(hit, rng.uniform(low, high, self.n), 1.0)

    def spread(self, stream: str, size: int) -> np.ndarray:
        """Standardised within-epoch draws (per sample, per step); fixed quantiles at level 0."""
        if self.level == 0:
            z = np.tile(np.linspace(-1.6, 1.6, size), (self.n, 1))
        else:
            z = self.rng(stream).standard_normal((self.n, size))
        z = z - z.mean(axis=1, keepdims=True)
        return z / np.maximum(z.std(axis=1, keepdims=True), 1e-12)


class _History:
    """Builds one run: smooth latent trajectories first, then observed metrics, then records.

    `s` holds noise-free trajectories shared across metric families, `m` the observed metrics.
    """

    def __init__(self, config: SimConfig, effects: Effects, onset: int | None) -> None:
        self.cfg, self.fx, self.onset = config, effects, onset
        self.n = n = config.epochs
        self.e = np.arange(n)
        self.noise = _Noise(config.seed, n, config.noise)
        start = n if onset is None else onset
        self.after = self.e >= start
        self.prog = np.clip((self.e - start) / max(1, n - 1 - start), 0.0, 1.0)
        self.lr = learning_rate_schedule(config)
        rel = self.lr / config.lr
        early_end, _ = phase_bounds(n)
        self.k = (np.cumsum(rel) - 0.5 * rel) * effects.learning_speed / early_end
        self.s: dict[str, np.ndarray] = {}
        self.m: dict[str, np.ndarray] = {}

    def records(self) -> list[dict[str, Any]]:
        self._latent()
        self._losses()
        self._directions_and_norms()
        self._gradients()
        self._dynamics()
        self._outputs()
        self._periodic()
        return [self._record(i) for i in range(self.n)]

    # -- families --------------------------------------------------------------------------

    def _latent(self) -> None:
        """Direction, magnitude and error split, with every pathology bent in."""
        fx, k, prog, s = self.fx, self.k, self.prog, self.s
        dp = self.cfg.data_proportion
        collapse = np.zeros(self.n)
        if fx.collapse_floor < 1.0 and self.onset is not None:
            tau = max(2.0, fx.collapse_time * self.n)
            collapse = np.where(self.after, 1 - np.exp(-(self.e - self.onset) / tau), 0.0)
        divergence = fx.raw_divergence ** (prog**1.15)
        smooth = prog * prog * (3 - 2 * prog)

        cos = _alignment(k) * (1 - 0.6 * collapse) * (1 - 0.3 * (1 - divergence**-0.15))
        # |V|/|v_c|: starts low (zero-init head), overshoots while escaping init, settles at 1.
        ratio = 1 - 0.7 * np.exp(-k / 0.08) + 0.25 * (k / 0.25) * np.exp(1 - k / 0.25)
        ratio *= 1 - 0.5 * collapse
        err2 = 1 + ratio**2 - 2 * ratio * cos

        q_healthy = 2.2 + 2.5 * np.exp(-k / 1.5)  # MF/FM: 4.7 early, 2.2 late
        q = q_healthy
        if fx.mf_ratio_end is not None:
            q = q_healthy * (fx.mf_ratio_end / q_healthy[-1]) ** (prog**1.2)
        train_drop = fx.train_drop_end**prog
        fm = err2 * TARGET_NORM**2 / (dp + (1 - dp) * q_healthy) * divergence * train_drop
        s["fm"], s["mf"] = fm, q * fm
        s["dp"] = np.full(self.n, dp)
        if fx.h_zero_frac_end is not None:
            s["dp"] = dp + (fx.h_zero_frac_end - dp) * smooth
        s["t_shift"] = (
            np.zeros(self.n) if fx.t_mean_end is None else (fx.t_mean_end - T_MEAN) * smooth
        )
        s["raw"] = s["dp"] * fm + (1 - s["dp"]) * s["mf"]
        s["raw_model"] = err2 * TARGET_NORM**2
        s["cos"], s["ratio"], s["err2"] = cos, ratio, err2
        s["collapse"], s["divergence"], s["train_drop"] = collapse, divergence, train_drop
        s["kappa"] = 1 - (1 - fx.collapse_floor) * collapse

    def _losses(self) -> None:
        """Sampler stats, the FM/MF mixture, and one per-sample draw for all loss statistics."""
        cfg, s, m, nz = self.cfg, self.s, self.m, self.noise
        n_samples = cfg.steps_per_epoch * EFFECTIVE_BATCH
        dp = s["dp"]
        hz = dp + nz.rng("h_zero").standard_normal(self.n) * nz.level * np.sqrt(
            dp * (1 - dp) / n_samples
        )
        hz = np.clip(np.round(hz * n_samples) / n_samples, 0.0, 1.0)
        t_se = T_STD / math.sqrt(n_samples)
        m["t_mean"] = T_MEAN + s["t_shift"] + t_se * nz.ar1("t_mean", 0.0)
        m["t_std"] = T_STD * (1 - 0.8 * s["t_shift"]) + 0.7 * t_se * nz.ar1("t_std", 0.0)
        m["h_mean"] = (1 - hz) * H_MF_MEAN * nz.jitter("h_mean", 0.015, 0.0)
        m["h_zero_frac"] = hz

        # The epoch's actual FM fraction enters the raw-loss mixture.
        fm = s["fm"] * nz.jitter("fm", 0.03)
        mf = s["mf"] * nz.jitter("mf", 0.04)
        raw = hz * fm + (1 - hz) * mf
        m["fm"], m["mf"], m["raw"] = fm, mf, raw

        eps, p = cfg.norm_eps, cfg.norm_p
        sigma = 0.42 * nz.jitter("per_sample_sigma", 0.05)
        samples = np.exp(sigma[:, None] * nz.spread("per_sample", 64))
        samples = raw[:, None] * samples / samples.mean(axis=1, keepdims=True)
        weight = (samples + eps) ** p
        loss = samples / weight
        m["raw_std"] = samples.std(axis=1, ddof=1)
        m["loss_mean"], m["loss_std"] = loss.mean(axis=1), loss.std(axis=1, ddof=1)
        m["aw_mean"], m["aw_std"] = weight.mean(axis=1), weight.std(axis=1, ddof=1)
        m["target"] = TARGET_NORM * nz.jitter("target_norm", 0.004)
        m["relative_error"] = np.sqrt(samples).mean(axis=1) / m["target"]

    def _directions_and_norms(self) -> None:
        """Cosines, and velocity norms solved from the error geometry."""
        s, m, nz, k = self.s, self.m, self.noise, self.k
        cos, ratio = s["cos"], s["ratio"]
        m["cos_V"] = np.clip(cos + (0.002 + 0.01 * cos * (1 - cos)) * nz.ar1("cos_V", 0.3), -1, 1)
        cos_vt = 0.98 * _alignment(0.8 * k) * (1 - 0.6 * s["collapse"])
        vt_noise = (0.002 + 0.012 * cos_vt * (1 - cos_vt)) * nz.ar1("cos_vt", 0.3)
        m["cos_vt"] = np.clip(cos_vt + vt_noise, -1, 1)

        # Extra error from a pathology shows as a larger |V|: the root of
        # err² = 1 + r² − 2·r·cos on the side the healthy ratio is on. The geometry sees the
        # error per sample type, not the sampler's mixture.
        dp = self.cfg.data_proportion
        err2 = (dp * s["fm"] + (1 - dp) * s["mf"]) / TARGET_NORM**2
        root = np.sqrt(np.maximum(cos**2 - 1 + err2, 0.0))
        solved = np.where(ratio >= cos, cos + root, np.maximum(cos - root, 0.02))
        r_jit = nz.jitter("r", 0.008)
        healthy_norm = ratio * r_jit * m["target"]
        v_norm = np.where(err2 > s["err2"] * 1.0001, solved, ratio) * r_jit * m["target"]

        jvp_sigma = 0.05 + 0.35 * np.exp(-k / 0.3)  # noisy early, stable later
        jvp = m["target"] * (0.55 + 1.2 * np.exp(-k / 0.35))
        jvp = (
            jvp * np.exp(jvp_sigma * nz.ar1("jvp", 0.2)) * nz.spikes("jvp", 0.01 * (k < 1), 1.5, 3)
        )
        mf_frac = np.maximum(1 - m["h_zero_frac"], 1e-3)
        floor = 0.05 * m["target"]
        if self.fx.mf_ratio_end is not None:
            # The MF correction absorbs the error: u stays healthy, du/dt explodes.
            u = np.maximum(healthy_norm, floor)
            excess = np.sqrt(np.maximum(v_norm**2 - u**2, 0.0) / mf_frac) / H_MF_MEAN
            jvp = np.maximum(jvp, excess)
        else:
            u = np.maximum(v_norm, floor)
        v_norm = np.sqrt(u**2 + mf_frac * (H_MF_MEAN * jvp) ** 2)
        vt_dev = 0.1 * np.exp(-k / 0.5) * nz.ar1("v_tilde", 0.3) + 0.004 * nz.ar1("v_tilde2")
        m["u"], m["V"], m["jvp"], m["v_tilde"] = u, v_norm, jvp, u * (1 + vt_dev)
        s["overshoot"] = np.maximum(1.0, u / healthy_norm)

    def _gradients(self) -> None:
        """Per-step gradient norms; mean, std, clip fraction and block RMS all come from them."""
        cfg, s, m, nz, k = self.cfg, self.s, self.m, self.noise, self.k
        # The adaptive weight divides the gradient by the error it grows with.
        excess = s["raw"] / s["raw_model"]
        level = (0.33 + 1.4 / (1 + (k / 0.55) ** 2.5)) * excess**-0.25 * nz.jitter("grad", 0.06)
        spread = (0.25 + 0.2 * np.exp(-k / 0.5))[:, None]
        steps = level[:, None] * np.exp(
            spread * nz.spread("grad_steps", cfg.steps_per_epoch) - spread**2 / 2
        )
        steps[:, 0] *= nz.spikes("grad_spike", 0.012, 3.0, 9.0)
        m["grad_mean"] = steps.mean(axis=1)
        m["grad_std"] = steps.std(axis=1, ddof=1) if steps.shape[1] > 1 else np.zeros(self.n)
        m["clip"] = (steps > cfg.gradient_clip_norm).mean(axis=1)

        late = (1 - np.exp(-k / 0.7))[:, None]
        share = (1 - late) * _SHARE_EARLY + late * _SHARE_LATE
        share /= np.linalg.norm(share, axis=1, keepdims=True)
        rms = np.sqrt((steps**2).mean(axis=1))
        blocks = rms[:, None] * share * nz.jitter("blocks", 0.05, 0.4, (len(BLOCKS),))
        for name in self.fx.dead_blocks:
            dead = self.fx.dead_block_norm * nz.jitter(f"dead_{name}", 0.3, 0.3)
            col = BLOCKS.index(name)
            blocks[:, col] = np.where(self.after, dead, blocks[:, col])
        m["blocks"] = blocks

    def _dynamics(self) -> None:
        """Adam steps scale with the learning rate; the EMA lag integrates them."""
        cfg, m, nz = self.cfg, self.m, self.noise
        update = self.lr / 1e-4 * (0.0058 + 0.0014 * np.exp(-self.k)) * nz.jitter("update", 0.03)
        beta2 = (cfg.ema_decay**cfg.steps_per_epoch) ** 2
        # A diverging model drifts coherently, so its EMA falls further behind.
        coherence = 0.08 * (1 + 2.5 * np.log(self.s["divergence"]))
        lag = np.empty(self.n)
        acc = 0.0
        for i in range(self.n):
            acc = beta2 * acc + coherence[i] * update[i] ** 2
            lag[i] = math.sqrt(acc)
        m["update"], m["ema"] = update, lag * nz.jitter("ema", 0.01, 0.8)

    def _outputs(self) -> None:
        """Statistics of the prediction head (x_hat or u)."""
        s, m, nz, k = self.s, self.m, self.noise, self.k
        if self.cfg.prediction == "x":
            std = (1 - 0.93 * np.exp(-k / 0.25)) * s["overshoot"] ** 0.7
        else:
            std = np.sqrt(2) * m["u"] / m["target"] / s["overshoot"] ** 0.3
        std = std * s["kappa"] * nz.jitter("out_std", 0.01)
        mean = -0.15 * np.exp(-k / 0.3) + 0.02 * nz.ar1("out_mean", 0.6)
        tails = nz.jitter("out_tails", 0.05, 0.3, (2,))
        m["out_mean"], m["out_std"] = mean, std
        m["out_min"] = mean - std * 4.4 * tails[:, 0]
        m["out_max"] = mean + std * 4.7 * tails[:, 1]

    def _periodic(self) -> None:
        """Validation, FID, per-channel loss, sample statistics and epoch time."""
        cfg, fx, s, m, nz, k = self.cfg, self.fx, self.s, self.m, self.noise, self.k
        val = s["raw"] / s["train_drop"] * 1.06 * fx.val_gap_end ** (self.prog**1.2)
        m["val_raw"] = val * nz.jitter("val", 0.025, 0.3)  # fixed set: smoother than train
        spread = np.exp(0.42 * np.linspace(-1.6, 1.6, 16))
        per_sample = m["val_raw"][:, None] * spread / spread.mean()
        m["val_loss"] = (per_sample / (per_sample + cfg.norm_eps) ** cfg.norm_p).mean(axis=1)

        s["quality"] = 1 - np.exp(-k / 1.2)
        s["degrade"] = (1 + 5 * s["collapse"]) * (1 + 0.3 * np.log(s["divergence"]))
        fid = (30 + 250 * np.exp(-k / 1.2)) * s["degrade"] * fx.val_gap_end ** (0.3 * self.prog)
        m["fid"] = fid[:, None] * nz.jitter("fid", 0.05, 0.2, (3,))
        m["channel_share"] = _CHANNEL_SHARE * nz.jitter("channels", 0.05, 0.5, (4,))
        m["channel_sum"] = m["raw"] * nz.jitter("channel_sum", 0.01, 0.0)
        m["sample_noise"] = nz.rng("samples").standard_normal((self.n, 3, 4, 2)) * nz.level
        m["consistency_noise"] = nz.jitter("consistency", 0.05, 0.3, (6,))

        due = self.e + 1
        base = (65 + 25 * nz.rng("epoch_time_base").random()) * nz.jitter("epoch_time", 0.015, 0.3)
        extra = (
            6.0 * (due % cfg.val_every == 0)
            + 10.0 * (due % cfg.sample_every == 0)
            + 3.0 * (due % cfg.diag_every == 0)
            + 20.0 * (self.e == 0)  # compilation and cudnn autotuning
        )
        m["epoch_time"] = base * nz.spikes("slow_epoch", 0.01, 1.2, 1.5) + extra

    # -- records ---------------------------------------------------------------------------

    def _record(self, i: int) -> dict[str, Any]:
        m, cfg = self.m, self.cfg
        epoch = int(self.e[i])
        rec: dict[str, Any] = {
            "epoch": epoch,
            "global_step": (epoch + 1) * cfg.steps_per_epoch,
            "loss_mean": _round(m["loss_mean"][i], 9),
            "loss_std": _round(m["loss_std"][i]),
            "raw_loss_mean": _round(m["raw"][i]),
            "raw_loss_std": _round(m["raw_std"][i]),
            "raw_loss_fm_mean": _round(m["fm"][i]),
            "raw_loss_mf_mean": _round(m["mf"][i]),
            "cosine_sim_V_vc": _round(m["cos_V"][i]),
            "cosine_sim_vtilde_vc": _round(m["cos_vt"][i]),
            "relative_error": _round(m["relative_error"][i]),
            "grad_clip_fraction": _round(m["clip"][i]),
            "grad_norm_mean": _round(m["grad_mean"][i]),
            "grad_norm_std": _round(m["grad_std"][i]),
            "block_grad_norms": {b: _round(m["blocks"][i, j]) for j, b in enumerate(BLOCKS)},
            "relative_update_norm": _round(m["update"][i]),
            "ema_divergence": _round(m["ema"][i]),
            "velocity_norms": {
                "u_norm": _round(m["u"][i]),
                "compound_v_norm": _round(m["V"][i]),
                "target_v_norm": _round(m["target"][i]),
                "v_tilde_norm": _round(m["v_tilde"][i]),
                "jvp_norm": _round(m["jvp"][i]),
            },
            "adaptive_weight": {"mean": _round(m["aw_mean"][i]), "std": _round(m["aw_std"][i])},
            ("x_hat_stats" if cfg.prediction == "x" else "u_pred_stats"): {
                "mean": _round(m["out_mean"][i]),
                "std": _round(m["out_std"][i]),
                "min": _round(m["out_min"][i]),
                "max": _round(m["out_max"][i]),
            },
            "learning_rate": _round(self.lr[i]),
            "sampling": {
                "t_mean": _round(m["t_mean"][i]),
                "t_std": _round(m["t_std"][i]),
                "h_mean": _round(m["h_mean"][i]),
                "h_zero_frac": _round(m["h_zero_frac"][i]),
            },
            "epoch_time_sec": _round(m["epoch_time"][i], 5),
        }
        due = epoch + 1
        if due % cfg.val_every == 0:
            rec["val_loss"] = _round(m["val_loss"][i], 9)
            rec["val_raw_loss"] = _round(m["val_raw"][i])
        if cfg.fid_every and due % cfg.fid_every == 0:
            planes = [float(v) for v in m["fid"][i]]
            rec["val_fid_avg"] = _round(sum(planes) / 3, 5)
            for plane, value in zip(("xy", "yz", "zx"), planes, strict=True):
                rec[f"val_fid_{plane}"] = _round(value, 5)
        if due % cfg.diag_every == 0:
            share = m["channel_share"][i] / m["channel_share"][i].sum()
            rec["per_channel_loss"] = [_round(v) for v in share * m["channel_sum"][i]]
        if due % cfg.sample_every == 0:
            rec["generated_samples"] = self._samples(i)
        return rec

    def _samples(self, i: int) -> dict[str, Any]:
        """Sample-archive statistics: std grows toward 1 and 1-NFE converges to 10-step Euler."""
        s, m = self.s, self.m
        quality, kappa = s["quality"][i], s["kappa"][i]
        noise = m["sample_noise"][i]
        stats: dict[str, Any] = {}
        for j, (nfe, low, power) in enumerate(((1, 0.3, 1.0), (5, 0.35, 0.5), (10, 0.4, 0.3))):
            std = (low + (1 - low) * quality) * kappa**power * (1 + 0.04 * noise[j, :, 0])
            mean = _CHANNEL_OFFSET * (1 - quality) * 0.6 + 0.02 * noise[j, :, 1]
            stats[f"nfe_{nfe}"] = {
                "mean": [_round(v) for v in mean],
                "std": [_round(v) for v in std],
                "min": _round(float(mean.min() - std.max() * 4.6)),
                "max": _round(float(mean.max() + std.max() * 4.9)),
            }
        jit = m["consistency_noise"][i]
        mse10 = (0.04 + 0.9 * (1 - quality)) * s["degrade"][i]
        mses = {2: 0.4 * mse10 * jit[0], 5: 0.75 * mse10 * jit[1], 10: mse10 * jit[2]}
        consistency = {f"mse_1vs{n}": _round(v) for n, v in mses.items()}
        for (n, mse), cj in zip(mses.items(), jit[3:], strict=True):
            consistency[f"cosine_1vs{n}"] = _round(float(np.clip(1 - 0.55 * mse * cj, -1, 1)))
        return {"stats": stats, "nfe_consistency": consistency}
