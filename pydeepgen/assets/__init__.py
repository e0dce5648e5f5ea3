"""Data files shipped inside the package.

``mnist_cnn.npz``: the MNIST classifier Lipizzaner uses as the FID/TVD feature network
(ALFA-group/lipizzaner-gan, MIT licence, Copyright (c) 2018 Anyscale Learning For All
(ALFA)); see NOTICE and docs/models.md.
"""

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent


def asset_path(name):
    """The path of a shipped asset file (raises FileNotFoundError if it is missing)."""
    p = ASSETS_DIR / name
    if not p.is_file():
        raise FileNotFoundError(f"pydeepgen asset {name!r} is missing from {ASSETS_DIR}")
    return p
