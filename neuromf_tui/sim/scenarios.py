"""Named failure scenarios for the simulator.

A scenario is data, not code: a handful of pathology knobs (`Effects`) that the model in
`model.py` applies from an onset epoch on. Keeping them declarative lets the CLI list and
describe them, lets tests look up the onset and the metric to check, and keeps every scenario
an otherwise healthy, coherent run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Effects:
    """Pathology knobs; the defaults leave a run healthy.

    Knobs that say "from the onset" ramp in over the rest of the run (progress 0 at the onset,
    1 at the last epoch), so a shorter run shows the same story compressed.
    """

    # Geometric learning-rate ramp from `warmup_start_lr` over this fraction of the run.
    warmup_fraction: float = 0.0
    warmup_start_lr: float = 1e-7
    # Factor by which the raw loss has grown (relative to a healthy run) at the last epoch.
    raw_divergence: float = 1.0
    # raw_loss_mf / raw_loss_fm reached at the last epoch (None keeps the healthy 2–5).
    mf_ratio_end: float | None = None
    # Output std multiplier reached after collapse, and its time constant as a run fraction.
    collapse_floor: float = 1.0
    collapse_time: float = 0.1
    # Blocks whose gradient norm is ~`dead_block_norm` from the onset on.
    dead_blocks: tuple[str, ...] = ()
    dead_block_norm: float = 1e-9
    # Sampler drift targets at the last epoch (None: no drift).
    h_zero_frac_end: float | None = None
    t_mean_end: float | None = None
    # Overfitting: train raw loss multiplier and val/healthy-val multiplier at the last epoch.
    train_drop_end: float = 1.0
    val_gap_end: float = 1.0
    # Multiplier on how fast the model learns (1 = healthy).
    learning_speed: float = 1.0


@dataclass(frozen=True)
class Scenario:
    """One named run story: what goes wrong, from when, and where it shows."""

    name: str
    description: str
    key_metrics: tuple[str, ...]
    # Onset as a fraction of the run length; None for a run without pathology.
    onset_fraction: float | None
    # Whether `--onset` may move it (a pathology present from epoch 0 by nature may not).
    onset_adjustable: bool
    effects: Effects

    def onset(self, epochs: int) -> int | None:
        """The default onset epoch for a run of `epochs` epochs."""
        if self.onset_fraction is None:
            return None
        return min(epochs - 1, round(self.onset_fraction * epochs))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            name="healthy",
            description=(
                "A run that learns: raw loss falls ~10x, cosine_sim_V_vc rises from 0 to ~0.95, "
                "clipping fades, u_norm/target_v_norm converges to 1."
            ),
            key_metrics=(),
            onset_fraction=None,
            onset_adjustable=False,
            effects=Effects(),
        ),
        Scenario(
            name="adaptive-masking",
            description=(
                "Raw loss bottoms out at ~28% of the run, then grows ~2,300x; adaptive_weight.mean "
                "tracks it while loss_mean stays at 1.0 (the Phase 4c failure)."
            ),
            key_metrics=("raw_loss_mean", "adaptive_weight.mean", "loss_mean"),
            onset_fraction=0.28,
            onset_adjustable=True,
            effects=Effects(raw_divergence=2300.0),
        ),
        Scenario(
            name="warmup-starvation",
            description=(
                "Learning rate ramps geometrically from 1e-7 over the first half of the run, so "
                "nothing learns until late: flat raw loss, cosine near 0, tiny updates."
            ),
            key_metrics=("learning_rate", "relative_update_norm", "cosine_sim_V_vc"),
            onset_fraction=0.0,
            onset_adjustable=False,
            effects=Effects(warmup_fraction=0.5, warmup_start_lr=1e-7),
        ),
        Scenario(
            name="mf-domination",
            description=(
                "From ~30% of the run the MeanFlow (r<t) loss and jvp_norm explode while "
                "raw_loss_fm_mean and u_norm stay healthy; MF/FM reaches ~1e4."
            ),
            key_metrics=("raw_loss_mf_mean", "raw_loss_fm_mean", "velocity_norms.jvp_norm"),
            onset_fraction=0.3,
            onset_adjustable=True,
            effects=Effects(mf_ratio_end=1e4),
        ),
        Scenario(
            name="mode-collapse",
            description=(
                "From ~50% the prediction std (x_hat_stats / u_pred_stats) and the generated "
                "sample std collapse toward 0, and NFE consistency worsens."
            ),
            key_metrics=("x_hat_stats.std", "u_pred_stats.std", "generated_samples"),
            onset_fraction=0.5,
            onset_adjustable=True,
            effects=Effects(collapse_floor=0.02, collapse_time=0.1),
        ),
        Scenario(
            name="dead-gradients",
            description=(
                "middle_block and down_block_3 gradient norms are ~1e-9 for the whole run; "
                "the rest of the network learns, a little slower."
            ),
            key_metrics=("block_grad_norms.middle_block", "block_grad_norms.down_block_3"),
            onset_fraction=0.0,
            onset_adjustable=True,
            effects=Effects(dead_blocks=("middle_block", "down_block_3"), learning_speed=0.8),
        ),
        Scenario(
            name="sampling-drift",
            description=(
                "From ~50% the time sampler drifts: sampling.h_zero_frac falls from 0.75 toward "
                "0.45 and t_mean rises toward 0.64 (a sampling bug)."
            ),
            key_metrics=("sampling.h_zero_frac", "sampling.t_mean"),
            onset_fraction=0.5,
            onset_adjustable=True,
            effects=Effects(h_zero_frac_end=0.45, t_mean_end=0.64),
        ),
        Scenario(
            name="overfitting",
            description=(
                "From ~40% train raw loss keeps falling while val_raw_loss turns up; "
                "val/train grows from ~1.06 to ~6."
            ),
            key_metrics=("val_raw_loss", "raw_loss_mean"),
            onset_fraction=0.4,
            onset_adjustable=True,
            effects=Effects(train_drop_end=0.5, val_gap_end=3.0),
        ),
    )
}


def scenario_names() -> list[str]:
    """Scenario names in registry order (healthy first)."""
    return list(SCENARIOS)


def get_scenario(name: str) -> Scenario:
    """Look a scenario up by name; the error lists the valid names so a CLI can show it."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r} (choose from: {', '.join(SCENARIOS)})"
        ) from None
