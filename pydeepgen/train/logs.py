"""Per-epoch logs (JSON lines or CSV) and PNG plots (matplotlib, headless Agg backend)."""

import csv
import json
import math
from pathlib import Path

__all__ = ["EpochLogger", "plot_curves", "save_sample_grid"]


class EpochLogger:
    """Appends one record per epoch to ``path`` (``.jsonl``: one JSON object per line;
    ``.csv``: a header from the first record's keys, later new keys are ignored).

    On resume the file is cut back to the records of the epochs the checkpoint holds, so a
    run interrupted after logging but before checkpointing does not log an epoch twice."""

    def __init__(self, path, fmt="jsonl"):
        if fmt not in ("jsonl", "csv"):
            raise ValueError(f"log format must be 'jsonl' or 'csv', got {fmt!r}")
        self.path = Path(path)
        self.fmt = fmt
        self._fields = None

    def rewrite(self, records):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fields = None
        self.path.write_text("")
        for r in records:
            self.write(r)

    def write(self, record):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "jsonl":
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")
            return
        new = not self.path.exists() or self.path.stat().st_size == 0
        if self._fields is None:
            if new:
                self._fields = list(record)
            else:
                with open(self.path, newline="") as f:
                    self._fields = next(csv.reader(f), list(record))
        with open(self.path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self._fields, extrasaction="ignore")
            if new:
                w.writeheader()
            w.writerow(record)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)  # headless: never needs a display
    import matplotlib.pyplot as plt

    return plt


def plot_curves(history, path, keys=None, title=None, xlabel="epoch"):
    """Plot the numeric series of ``history`` (a list of per-epoch dicts) against the epoch.

    Keys holding "loss" go on the left axis; accuracy-like keys (acc, fid, tvd, rmse, ...)
    on a second panel, so losses and metrics of different scales stay readable."""
    plt = _pyplot()
    if not history:
        return None
    epochs = [r.get("epoch", i + 1) for i, r in enumerate(history)]
    if keys is None:
        keys = [k for k in history[0] if k not in ("epoch", "time", "step", "seconds")
                and not k.startswith("digits_")  # the end-of-run readout: one point
                and isinstance(history[0][k], (int, float))]
    loss_keys = [k for k in keys if "loss" in k]
    other = [k for k in keys if k not in loss_keys]
    panels = [p for p in (loss_keys, other) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for ax, ks in zip(axes[0], panels):
        for k in ks:
            ys = [r.get(k, math.nan) for r in history]
            ax.plot(epochs, ys, marker="o" if len(epochs) < 30 else None, ms=3, label=k)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def save_sample_grid(images, path, nrow=8, value_range=(-1.0, 1.0)):
    """Save generated images (N x C x H x W, or N x D with D a square number) as a PNG grid.
    Values in ``value_range`` (default [-1, 1], the generators' Tanh range) map to [0, 1];
    images smaller than 28 pixels are enlarged (nearest neighbour) to at least 28."""
    import numpy as np

    from ..utils.image import save_image

    a = images.detach().numpy() if hasattr(images, "detach") else np.asarray(images)
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 2:
        side = int(round(math.sqrt(a.shape[1])))
        if side * side != a.shape[1]:
            raise ValueError(f"save_sample_grid: cannot view {a.shape[1]} values as a square image")
        a = a.reshape(-1, 1, side, side)
    if a.shape[-1] < 28:  # small images (8x8 digits): enlarge pixels so the grid is readable
        k = int(math.ceil(28 / a.shape[-1]))
        a = a.repeat(k, axis=-1).repeat(k, axis=-2)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_image(a, path, nrow=nrow, normalize=True, value_range=value_range)
    return Path(path)
