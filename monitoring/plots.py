"""The charts of drift: a feature's (or the probability's) bins, training beside live traffic."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from monitoring.drift import Shift

__all__ = ["shares_figure"]

#: Training in grey, live traffic in blue (Okabe-Ito, as on the advisor page); the bars are side by
#: side, so that the two read apart without colour too.
_TRAINING, _NOW = "#999999", "#0072B2"


def shares_figure(shift: Shift, *, label: str | None = None) -> Figure:
    """Return the share of training and of recent applications in each bin of `shift`, PSI in the title.

    Parameters
    ----------
    shift : Shift
        One feature's (or the probability's) bins and shares.
    label : str, optional
        What the feature is, in words (the feature's name by default).
    """
    names = shift.labels()
    positions = np.arange(len(names))
    figure, axes = plt.subplots(figsize=(max(5.0, 0.55 * len(names) + 2), 3.4))
    axes.bar(positions - 0.2, shift.training, width=0.4, color=_TRAINING, label="training")
    axes.bar(positions + 0.2, shift.now, width=0.4, color=_NOW, label="recent decisions")
    axes.set_xticks(positions, names, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("share of applications")
    axes.legend(frameon=False, fontsize=8)
    axes.set_title(f"{label or shift.name}: PSI {shift.psi:.3f} ({shift.status})", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure
