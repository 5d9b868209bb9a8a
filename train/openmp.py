"""The OpenMP setting every command that runs LightGBM starts with."""

from __future__ import annotations

import os

__all__ = ["sleep_idle_threads"]


def sleep_idle_threads() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless the environment already chooses.

    On a shared 2-core machine, spinning made two-thread LightGBM 3-15 times slower than one thread;
    beside one busy process, 150 rounds at Kaggle scale took 28-29 s sleeping and over 100 s spinning.
    OpenMP reads the setting when LightGBM's library loads: call this before lightgbm is imported.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
