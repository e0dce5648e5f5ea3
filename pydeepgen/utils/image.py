"""Image grids, as ``torchvision.utils.make_grid`` / ``save_image``.

Images are NCHW (or CHW, HW); values are floats, by default expected in [0, 1]
(``normalize=True`` rescales from ``value_range`` or the data's min/max). Works on pdg
tensors and NumPy arrays; ``make_grid`` returns a pdg tensor of shape (C, H, W), C in {1, 3}
as torchvision gives (single-channel images are repeated to 3 channels).
"""

import math

import numpy as np

__all__ = ["make_grid", "save_image"]


def _to_numpy(x):
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach().numpy()
    if isinstance(x, (list, tuple)):
        x = np.stack([_to_numpy(t) for t in x])
    return np.array(x, dtype=np.float32, copy=True)


def _grid_numpy(x, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
                pad_value=0.0):
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[None]  # a single CHW image
    if x.ndim != 4:
        raise ValueError(f"make_grid: expected images of shape (N, C, H, W), got {x.shape}")
    if x.shape[1] == 1:
        x = np.repeat(x, 3, axis=1)
    if x.shape[0] == 0:
        raise ValueError("make_grid: no images")
    if normalize:
        def norm(img, lo, hi):
            np.clip(img, lo, hi, out=img)
            img -= lo
            img /= max(hi - lo, 1e-5)

        if scale_each:
            for img in x:
                lo, hi = value_range if value_range is not None else (img.min(), img.max())
                norm(img, float(lo), float(hi))
        else:
            lo, hi = value_range if value_range is not None else (x.min(), x.max())
            norm(x, float(lo), float(hi))
    if x.shape[0] == 1:
        return x[0]
    n, c, h, w = x.shape
    xmaps = min(int(nrow), n)
    ymaps = int(math.ceil(n / xmaps))
    height, width = h + padding, w + padding
    grid = np.full((c, height * ymaps + padding, width * xmaps + padding), pad_value, np.float32)
    for k in range(n):
        y, xx = divmod(k, xmaps)
        grid[:, y * height + padding: y * height + padding + h,
             xx * width + padding: xx * width + padding + w] = x[k]
    return grid


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile images into one image with ``nrow`` images per row (torchvision's semantics).

    Args:
        tensor: (N, C, H, W) or (C, H, W) or (H, W) tensor/array, or a list of CHW images.
        nrow: images per row.  padding: pixels between and around images.
        normalize: rescale to [0, 1] using ``value_range=(lo, hi)`` or the data's min/max
            (per image if ``scale_each``).  pad_value: the value of the padding.
    Returns:
        a pdg float32 tensor (C, H', W').
    """
    from .. import from_numpy

    return from_numpy(_grid_numpy(_to_numpy(tensor), nrow, padding, normalize, value_range,
                                  scale_each, pad_value))


def save_image(tensor, fp, nrow=8, padding=2, normalize=False, value_range=None,
               scale_each=False, pad_value=0.0, format=None):
    """Write images as one PNG (or any format Pillow knows) grid, as torchvision does:
    values in [0, 1] (after the optional normalization) become round(255 * v), clamped."""
    from PIL import Image

    grid = _grid_numpy(_to_numpy(tensor), nrow, padding, normalize, value_range, scale_each,
                       pad_value)
    arr = np.clip(grid * 255.0 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    Image.fromarray(arr).save(fp, format=format)
